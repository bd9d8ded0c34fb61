//! Rules linking to docs/reference/failure-modes.md.

use super::Rule;

pub mod infinite_timeout_remote_call;
pub mod mnesia_partition_unhandled;
pub mod overlapping_partitions_disabled;
pub mod wall_clock_duration;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &wall_clock_duration::RULE,
    &infinite_timeout_remote_call::RULE,
    &mnesia_partition_unhandled::RULE,
    &overlapping_partitions_disabled::RULE,
];
