//! `distlint review`: a static review of a project's distribution design.
//!
//! From the code, mix.exs and config only (nothing is run): an inventory of
//! the distribution primitives in use, the rung of the escalation ladder the
//! code stands on with the evidence and whether it looks justified, how each
//! primitive behaves during a partition and after it heals, the findings of
//! `check` and the production-checklist questions that need a human answer.
//!
//! The files and their projects come from [`workspace::files_with_contexts`]
//! (as for `check`), plus each project's mix.exs and `config/*.exs`; each file
//! is read through its [`FileModel`]. The findings are `workspace::check`'s.

pub mod inventory;
pub mod knowledge;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{Config, ConfigError};
use crate::context::{Contexts, FileContext};
use crate::diagnostic::Severity;
use crate::docs::{rule_url, DEFAULT_DOCS_BASE_URL};
use crate::model::{FileModel, ProjectModel};
use crate::parse::ParsedFile;
use crate::rules::{self, Topic};
use crate::source::ColumnUnit;
use crate::workspace::{self, CheckError, CheckRequest, FileProblem, MAX_FILE_BYTES};

pub use inventory::{Origin, Tag};
pub use knowledge::{Behaviour, Category, ChecklistItem, Primitive, Reference, LEVEL_NAMES};

use knowledge::{ChecklistFacts, CHECKLIST};

/// What to review.
#[derive(Clone, Debug, Default)]
pub struct ReviewRequest {
    /// A project directory (or a directory, or a file, inside one).
    pub path: PathBuf,
    /// `--config FILE` instead of the nearest `.distlint.toml`.
    pub config_file: Option<PathBuf>,
}

/// Why a review could not be made.
#[derive(Debug)]
pub enum ReviewError {
    Config(ConfigError),
    NoSuchPath(PathBuf),
}

impl std::fmt::Display for ReviewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReviewError::Config(err) => write!(f, "{err}"),
            ReviewError::NoSuchPath(path) => {
                write!(f, "{}: no such file or directory", path.display())
            }
        }
    }
}

/// The review of everything under the requested path: one part per project.
#[derive(Debug, Default)]
pub struct Review {
    pub projects: Vec<ProjectReview>,
    /// Files that could not be read or linted.
    pub problems: Vec<FileProblem>,
    /// Mix projects inside another project's test code (fixtures): not reviewed.
    pub test_projects: Vec<PathBuf>,
}

/// The review of one Mix project (an umbrella is one project), or of files
/// that belong to none.
#[derive(Debug)]
pub struct ProjectReview {
    /// The directory of its mix.exs (absolute); `None` outside any project.
    pub root: Option<PathBuf>,
    pub umbrella: bool,
    /// Files read for the inventory.
    pub files: usize,
    /// In category order, then by primitive, path and line.
    pub inventory: Vec<Item>,
    /// Uses found in test code: listed nowhere and not counted.
    pub uses_in_tests: usize,
    pub placement: Placement,
    /// One per primitive the code or config uses, in inventory order.
    pub behaviours: Vec<(Primitive, Behaviour)>,
    /// The findings of `check` in the project's files under the path.
    pub findings: Vec<ReviewFinding>,
    /// Findings in test code that `check` does not report (as `check` counts them).
    pub findings_not_reported_in_tests: usize,
    pub checklist: Vec<&'static ChecklistItem>,
    /// Where the reference pages are (`docs-base-url`).
    pub docs_base_url: String,
}

/// A primitive used in one file: every line that uses it the same way.
#[derive(Clone, Debug)]
pub struct Item {
    pub primitive: Primitive,
    pub what: String,
    pub path: PathBuf,
    /// 1-based, ascending.
    pub lines: Vec<u32>,
    /// The ladder rung this use is evidence for.
    pub level: u8,
    pub origin: Origin,
    pub tag: Tag,
}

impl Item {
    pub fn category(&self) -> Category {
        self.primitive.category()
    }
}

/// Where the code stands on the escalation ladder.
#[derive(Clone, Debug)]
pub struct Placement {
    pub level: u8,
    /// Indices into the inventory of the uses at that level.
    pub evidence: Vec<usize>,
    pub justified: bool,
    pub notes: Vec<Note>,
}

impl Placement {
    pub fn name(&self) -> &'static str {
        LEVEL_NAMES[usize::from(self.level.min(5))]
    }
}

/// A remark on the placement: it supports the level, or questions it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub supports: bool,
    pub text: String,
}

/// A finding of `check`, flattened.
#[derive(Clone, Debug)]
pub struct ReviewFinding {
    pub rule: &'static str,
    pub topic: Option<Topic>,
    pub severity: Severity,
    pub path: PathBuf,
    /// 1-based; the column counts characters.
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub url: String,
}

/// Reviews the projects under `request.path`.
pub fn review(request: &ReviewRequest) -> Result<Review, ReviewError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = if request.path.is_absolute() {
        request.path.clone()
    } else {
        cwd.join(&request.path)
    };
    if !path.exists() {
        return Err(ReviewError::NoSuchPath(request.path.clone()));
    }
    let outcome = workspace::check(&CheckRequest {
        paths: vec![path.clone()],
        config_file: request.config_file.clone(),
        ..CheckRequest::default()
    })
    .map_err(|CheckError::Config(err)| ReviewError::Config(err))?;
    let explicit = match &request.config_file {
        Some(file) => Some(Config::load(file).map_err(ReviewError::Config)?),
        None => None,
    };
    let mut contexts = Contexts::new(std::slice::from_ref(&cwd), explicit, Arc::new(Ok));
    let mut files =
        workspace::files_with_contexts(&mut contexts, &path).map_err(ReviewError::Config)?;
    add_project_files(&mut contexts, &mut files)?;

    let scans: HashMap<PathBuf, FileScan> = files
        .par_iter()
        .filter_map(|(path, context)| Some((path.clone(), scan(path, context)?)))
        .collect();

    let mut groups: BTreeMap<Option<PathBuf>, Group> = BTreeMap::new();
    for (path, context) in &files {
        let group = groups
            .entry(context.project.root.clone())
            .or_insert_with(|| Group {
                project: context.project.clone(),
                config: context.config.clone(),
                docs_base_url: context.config.docs_base_url.clone(),
                scans: Vec::new(),
            });
        if let Some(scan) = scans.get(path) {
            group.scans.push(scan);
        }
    }

    let mut review = Review::default();
    let in_tests: Vec<PathBuf> = groups
        .keys()
        .flatten()
        .filter(|root| is_test_fixture(root, &groups))
        .cloned()
        .collect();
    for (root, group) in groups {
        if root.as_ref().is_some_and(|root| in_tests.contains(root)) {
            review.test_projects.push(root.expect("checked above"));
            continue;
        }
        let mut project = project_review(&group);
        for file in &outcome.files {
            let dir = file.path.parent().unwrap_or(&file.path);
            if contexts.project_root(dir) != root {
                continue;
            }
            project.findings_not_reported_in_tests += file.lint.not_reported_in_tests;
            for diagnostic in &file.lint.diagnostics {
                let at = file
                    .source
                    .line_col(diagnostic.range.start, ColumnUnit::Chars);
                project.findings.push(ReviewFinding {
                    rule: diagnostic.rule,
                    topic: rules::by_name(diagnostic.rule).map(|r| r.topic),
                    severity: diagnostic.severity,
                    path: file.path.clone(),
                    line: at.line + 1,
                    column: at.col + 1,
                    message: diagnostic.message.clone(),
                    url: rule_url(&file.config.docs_base_url, diagnostic.rule),
                });
            }
        }
        add_finding_notes(&mut project);
        review.projects.push(project);
    }
    review.problems = outcome.problems;
    Ok(review)
}

/// Is the project at `root` test code of a project around it (a fixture
/// under `test/`), by that project's `test-paths`?
fn is_test_fixture(root: &Path, groups: &BTreeMap<Option<PathBuf>, Group<'_>>) -> bool {
    groups.iter().any(|(outer, group)| {
        outer.as_deref().is_some_and(|outer| {
            outer != root
                && root.starts_with(outer)
                && root
                    .join("mix.exs")
                    .strip_prefix(&group.config.root)
                    .is_ok_and(|relative| group.config.is_test_path(relative))
        })
    })
}

/// The root mix.exs and `config/*.exs` of every project found: what the
/// review reads as data even when the path is a subdirectory.
fn add_project_files(
    contexts: &mut Contexts,
    files: &mut Vec<(PathBuf, FileContext)>,
) -> Result<(), ReviewError> {
    let mut extra: BTreeSet<PathBuf> = BTreeSet::new();
    let projects: Vec<Arc<ProjectModel>> = files.iter().map(|(_, c)| c.project.clone()).collect();
    for project in projects {
        let Some(root) = &project.root else {
            continue;
        };
        // The root's: an umbrella app reviewed alone keeps the umbrella's
        // configuration, not its sibling apps' dependencies.
        extra.insert(root.join("mix.exs"));
        let config = root.join("config");
        extra.extend(
            project
                .config_files
                .iter()
                .filter(|file| file.starts_with(&config))
                .cloned(),
        );
    }
    for path in extra {
        if path.is_file() && !files.iter().any(|(p, _)| *p == path) {
            let context = contexts.for_file(&path).map_err(ReviewError::Config)?;
            files.push((path, context));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(())
}

/// What one file contributes.
struct FileScan {
    path: PathBuf,
    /// `(found, line)`.
    found: Vec<(inventory::Found, u32)>,
    in_tests: bool,
}

struct Group<'a> {
    project: Arc<ProjectModel>,
    /// The configuration of the group's first file.
    config: Arc<Config>,
    docs_base_url: String,
    scans: Vec<&'a FileScan>,
}

/// Reads and models one file; files `check` could not read are skipped here
/// (it reports them).
fn scan(path: &Path, context: &FileContext) -> Option<FileScan> {
    let size = std::fs::metadata(path).ok()?.len();
    if size > MAX_FILE_BYTES {
        return None;
    }
    let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
    if text.contains('\0') {
        return None;
    }
    let parsed = ParsedFile::parse(&text);
    let model = FileModel::build(&parsed.tree, parsed.source.text());
    let found = inventory::find(&model, &context.project, path)
        .into_iter()
        .map(|f| {
            let line = parsed.source.line_of(f.offset) as u32 + 1;
            (f, line)
        })
        .collect();
    Some(FileScan {
        path: path.to_path_buf(),
        found,
        in_tests: context.config.is_test_path(&context.relative),
    })
}

fn project_review(group: &Group<'_>) -> ProjectReview {
    let mut items: Vec<Item> = Vec::new();
    let mut uses_in_tests = 0;
    for scan in &group.scans {
        if scan.in_tests {
            uses_in_tests += scan.found.len();
            continue;
        }
        let mut seen: BTreeSet<(Primitive, u32)> = BTreeSet::new();
        for (found, line) in &scan.found {
            // One use per line: `{Oban, Application.fetch_env!(:app, Oban)}` is one.
            if !seen.insert((found.primitive, *line)) {
                continue;
            }
            match items.iter_mut().find(|i| {
                i.primitive == found.primitive && i.what == found.what && i.path == scan.path
            }) {
                Some(item) => {
                    item.lines.push(*line);
                    item.level = item.level.max(found.level);
                }
                None => items.push(Item {
                    primitive: found.primitive,
                    what: found.what.clone(),
                    path: scan.path.clone(),
                    lines: vec![*line],
                    level: found.level,
                    origin: found.origin,
                    tag: found.tag,
                }),
            }
        }
    }
    for item in &mut items {
        item.lines.sort_unstable();
        item.lines.dedup();
    }
    items.sort_by(|a, b| {
        (a.category(), a.primitive, &a.path, a.lines[0]).cmp(&(
            b.category(),
            b.primitive,
            &b.path,
            b.lines[0],
        ))
    });
    let placement = place(&items, &group.project);
    let mut behaviours: Vec<(Primitive, Behaviour)> = Vec::new();
    for item in items
        .iter()
        .filter(|i| i.origin != Origin::Dependency && i.tag != Tag::Fallback)
    {
        if !behaviours.iter().any(|(p, _)| *p == item.primitive) {
            behaviours.push((item.primitive, item.primitive.behaviour()));
        }
    }
    let used = |wanted: &dyn Fn(Primitive) -> bool| items.iter().any(|i| wanted(i.primitive));
    let connects = used(&Primitive::connects_nodes);
    let remote_calls = used(&Primitive::is_remote_call);
    let facts = ChecklistFacts {
        level: placement.level,
        // Something connects nodes, or the code expects them connected.
        clustered: connects || remote_calls || placement.level >= 2,
        discovery: used(&|p| {
            matches!(
                p,
                Primitive::Libcluster | Primitive::DnsCluster | Primitive::Partisan
            )
        }),
        remote_calls,
    };
    ProjectReview {
        root: group.project.root.clone(),
        umbrella: group.project.umbrella,
        files: group.scans.len(),
        inventory: items,
        uses_in_tests,
        placement,
        behaviours,
        findings: Vec::new(),
        findings_not_reported_in_tests: 0,
        checklist: CHECKLIST.iter().filter(|c| c.applies(&facts)).collect(),
        docs_base_url: if group.docs_base_url.is_empty() {
            DEFAULT_DOCS_BASE_URL.to_string()
        } else {
            group.docs_base_url.clone()
        },
    }
}

/// `path:line` of an item's first use, relative to `root` when inside it.
fn place_of(item: &Item, root: Option<&Path>) -> String {
    let path = root
        .and_then(|root| item.path.strip_prefix(root).ok())
        .unwrap_or(&item.path);
    format!("{}:{}", path.display(), item.lines[0])
}

/// The rung: the highest level with evidence (a dependency counts, as on the
/// ladder page), and notes on whether the code does what that rung is for.
fn place(items: &[Item], project: &ProjectModel) -> Placement {
    let root = project.root.as_deref();
    let level = items.iter().map(|i| i.level).max().unwrap_or(0);
    let evidence: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| level > 0 && i.level == level)
        .map(|(index, _)| index)
        .collect();
    let mut notes = Vec::new();
    let mut note = |supports: bool, text: String| notes.push(Note { supports, text });
    let in_code = |item: &Item| item.origin != Origin::Dependency;
    let first = |wanted: &dyn Fn(&Item) -> bool| items.iter().find(|i| in_code(i) && wanted(i));

    let connecting: BTreeSet<&str> = items
        .iter()
        .filter(|i| in_code(i) && i.primitive.connects_nodes())
        .map(|i| i.primitive.title())
        .collect();
    if level == 0 {
        note(true, "Nothing in the reviewed code or config distributes work or state: the rung the ladder says to start on, and where many systems can stay.".to_string());
    }
    if level == 1 && !connecting.is_empty() {
        note(true, format!(
            "Nodes are connected ({}) and nothing in the reviewed code shares state between them (no cluster-wide registry, replication or consensus): stateless nodes.",
            connecting.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    // Dependencies no reviewed file uses.
    for dependency in items
        .iter()
        .filter(|i| i.origin == Origin::Dependency && i.level > 0)
    {
        if !items
            .iter()
            .any(|i| in_code(i) && i.primitive == dependency.primitive)
        {
            note(false, format!(
                "{} ({}) is declared, but no reviewed code or config uses {}: on its own it places the project on level {} without doing anything there. Remove it, or review the code that uses it.",
                dependency.what, place_of(dependency, root), dependency.primitive.title(), dependency.level
            ));
        }
    }
    // Distribution with nothing that connects the nodes.
    let connects = !connecting.is_empty();
    let distributed: BTreeSet<&str> = items
        .iter()
        .filter(|i| in_code(i) && i.level >= 1)
        .map(|i| i.primitive.title())
        .collect();
    if !connects && !distributed.is_empty() {
        note(false, format!(
            "Nothing in the reviewed code or config connects nodes (no libcluster topology, DNSCluster, `Node.connect` or Partisan). Unless the deployment connects them, every node runs alone, the uses of {} stay within it, and the system is at level 0 in practice.",
            distributed.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    // Horde without processes started at run time.
    if let Some(horde) = first(&|i| i.primitive == Primitive::Horde) {
        match first(&|i| i.tag == Tag::DynamicStart) {
            Some(start) => note(true, format!(
                "Processes are started at run time across the cluster (`Horde.DynamicSupervisor.start_child`, {}): what Horde is for.",
                place_of(start, root)
            )),
            None => note(false, format!(
                "Horde is used ({}), but nothing starts processes at run time (no `Horde.DynamicSupervisor.start_child`). For a fixed set of cluster-wide singletons a `:global` name or Highlander does the same job without Horde; if the processes need not be unique in the cluster, a node-local `Registry` keeps the system on level 1.",
                place_of(horde, root)
            )),
        }
    }
    // Raft groups.
    let groups: Vec<&Item> = items
        .iter()
        .filter(|i| in_code(i) && i.tag == Tag::RaftGroup)
        .collect();
    let sites: usize = groups.iter().map(|i| i.lines.len()).sum();
    if sites > 1 {
        note(false, format!(
            "`:ra.start_cluster` is called in {sites} places ({}): several Raft groups that shard one state are level 5 on the ladder; a group per concern is level 3.",
            groups.iter().map(|i| place_of(i, root)).collect::<Vec<_>>().join(", ")
        ));
    } else if let Some(group) = groups.first() {
        note(
            true,
            format!(
            "A Raft group is started ({}): state that must not diverge is decided by a majority.",
            place_of(group, root)
        ),
        );
    }
    // Oban's leadership through :global.
    if let Some(peer) = first(&|i| i.tag == Tag::GlobalPeer) {
        note(false, format!(
            "Oban's leadership goes through `:global` (`Oban.Peers.Global`, {}): it splits with the network like any `:global` lock, while the default database peer keeps the nodes that reach the database in agreement without it.",
            place_of(peer, root)
        ));
    }
    // Replicated Mnesia tables that nothing reconciles.
    if let Some(table) = first(&|i| i.tag == Tag::ReplicatedTable) {
        if !project.handles_mnesia_inconsistency() {
            note(false, format!(
                "Mnesia tables are replicated without `majority: true` ({}) and nothing in the project handles `inconsistent_database`: after a split both copies stay diverged. Decide which side wins, or use `majority: true`, or keep the table on one node.",
                place_of(table, root)
            ));
        }
    }
    if let Some(partisan) = first(&|i| i.primitive == Primitive::Partisan) {
        note(false, format!(
            "Partisan ({}) is for clusters past roughly 50 nodes or spread over several data centres (a rule of thumb); nothing in the code says how many nodes run. Confirm the cluster needs it.",
            place_of(partisan, root)
        ));
    }
    if let Some(crdt) = first(&|i| i.primitive == Primitive::DeltaCrdt) {
        note(true, format!(
            "delta_crdt ({}): both sides of a split accept writes and merge afterwards, for state that may be stale for a while (presence, counters, caches).",
            place_of(crdt, root)
        ));
    }
    if notes.is_empty() && level > 0 {
        let used: BTreeSet<&str> = items
            .iter()
            .filter(|i| in_code(i) && i.level == level)
            .map(|i| i.primitive.title())
            .collect();
        if !used.is_empty() {
            notes.push(Note {
                supports: true,
                text: format!(
                    "Level {level} is for {}; the code uses {} for that.",
                    LEVEL_PURPOSES[usize::from(level.min(5))],
                    used.into_iter().collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    let justified = notes.iter().all(|n| n.supports);
    Placement {
        level,
        evidence,
        justified,
        notes,
    }
}

/// What each rung is for (docs/reference/escalation-ladder.md).
const LEVEL_PURPOSES: [&str; 6] = [
    "a system one node can carry",
    "nodes that fail independently or add capacity, sharing no state",
    "state shared between nodes that may briefly diverge: presence, process groups, registrations",
    "state every node must see the same, decided by a majority",
    "state both sides of a split keep writing, merged afterwards",
    "clusters past roughly 50 nodes or spread over several data centres",
];

/// Notes that come from findings: a `global-genserver-cache` on level 0 or 1
/// is level-2 state kept in the most fragile way (escalation ladder).
fn add_finding_notes(project: &mut ProjectReview) {
    if project.placement.level > 1 {
        return;
    }
    let root = project.root.clone();
    let caches: Vec<String> = project
        .findings
        .iter()
        .filter(|f| f.rule == "global-genserver-cache")
        .map(|f| {
            let path = root
                .as_deref()
                .and_then(|r| f.path.strip_prefix(r).ok())
                .unwrap_or(&f.path);
            format!("{}:{}", path.display(), f.line)
        })
        .collect();
    if caches.is_empty() {
        return;
    }
    project.placement.notes.push(Note {
        supports: false,
        text: format!(
            "`global-genserver-cache` ({}): one GenServer serves a shared map, a piece of level-2 state kept in the most fragile way. Per-node ETS tables with invalidation over `Phoenix.PubSub` keep the system where it is.",
            caches.join(", ")
        ),
    });
    project.placement.justified = false;
}
