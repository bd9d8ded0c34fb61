//! Rules linking to docs/reference/event-sourcing.md.

use super::Rule;

pub mod impure_aggregate_apply;
pub mod non_idempotent_event_handler;
pub mod nondeterministic_projection;

/// This topic's rules, in catalogue order.
pub static RULES: &[&Rule] = &[
    &impure_aggregate_apply::RULE,
    &nondeterministic_projection::RULE,
    &non_idempotent_event_handler::RULE,
];
