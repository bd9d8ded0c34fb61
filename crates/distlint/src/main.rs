//! The `distlint` command: `check`, `rules`, `rule NAME`, `review`, `server`.
//!
//! Exit codes: 0 no warning or error findings; 1 warning or error findings;
//! 2 usage, configuration or I/O error (including files that could not be linted).

mod check;
mod cli;
mod output;
mod review;
mod rules;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

/// Documented exit codes.
pub mod exit {
    pub const CLEAN: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let code = if err.use_stderr() {
                exit::ERROR
            } else {
                exit::CLEAN
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Rules(args) => rules::list(&args),
        Command::Rule(args) => rules::explain(&args),
        Command::Review(args) => review::run(&args),
        Command::Server(_) => {
            // 0 after shutdown + exit, 1 after exit alone (LSP), 2 if the runtime fails.
            let code = distlint_server::run_stdio();
            u8::try_from(code).unwrap_or(exit::ERROR)
        }
    };
    ExitCode::from(code)
}
