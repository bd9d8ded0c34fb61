//! Rules linking to docs/reference/event-sourcing.md.

use super::Rule;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[];
