//! Rules linking to docs/reference/resilience-principles.md.

use super::Rule;

pub mod retry_without_backoff;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&retry_without_backoff::RULE];
