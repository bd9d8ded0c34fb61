//! What the rules query: one file's model and the project's.

pub mod effects;
pub mod file;
pub mod pending;
pub mod project;
pub mod singletons;
pub mod summary;

pub use file::{Call, FileModel, Function, FunctionId, Module, ModuleId};
pub use project::ProjectModel;
