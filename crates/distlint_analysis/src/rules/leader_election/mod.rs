//! Rules linking to docs/reference/leader-election.md.

use super::Rule;

pub mod global_singleton_without_netsplit_handling;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&global_singleton_without_netsplit_handling::RULE];
