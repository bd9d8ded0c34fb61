//! Rules linking to docs/reference/leader-election.md.

use super::Rule;

pub mod cluster_cron_without_leader;
pub mod global_lock_without_fencing;
pub mod global_singleton_without_netsplit_handling;
pub mod horde_already_started_unhandled;
pub mod membership_derived_leader;
pub mod unchecked_global_registration;
pub mod unmaintained_swarm_dependency;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &global_singleton_without_netsplit_handling::RULE,
    &unchecked_global_registration::RULE,
    &horde_already_started_unhandled::RULE,
    &membership_derived_leader::RULE,
    &cluster_cron_without_leader::RULE,
    &global_lock_without_fencing::RULE,
    &unmaintained_swarm_dependency::RULE,
];

/// The whitespace that starts the line holding byte `at`, for quick fixes that
/// write new lines at the same depth.
pub(super) fn line_indent(source: &str, at: usize) -> &str {
    let start = source[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line = &source[start..];
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}
