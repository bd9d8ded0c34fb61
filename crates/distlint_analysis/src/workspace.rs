//! Finding the files to lint, their configuration and project, and linting
//! them in parallel.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, ConfigError};
use crate::context::{Adjust, Contexts, FileContext};
use crate::lint::{lint_text_within, FileLint};
use crate::model::ProjectModel;
use crate::source::SourceFile;
use crate::timings::{self, Phase};

/// Files larger than this are skipped (generated code, data dumps).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// What to check.
#[derive(Clone, Debug, Default)]
pub struct CheckRequest {
    pub paths: Vec<PathBuf>,
    /// `--config FILE`: use this file instead of discovering `.distlint.toml`.
    pub config_file: Option<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// `--lint-tests`: report in test code too, whatever the config file says.
    pub lint_tests: bool,
}

impl CheckRequest {
    /// The command-line options, applied to every configuration file.
    fn adjustment(&self) -> Adjust {
        let (select, ignore, lint_tests) =
            (self.select.clone(), self.ignore.clone(), self.lint_tests);
        Arc::new(move |mut config: Config| {
            config.override_with(&select, &ignore)?;
            config.lint_tests |= lint_tests;
            Ok(config)
        })
    }
}

/// Why `check` could not start.
#[derive(Debug)]
pub enum CheckError {
    Config(ConfigError),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Config(err) => write!(f, "{err}"),
        }
    }
}

/// One linted file.
#[derive(Debug)]
pub struct FileReport {
    /// The path as found (absolute).
    pub path: PathBuf,
    pub source: SourceFile,
    pub lint: FileLint,
    pub config: Arc<Config>,
    /// The file's project and its path relative to `config.root`: what it
    /// was linted with (`--fix` lints it again with them).
    pub project: Arc<ProjectModel>,
    pub relative: PathBuf,
}

/// A file that could not be linted, and why (in words for the reader).
#[derive(Debug)]
pub struct FileProblem {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct CheckOutcome {
    /// Sorted by path.
    pub files: Vec<FileReport>,
    pub problems: Vec<FileProblem>,
}

/// One file to lint with everything it needs.
struct Job {
    path: PathBuf,
    context: FileContext,
}

/// Discovers the files under `request.paths` and lints them in parallel, each
/// with its own configuration and project ([`Contexts`], as in the editor).
pub fn check(request: &CheckRequest) -> Result<CheckOutcome, CheckError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let adjust = request.adjustment();
    let explicit = match &request.config_file {
        Some(file) => Some(
            Config::load(file)
                .and_then(|config| adjust(config))
                .map_err(CheckError::Config)?,
        ),
        None => None,
    };
    let mut contexts = Contexts::new(std::slice::from_ref(&cwd), explicit, adjust);
    let mut jobs = Vec::new();
    let mut outcome = CheckOutcome::default();
    let started = timings::start();
    for path in &request.paths {
        let path = absolute(&cwd, path);
        if !path.exists() {
            // Reported like an unreadable file: the other paths are still checked.
            outcome.problems.push(FileProblem {
                path,
                message: "no such file or directory (check the path; `distlint check` with no path checks the current directory)".to_string(),
            });
            continue;
        }
        for (path, context) in
            files_with_contexts(&mut contexts, &path).map_err(CheckError::Config)?
        {
            jobs.push(Job { path, context });
        }
    }
    jobs.sort_by(|a, b| a.path.cmp(&b.path));
    jobs.dedup_by(|a, b| a.path == b.path);
    timings::record(Phase::Discover, started);

    let results: Vec<Result<FileReport, FileProblem>> =
        jobs.into_par_iter().map(lint_job).collect();
    for result in results {
        match result {
            Ok(report) => outcome.files.push(report),
            Err(problem) => outcome.problems.push(problem),
        }
    }
    Ok(outcome)
}

/// Reads and lints one file; unreadable, binary, non-UTF-8 and huge files,
/// and files over their time budget, become problems with a message, never a
/// crash or a hang.
fn lint_job(job: Job) -> Result<FileReport, FileProblem> {
    let problem = |message: String| FileProblem {
        path: job.path.clone(),
        message,
    };
    let size = std::fs::metadata(&job.path)
        .map_err(|err| problem(format!("cannot read file: {err}")))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(problem(format!(
            "skipped: {size} bytes is over the {MAX_FILE_BYTES}-byte limit for one file (exclude generated files in .distlint.toml)"
        )));
    }
    let started = timings::start();
    let bytes =
        std::fs::read(&job.path).map_err(|err| problem(format!("cannot read file: {err}")))?;
    timings::record(Phase::Read, started);
    if bytes.contains(&0) {
        return Err(problem(
            "skipped: this looks like a binary file (it contains NUL bytes)".to_string(),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        problem(format!(
            "skipped: not valid UTF-8 (first bad byte at offset {}); Elixir source must be UTF-8",
            err.utf8_error().valid_up_to()
        ))
    })?;
    let FileContext {
        config,
        project,
        relative,
    } = job.context;
    // Bounded: a file that takes longer than its budget is skipped with the reason.
    let (parsed, lint) = lint_text_within(&text, &relative, &project, &config)
        .map_err(|stopped| problem(stopped.message()))?;
    Ok(FileReport {
        path: job.path,
        source: parsed.source,
        lint,
        config,
        project,
        relative,
    })
}

/// The Elixir files under `path`, each with its context: what `distlint check`
/// lints, and what the editor's workspace scan lints. A file named explicitly
/// is always linted; the files of a directory honour .gitignore and the
/// excludes of their own configuration.
pub fn files_with_contexts(
    contexts: &mut Contexts,
    path: &Path,
) -> Result<Vec<(PathBuf, FileContext)>, ConfigError> {
    let named_file = path.is_file();
    let dir = if named_file {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    let walk_config = contexts.config_for_dir(dir)?;
    let mut files = Vec::new();
    for file in files_under(path, &walk_config) {
        let context = contexts.for_file(&file)?;
        // A nested configuration's excludes apply to its own files.
        if !named_file && context.config.is_excluded(&context.relative) {
            continue;
        }
        files.push((file, context));
    }
    Ok(files)
}

/// Elixir files under `path`, honouring .gitignore and the config's excludes.
/// A file named explicitly is always linted.
pub fn files_under(path: &Path, config: &Config) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let root = config.root.clone();
    let excluded = {
        let config = config.clone();
        move |entry: &ignore::DirEntry| {
            let relative = entry.path().strip_prefix(&root).unwrap_or(entry.path());
            !config.is_excluded(relative)
        }
    };
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(path)
        .require_git(false)
        .filter_entry(excluded)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .filter(|p| is_elixir_file(p))
        .collect();
    files.sort();
    files
}

pub fn is_elixir_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "ex" || ext == "exs")
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    };
    // Normalise `.` and `..` lexically so displayed paths stay short.
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
