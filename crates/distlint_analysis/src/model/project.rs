//! The ProjectModel: facts about a Mix project read as data, never executed.
//!
//! The project root is the directory of the nearest `mix.exs`; inside an
//! umbrella (`apps_path:` in an outer `mix.exs`) the umbrella root wins, so the
//! whole umbrella is one project. Dependencies come from every `mix.exs` in it.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tree_sitter::{Node, Tree};

use super::file::{Call, FileModel};
use super::pending::{self, Question};
use super::singletons::{
    may_start_singletons, name_helpers, singleton_children, ClusterName, NameHelper,
};
use super::summary::{summarize_text, FileSummary, ProjectIndex};
use crate::config::DEFAULT_EXCLUDED_DIRS;
use crate::parse::ParsedFile;
use crate::syntax::{atom_name, list_elements, tuple_elements, Keywords};

/// A dependency named in a `deps` list of a mix.exs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    /// The mix.exs that declares it.
    pub declared_in: PathBuf,
}

#[derive(Clone, Debug, Default)]
pub struct ProjectModel {
    /// `None` when the checked files are not inside a Mix project.
    pub root: Option<PathBuf>,
    pub umbrella: bool,
    pub dependencies: Vec<Dependency>,
    /// Release names from `releases:` in the root mix.exs.
    pub releases: Vec<String>,
    /// `config/*.exs` files of the root (and of umbrella apps).
    pub config_files: Vec<PathBuf>,
    /// The source directories project-wide facts are read from: `lib/` and
    /// `src/` of the root and of each umbrella app (never `deps/` or `_build/`).
    pub source_dirs: Vec<PathBuf>,
    /// Source files under `source_dirs` whose text mentions
    /// `inconsistent_database`: the project handles Mnesia's partition event
    /// somewhere (see [`mentions_mnesia_inconsistency`]).
    pub mnesia_inconsistency_handlers: Vec<PathBuf>,
    /// Start functions that a caller in a source file under `source_dirs`
    /// runs while handling `{:error, {:already_started, pid}}`, with that
    /// file (see [`starts_handling_already_started`]).
    pub already_started_handlers: Vec<(PathBuf, HandledStart)>,
    /// Modules that a source file under `source_dirs` starts as, or under, a
    /// cluster-wide singleton, with that file (see [`singleton_children`]).
    pub singleton_children: Vec<(PathBuf, String)>,
    /// Public functions of a source file under `source_dirs` that return a
    /// cluster-wide name, with that file (see [`name_helpers`]).
    pub name_helpers: Vec<(PathBuf, NameHelper)>,
    /// What the project's functions do, directly or through each other
    /// (see [`ProjectIndex`]): read from the Elixir files under `source_dirs`.
    pub summaries: ProjectIndex,
    /// The facts read from syntax trees (`already_started_handlers`,
    /// `singleton_children`, `name_helpers`) are still to be read (see
    /// [`ProjectModel::load_pending`]).
    pub facts_pending: bool,
}

impl ProjectModel {
    /// Reads the project that contains `path` (a file or directory).
    pub fn discover(path: &Path) -> ProjectModel {
        match find_project_root(path) {
            Some(root) => ProjectModel::load(&root),
            None => ProjectModel::default(),
        }
    }

    /// Reads the project rooted at `root` (which holds a `mix.exs`).
    pub fn load(root: &Path) -> ProjectModel {
        let (pending, sources) = ProjectModel::load_pending(root);
        pending.complete(&sources, SourceFacts::of_file, |_, text| {
            summarize_text(text)
        })
    }

    /// [`ProjectModel::load`] but for what needs a parse of the project's
    /// sources: the summaries ([`ProjectIndex::pending`]) and the facts
    /// read from syntax trees (handled starts, singletons, name helpers),
    /// which answer as if empty and note what a rule asked (see
    /// [`super::pending`]); with the project's source files (path and text)
    /// to finish it from, with [`ProjectModel::complete`].
    pub fn load_pending(root: &Path) -> (ProjectModel, Vec<(PathBuf, String)>) {
        let mut model = ProjectModel {
            root: Some(root.to_path_buf()),
            ..ProjectModel::default()
        };
        let root_mix = root.join("mix.exs");
        let mut mix_files = vec![root_mix.clone()];
        if let Some(facts) = MixFacts::read(&root_mix) {
            model.releases = facts.releases;
            model.dependencies.extend(facts.dependencies);
            if let Some(apps_path) = facts.apps_path {
                model.umbrella = true;
                for app in sorted_dir(&root.join(apps_path)) {
                    let app_mix = app.join("mix.exs");
                    if let Some(app_facts) = MixFacts::read(&app_mix) {
                        model.dependencies.extend(app_facts.dependencies);
                        mix_files.push(app_mix);
                    }
                }
            }
        }
        for mix in &mix_files {
            if let Some(dir) = mix.parent() {
                model.config_files.extend(
                    sorted_dir(&dir.join("config"))
                        .into_iter()
                        .filter(|p| p.extension().is_some_and(|e| e == "exs")),
                );
                for sources in ["lib", "src"] {
                    let sources = dir.join(sources);
                    if sources.is_dir() {
                        model.source_dirs.push(sources);
                    }
                }
            }
        }
        let paths: Vec<PathBuf> = model
            .source_dirs
            .iter()
            .flat_map(|dir| source_files(dir))
            .collect();
        let sources: Vec<(PathBuf, String)> = paths
            .into_par_iter()
            .filter_map(|path| {
                let bytes = std::fs::read(&path).ok()?;
                Some((path, String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect();
        // The text search costs nothing: done now.
        for (path, text) in &sources {
            if mentions_mnesia_inconsistency(text) {
                model.mnesia_inconsistency_handlers.push(path.clone());
            }
        }
        model.summaries = ProjectIndex::pending();
        model.facts_pending = true;
        (model, sources)
    }

    /// The project [`ProjectModel::load_pending`] read, finished from its
    /// `sources`: the facts of each (`facts_of`, in parallel; see
    /// [`SourceFacts::of_file`]) and the summaries of the Elixir ones that
    /// can matter (`summary_of`, see [`ProjectIndex::scan_with`]).
    pub fn complete(
        &self,
        sources: &[(PathBuf, String)],
        facts_of: impl Fn(&Path, &str) -> SourceFacts + Sync,
        summary_of: impl Fn(&Path, &str) -> FileSummary + Sync,
    ) -> ProjectModel {
        let mut model = ProjectModel {
            mnesia_inconsistency_handlers: Vec::new(),
            facts_pending: false,
            ..self.clone()
        };
        let facts: Vec<SourceFacts> = sources
            .par_iter()
            .map(|(path, text)| facts_of(path, text))
            .collect();
        for ((path, _), facts) in sources.iter().zip(facts) {
            model.add_facts(path, facts);
        }
        let elixir: Vec<(PathBuf, String)> = sources
            .iter()
            .filter(|(path, _)| is_elixir(path))
            .cloned()
            .collect();
        model.summaries =
            ProjectIndex::scan_with(&elixir, |i, text| summary_of(&elixir[i].0, text));
        model
    }

    fn add_facts(&mut self, path: &Path, facts: SourceFacts) {
        if facts.mentions_mnesia_inconsistency {
            self.mnesia_inconsistency_handlers.push(path.to_path_buf());
        }
        self.already_started_handlers.extend(
            facts
                .handled_starts
                .into_iter()
                .map(|start| (path.to_path_buf(), start)),
        );
        self.singleton_children.extend(
            facts
                .singleton_children
                .into_iter()
                .map(|module| (path.to_path_buf(), module)),
        );
        self.name_helpers.extend(
            facts
                .name_helpers
                .into_iter()
                .map(|helper| (path.to_path_buf(), helper)),
        );
    }

    /// Does a caller somewhere in the project's sources run `module.function`
    /// (or start `module` as a child, which runs its `start_link`) and handle
    /// `{:error, {:already_started, pid}}`?
    pub fn start_handled_by_caller(&self, module: &str, function: &str) -> bool {
        if self.facts_pending {
            pending::record(|| Question::HandledStart {
                module: module.to_string(),
                function: function.to_string(),
            });
        }
        self.already_started_handlers
            .iter()
            .any(|(_, start)| start.module == module && start.function == function)
    }

    /// Does a source of the project start `module` as a cluster-wide
    /// singleton, or under one (see [`singleton_children`])?
    pub fn started_as_singleton(&self, module: &str) -> bool {
        if self.facts_pending {
            pending::record(|| Question::Singleton(module.to_string()));
        }
        self.singleton_children.iter().any(|(_, m)| m == module)
    }

    /// The cluster-wide name that `module.function/arity`, a function of the
    /// project's sources, returns (see [`name_helpers`]).
    pub fn cluster_name_of(
        &self,
        module: &str,
        function: &str,
        arity: usize,
    ) -> Option<ClusterName> {
        if self.facts_pending {
            pending::record(|| Question::ClusterName {
                module: module.to_string(),
                function: function.to_string(),
                arity,
            });
        }
        self.name_helpers
            .iter()
            .find(|(_, h)| h.module == module && h.function == function && h.arity == arity)
            .map(|(_, h)| h.name)
    }

    /// Does some source file of the project handle Mnesia's
    /// `{:inconsistent_database, context, node}` system event?
    pub fn handles_mnesia_inconsistency(&self) -> bool {
        !self.mnesia_inconsistency_handlers.is_empty()
    }

    /// Is `path` a file the project-wide facts are read from?
    pub fn is_fact_source(&self, path: &Path) -> bool {
        is_source_file(path) && self.source_dirs.iter().any(|dir| path.starts_with(dir))
    }

    /// Takes `text` as the content of `path` instead of what is on disk (an
    /// editor's unsaved buffer), for the facts read from source files.
    pub fn overlay_source(&mut self, path: &Path, text: &str) {
        if self.is_fact_source(path) {
            self.overlay_facts(path, SourceFacts::of_file(path, text));
            if is_elixir(path) {
                self.summaries.set_file(path, summarize_text(text));
            }
        }
    }

    /// Like [`ProjectModel::overlay_source`], with the facts of the buffer
    /// already read (an editor keeps them per open document).
    pub fn overlay_facts(&mut self, path: &Path, facts: SourceFacts) {
        if !self.is_fact_source(path) {
            return;
        }
        self.mnesia_inconsistency_handlers.retain(|p| p != path);
        self.already_started_handlers.retain(|(p, _)| p != path);
        self.singleton_children.retain(|(p, _)| p != path);
        self.name_helpers.retain(|(p, _)| p != path);
        self.add_facts(path, facts);
    }

    pub fn depends_on(&self, name: &str) -> bool {
        self.dependencies.iter().any(|d| d.name == name)
    }
}

fn is_elixir(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "ex" || e == "exs")
}

/// The nearest directory at or above `path` with a `mix.exs`, or the umbrella
/// root above it.
pub fn find_project_root(path: &Path) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let nearest = start
        .ancestors()
        .find(|dir| dir.join("mix.exs").is_file())?;
    // An umbrella app lives at <umbrella>/apps/<app>; its root is two levels up.
    let umbrella = nearest
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("mix.exs").is_file())
        .filter(|dir| {
            MixFacts::read(&dir.join("mix.exs"))
                .and_then(|facts| facts.apps_path)
                .is_some_and(|apps| nearest.starts_with(dir.join(apps)))
        });
    Some(umbrella.unwrap_or(nearest).to_path_buf())
}

/// What the project-wide rules read from one source text. An editor compares
/// the facts of a buffer before and after an edit: when they differ, files
/// elsewhere in the project may lint differently, and all must be re-linted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceFacts {
    /// See [`mentions_mnesia_inconsistency`].
    pub mentions_mnesia_inconsistency: bool,
    /// See [`starts_handling_already_started`].
    pub handled_starts: Vec<HandledStart>,
    /// See [`singleton_children`].
    pub singleton_children: Vec<String>,
    /// See [`name_helpers`].
    pub name_helpers: Vec<NameHelper>,
}

impl SourceFacts {
    /// The facts of an Elixir source text (parsed only when a cheap text
    /// search says it may hold one of them).
    pub fn of(text: &str) -> SourceFacts {
        if !may_handle_already_started(text) && !may_start_singletons(text) {
            return SourceFacts {
                mentions_mnesia_inconsistency: mentions_mnesia_inconsistency(text),
                ..SourceFacts::default()
            };
        }
        SourceFacts::of_parsed(&ParsedFile::parse(text))
    }

    /// The facts of an Elixir text already parsed (an editor's buffer).
    pub fn of_parsed(parsed: &ParsedFile) -> SourceFacts {
        let text = parsed.source.text();
        let (singleton_children, name_helpers) = if may_start_singletons(text) {
            let model = FileModel::build(&parsed.tree, text);
            (singleton_children(&model), name_helpers(&model))
        } else {
            (Vec::new(), Vec::new())
        };
        SourceFacts {
            mentions_mnesia_inconsistency: mentions_mnesia_inconsistency(text),
            handled_starts: starts_handling_already_started(&parsed.tree, text),
            singleton_children,
            name_helpers,
        }
    }

    /// The facts of a file by its kind: Erlang sources are only searched as text.
    pub fn of_file(path: &Path, text: &str) -> SourceFacts {
        let erlang = path.extension().is_some_and(|e| e == "erl" || e == "hrl");
        if erlang {
            return SourceFacts {
                mentions_mnesia_inconsistency: mentions_mnesia_inconsistency(text),
                ..SourceFacts::default()
            };
        }
        SourceFacts::of(text)
    }
}

/// A start function that some caller runs while dealing with a name conflict:
/// `Singleton.start_link/1` from a watcher that matches
/// `{:error, {:already_started, pid}}` and monitors the winner.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HandledStart {
    /// The started module, aliases expanded (`MyApp.Singleton`).
    pub module: String,
    /// The function called (`start_link`; a module started as a child runs `start_link`).
    pub function: String,
}

/// The modules this Elixir source starts as, or under, a cluster-wide
/// singleton (see [`singleton_children`]). Empty, without building a model,
/// when the text names none of the mechanisms.
pub fn singleton_children_of(tree: &Tree, text: &str) -> Vec<String> {
    if !may_start_singletons(text) {
        return Vec::new();
    }
    singleton_children(&FileModel::build(tree, text))
}

/// The cheap test before any parse: code that handles the conflict names it.
fn may_handle_already_started(text: &str) -> bool {
    text.contains("already_started")
}

/// The start functions this Elixir source calls while handling
/// `{:already_started, pid}`: `Mod.start_link(...)`, `Mod.start(...)` or a
/// local `start_link(...)`, and `start_child(sup, Mod)` / `{Mod, arg}` /
/// `Mod.child_spec(arg)` (which run `Mod.start_link`), made in a function that
/// mentions `:already_started` or whose result goes straight to a local helper
/// that does (see [`handles_already_started`]). Empty, without parsing, when
/// the text never names `already_started`.
pub fn starts_handling_already_started(tree: &Tree, text: &str) -> Vec<HandledStart> {
    if !may_handle_already_started(text) {
        return Vec::new();
    }
    let model = FileModel::build(tree, text);
    let mut starts: Vec<HandledStart> = model
        .calls
        .iter()
        .filter(|call| !call.capture && call.function.is_some())
        .filter_map(|call| Some((call, started_by(&model, call)?)))
        .filter(|(call, _)| handles_already_started(&model, call))
        .map(|(_, start)| start)
        .collect();
    starts.sort();
    starts.dedup();
    starts
}

/// The start function a call runs: itself (`Mod.start_link`), or the
/// `start_link` of the child it starts (`start_child(sup, {Mod, arg})`).
fn started_by(model: &FileModel<'_>, call: &Call<'_>) -> Option<HandledStart> {
    let start = |module: String, function: &str| HandledStart {
        module,
        function: function.to_string(),
    };
    let name = call.target.name.as_str();
    if call.target.dynamic {
        return None;
    }
    match name {
        "start_link" | "start" => {
            let module = match &call.target.module {
                Some(module) => module.clone(),
                None => model.module(call.module?).name.clone(),
            };
            Some(start(module, name))
        }
        "start_child" if call.target.module.is_some() => {
            let spec = model.value_of(call.function, *call.args.get(1)?);
            let child = match crate::syntax::tuple_elements(spec) {
                Some(elements) => *elements.first()?,
                None => match model.call_for_expression(spec) {
                    Some(c) if c.target.name == "child_spec" && !c.target.dynamic => {
                        return Some(start(c.target.module.clone()?, "start_link"));
                    }
                    _ => spec,
                },
            };
            (child.kind() == "alias" || model.text(child) == "__MODULE__")
                .then(|| model.module_reference(child))
                .flatten()
                .map(|module| start(module, "start_link"))
        }
        _ => None,
    }
}

/// The call sits in a function that deals with `{:already_started, pid}`, or
/// hands its result straight to a local helper that does
/// (`GenServer.start_link(...) |> ignore_duplicate()`).
pub fn handles_already_started(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let mentions = |function| file.function_mentions_atom(function, "already_started");
    if call.function.is_some_and(mentions) {
        return true;
    }
    let (Some(helper), Some(module)) = (file.consumer_of(call), call.module) else {
        return false;
    };
    if helper.target.module.is_some() || helper.target.dynamic {
        return false;
    }
    file.functions_of(module)
        .filter(|(_, f)| f.name == helper.target.name && f.arity == helper.arity)
        .any(|(id, _)| mentions(id))
}

/// Does this source text deal with Mnesia's `inconsistent_database` event?
///
/// A text search, on purpose: the event is matched in Elixir
/// (`{:mnesia_system_event, {:inconsistent_database, _, _}}`) and Erlang
/// (`{mnesia_system_event, {inconsistent_database, _, _}}`) alike, and reading
/// every file of a project must stay cheap. A comment naming the event counts too.
pub fn mentions_mnesia_inconsistency(text: &str) -> bool {
    text.contains("inconsistent_database")
}

/// Elixir and Erlang source files (`.ex`, `.exs`, `.erl`, `.hrl`).
fn is_source_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "ex" | "exs" | "erl" | "hrl"))
}

/// Source files under `dir`, walked like the files `distlint check` lints:
/// .gitignore honoured, hidden directories, symbolic links and the default
/// excludes (`deps/`, `_build/`, ...) skipped.
fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .filter_entry(|entry| {
            !entry.file_type().is_some_and(|t| t.is_dir())
                || !DEFAULT_EXCLUDED_DIRS
                    .iter()
                    .any(|excluded| entry.file_name() == *excluded)
        })
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        // As in `distlint check`: a file over the limit (generated code, a
        // data dump) is not read, let alone parsed for the summaries.
        .filter(|entry| {
            entry
                .metadata()
                .is_ok_and(|m| m.len() <= crate::workspace::MAX_FILE_BYTES)
        })
        .map(ignore::DirEntry::into_path)
        .filter(|path| is_source_file(path))
        .collect();
    files.sort();
    files
}

fn sorted_dir(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

/// What one mix.exs says, read from its syntax tree.
#[derive(Debug, Default)]
struct MixFacts {
    dependencies: Vec<Dependency>,
    releases: Vec<String>,
    apps_path: Option<String>,
}

impl MixFacts {
    /// The dependencies in a literal list of `{:name, ...}` tuples.
    fn read_dependencies(&mut self, list: Node<'_>, source: &str, path: &Path) {
        for element in list_elements(list).unwrap_or_default() {
            if let Some(name) = dependency_name(element, source) {
                self.dependencies.push(Dependency {
                    name: name.to_string(),
                    declared_in: path.to_path_buf(),
                });
            }
        }
    }

    fn read(path: &Path) -> Option<MixFacts> {
        // An umbrella's `apps/x/mix.exs` may be a named pipe or a device.
        let text = crate::workspace::read_bounded(path)?;
        let parsed = ParsedFile::parse(&text);
        let model = FileModel::build(&parsed.tree, parsed.source.text());
        let mut facts = MixFacts::default();
        for function in &model.functions {
            let Some(body) = function.body.map(crate::syntax::last_expression) else {
                continue;
            };
            match function.name.as_str() {
                "deps" => facts.read_dependencies(body, model.source, path),
                "project" => {
                    let Some(keywords) = Keywords::cast(body) else {
                        continue;
                    };
                    // `deps: [...]` written in place (common in umbrella apps);
                    // `deps: deps()` is read from the `deps` function above.
                    if let Some(deps) = keywords.get("deps", model.source) {
                        facts.read_dependencies(deps, model.source, path);
                    }
                    if let Some(apps) = keywords.get("apps_path", model.source) {
                        facts.apps_path =
                            crate::syntax::string_literal(apps, model.source).map(str::to_string);
                    }
                    if let Some(releases) = keywords
                        .get("releases", model.source)
                        .and_then(Keywords::cast)
                    {
                        facts.releases = releases
                            .pairs()
                            .map(|p| p.key_name(model.source).to_string())
                            .collect();
                    }
                }
                _ => {}
            }
        }
        Some(facts)
    }
}

/// `{:libcluster, "~> 3.3"}` -> `libcluster`.
fn dependency_name<'s>(node: Node<'_>, source: &'s str) -> Option<&'s str> {
    let elements = tuple_elements(node)?;
    atom_name(*elements.first()?, source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::write;

    #[test]
    fn reads_deps_releases_and_umbrella_apps() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(
            &dir,
            "mix.exs",
            r#"defmodule Umb.MixProject do
  use Mix.Project
  def project do
    [apps_path: "apps", releases: [umb: [applications: [a: :permanent]]], deps: deps()]
  end
  defp deps, do: [{:credo, "~> 1.7", only: :dev}]
end"#,
        );
        write(
            &dir,
            "apps/a/mix.exs",
            r#"defmodule A.MixProject do
  use Mix.Project
  def project, do: [app: :a, deps: deps()]
  defp deps do
    [
      {:libcluster, "~> 3.3"},
      {:horde, github: "derekkraan/horde"}
    ]
  end
end"#,
        );
        write(&dir, "config/runtime.exs", "import Config\n");
        write(&dir, "apps/a/lib/a.ex", "defmodule A do\nend\n");

        let root = find_project_root(&dir.join("apps/a/lib/a.ex")).unwrap();
        assert_eq!(root, dir);
        let project = ProjectModel::load(&root);
        assert!(project.umbrella);
        let names: Vec<&str> = project
            .dependencies
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["credo", "libcluster", "horde"]);
        assert_eq!(project.releases, ["umb"]);
        assert_eq!(project.config_files, [dir.join("config/runtime.exs")]);
        assert!(project.depends_on("horde") && !project.depends_on("swarm"));
    }

    #[test]
    fn finds_mnesia_inconsistency_handling_in_sources_only() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(&dir, "mix.exs", "defmodule App.MixProject do\nend\n");
        write(&dir, "lib/app/store.ex", "defmodule App.Store do\nend\n");
        // Dependencies, build output and other directories do not count.
        write(&dir, "deps/x/lib/x.ex", ":inconsistent_database\n");
        write(&dir, "_build/dev/lib/x.ex", ":inconsistent_database\n");
        write(&dir, "test/split_test.exs", ":inconsistent_database\n");
        write(&dir, "lib/.hidden/x.ex", ":inconsistent_database\n");
        write(&dir, "lib/notes.md", "inconsistent_database\n");
        let project = ProjectModel::load(&dir);
        assert_eq!(
            project.source_dirs,
            [dir.join("lib")],
            "only directories that exist"
        );
        assert!(!project.handles_mnesia_inconsistency());

        write(
            &dir,
            "lib/app/split.ex",
            "def handle_info({:mnesia_system_event, {:inconsistent_database, _, _}}, s), do: {:noreply, s}\n",
        );
        write(&dir, "src/heal.erl", "-module(heal).\n");
        let project = ProjectModel::load(&dir);
        assert_eq!(
            project.mnesia_inconsistency_handlers,
            [dir.join("lib/app/split.ex")]
        );
        assert!(project.handles_mnesia_inconsistency());
        assert!(project.is_fact_source(&dir.join("src/heal.erl")));
        assert!(!project.is_fact_source(&dir.join("test/split_test.exs")));
        assert!(!project.is_fact_source(&dir.join("lib/notes.md")));

        // An editor buffer replaces the file on disk.
        let mut edited = project.clone();
        edited.overlay_source(&dir.join("lib/app/split.ex"), "defmodule Split do\nend\n");
        assert!(!edited.handles_mnesia_inconsistency());
        edited.overlay_source(
            &dir.join("src/heal.erl"),
            "handle_info({mnesia_system_event, {inconsistent_database, _, _}}, S) -> {noreply, S}.\n",
        );
        assert_eq!(
            edited.mnesia_inconsistency_handlers,
            [dir.join("src/heal.erl")]
        );
        edited.overlay_source(&dir.join("test/split_test.exs"), ":inconsistent_database");
        assert_eq!(edited.mnesia_inconsistency_handlers.len(), 1);
    }

    #[test]
    fn finds_callers_that_handle_already_started() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(&dir, "mix.exs", "defmodule App.MixProject do\nend\n");
        write(
            &dir,
            "lib/watcher.ex",
            "defmodule App.Watcher do\n  alias App.Ticker\n  def watch(arg) do\n    case Ticker.start_link(arg) do\n      {:ok, pid} -> pid\n      {:error, {:already_started, pid}} -> Process.monitor(pid)\n    end\n  end\n  def other(arg), do: App.Other.start_link(arg)\nend\n",
        );
        write(
            &dir,
            "lib/starter.ex",
            "defmodule App.Starter do\n  def go(sup) do\n    sup |> DynamicSupervisor.start_child({App.Leader, []}) |> follow()\n  end\n  defp follow({:error, {:already_started, pid}}), do: {:ok, pid}\n  defp follow(other), do: other\nend\n",
        );
        // Named only in a comment, in Erlang, or outside the sources: no caller.
        write(
            &dir,
            "lib/notes.ex",
            "# App.Other.start_link may return already_started\n",
        );
        write(
            &dir,
            "src/w.erl",
            "w() -> case 'Elixir.App.Other':start_link() of {error, {already_started, P}} -> P end.\n",
        );
        write(
            &dir,
            "test/w_test.exs",
            "defmodule WTest do\n  def t, do: with({:error, {:already_started, p}} <- App.Other.start_link(1), do: p)\nend\n",
        );
        let project = ProjectModel::load(&dir);
        let handled = |m: &str, f: &str| project.start_handled_by_caller(m, f);
        assert!(handled("App.Ticker", "start_link"));
        assert!(handled("App.Leader", "start_link"));
        assert!(!handled("App.Other", "start_link"));
        assert!(!handled("App.Ticker", "start"));
        assert_eq!(
            project
                .already_started_handlers
                .iter()
                .map(|(p, _)| p.strip_prefix(&dir).unwrap().to_str().unwrap())
                .collect::<Vec<_>>(),
            ["lib/starter.ex", "lib/watcher.ex"]
        );

        // An editor buffer replaces the file on disk.
        let mut edited = project.clone();
        edited.overlay_source(
            &dir.join("lib/watcher.ex"),
            "defmodule App.Watcher do\nend\n",
        );
        assert!(!edited.start_handled_by_caller("App.Ticker", "start_link"));
        assert!(edited.start_handled_by_caller("App.Leader", "start_link"));
        let facts = SourceFacts::of(
            "defmodule App.Watcher do\n  def start_link(a) do\n    with {:error, {:already_started, p}} <- start(a), do: {:ok, p}\n  end\nend\n",
        );
        assert_eq!(
            facts.handled_starts,
            [HandledStart {
                module: "App.Watcher".to_string(),
                function: "start".to_string()
            }]
        );
        edited.overlay_facts(&dir.join("lib/watcher.ex"), facts);
        assert!(edited.start_handled_by_caller("App.Watcher", "start"));
    }

    #[test]
    fn umbrella_apps_sources_are_scanned() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(
            &dir,
            "mix.exs",
            "defmodule Umb.MixProject do\n  def project, do: [apps_path: \"apps\"]\nend\n",
        );
        write(&dir, "apps/a/mix.exs", "defmodule A.MixProject do\nend\n");
        write(&dir, "apps/b/mix.exs", "defmodule B.MixProject do\nend\n");
        write(&dir, "apps/a/lib/a.ex", "defmodule A do\nend\n");
        write(
            &dir,
            "apps/b/lib/b/split.ex",
            "# heals :inconsistent_database events\n",
        );
        let project = ProjectModel::load(&dir);
        assert_eq!(
            project.source_dirs,
            [dir.join("apps/a/lib"), dir.join("apps/b/lib")]
        );
        assert_eq!(
            project.mnesia_inconsistency_handlers,
            [dir.join("apps/b/lib/b/split.ex")]
        );
    }

    #[test]
    fn dependencies_written_in_place_in_project_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().canonicalize().unwrap();
        write(
            &dir,
            "mix.exs",
            "defmodule W.MixProject do\n  use Mix.Project\n  def project, do: [app: :w, deps: [{:quantum, \"~> 3.5\"}, {:libcluster, github: \"x/y\"}]]\nend\n",
        );
        let project = ProjectModel::load(&dir);
        assert!(project.depends_on("quantum"));
        assert!(project.depends_on("libcluster"));
    }

    #[test]
    fn no_mix_exs_means_no_project() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        write(&dir, "a.ex", "x = 1\n");
        assert!(ProjectModel::discover(&dir.join("a.ex")).root.is_none());
    }
}
