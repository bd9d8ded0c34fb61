//! Rules linking to docs/reference/gossip-protocols.md.

use super::Rule;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[];
