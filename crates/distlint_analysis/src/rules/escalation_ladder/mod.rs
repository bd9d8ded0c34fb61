//! Rules linking to docs/reference/escalation-ladder.md.

use super::Rule;

pub mod global_genserver_cache;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&global_genserver_cache::RULE];
