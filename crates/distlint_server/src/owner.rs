//! The owner task: the one place that holds documents and decides what to lint.
//!
//! Every LSP handler's first act is a synchronous `send` of an [`Event`] to
//! this task, so edits are applied in the order they arrived, whatever the
//! framework does with handler futures afterwards. Linting runs on tokio's
//! blocking pool over an immutable snapshot tagged with its version; a result
//! for a version that is no longer current is dropped. At most one lint per
//! document is in flight: edits that arrive meanwhile are coalesced, and the
//! last version is always linted when the running lint comes back.
//!
//! Parsing is part of the lint job, so a slow parse holds up no other
//! document and no request. A job has its file's budget (see
//! `distlint_analysis::parse::file_budget`): past it, the document shows one
//! information diagnostic at its top instead of findings. A newer edit
//! cancels the running job; a parse that cannot be interrupted at once keeps
//! the document's next job waiting until it ends (one parse per document).
//!
//! tree-sitter-elixir reparses a large module whole on every edit, so a
//! lint job on a 7,000-line module takes 80 ms or more. When an edit lies
//! inside one function clause, a provisional job publishes the version's
//! first diagnostics within a few milliseconds (the clause linted in its
//! module, the rest carried from the last full lint; see
//! `distlint_analysis::region`); the full lint's result replaces them.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use distlint_analysis::context::{Adjust, Contexts, FileContext};
use distlint_analysis::lint::{lint_parsed_cached_within, FileLint, LintCache};
use distlint_analysis::model::project::SourceFacts;
use distlint_analysis::model::ProjectModel;
use distlint_analysis::parse::{Limit, ParsedFile, Stopped};
use distlint_analysis::region::Carried;
use distlint_analysis::{Config, SourceFile};
use tokio::sync::{mpsc, oneshot};
use tower_lsp_server::ls_types::{
    CodeActionOrCommand, CodeActionParams, Hover, MessageType, Position,
    TextDocumentContentChangeEvent, Uri,
};
use tower_lsp_server::Client;

use crate::baseline::{Baselines, Marks};
use crate::diagnostics::to_lsp;
use crate::document::{Document, Snapshot};
use crate::position::Encoding;
use crate::settings::Settings;
use crate::{code_actions, hover, scan};

pub type Sender = mpsc::UnboundedSender<Event>;

/// A lint result for one version of one document.
pub struct Linted {
    pub version: i32,
    /// The document's generation when the lint started (see [`OpenDocument`]).
    pub generation: u64,
    pub parsed: Arc<ParsedFile>,
    pub lint: FileLint,
    /// The findings are the carried full lint's with the edited clause's
    /// (the parse broke inside it): that lint stays the one carried.
    pub carried_kept: bool,
    pub config: Arc<Config>,
    /// The project it was linted in.
    pub project: Arc<ProjectModel>,
    /// Which findings the configured baseline records (shown as hints).
    pub marks: Box<Marks>,
    /// What the project-wide rules read from this text, and (on the first
    /// lint after opening) from the file on disk.
    pub facts: SourceFacts,
    pub disk_facts: Option<SourceFacts>,
}

/// How a lint job ended.
pub enum Outcome {
    Linted(Box<Linted>),
    /// Over its budget: one information diagnostic says so.
    Skipped {
        generation: u64,
        version: i32,
        message: String,
    },
    /// A newer version came in: nothing to show.
    Cancelled,
    /// The analysis panicked.
    Crashed(String),
}

impl Linted {
    /// The baseline file that records diagnostic `index`, if one does.
    pub fn baseline_of(&self, index: usize) -> Option<&str> {
        self.marks.baseline_of(index)
    }
}

pub enum Event {
    Initialize {
        encoding: Encoding,
        settings: Settings,
        pull_diagnostics: bool,
        /// The client takes `workspace/diagnostic/refresh` (pull clients).
        diagnostic_refresh: bool,
        work_done_progress: bool,
    },
    Open {
        uri: Uri,
        version: i32,
        text: String,
    },
    Change {
        uri: Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
    },
    Close {
        uri: Uri,
    },
    /// A lint finished on the blocking pool.
    Linted {
        uri: Uri,
        outcome: Outcome,
        cache: LintCache,
        /// `false` when the job gave up on a parse that is still running: a
        /// [`Event::Settled`] follows once it has ended.
        settled: bool,
    },
    /// The parse a job gave up on has ended: the document may be parsed again.
    Settled {
        uri: Uri,
    },
    /// First diagnostics for an edited version, ahead of its full lint.
    Provisional {
        uri: Uri,
        generation: u64,
        version: i32,
        /// `None` when the edits turned out not to allow it.
        items: Option<Vec<tower_lsp_server::ls_types::Diagnostic>>,
    },
    /// Workspace folders to scan (on `initialized`, and again after config changes).
    Scan {
        folders: Vec<PathBuf>,
    },
    /// One closed file's findings from a workspace scan.
    Scanned {
        uri: Uri,
        diagnostics: Vec<tower_lsp_server::ls_types::Diagnostic>,
    },
    /// `.distlint.toml`, `mix.exs` or `config/*.exs` changed.
    ProjectFilesChanged,
    SettingsChanged(Settings),
    Hover {
        uri: Uri,
        position: Position,
        reply: oneshot::Sender<Option<Hover>>,
    },
    CodeActions {
        params: Box<CodeActionParams>,
        reply: oneshot::Sender<Vec<CodeActionOrCommand>>,
    },
    /// `textDocument/diagnostic`: answered once the current version is linted.
    Pull {
        uri: Uri,
        reply: oneshot::Sender<Vec<tower_lsp_server::ls_types::Diagnostic>>,
    },
    /// The server is gone (its `Backend` was dropped). The owner keeps a
    /// sender of its own for the jobs it starts, so its channel never closes
    /// by itself: without this, every session served in one process (tests,
    /// the fuzzer) left its owner task and all it held behind.
    Stop,
}

struct OpenDocument {
    doc: Document,
    /// Bumped by every edit and configuration change: a result from an older
    /// generation is stale even when its version matches.
    generation: u64,
    /// The latest result whose version matches `doc.version`, if any.
    linted: Option<Linted>,
    in_flight: bool,
    /// Findings by top-level form; travels with the lint job and comes back.
    cache: LintCache,
    /// Pull requests waiting for the current version.
    waiting: Vec<oneshot::Sender<Vec<tower_lsp_server::ls_types::Diagnostic>>>,
    /// What the project-wide rules read from the text last parsed (kept, so
    /// that an edit reads them once, from the tree already parsed); `None`
    /// before the first parse.
    facts: Option<SourceFacts>,
    /// Set to cancel the job in flight (a newer version arrived).
    cancel: Arc<AtomicBool>,
    /// The generation found over its budget, and why (shown as one diagnostic).
    skipped: Option<(u64, String)>,
    /// The configuration and project of the full lint `doc.carried` holds:
    /// provisional results only while they are still the document's.
    carried_context: Option<(Arc<Config>, Arc<ProjectModel>)>,
    /// Provisional diagnostics of a generation, for pull requests made
    /// before its full lint is done (clients that take a refresh only).
    provisional: Option<(u64, Vec<tower_lsp_server::ls_types::Diagnostic>)>,
    /// A pull was answered with `provisional`: if the full lint says
    /// otherwise, the client is asked to pull again.
    provisional_pulled: bool,
    /// A provisional job is running; edits meanwhile wait for it (one at a
    /// time, then one for the latest text: a flood of edits cannot pile up jobs).
    provisional_in_flight: bool,
    provisional_wanted: bool,
}

impl OpenDocument {
    /// The carried full lint (see `Document::carried`), when edits were made
    /// since and it was linted with `context`'s configuration and project.
    fn carried_in(&self, context: &FileContext) -> Option<Carried> {
        let (config, project) = self.carried_context.as_ref()?;
        let same = Arc::ptr_eq(config, &context.config) && Arc::ptr_eq(project, &context.project);
        let carried = self.doc.carried.as_ref()?;
        (same && carried.is_edited()).then(|| carried.clone())
    }
}

pub struct Owner {
    client: Client,
    sender: Sender,
    encoding: Encoding,
    settings: Settings,
    pull_diagnostics: bool,
    diagnostic_refresh: bool,
    work_done_progress: bool,
    documents: HashMap<Uri, OpenDocument>,
    /// Each file's configuration and project, resolved as `distlint check`
    /// does; the projects of open documents have their unsaved text overlaid.
    contexts: Contexts,
    /// Broken configuration files already reported (once each).
    reported_config_errors: HashSet<String>,
    folders: Vec<PathBuf>,
    /// Closed files the last scan published findings for (to clear them later).
    scanned: HashSet<Uri>,
    /// Number of the newest workspace scan, shared with the scans themselves.
    scan_generation: Arc<AtomicU64>,
    /// Configured baselines, read once per change on disk.
    baselines: Arc<Baselines>,
}

/// Starts the owner task; returns the sender that handlers use.
pub fn spawn(client: Client) -> Sender {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let mut owner = Owner {
        client,
        sender: sender.clone(),
        encoding: Encoding::Utf16,
        settings: Settings::default(),
        pull_diagnostics: false,
        diagnostic_refresh: false,
        work_done_progress: false,
        documents: HashMap::new(),
        contexts: contexts_with(&[], &Settings::default()),
        reported_config_errors: HashSet::new(),
        folders: Vec::new(),
        scanned: HashSet::new(),
        scan_generation: Arc::new(AtomicU64::new(0)),
        baselines: Arc::new(Baselines::default()),
    };
    tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if matches!(event, Event::Stop) {
                break;
            }
            owner.handle(event).await;
        }
    });
    sender
}

impl Owner {
    async fn handle(&mut self, event: Event) {
        match event {
            Event::Initialize {
                encoding,
                settings,
                pull_diagnostics,
                diagnostic_refresh,
                work_done_progress,
            } => {
                self.diagnostic_refresh = diagnostic_refresh;
                self.work_done_progress = work_done_progress;
                self.encoding = encoding;
                self.settings = settings;
                self.pull_diagnostics = pull_diagnostics;
                self.check_settings();
                self.forget_contexts();
            }
            Event::Open { uri, version, text } => {
                // Parsed by the lint job, which also compares the facts with
                // the file on disk (an editor may open a buffer that differs).
                let doc = Document::open(uri.clone(), version, &text);
                if let Some(old) = self.documents.remove(&uri) {
                    old.cancel.store(true, Ordering::Relaxed);
                }
                self.documents.insert(
                    uri.clone(),
                    OpenDocument {
                        doc,
                        generation: 0,
                        linted: None,
                        in_flight: false,
                        cache: LintCache::default(),
                        waiting: Vec::new(),
                        facts: None,
                        cancel: Arc::new(AtomicBool::new(false)),
                        skipped: None,
                        carried_context: None,
                        provisional: None,
                        provisional_pulled: false,
                        provisional_in_flight: false,
                        provisional_wanted: false,
                    },
                );
                if self.pull_diagnostics && self.scanned.remove(&uri) {
                    // Pull diagnostics take over from the scan's pushed ones.
                    self.client
                        .publish_diagnostics(uri.clone(), Vec::new(), None)
                        .await;
                }
                self.schedule(&uri);
            }
            Event::Change {
                uri,
                version,
                changes,
            } => {
                let encoding = self.encoding;
                let Some(open) = self.documents.get_mut(&uri) else {
                    // Not a document distlint opened (an eelixir/heex template, say): nothing to do.
                    return;
                };
                if version <= open.doc.version {
                    let message = format!(
                        "ignoring change to version {version} of {}: already at version {}",
                        uri.as_str(),
                        open.doc.version
                    );
                    self.log(MessageType::WARNING, message).await;
                    return;
                }
                let reversed = open.doc.apply_changes(version, changes, encoding);
                open.generation += 1;
                open.linted = None;
                open.skipped = None;
                open.provisional = None;
                open.provisional_pulled = false;
                // The job in flight works on an older text: stop it.
                open.cancel.store(true, Ordering::Relaxed);
                self.provisional(&uri);
                self.schedule(&uri);
                if reversed > 0 {
                    // Not a range: what the editor meant is a guess, so say
                    // that its text and this one may differ from here on.
                    let message = format!(
                        "version {version} of {} has a change range with its start after its end: \
                         applied as an insertion at its start",
                        uri.as_str()
                    );
                    self.log(MessageType::WARNING, message).await;
                }
            }
            Event::Close { uri } => {
                let mut unsaved_facts = false;
                if let Some(open) = self.documents.remove(&uri) {
                    open.cancel.store(true, Ordering::Relaxed);
                    for waiter in open.waiting {
                        let _ = waiter.send(Vec::new());
                    }
                    // Closed without saving: the file on disk is the truth again.
                    if let (Some(path), Some(facts)) = (&open.doc.path, &open.facts) {
                        unsaved_facts = facts_on_disk(path) != *facts;
                    }
                }
                self.client.publish_diagnostics(uri, Vec::new(), None).await;
                if unsaved_facts {
                    self.forget_contexts();
                    self.relint_all();
                }
            }
            Event::Linted {
                uri,
                outcome,
                cache,
                settled,
            } => {
                if let Some(open) = self.documents.get_mut(&uri) {
                    open.cache = cache;
                }
                self.linted(uri, outcome, settled).await
            }
            Event::Settled { uri } => {
                let Some(open) = self.documents.get_mut(&uri) else {
                    return;
                };
                open.in_flight = false;
                let skipped = open
                    .skipped
                    .as_ref()
                    .is_some_and(|(g, _)| *g == open.generation);
                if open.linted.is_none() && !skipped {
                    self.schedule(&uri);
                }
            }
            Event::Provisional {
                uri,
                generation,
                version,
                items,
            } => {
                let Some(open) = self.documents.get_mut(&uri) else {
                    return;
                };
                open.provisional_in_flight = false;
                if std::mem::take(&mut open.provisional_wanted) {
                    self.provisional(&uri);
                }
                let Some(open) = self.documents.get_mut(&uri) else {
                    return;
                };
                // Only for the current text, and never over its full lint.
                let Some(items) = items.filter(|_| {
                    open.generation == generation && open.linted.is_none() && open.skipped.is_none()
                }) else {
                    return;
                };
                if self.pull_diagnostics {
                    if !open.waiting.is_empty() {
                        open.provisional_pulled = true;
                    }
                    for waiter in open.waiting.drain(..) {
                        let _ = waiter.send(items.clone());
                    }
                    open.provisional = Some((generation, items));
                } else {
                    self.client
                        .publish_diagnostics(uri, items, Some(version))
                        .await;
                }
            }
            Event::Scan { folders } => {
                self.folders = folders;
                self.forget_contexts();
                self.start_scan();
            }
            Event::Scanned { uri, diagnostics } => {
                if self.documents.contains_key(&uri) {
                    return; // The open document's own lint is newer.
                }
                if diagnostics.is_empty() && !self.scanned.remove(&uri) {
                    return;
                }
                if !diagnostics.is_empty() {
                    self.scanned.insert(uri.clone());
                }
                self.client
                    .publish_diagnostics(uri, diagnostics, None)
                    .await;
            }
            Event::ProjectFilesChanged => {
                self.forget_contexts();
                self.relint_all();
            }
            Event::SettingsChanged(settings) => {
                if settings == self.settings {
                    return;
                }
                self.settings = settings;
                self.check_settings();
                self.forget_contexts();
                self.relint_all();
            }
            Event::Hover {
                uri,
                position,
                reply,
            } => {
                // Until the current version is parsed there is nothing to say.
                let answer = self.documents.get(&uri).and_then(|open| {
                    let linted = open.linted.as_ref();
                    hover::hover(&open.doc, linted, position, self.encoding)
                });
                let _ = reply.send(answer);
            }
            Event::CodeActions { params, reply } => {
                let actions = match self.documents.get(&params.text_document.uri) {
                    Some(OpenDocument {
                        doc,
                        linted: Some(linted),
                        ..
                    }) => code_actions::actions(doc, linted, &params, self.encoding),
                    _ => Vec::new(),
                };
                let _ = reply.send(actions);
            }
            Event::Pull { uri, reply } => match self.documents.get_mut(&uri) {
                Some(open) => match &open.linted {
                    Some(linted) => {
                        let items = lsp_diagnostics(linted, self.encoding);
                        let _ = reply.send(items);
                    }
                    None => match (&open.skipped, &open.provisional) {
                        (Some((generation, message)), _) if *generation == open.generation => {
                            let _ = reply.send(vec![skipped_diagnostic(message)]);
                        }
                        (_, Some((generation, items))) if *generation == open.generation => {
                            let _ = reply.send(items.clone());
                            open.provisional_pulled = true;
                        }
                        _ => open.waiting.push(reply),
                    },
                },
                None => {
                    let _ = reply.send(Vec::new());
                }
            },
            Event::Stop => {} // The loop in `spawn` stops first.
        }
    }

    /// Publishes first diagnostics for the document's edited version, when
    /// its edits since the last full lint lie inside one function clause
    /// (see `distlint_analysis::region`), computed on the blocking pool
    /// alongside the full lint (a pull client gets them when it pulls before
    /// the full lint is done, and a refresh if the full lint differs). Not
    /// for small documents, whose full lint is as quick, nor for pull
    /// clients that take no refresh, nor when the configuration or project
    /// changed since.
    fn provisional(&mut self, uri: &Uri) {
        const MIN_BYTES: usize = 32 * 1024;
        let Some(open) = self.documents.get(uri) else {
            return;
        };
        let edited = open.doc.carried.as_ref().is_some_and(Carried::is_edited);
        let can_show = !self.pull_diagnostics || self.diagnostic_refresh;
        if !can_show || !edited || open.doc.len() < MIN_BYTES {
            return;
        }
        if open.provisional_in_flight {
            if let Some(open) = self.documents.get_mut(uri) {
                open.provisional_wanted = true;
            }
            return;
        }
        let path = open.doc.path.clone();
        let context = self.context_for(path.as_deref());
        let Some(open) = self.documents.get(uri) else {
            return;
        };
        let Some(carried) = open.carried_in(&context) else {
            return;
        };
        let (text, generation, version) = (open.doc.text(), open.generation, open.doc.version);
        if let Some(open) = self.documents.get_mut(uri) {
            open.provisional_in_flight = true;
        }
        let (sender, baselines, encoding, uri) = (
            self.sender.clone(),
            self.baselines.clone(),
            self.encoding,
            uri.clone(),
        );
        tokio::task::spawn_blocking(move || {
            // A panic here loses only the head start: the full lint follows.
            let items = catch_unwind(AssertUnwindSafe(|| {
                let source = SourceFile::new(text);
                let FileContext {
                    config,
                    project,
                    relative,
                } = &context;
                let diagnostics = carried.lint(&source, relative, project, config)?;
                let marks = baselines.marks(config, path.as_deref(), &source, &diagnostics);
                let items = diagnostics.iter().enumerate().map(|(index, d)| {
                    let baseline = marks.baseline_of(index);
                    to_lsp(d, &source, encoding, config, Some(version), baseline)
                });
                Some(items.collect())
            }));
            let _ = sender.send(Event::Provisional {
                uri,
                generation,
                version,
                items: items.ok().flatten(),
            });
        });
    }

    /// Starts a lint of the document's current version unless one is running.
    fn schedule(&mut self, uri: &Uri) {
        let Some(open) = self.documents.get(uri) else {
            return;
        };
        if open.in_flight {
            return;
        }
        let version = open.doc.version;
        let generation = open.generation;
        let path = open.doc.path.clone();
        let first_parse = open.facts.is_none();
        let context = self.context_for(path.as_deref());
        let Some(open) = self.documents.get_mut(uri) else {
            return;
        };
        open.in_flight = true;
        let carried = open.carried_in(&context).filter(Carried::is_clean);
        let mut cache = std::mem::take(&mut open.cache);
        // A fresh flag for this job: setting it cancels this job only.
        let cancel = Arc::new(AtomicBool::new(false));
        open.cancel = cancel.clone();
        let parsed = open.doc.parsed.clone();
        let snapshot = parsed.is_none().then(|| open.doc.snapshot());
        let sender = self.sender.clone();
        let uri = uri.clone();
        let baselines = self.baselines.clone();
        tokio::task::spawn_blocking(move || {
            let mut straggler = None;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let len = match (&parsed, &snapshot) {
                    (Some(parsed), _) => parsed.source.text().len(),
                    (None, Some(snapshot)) => snapshot.source.text().len(),
                    (None, None) => 0,
                };
                let limit = Limit::for_len(len, Some(&cancel));
                let parsed = match (parsed, snapshot) {
                    (Some(parsed), _) => parsed,
                    (None, Some(Snapshot { source, old_tree })) => {
                        match ParsedFile::parse_within_or_straggle(
                            source,
                            old_tree.as_ref(),
                            &limit,
                        ) {
                            Ok(parsed) => Arc::new(parsed),
                            Err((_, stopped, running)) => {
                                straggler = running;
                                return Err(stopped);
                            }
                        }
                    }
                    (None, None) => unreachable!("a document without a parse has a snapshot"),
                };
                let mut lint = lint_parsed_cached_within(
                    &parsed,
                    &context.relative,
                    &context.project,
                    &context.config,
                    &mut cache,
                    Some(&limit),
                )?;
                // The parse broke where the carried full lint's did not, and
                // every edit since lies in one clause: the other functions
                // keep their findings (see `Carried::is_clean`).
                let kept = match carried.filter(|_| parsed.tree.root_node().has_error()) {
                    Some(carried) => carried.lint(
                        &parsed.source,
                        &context.relative,
                        &context.project,
                        &context.config,
                    ),
                    None => None,
                };
                let carried_kept = kept.is_some();
                if let Some(diagnostics) = kept {
                    lint.diagnostics = diagnostics;
                }
                let facts = SourceFacts::of_parsed(&parsed);
                let disk_facts = match (first_parse, path.as_deref()) {
                    (true, Some(path)) => Some(facts_on_disk(path)),
                    _ => None,
                };
                Ok(Linted {
                    marks: Box::new(baselines.marks(
                        &context.config,
                        path.as_deref(),
                        &parsed.source,
                        &lint.diagnostics,
                    )),
                    version,
                    generation,
                    parsed,
                    lint,
                    carried_kept,
                    config: context.config,
                    project: context.project,
                    facts,
                    disk_facts,
                })
            }));
            let outcome = match outcome {
                Ok(Ok(linted)) => Outcome::Linted(Box::new(linted)),
                Ok(Err(Stopped::Cancelled)) => Outcome::Cancelled,
                Ok(Err(stopped @ Stopped::OverBudget(_))) => Outcome::Skipped {
                    generation,
                    version,
                    message: stopped.message(),
                },
                Err(_) => {
                    cache = LintCache::default(); // It may hold half a run.
                    Outcome::Crashed(
                        "the analysis crashed on this document; no findings are shown for it"
                            .to_string(),
                    )
                }
            };
            let settled = straggler.is_none();
            let _ = sender.send(Event::Linted {
                uri: uri.clone(),
                outcome,
                cache,
                settled,
            });
            if let Some(straggler) = straggler {
                // Waited for on a thread of its own, not the blocking pool:
                // the runtime never waits for it when it shuts down.
                let (settle, settled_uri) = (sender.clone(), uri.clone());
                let waiter = std::thread::Builder::new()
                    .name("distlint-straggler".to_string())
                    .spawn(move || {
                        straggler.wait();
                        let _ = settle.send(Event::Settled { uri: settled_uri });
                    });
                if waiter.is_err() {
                    // No thread to wait on: let the document go on anyway.
                    let _ = sender.send(Event::Settled { uri });
                }
            }
        });
    }

    async fn linted(&mut self, uri: Uri, outcome: Outcome, settled: bool) {
        let encoding = self.encoding;
        let Some(open) = self.documents.get_mut(&uri) else {
            return; // Closed meanwhile.
        };
        if settled {
            open.in_flight = false;
        }
        let linted = match outcome {
            Outcome::Linted(linted) => *linted,
            Outcome::Crashed(message) => {
                self.log(MessageType::ERROR, format!("{}: {message}", uri.as_str()))
                    .await;
                return;
            }
            Outcome::Cancelled => {
                self.schedule(&uri);
                return;
            }
            Outcome::Skipped {
                generation,
                version,
                message,
            } => {
                if generation != open.generation {
                    self.schedule(&uri);
                    return;
                }
                open.skipped = Some((generation, message.clone()));
                let items = vec![skipped_diagnostic(&message)];
                for waiter in open.waiting.drain(..) {
                    let _ = waiter.send(items.clone());
                }
                self.log(MessageType::INFO, format!("{}: {message}", uri.as_str()))
                    .await;
                if !self.pull_diagnostics {
                    self.client
                        .publish_diagnostics(uri, items, Some(version))
                        .await;
                }
                return;
            }
        };
        // The new tree serves the next incremental parse, stale or not.
        open.doc.parsed_snapshot(&linted.parsed);
        let facts_changed = match (&open.facts, &linted.disk_facts) {
            (Some(old), _) => *old != linted.facts,
            (None, Some(disk)) => *disk != linted.facts,
            (None, None) => false,
        };
        open.facts = Some(linted.facts.clone());
        if facts_changed && open.doc.path.is_some() {
            // A project-wide fact read from source files changed (or the
            // buffer differs from the file on disk there): every file of
            // the project may lint differently now.
            self.forget_contexts();
            self.relint_all();
            return;
        }
        if linted.generation != open.generation {
            // Stale: edits or a configuration change arrived while it ran.
            self.schedule(&uri);
            return;
        }
        let panics: Vec<String> = linted
            .lint
            .rule_panics
            .iter()
            .map(|p| format!("rule {} crashed on {}: {}", p.rule, uri.as_str(), p.message))
            .collect();
        let baseline_error = linted.marks.error.clone();
        let items = lsp_diagnostics(&linted, encoding);
        for waiter in open.waiting.drain(..) {
            let _ = waiter.send(items.clone());
        }
        let version = linted.version;
        if !linted.carried_kept {
            open.doc.carried = Some(Carried::new(
                linted.parsed.tree.clone(),
                linted.lint.diagnostics.clone(),
            ));
            open.carried_context = Some((linted.config.clone(), linted.project.clone()));
        }
        open.linted = Some(linted);
        // A pull answered with provisional diagnostics that the full lint
        // does not confirm: ask the client to pull again.
        let provisional = open.provisional.take().filter(|_| open.provisional_pulled);
        open.provisional_pulled = false;
        if provisional.is_some_and(|(_, pulled)| pulled != items) {
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.workspace_diagnostic_refresh().await;
            });
        }
        let summaries_changed = self.update_summaries(&uri);
        for message in panics {
            self.log(MessageType::ERROR, message).await;
        }
        if let Some(message) = baseline_error {
            if self.reported_config_errors.insert(message.clone()) {
                self.log(MessageType::ERROR, message).await;
            }
        }
        if !self.pull_diagnostics {
            self.client
                .publish_diagnostics(uri, items, Some(version))
                .await;
        }
        if summaries_changed {
            // Calls in other files to this file's functions may now lint differently.
            self.relint_all();
        }
    }

    /// After a lint of `uri`: when what its functions do (as the rest of the
    /// project sees them, see `ProjectIndex::reached_by`) changed, the
    /// project's summaries take the new version. Edits that change no effect
    /// reached (most keystrokes) keep the project as it is, so the other
    /// documents' lint caches stay valid.
    fn update_summaries(&mut self, uri: &Uri) -> bool {
        let Some(open) = self.documents.get(uri) else {
            return false;
        };
        let (Some(path), Some(linted)) = (open.doc.path.as_deref(), open.linted.as_ref()) else {
            return false;
        };
        let project = &linted.project;
        let Some(root) = project.root.as_deref() else {
            return false;
        };
        if !project.is_fact_source(path) {
            return false;
        }
        let summary = &linted.lint.summary;
        // Most keystrokes change no function's calls or effects: skip the reach search.
        if project.summaries.holds(path, summary)
            || project.summaries.reached_by_file(path) == project.summaries.reached_by(summary)
        {
            return false;
        }
        let mut updated = ProjectModel::clone(project);
        updated.summaries.set_file(path, summary.clone());
        let root = root.to_path_buf();
        self.contexts.set_project(&root, Arc::new(updated));
        true
    }

    fn relint_all(&mut self) {
        let uris: Vec<Uri> = self.documents.keys().cloned().collect();
        for uri in &uris {
            if let Some(open) = self.documents.get_mut(uri) {
                open.generation += 1;
                open.linted = None;
            }
            // A lint in flight comes back stale and is rescheduled.
            self.schedule(uri);
        }
        self.start_scan();
    }

    fn start_scan(&mut self) {
        if self.folders.is_empty() {
            return;
        }
        self.scan_generation.fetch_add(1, Ordering::SeqCst);
        // The scan resolves contexts as `distlint check` does, starting from
        // the projects read so far (with the open documents' unsaved text).
        scan::spawn(
            self.client.clone(),
            self.sender.clone(),
            self.folders.clone(),
            self.contexts.clone(),
            self.encoding,
            self.work_done_progress,
            self.scan_generation.clone(),
            self.baselines.clone(),
        );
    }

    /// Configuration, project and relative path of an open document.
    fn context_for(&mut self, path: Option<&Path>) -> FileContext {
        let Some(path) = path else {
            let defaults = Config::default_at(Path::new("/"));
            return FileContext {
                config: Arc::new(self.settings.apply(defaults.clone()).unwrap_or(defaults)),
                project: Arc::new(ProjectModel::default()),
                relative: PathBuf::from("untitled.ex"),
            };
        };
        self.read_project_of(path);
        let contexts = &mut self.contexts;
        match blocking_io(|| contexts.for_file(path)) {
            Ok(context) => context,
            Err(err) => {
                let message = format!("{err}; using the default configuration");
                if self.reported_config_errors.insert(message.clone()) {
                    self.log_later(MessageType::ERROR, message);
                }
                self.contexts.with_defaults(path)
            }
        }
    }

    /// Reads the project of `path` once, with the text of open documents
    /// instead of their files on disk for the facts read from sources.
    fn read_project_of(&mut self, path: &Path) {
        let Some(dir) = path.parent() else {
            return;
        };
        let contexts = &mut self.contexts;
        let Some(root) = blocking_io(|| contexts.project_root(dir)) else {
            return;
        };
        if self.contexts.has_project(&root) {
            return;
        }
        let mut project = blocking_io(|| ProjectModel::load(&root));
        for open in self.documents.values() {
            if let Some(path) = &open.doc.path {
                // The whole text rather than the kept facts: the project may
                // read more from a source than the SourceFacts compared on edits.
                project.overlay_source(path, &open.doc.text());
            }
        }
        self.contexts.set_project(&root, Arc::new(project));
    }

    /// Drops the cached configurations and projects (they are read again on demand).
    fn forget_contexts(&mut self) {
        self.contexts = contexts_with(&self.folders, &self.settings);
        self.reported_config_errors.clear();
    }

    /// Reports settings that name unknown rules (they are then ignored).
    fn check_settings(&self) {
        if let Err(message) = self.settings.apply(Config::default_at(Path::new("/"))) {
            self.log_later(MessageType::WARNING, message);
        }
    }

    async fn log(&self, typ: MessageType, message: String) {
        eprintln!("distlint: {message}");
        self.client.log_message(typ, message).await;
    }

    /// Logs from a synchronous context without blocking the owner.
    fn log_later(&self, typ: MessageType, message: String) {
        eprintln!("distlint: {message}");
        let client = self.client.clone();
        tokio::spawn(async move { client.log_message(typ, message).await });
    }
}

/// The facts the project-wide rules read from a file as saved on disk.
fn facts_on_disk(path: &Path) -> SourceFacts {
    // Bounded: the editor may have opened a named pipe or a huge file.
    blocking_io(|| distlint_analysis::workspace::read_bounded(path))
        .map(|text| SourceFacts::of(&text))
        .unwrap_or_default()
}

/// File-system work done by the owner task (reading a config, scanning a
/// project's sources): tell tokio, so that the framework's tasks and finished
/// lints move to another worker thread meanwhile instead of waiting.
fn blocking_io<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// The one diagnostic of a document over its budget: at its top, information.
fn skipped_diagnostic(message: &str) -> tower_lsp_server::ls_types::Diagnostic {
    use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, NumberOrString, Range};
    Diagnostic {
        range: Range::new(Position::new(0, 0), Position::new(0, 0)),
        severity: Some(DiagnosticSeverity::INFORMATION),
        code: Some(NumberOrString::String("skipped".to_string())),
        source: Some("distlint".to_string()),
        message: format!("distlint: this file is not checked: {message}"),
        ..Diagnostic::default()
    }
}

fn lsp_diagnostics(
    linted: &Linted,
    encoding: Encoding,
) -> Vec<tower_lsp_server::ls_types::Diagnostic> {
    linted
        .lint
        .diagnostics
        .iter()
        .enumerate()
        .map(|(index, d)| {
            to_lsp(
                d,
                &linted.parsed.source,
                encoding,
                &linted.config,
                Some(linted.version),
                linted.baseline_of(index),
            )
        })
        .collect()
}

/// Contexts for the workspace folders with the editor's settings applied to
/// every configuration file (settings that do not apply are reported by
/// [`Owner::check_settings`] and left out).
fn contexts_with(folders: &[PathBuf], settings: &Settings) -> Contexts {
    let settings = settings.clone();
    let adjust: Adjust =
        Arc::new(move |config: Config| Ok(settings.apply(config.clone()).unwrap_or(config)));
    Contexts::new(folders, None, adjust)
}
