//! Rules linking to docs/reference/failure-modes.md.

pub mod wall_clock_duration;
