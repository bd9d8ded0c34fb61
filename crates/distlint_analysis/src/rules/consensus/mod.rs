//! Rules linking to docs/reference/consensus.md.

use super::Rule;

pub mod cross_node_monotonic_time;
pub mod even_sized_raft_cluster;
pub mod quorum_miscalculation;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &even_sized_raft_cluster::RULE,
    &quorum_miscalculation::RULE,
    &cross_node_monotonic_time::RULE,
];
