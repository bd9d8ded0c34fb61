//! Rules linking to docs/reference/resilience-principles.md.

use super::Rule;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[];
