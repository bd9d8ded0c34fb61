//! Rules linking to docs/reference/consistent-hashing.md.

use super::Rule;

pub mod mod_n_node_hashing;
pub mod persistent_term_hot_write;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&mod_n_node_hashing::RULE, &persistent_term_hot_write::RULE];
