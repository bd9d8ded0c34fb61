//! Rules linking to docs/reference/clustering.md.

use super::Rule;

pub mod hardcoded_distribution_cookie;
pub mod rpc_without_timeout;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &hardcoded_distribution_cookie::RULE,
    &rpc_without_timeout::RULE,
];
