//! Rules linking to docs/reference/distributed-transactions.md.

use super::Rule;

pub mod side_effect_in_transaction;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&side_effect_in_transaction::RULE];
