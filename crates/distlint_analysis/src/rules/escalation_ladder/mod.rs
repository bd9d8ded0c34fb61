//! Rules linking to docs/reference/escalation-ladder.md.

pub mod global_genserver_cache;
