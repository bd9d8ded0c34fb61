//! Rules name call effects through here; the knowledge lives in the model
//! (`model::effects`), where the project's function summaries use it too.

pub use crate::model::effects::*;
