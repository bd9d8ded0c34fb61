//! Rules linking to docs/reference/clustering.md.

use super::Rule;

pub mod compile_time_node_list;
pub mod deprecated_pg2;
pub mod hardcoded_distribution_cookie;
pub mod ignored_multicall_bad_nodes;
pub mod prefer_erpc_over_rpc;
pub mod remote_anonymous_function;
pub mod rpc_without_timeout;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &hardcoded_distribution_cookie::RULE,
    &rpc_without_timeout::RULE,
    &prefer_erpc_over_rpc::RULE,
    &remote_anonymous_function::RULE,
    &compile_time_node_list::RULE,
    &deprecated_pg2::RULE,
    &ignored_multicall_bad_nodes::RULE,
];
