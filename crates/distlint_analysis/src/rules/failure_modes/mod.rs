//! Rules linking to docs/reference/failure-modes.md.

use super::Rule;

pub mod wall_clock_duration;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&wall_clock_duration::RULE];
