//! Finding the files to lint, their configuration and project, and linting
//! them in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, ConfigError};
use crate::context::{Adjust, Contexts, DeferredProject, FileContext};
use crate::lint::{lint_text_within, FileLint};
use crate::model::pending::{asked_of_pending, Question};
use crate::model::project::SourceFacts;
use crate::model::summary::{summarize_text, FileSummary};
use crate::model::ProjectModel;
use crate::source::SourceFile;
use crate::timings::{self, Phase};

/// Files larger than this are skipped (generated code, data dumps).
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// The text of `path` when it is a regular file of at most [`MAX_FILE_BYTES`]:
/// a named pipe would keep the reader waiting forever, a device or a huge
/// file would fill memory. `None` for anything else, or when it cannot be read.
pub fn read_bounded(path: &Path) -> Option<String> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > MAX_FILE_BYTES {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

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
///
/// Each file is parsed once. The projects' function summaries (see
/// [`ProjectIndex`]) are not read ahead of the lint, which would parse the
/// project's sources a second time: every file is linted with its project's
/// index pending, and its lint summarises it; the indexes are then built
/// from those summaries (parsing only the sources the check did not lint),
/// and the few files whose findings depend on the index (a rule asked it
/// about a function it turns out to hold) are linted again.
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
    contexts.defer_summaries();
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
        if !path.is_file() && !path.is_dir() {
            outcome.problems.push(FileProblem {
                path,
                message:
                    "not a regular file or a directory (a named pipe, socket or device): not read"
                        .to_string(),
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

    // The paths that do not exist come first, then the files' problems by path.
    let missing = outcome.problems.len();
    let results: Vec<Result<Linted, FileProblem>> = jobs.into_par_iter().map(lint_job).collect();
    let mut asked: Vec<(usize, Vec<Question>)> = Vec::new();
    let mut facts: HashMap<PathBuf, SourceFacts> = HashMap::new();
    for result in results {
        match result {
            Ok(linted) => {
                if !linted.asked.is_empty() {
                    asked.push((outcome.files.len(), linted.asked));
                }
                if let Some(file_facts) = linted.facts {
                    facts.insert(linted.report.path.clone(), file_facts);
                }
                outcome.files.push(linted.report);
            }
            Err(problem) => outcome.problems.push(problem),
        }
    }

    let started = timings::start();
    let built = complete_projects(contexts.take_deferred(), &outcome.files, &facts);
    drop(facts);
    // Linted again, with the project built, if it answers a question otherwise.
    let again: Vec<usize> = asked
        .into_iter()
        .filter(|(index, questions)| {
            let pending = &outcome.files[*index].project;
            let Some(built) = built.get(&(Arc::as_ptr(pending) as usize)) else {
                return false;
            };
            questions.iter().any(|q| q.answer_changes(pending, built))
        })
        .map(|(index, _)| index)
        .collect();
    for report in &mut outcome.files {
        if let Some(project) = built.get(&(Arc::as_ptr(&report.project) as usize)) {
            report.project = project.clone();
        }
    }
    timings::record(Phase::Index, started);

    let relinted: Vec<(usize, Result<FileLint, FileProblem>)> = again
        .into_par_iter()
        .map(|index| (index, relint(&outcome.files[index])))
        .collect();
    let mut dropped = Vec::new();
    for (index, result) in relinted {
        match result {
            Ok(lint) => outcome.files[index].lint = lint,
            Err(problem) => {
                // In path order among the problems of the files found.
                let at = missing
                    + outcome.problems[missing..].partition_point(|p| p.path < problem.path);
                outcome.problems.insert(at, problem);
                dropped.push(index);
            }
        }
    }
    for index in dropped.into_iter().rev() {
        outcome.files.remove(index);
    }
    Ok(outcome)
}

/// One file linted with its project pending.
struct Linted {
    report: FileReport,
    /// The questions its lint asked of the pending project (see
    /// [`asked_of_pending`]).
    asked: Vec<Question>,
    /// The file's facts, when its project reads them (see [`SourceFacts`]).
    facts: Option<SourceFacts>,
}

/// Completes the pending `deferred` projects (see [`ProjectModel::complete`])
/// with the summaries and facts the lint read from the files in `reports`
/// (the other sources are parsed), and returns each by the address of the
/// pending one (which the reports hold).
fn complete_projects(
    deferred: Vec<DeferredProject>,
    reports: &[FileReport],
    facts: &HashMap<PathBuf, SourceFacts>,
) -> HashMap<usize, Arc<ProjectModel>> {
    let summaries: HashMap<&Path, &FileSummary> = reports
        .iter()
        .map(|report| (report.path.as_path(), &report.lint.summary))
        .collect();
    deferred
        .into_par_iter()
        .map(|(project, sources)| {
            let built = project.complete(
                &sources,
                |path, text| match facts.get(path) {
                    Some(facts) => facts.clone(),
                    None => SourceFacts::of_file(path, text),
                },
                |path, text| match summaries.get(path) {
                    Some(summary) => (*summary).clone(),
                    None => summarize_text(text),
                },
            );
            (Arc::as_ptr(&project) as usize, Arc::new(built))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// Lints a file again (parsing it again), with its project's index built.
fn relint(report: &FileReport) -> Result<FileLint, FileProblem> {
    lint_text_within(
        report.source.text(),
        &report.relative,
        &report.project,
        &report.config,
    )
    .map(|(_, lint)| lint)
    .map_err(|stopped| FileProblem {
        path: report.path.clone(),
        message: stopped.message(),
    })
}

/// Reads and lints one file; unreadable, binary, non-UTF-8 and huge files,
/// and files over their time budget, become problems with a message, never a
/// crash or a hang.
fn lint_job(job: Job) -> Result<Linted, FileProblem> {
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
    let (linted, asked) =
        asked_of_pending(|| lint_text_within(&text, &relative, &project, &config));
    let (parsed, lint) = linted.map_err(|stopped| problem(stopped.message()))?;
    // What the project reads from this file, from this parse.
    let facts = (project.facts_pending && project.is_fact_source(&job.path))
        .then(|| SourceFacts::of_parsed(&parsed));
    Ok(Linted {
        report: FileReport {
            path: job.path,
            source: parsed.source,
            lint,
            config,
            project,
            relative,
        },
        asked,
        facts,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::lint_text;
    use crate::test_files::write;

    fn findings(lint: &FileLint) -> Vec<(&'static str, std::ops::Range<usize>, String)> {
        lint.diagnostics
            .iter()
            .map(|d| (d.rule, d.range.clone(), d.message.clone()))
            .collect()
    }

    /// `check` builds the project's summaries from its own lint and lints
    /// again only the files that need them: every file must get the findings
    /// of a lint with the project read ahead (as the editor does).
    #[test]
    fn findings_equal_a_lint_with_the_project_read_ahead() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(
            &dir,
            "mix.exs",
            "defmodule App.MixProject do\n  use Mix.Project\n  def project, do: [app: :app]\nend\n",
        );
        // Written twice: save/1 writes in one clause of two, so it does not always write.
        write(
            &dir,
            "lib/store.ex",
            "defmodule App.Store do\n  def save(x), do: x\nend\n\ndefmodule App.Store do\n  def save(x), do: :persistent_term.put({__MODULE__, :k}, x)\nend\n",
        );
        write(
            &dir,
            "lib/server.ex",
            "defmodule App.Server do\n  use GenServer\n  def handle_cast({:save, x}, s) do\n    App.Store.save(x)\n    {:noreply, s}\n  end\nend\n",
        );
        write(
            &dir,
            "lib/writer.ex",
            "defmodule App.Writer do\n  def write(x), do: :persistent_term.put({__MODULE__, x}, x)\nend\n",
        );
        write(
            &dir,
            "lib/hot.ex",
            "defmodule App.Hot do\n  use GenServer\n  def handle_cast({:w, x}, s) do\n    App.Writer.write(x)\n    {:noreply, s}\n  end\n  def handle_call(:all, _from, s) do\n    {results, _} = App.Cluster.everywhere(Cache, :refresh, [])\n    {:reply, results, s}\n  end\nend\n",
        );
        write(
            &dir,
            "lib/cluster.ex",
            "defmodule App.Cluster do\n  def everywhere(m, f, a), do: :rpc.multicall(m, f, a, 5_000)\nend\n",
        );
        // A :global singleton whose start a watcher elsewhere handles (a
        // fact read by parsing the watcher), and one that nobody watches.
        write(
            &dir,
            "lib/ticker.ex",
            "defmodule App.Ticker do\n  use GenServer\n  def start_link(n), do: GenServer.start_link(__MODULE__, n, name: {:global, __MODULE__})\n  def init(n), do: {:ok, n}\nend\n",
        );
        write(
            &dir,
            "lib/watcher.ex",
            "defmodule App.Watcher do\n  def watch(n) do\n    case App.Ticker.start_link(n) do\n      {:ok, pid} -> Process.monitor(pid)\n      {:error, {:already_started, pid}} -> Process.monitor(pid)\n    end\n  end\nend\n",
        );
        write(
            &dir,
            "lib/lonely.ex",
            "defmodule App.Lonely do\n  use GenServer\n  def start_link(n), do: GenServer.start_link(__MODULE__, n, name: {:global, __MODULE__})\n  def init(n), do: {:ok, n}\nend\n",
        );
        write(
            &dir,
            "test/hot_test.exs",
            "defmodule App.HotTest do\n  def t, do: App.Writer.write(1)\nend\n",
        );
        let request = CheckRequest {
            paths: vec![dir.clone()],
            lint_tests: true,
            ..CheckRequest::default()
        };
        let outcome = check(&request).unwrap();
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        let project = ProjectModel::load(&dir);
        let mut rules_found = Vec::new();
        for report in &outcome.files {
            assert!(!report.project.summaries.is_pending() && !report.project.facts_pending);
            let (_, expected) = lint_text(
                report.source.text(),
                &report.relative,
                &project,
                &report.config,
            );
            assert_eq!(
                findings(&report.lint),
                findings(&expected),
                "{}",
                report.relative.display()
            );
            assert_eq!(report.lint.summary, expected.summary);
            rules_found.extend(
                report
                    .lint
                    .diagnostics
                    .iter()
                    .map(|d| (report.relative.to_str().unwrap().to_string(), d.rule)),
            );
        }
        // Through the index: the file is linted again once it is built.
        assert!(rules_found.contains(&("lib/hot.ex".to_string(), "persistent-term-hot-write")));
        assert!(rules_found.contains(&("lib/hot.ex".to_string(), "ignored-multicall-bad-nodes")));
        assert!(!rules_found.iter().any(|(path, _)| path == "lib/server.ex"));
        // Through the facts: the same.
        let singleton = "global-singleton-without-netsplit-handling";
        assert!(rules_found.contains(&("lib/lonely.ex".to_string(), singleton)));
        assert!(!rules_found.contains(&("lib/ticker.ex".to_string(), singleton)));

        // One file named alone: the others are summarised from disk.
        let request = CheckRequest {
            paths: vec![dir.join("lib/hot.ex")],
            ..CheckRequest::default()
        };
        let alone = check(&request).unwrap();
        let hot = outcome
            .files
            .iter()
            .find(|r| r.relative == Path::new("lib/hot.ex"))
            .unwrap();
        assert_eq!(findings(&alone.files[0].lint), findings(&hot.lint));
    }
}
