//! distlint's analysis: Elixir source text in, distributed-systems diagnostics out.
//!
//! Start at [`lint::lint_text`]; see ARCHITECTURE.md for the map.

pub mod baseline;
pub mod config;
pub mod context;
pub mod diagnostic;
pub mod docs;
pub mod fix;
pub mod lint;
pub mod model;
pub mod parse;
pub mod region;
pub mod review;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;
#[cfg(test)]
mod test_files;
pub mod timings;
pub mod workspace;

pub use config::{Config, ConfigError};
pub use diagnostic::{Diagnostic, Fix, Severity, TextEdit};
pub use lint::{lint_parsed, lint_text, FileLint};
pub use source::{ColumnUnit, LineCol, SourceFile, TextRange};
