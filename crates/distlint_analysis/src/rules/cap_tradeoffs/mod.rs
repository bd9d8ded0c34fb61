//! Rules linking to docs/reference/cap-tradeoffs.md.

use super::Rule;

pub mod remote_cast_without_ack;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[&remote_cast_without_ack::RULE];
