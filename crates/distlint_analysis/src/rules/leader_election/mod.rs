//! Rules linking to docs/reference/leader-election.md.

pub mod global_singleton_without_netsplit_handling;
