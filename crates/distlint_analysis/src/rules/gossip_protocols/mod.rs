//! Rules linking to docs/reference/gossip-protocols.md.

use super::Rule;

pub mod delta_crdt_dynamic_atoms;
pub mod libcluster_gossip_without_secret;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &libcluster_gossip_without_secret::RULE,
    &delta_crdt_dynamic_atoms::RULE,
];
