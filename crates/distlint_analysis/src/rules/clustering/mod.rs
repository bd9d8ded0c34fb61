//! Rules linking to docs/reference/clustering.md.

pub mod hardcoded_distribution_cookie;
pub mod rpc_without_timeout;
