//! Rules linking to docs/reference/consensus.md.

use super::Rule;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[];
