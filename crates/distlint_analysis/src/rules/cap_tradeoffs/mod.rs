//! Rules linking to docs/reference/cap-tradeoffs.md.

use super::Rule;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[];
