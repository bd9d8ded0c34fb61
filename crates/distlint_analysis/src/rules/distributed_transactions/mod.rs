//! Rules linking to docs/reference/distributed-transactions.md.

use super::Rule;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[];
