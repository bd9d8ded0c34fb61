//! Parsing Elixir with tree-sitter-elixir, within a budget.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

use crate::source::SourceFile;

/// A source file and its syntax tree.
pub struct ParsedFile {
    pub source: SourceFile,
    pub tree: Tree,
}

thread_local! {
    // A parser per thread: creating one per file costs more than parsing a small file.
    static PARSER: RefCell<Parser> = RefCell::new(new_parser());
    // One for parses of parts of a text (its included ranges stay set).
    static RANGE_PARSER: RefCell<Parser> = RefCell::new(new_parser());
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_elixir::LANGUAGE.into())
        .expect("tree-sitter-elixir is built against a compatible tree-sitter ABI");
    parser
}

/// The environment variable that sets the per-file budget, in milliseconds.
pub const BUDGET_ENV: &str = "DISTLINT_FILE_BUDGET_MS";

/// How long parsing and linting one file may take: 2 s plus 1 s per MB of
/// text, or [`BUDGET_ENV`] milliseconds when that is set.
///
/// Time stands for memory too: on the inputs that make tree-sitter-elixir
/// slow (its work grows with the square of the file's size on some shapes),
/// the memory it holds grows with the time it has spent, by some 100–300 MB
/// a second, so a file stopped at its budget cannot take the machine's memory.
pub fn file_budget(text_len: usize) -> Duration {
    if let Some(ms) = std::env::var(BUDGET_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Duration::from_millis(ms);
    }
    // 1 µs a byte: a second a megabyte, far more than real code needs.
    Duration::from_secs(2) + Duration::from_micros(text_len as u64)
}

/// Why a file was not parsed or linted to the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// It took longer than its budget.
    OverBudget(Duration),
    /// A newer version of the text made this one moot (the editor).
    Cancelled,
}

impl Stopped {
    /// The reason, in words for the reader.
    pub fn message(&self) -> String {
        match self {
            Stopped::OverBudget(budget) => format!(
                "skipped: parsing and linting it took longer than the per-file budget of {} ms (generated or pathological code?); exclude it in .distlint.toml, or set {BUDGET_ENV} to allow more",
                budget.as_millis()
            ),
            Stopped::Cancelled => "cancelled: a newer version of the text arrived".to_string(),
        }
    }
}

/// A parse that was given up on but is still running (in a step that no
/// progress callback interrupts); dropping it leaves it to finish alone.
#[derive(Debug)]
pub struct Straggler(std::thread::JoinHandle<()>);

impl Straggler {
    /// Blocks until that parse has ended and freed its memory.
    pub fn wait(self) {
        let _ = self.0.join();
    }
}

/// A parse for a [`Worker`].
struct Job {
    text: std::sync::Arc<str>,
    old_tree: Option<Tree>,
    deadline: Instant,
    abandoned: std::sync::Arc<AtomicBool>,
    reply: std::sync::mpsc::Sender<Option<Tree>>,
}

/// The thread a calling thread's parses run on (see
/// [`ParsedFile::parse_within`]), kept between parses: starting a thread,
/// and a parser on it, per file cost more than parsing a small file. A
/// parse given up on takes its worker with it; the next parse starts another.
struct Worker {
    jobs: std::sync::mpsc::Sender<Job>,
    thread: std::thread::JoinHandle<()>,
}

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

impl Worker {
    /// This thread's worker, or a new one (`None` when no thread can be started).
    fn take() -> Option<Worker> {
        if let Some(worker) = WORKER.with(|worker| worker.borrow_mut().take()) {
            if !worker.thread.is_finished() {
                return Some(worker);
            }
        }
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("distlint-parse".to_string())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    let tree = PARSER.with(|parser| {
                        let mut parser = parser.borrow_mut();
                        let bytes = job.text.as_bytes();
                        let mut read = |offset: usize, _| bytes.get(offset..).unwrap_or_default();
                        let mut progress = |_: &ParseState| {
                            job.abandoned.load(Ordering::Relaxed) || Instant::now() > job.deadline
                        };
                        let options = ParseOptions::new().progress_callback(&mut progress);
                        let tree = parser.parse_with_options(
                            &mut read,
                            job.old_tree.as_ref(),
                            Some(options),
                        );
                        if tree.is_none() {
                            // A cancelled parse would otherwise resume on the next call.
                            parser.reset();
                        }
                        tree
                    });
                    let _ = job.reply.send(tree);
                }
            })
            .ok()?;
        Some(Worker { jobs, thread })
    }

    /// Hands it `job`; `None` if it has stopped.
    fn start(self, job: Job) -> Option<Worker> {
        self.jobs.send(job).ok()?;
        Some(self)
    }

    /// Back to this thread, for its next parse.
    fn keep(self) {
        WORKER.with(|worker| *worker.borrow_mut() = Some(self));
    }

    /// Given up on while parsing: its queue closes, so it ends with that
    /// parse; the parse, if still running.
    fn retire(self) -> Option<Straggler> {
        drop(self.jobs);
        (!self.thread.is_finished()).then_some(Straggler(self.thread))
    }
}

/// When to stop working on one file: a deadline and, in the editor, a flag
/// that a newer version of the text sets.
#[derive(Clone, Copy, Debug)]
pub struct Limit<'a> {
    pub deadline: Instant,
    pub budget: Duration,
    pub cancel: Option<&'a AtomicBool>,
}

impl<'a> Limit<'a> {
    /// The default budget for a text of `len` bytes, starting now.
    pub fn for_len(len: usize, cancel: Option<&'a AtomicBool>) -> Limit<'a> {
        let budget = file_budget(len);
        Limit {
            deadline: Instant::now() + budget,
            budget,
            cancel,
        }
    }

    /// `Some` once the work should stop.
    pub fn check(&self) -> Option<Stopped> {
        if self.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            Some(Stopped::Cancelled)
        } else if Instant::now() > self.deadline {
            Some(Stopped::OverBudget(self.budget))
        } else {
            None
        }
    }
}

impl ParsedFile {
    /// Parses `text` within the default budget (see [`file_budget`]), as far
    /// as tree-sitter's progress callback can tell (a step it cannot
    /// interrupt runs to its end). A text over its budget gets an empty
    /// tree: the callers that report files (the CLI and the editor) use
    /// [`ParsedFile::parse_within`] and say so; the others (project facts,
    /// summaries) then read nothing from it.
    pub fn parse(text: &str) -> ParsedFile {
        ParsedFile::from_source(SourceFile::new(text))
    }

    pub fn from_source(source: SourceFile) -> ParsedFile {
        ParsedFile::reparse(source, None)
    }

    /// Parses `source`, reusing `old_tree` (already `edit`ed to match) so only
    /// the changed region is parsed again, within the default budget (an
    /// empty tree past it, as [`ParsedFile::parse`]).
    pub fn reparse(source: SourceFile, old_tree: Option<&Tree>) -> ParsedFile {
        // On this thread (no thread per parse for the many small parses of
        // project facts and tests): bounded by the progress callback only.
        let limit = Limit::for_len(source.text().len(), None);
        match ParsedFile::parse_here(source, old_tree, &limit) {
            Ok(parsed) => parsed,
            Err((source, _)) => {
                let tree = PARSER
                    .with(|parser| parser.borrow_mut().parse("", None))
                    .unwrap_or_else(|| {
                        new_parser()
                            .parse("", None)
                            .expect("an uncancelled parse always yields a tree")
                    });
                ParsedFile { source, tree }
            }
        }
    }

    /// Parses `source` (reusing `old_tree`, already `edit`ed to match), giving
    /// up when `limit` says so; the source comes back with the reason.
    ///
    /// tree-sitter checks its progress callback between parse steps, but on
    /// the shapes that make it quadratic the cost sits in one step (the last
    /// reduction of a long run of forms), which no callback interrupts. So
    /// the parse runs on another thread (the calling thread's worker, kept
    /// from one parse to the next) and this waits for it only until the
    /// deadline: past it, the parse is told to stop, left to finish on its
    /// own (its tree is dropped, its worker ends) and the caller moves on.
    #[allow(clippy::result_large_err)]
    pub fn parse_within(
        source: SourceFile,
        old_tree: Option<&Tree>,
        limit: &Limit,
    ) -> Result<ParsedFile, (SourceFile, Stopped)> {
        ParsedFile::parse_within_or_straggle(source, old_tree, limit)
            .map_err(|(source, stopped, _)| (source, stopped))
    }

    /// [`ParsedFile::parse_within`], and when it stopped waiting for a parse
    /// that is still running, that parse (to wait for before starting another
    /// of the same text: the editor's way to keep one at a time per document).
    #[allow(clippy::result_large_err, clippy::type_complexity)]
    pub fn parse_within_or_straggle(
        source: SourceFile,
        old_tree: Option<&Tree>,
        limit: &Limit,
    ) -> Result<ParsedFile, (SourceFile, Stopped, Option<Straggler>)> {
        if let Some(stopped) = limit.check() {
            return Err((source, stopped, None));
        }
        let text: std::sync::Arc<str> = source.text().into();
        let (deadline, budget) = (limit.deadline, limit.budget);
        // Set when the caller stopped waiting; the caller's own cancel flag
        // is polled here and passed on.
        let abandoned = std::sync::Arc::new(AtomicBool::new(false));
        let (reply, receive) = std::sync::mpsc::channel();
        let job = Job {
            text,
            old_tree: old_tree.cloned(),
            deadline,
            abandoned: abandoned.clone(),
            reply,
        };
        let worker = match Worker::take().and_then(|worker| worker.start(job)) {
            Some(worker) => worker,
            // No thread to be had: parse here, bounded by the callback alone.
            None => {
                return ParsedFile::parse_here(source, old_tree, limit)
                    .map_err(|(source, stopped)| (source, stopped, None))
            }
        };
        let tree = loop {
            // Short, so that a cancelled job (a newer edit) frees its
            // document for the next one within a couple of milliseconds.
            let wait =
                Duration::from_millis(2).min(deadline.saturating_duration_since(Instant::now()));
            match receive.recv_timeout(wait) {
                Ok(tree) => break tree,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if let Some(stopped) = limit.check() {
                        abandoned.store(true, Ordering::Relaxed);
                        // The worker ends once that parse has: it gets no
                        // other job (its queue closes here).
                        let straggler = worker.retire();
                        return Err((source, stopped, straggler));
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break None,
            }
        };
        // Free again: the next parse on this thread reuses it.
        worker.keep();
        match tree {
            Some(tree) if Instant::now() <= deadline => Ok(ParsedFile { source, tree }),
            Some(_) => Err((source, Stopped::OverBudget(budget), None)),
            None => match limit.check() {
                Some(stopped) => Err((source, stopped, None)),
                None => Err((source, Stopped::OverBudget(budget), None)),
            },
        }
    }

    /// The tree of only `ranges` of `text` (sorted, disjoint), read as one
    /// text with the positions of the whole (tree-sitter's included ranges);
    /// `None` past `limit` or for ranges tree-sitter refuses. On this thread:
    /// for small parts (see `region.rs`).
    pub fn parse_ranges(
        text: &str,
        ranges: &[tree_sitter::Range],
        limit: Duration,
    ) -> Option<Tree> {
        let deadline = Instant::now() + limit;
        RANGE_PARSER.with(|parser| {
            let mut parser = parser.borrow_mut();
            parser.set_included_ranges(ranges).ok()?;
            let bytes = text.as_bytes();
            let mut read = |offset: usize, _| bytes.get(offset..).unwrap_or_default();
            let mut progress = |_: &ParseState| Instant::now() > deadline;
            let options = ParseOptions::new().progress_callback(&mut progress);
            let tree = parser.parse_with_options(&mut read, None, Some(options));
            if tree.is_none() {
                parser.reset();
            }
            tree
        })
    }

    /// The same parse on the calling thread (when no thread can be started).
    #[allow(clippy::result_large_err)]
    fn parse_here(
        source: SourceFile,
        old_tree: Option<&Tree>,
        limit: &Limit,
    ) -> Result<ParsedFile, (SourceFile, Stopped)> {
        let mut stopped = None;
        let tree = PARSER.with(|parser| {
            let mut parser = parser.borrow_mut();
            let bytes = source.text().as_bytes();
            let mut read = |offset: usize, _| bytes.get(offset..).unwrap_or_default();
            let mut progress = |_: &ParseState| {
                stopped = limit.check();
                stopped.is_some()
            };
            let options = ParseOptions::new().progress_callback(&mut progress);
            let tree = parser.parse_with_options(&mut read, old_tree, Some(options));
            if tree.is_none() {
                parser.reset();
            }
            tree
        });
        match (tree, stopped) {
            (Some(tree), _) => Ok(ParsedFile { source, tree }),
            (None, stopped) => Err((source, stopped.unwrap_or(Stopped::OverBudget(limit.budget)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape that makes tree-sitter-elixir 0.3.5 slow: its time and
    /// memory grow with the square of the number of functions.
    pub fn pathological(functions: usize) -> String {
        (0..functions)
            .map(|n| format!("def c{n}(x) do\n  y = x\n  case y do\n    :a -> 1\n  end\nend\n"))
            .collect()
    }

    #[test]
    fn a_parse_past_its_deadline_stops_and_the_parser_is_fresh_again() {
        let text = pathological(1600);
        let limit = Limit {
            deadline: Instant::now() + Duration::from_millis(20),
            budget: Duration::from_millis(20),
            cancel: None,
        };
        let started = Instant::now();
        let stopped = ParsedFile::parse_within(SourceFile::new(&text), None, &limit)
            .err()
            .map(|(_, s)| s);
        assert_eq!(
            stopped,
            Some(Stopped::OverBudget(Duration::from_millis(20)))
        );
        assert!(started.elapsed() < Duration::from_secs(2));
        // The same thread's parser starts afresh on the next text.
        let parsed = ParsedFile::parse("defmodule A do\nend\n");
        assert_eq!(
            parsed.tree.root_node().to_sexp(),
            ParsedFile::parse("defmodule A do\nend\n")
                .tree
                .root_node()
                .to_sexp()
        );
        assert!(!parsed.tree.root_node().has_error());
    }

    #[test]
    fn a_cancelled_parse_says_so() {
        let cancel = AtomicBool::new(true);
        let limit = Limit::for_len(10, Some(&cancel));
        let stopped = ParsedFile::parse_within(SourceFile::new("x = 1"), None, &limit)
            .err()
            .map(|(_, s)| s);
        assert_eq!(stopped, Some(Stopped::Cancelled));
    }
}
