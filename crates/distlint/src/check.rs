//! `distlint check`.

use std::io::Write;
use std::path::{Path, PathBuf};

use distlint_analysis::workspace::{self, CheckRequest};
use distlint_analysis::Severity;

use crate::cli::{CheckArgs, Format};
use crate::exit;
use crate::output::{human, json, Report};

pub fn run(args: &CheckArgs) -> u8 {
    let request = CheckRequest {
        paths: args.paths.clone(),
        config_file: args.config.clone(),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        lint_tests: args.lint_tests,
    };
    let outcome = match workspace::check(&request) {
        Ok(outcome) => outcome,
        Err(err) => {
            eprintln!("distlint: error: {err}");
            return exit::ERROR;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let report = Report::new(&outcome, &cwd);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Json => json::write(&mut out, &report),
        Format::Human => human::write(&mut out, &report, args.color.enabled()),
        Format::Concise => human::write_concise(&mut out, &report, args.color.enabled()),
    };
    if let Err(err) = written.and_then(|_| out.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("distlint: error: cannot write the report: {err}");
            return exit::ERROR;
        }
    }
    for problem in &report.problems {
        eprintln!("distlint: error: {}: {}", problem.path, problem.message);
    }
    if args.format != Format::Json {
        for note in &report.parse_notes {
            eprintln!("distlint: note: {note}");
        }
    }
    if !report.problems.is_empty() {
        exit::ERROR
    } else if report
        .diagnostics
        .iter()
        .any(|d| d.diagnostic.severity >= Severity::Warning)
    {
        exit::FINDINGS
    } else {
        exit::CLEAN
    }
}

/// `path` relative to `cwd` when it is inside it, else as is.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let shown: PathBuf = path
        .strip_prefix(cwd)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    shown.display().to_string()
}
