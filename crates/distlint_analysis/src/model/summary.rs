//! Project-wide function summaries: for every function of the project, what
//! it does that the rules ask about (a remote call, an HTTP request, an email,
//! a broadcast, a `:persistent_term` write, a multicall result handed back to
//! its caller), directly or through the project's own functions.
//!
//! Summaries are read from the sources with the same parser, never run. A
//! project is summarised when it is loaded ([`ProjectIndex::scan`]), parsing
//! only the files that can matter: those that mention an effect, then those
//! that mention a function found to have one, for at most [`MAX_DEPTH`]
//! rounds. Rules ask [`ProjectIndex::reach`]: "does calling this function do
//! X, and through which functions?".

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::effects::{call_label, is_cheap_persistent_term_put, outside_effect, OutsideEffect};
use super::file::{Call, FileModel};
use crate::parse::ParsedFile;

/// How many calls deep effects are followed (`a` calls `b` calls `c`, which
/// posts: three).
pub const MAX_DEPTH: usize = 3;

/// What a function may do, as far as the rules are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    /// Something a rollback cannot undo (see [`OutsideEffect`]).
    Outside(OutsideEffect),
    /// `:persistent_term.put/2` (but not a cheap one, see
    /// [`is_cheap_persistent_term_put`]) or `erase/1`.
    PersistentTermWrite,
    /// Returns the `{results, bad_nodes}` of a multicall to its caller
    /// (followed only through calls in return position).
    ReturnsMulticall,
}

/// A function of the project, by its module, name and arity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionKey {
    pub module: String,
    pub name: String,
    pub arity: usize,
}

impl FunctionKey {
    /// `name/arity`, as messages name a step of a chain.
    pub fn short(&self) -> String {
        format!("{}/{}", self.name, self.arity)
    }
}

/// One clause's own facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClauseFacts {
    /// Its own calls that have an effect, with how to name each (`Req.post/2`).
    pub effects: Vec<(Effect, String)>,
    /// The Elixir functions it calls (the project's own are followed).
    pub calls: Vec<FunctionKey>,
    /// The functions whose result it returns.
    pub returns: Vec<FunctionKey>,
}

/// One function's facts, clause by clause. A function reaches an effect only
/// when every clause does: a dispatching function whose `%Initialize{}` clause
/// stores something once does not store on every call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionFacts {
    pub clauses: Vec<ClauseFacts>,
}

/// The facts of every function defined in one file.
pub type FileSummary = BTreeMap<FunctionKey, FunctionFacts>;

/// Summarises the functions of one file (or one top-level form).
pub fn summarize(file: &FileModel<'_>) -> FileSummary {
    let key_of = |function: &super::file::Function<'_>| {
        let module = function.module.map(|m| file.module(m).name.clone())?;
        Some(FunctionKey {
            module,
            name: function.name.clone(),
            arity: function.arity,
        })
    };
    // Clauses by their function id, in source order.
    let mut clauses: Vec<Option<(FunctionKey, ClauseFacts)>> = file
        .functions
        .iter()
        .map(|function| key_of(function).map(|key| (key, ClauseFacts::default())))
        .collect();
    // What each clause returns, found once per clause rather than once per
    // call: finding a body's last expression walks all of the body, and a
    // body can hold the rest of the module while the file is unbalanced.
    let returns: Vec<Option<Returned>> = file
        .functions
        .iter()
        .map(|function| {
            let body = function.body?;
            let last = crate::syntax::unparenthesized(crate::syntax::last_expression(body));
            Some(Returned {
                node: last.id(),
                call: file.call_for_expression(last).map(|c| c.node.id()),
            })
        })
        .collect();
    for call in &file.calls {
        let Some(Some((caller, facts))) = call.function.map(|f| &mut clauses[f.index()]) else {
            continue;
        };
        for effect in direct_effects(file, call) {
            facts.effects.push((effect, call_label(call)));
        }
        if let Some(callee) = callee(call, caller) {
            let id = call.node.id();
            let returned = call
                .function
                .and_then(|f| returns[f.index()].as_ref())
                .is_some_and(|r| r.node == id || r.call == Some(id));
            if returned {
                facts.returns.push(callee.clone());
            }
            facts.calls.push(callee);
        }
    }
    let mut summary = FileSummary::new();
    for (key, mut facts) in clauses.into_iter().flatten() {
        facts.calls.sort();
        facts.calls.dedup();
        facts.returns.sort();
        facts.returns.dedup();
        summary.entry(key).or_default().clauses.push(facts);
    }
    summary
}

/// The effects of one call that the summaries record (a multicall is also a
/// remote call).
fn direct_effects(file: &FileModel<'_>, call: &Call<'_>) -> Vec<Effect> {
    let mut effects: Vec<Effect> = outside_effect(call)
        .map(Effect::Outside)
        .into_iter()
        .collect();
    match call.mfa() {
        (":persistent_term", "put", 2) if is_cheap_persistent_term_put(file, call) => {}
        (":persistent_term", "put", 2) | (":persistent_term", "erase", 1) => {
            effects.push(Effect::PersistentTermWrite)
        }
        (":rpc", "multicall", 3..=5) | ("GenServer" | ":gen_server", "multi_call", 2..=4) => {
            effects.push(Effect::ReturnsMulticall)
        }
        _ => {}
    }
    effects
}

/// The Elixir function a call names: `helper(x)` in the caller's module,
/// `MyApp.Http.post(x)` by its module. Erlang modules and dynamic receivers
/// are not the project's.
fn callee(call: &Call<'_>, caller: &FunctionKey) -> Option<FunctionKey> {
    callee_in(call, &caller.module)
}

fn callee_in(call: &Call<'_>, module_of_caller: &str) -> Option<FunctionKey> {
    if call.target.dynamic {
        return None;
    }
    let module = match &call.target.module {
        Some(module) if module.starts_with(':') => return None,
        Some(module) => module.clone(),
        // A local call: a function of this module (Kernel's are not in the project).
        None => module_of_caller.to_string(),
    };
    Some(FunctionKey {
        module,
        name: call.target.name.clone(),
        arity: call.arity,
    })
}

/// The function `call` names, for asking the index (`None` for Erlang
/// modules, dynamic receivers and calls outside any module).
pub fn called_function(file: &FileModel<'_>, call: &Call<'_>) -> Option<FunctionKey> {
    let module = call.module.map(|m| file.module(m).name.as_str())?;
    callee_in(call, module)
}

/// What a clause returns: a call's value is returned when the call is the
/// last expression of the body (also at the end of a pipe).
struct Returned {
    /// The last expression.
    node: usize,
    /// The call that expression is, if it is one.
    call: Option<usize>,
}

/// How a rule learns that a call reaches an effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    /// The functions from the one called to the one that has the effect.
    pub chain: Vec<FunctionKey>,
    /// The call that has the effect, as named in messages (`Req.post/2`).
    pub call: String,
    /// What that call does.
    pub effect: Effect,
}

impl Reach {
    /// `via post_status/2 → notify/1`: how a message names the chain.
    pub fn via(&self) -> String {
        let steps: Vec<String> = self.chain.iter().map(FunctionKey::short).collect();
        format!("via {}", steps.join(" → "))
    }
}

/// The summaries of every function of a project.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProjectIndex {
    functions: HashMap<FunctionKey, FunctionFacts>,
    by_file: HashMap<PathBuf, Vec<FunctionKey>>,
    /// Not built yet (see [`ProjectIndex::pending`]).
    pending: bool,
}

/// Words without which a file has no effect the summaries record: files
/// without any are not parsed when a project is summarised.
const EFFECT_WORDS: &[&str] = &[
    ":rpc.",
    ":erpc.",
    "persistent_term",
    "multi_call",
    "HTTPoison",
    "HTTPotion",
    "Req.",
    "Tesla",
    "Finch",
    "Mint.HTTP",
    ":httpc",
    ":hackney",
    "deliver",
    "broadcast",
];

impl ProjectIndex {
    /// An index still to be built: it answers every search with what the
    /// linted file's own functions (the `local` summary) say, a function
    /// found nowhere else as absent, and notes it (see
    /// [`super::pending::asked_of_pending`]).
    /// `distlint check` lints every file once with it, builds the index
    /// from the summaries the lint made (no second parse), and lints again
    /// only the files that asked about a function the index holds.
    pub fn pending() -> ProjectIndex {
        ProjectIndex {
            pending: true,
            ..ProjectIndex::default()
        }
    }

    pub fn is_pending(&self) -> bool {
        self.pending
    }

    /// Summarises the project whose source files are `files` (path and
    /// text), parsing only the files that can matter.
    pub fn scan(files: &[(PathBuf, String)]) -> ProjectIndex {
        ProjectIndex::scan_with(files, |_, text| summarize_text(text))
    }

    /// [`ProjectIndex::scan`] with the summary of a file (its index in
    /// `files`, its text) from `summary_of`: one already made, when a lint
    /// made it. The files each round needs are summarised in parallel, and
    /// added in order.
    pub fn scan_with(
        files: &[(PathBuf, String)],
        summary_of: impl Fn(usize, &str) -> FileSummary + Sync,
    ) -> ProjectIndex {
        use rayon::prelude::*;
        let mut index = ProjectIndex::default();
        let mut parsed: HashSet<usize> = HashSet::new();
        let mut wanted: Vec<usize> = files
            .iter()
            .enumerate()
            .filter(|(_, (_, text))| EFFECT_WORDS.iter().any(|w| text.contains(w)))
            .map(|(i, _)| i)
            .collect();
        // Round 0: files with effects; then the files that mention a function
        // found to reach one (its callers, maybe), one level per round.
        let mut followed: HashSet<String> = HashSet::new();
        for _round in 0..=MAX_DEPTH {
            wanted.retain(|i| parsed.insert(*i));
            let summaries: Vec<FileSummary> = wanted
                .par_iter()
                .map(|i| summary_of(*i, &files[*i].1))
                .collect();
            for (i, summary) in wanted.drain(..).zip(summaries) {
                index.set_file(&files[i].0, summary);
            }
            let names: Vec<String> = index
                .functions
                .keys()
                .filter(|key| !followed.contains(&key.name) && index.has_any_effect(key))
                .map(|key| key.name.clone())
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            if names.is_empty() {
                break;
            }
            followed.extend(names.iter().cloned());
            wanted = (0..files.len())
                .filter(|i| !parsed.contains(i))
                .filter(|i| names.iter().any(|name| files[*i].1.contains(name.as_str())))
                .collect();
        }
        index
    }

    /// Replaces what `path` contributes (an editor's unsaved buffer).
    pub fn set_file(&mut self, path: &Path, summary: FileSummary) {
        if let Some(keys) = self.by_file.remove(path) {
            for key in keys {
                self.functions.remove(&key);
            }
        }
        let keys: Vec<FunctionKey> = summary.keys().cloned().collect();
        for (key, facts) in summary {
            // A module defined in two files (rare) keeps the clauses of both.
            let entry = self.functions.entry(key).or_default();
            entry.clauses.extend(facts.clauses);
        }
        self.by_file.insert(path.to_path_buf(), keys);
    }

    /// Whether the index holds facts of `key`.
    pub fn has_function(&self, key: &FunctionKey) -> bool {
        self.functions.contains_key(key)
    }

    /// Whether the index holds `path`'s functions.
    pub fn has_file(&self, path: &Path) -> bool {
        self.by_file.contains_key(path)
    }

    fn has_any_effect(&self, key: &FunctionKey) -> bool {
        self.reach(key, |_| true).is_some()
    }

    /// Whether calling `key` does something `wanted` accepts, directly or
    /// through the project's functions (at most [`MAX_DEPTH`] deep), and how.
    pub fn reach(&self, key: &FunctionKey, wanted: impl Fn(Effect) -> bool) -> Option<Reach> {
        self.reach_with(&FileSummary::new(), key, wanted)
    }

    /// Like [`ProjectIndex::reach`], with the functions of `local` (the file
    /// being linted, as it is now) in place of what the index read from disk.
    pub fn reach_with(
        &self,
        local: &FileSummary,
        key: &FunctionKey,
        wanted: impl Fn(Effect) -> bool,
    ) -> Option<Reach> {
        self.search(local, key, &wanted, false)
    }

    /// What each function of `summary` reaches (the effects, not the chains),
    /// with `summary` in place of the index's version of its file: what the
    /// rest of the project sees of that file. An editor compares it before and
    /// after an edit to know whether other files must be linted again.
    pub fn reached_by(&self, summary: &FileSummary) -> BTreeMap<FunctionKey, Vec<Effect>> {
        summary
            .keys()
            .map(|key| (key.clone(), self.all_reached(summary, key)))
            .collect()
    }

    /// Whether the index already holds exactly `summary` for `path`: the
    /// cheap check before comparing what the file's functions reach.
    pub fn holds(&self, path: &Path, summary: &FileSummary) -> bool {
        let Some(keys) = self.by_file.get(path) else {
            return summary.is_empty();
        };
        keys.len() == summary.len()
            && keys.iter().all(|key| {
                summary
                    .get(key)
                    .is_some_and(|facts| self.functions.get(key) == Some(facts))
            })
    }

    /// [`ProjectIndex::reached_by`] for the file `path` as the index holds it.
    pub fn reached_by_file(&self, path: &Path) -> BTreeMap<FunctionKey, Vec<Effect>> {
        let none = FileSummary::new();
        self.by_file
            .get(path)
            .into_iter()
            .flatten()
            .map(|key| (key.clone(), self.all_reached(&none, key)))
            .collect()
    }

    /// Every effect `key` reaches (within [`MAX_DEPTH`]), sorted.
    fn all_reached(&self, local: &FileSummary, key: &FunctionKey) -> Vec<Effect> {
        let mut effects: Vec<Effect> = Vec::new();
        while let Some(reach) = self.reach_with(local, key, |e| !effects.contains(&e)) {
            effects.push(reach.effect);
        }
        effects.sort();
        effects
    }

    /// Whether `key` hands back a multicall result (through return positions only).
    pub fn returns_multicall(&self, key: &FunctionKey) -> Option<Reach> {
        self.returns_multicall_with(&FileSummary::new(), key)
    }

    /// Like [`ProjectIndex::returns_multicall`], with `local` first (see [`ProjectIndex::reach_with`]).
    pub fn returns_multicall_with(&self, local: &FileSummary, key: &FunctionKey) -> Option<Reach> {
        self.search(local, key, &|e| e == Effect::ReturnsMulticall, true)
    }

    /// Whether every clause of `key` reaches a wanted effect, itself or
    /// through a function it calls (at most [`MAX_DEPTH`] deep); the chain is
    /// the first clause's, the shortest found.
    fn search(
        &self,
        local: &FileSummary,
        start: &FunctionKey,
        wanted: &dyn Fn(Effect) -> bool,
        returns_only: bool,
    ) -> Option<Reach> {
        let mut visiting = Vec::new();
        self.must_reach(local, start, wanted, returns_only, &mut visiting)
    }

    fn must_reach(
        &self,
        local: &FileSummary,
        key: &FunctionKey,
        wanted: &dyn Fn(Effect) -> bool,
        returns_only: bool,
        visiting: &mut Vec<FunctionKey>,
    ) -> Option<Reach> {
        // Recursion is no evidence; the depth bounds the work.
        if visiting.contains(key) || visiting.len() >= MAX_DEPTH {
            return None;
        }
        let facts = match local.get(key) {
            Some(facts) => facts,
            None if self.pending => {
                super::pending::record(|| super::pending::Question::Function(key.clone()));
                return None;
            }
            None => self.functions.get(key)?,
        };
        if facts.clauses.is_empty() {
            return None;
        }
        visiting.push(key.clone());
        let mut first: Option<Reach> = None;
        for clause in &facts.clauses {
            let direct = clause
                .effects
                .iter()
                .find(|(effect, _)| wanted(*effect))
                .map(|(effect, call)| Reach {
                    chain: vec![key.clone()],
                    call: call.clone(),
                    effect: *effect,
                });
            let found = direct.or_else(|| {
                let next = if returns_only {
                    &clause.returns
                } else {
                    &clause.calls
                };
                next.iter()
                    .filter_map(|callee| {
                        self.must_reach(local, callee, wanted, returns_only, visiting)
                    })
                    .min_by_key(|reach| reach.chain.len())
                    .map(|reach| Reach {
                        chain: std::iter::once(key.clone()).chain(reach.chain).collect(),
                        ..reach
                    })
            });
            match found {
                Some(reach) => {
                    first.get_or_insert(reach);
                }
                None => {
                    first = None;
                    break;
                }
            }
        }
        visiting.pop();
        first
    }
}

/// Parses `text` and summarises its functions.
pub fn summarize_text(text: &str) -> FileSummary {
    let parsed = ParsedFile::parse(text);
    let model = FileModel::build(&parsed.tree, parsed.source.text());
    summarize(&model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::effects::OutsideEffect;

    fn index(files: &[(&str, &str)]) -> ProjectIndex {
        let files: Vec<(PathBuf, String)> = files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        ProjectIndex::scan(&files)
    }

    fn key(module: &str, name: &str, arity: usize) -> FunctionKey {
        FunctionKey {
            module: module.into(),
            name: name.into(),
            arity,
        }
    }

    const HTTP: &str = "defmodule App.Http do\n  def post_status(order, status) do\n    notify(order, status)\n  end\n  defp notify(order, status), do: Req.post!(\"https://example.test/hook\", json: %{order: order, status: status})\nend\n";
    const ORDERS: &str = "defmodule App.Orders do\n  alias App.Http\n  def ship(order) do\n    Http.post_status(order, :shipped)\n  end\n  def total(order), do: order.total\nend\n";
    const UNRELATED: &str = "defmodule App.Math do\n  def double(x), do: x * 2\nend\n";

    #[test]
    fn effects_are_followed_through_the_projects_functions() {
        let index = index(&[
            ("lib/http.ex", HTTP),
            ("lib/orders.ex", ORDERS),
            ("lib/math.ex", UNRELATED),
        ]);
        let http = |e| e == Effect::Outside(OutsideEffect::Http);
        let reach = index.reach(&key("App.Orders", "ship", 1), http).unwrap();
        assert_eq!(reach.call, "Req.post!/2");
        assert_eq!(reach.via(), "via ship/1 → post_status/2 → notify/2");
        assert!(index.reach(&key("App.Orders", "total", 1), http).is_none());
        // Files that cannot matter are not parsed.
        assert!(!index.has_file(Path::new("lib/math.ex")));
        assert!(index.has_file(Path::new("lib/orders.ex")));
    }

    #[test]
    fn a_function_reaches_an_effect_only_if_every_clause_does() {
        let text = "defmodule Lsp do\n  def packet(p), do: handle(p)\n  defp handle(%{init: caps}), do: store(caps)\n  defp handle(other), do: other\n  def always(p), do: both(p)\n  defp both(%{a: x}), do: store(x)\n  defp both(x), do: store({:b, x})\n  defp store(x), do: :persistent_term.put({__MODULE__, :caps}, x)\nend\n";
        let index = index(&[("lib/lsp.ex", text)]);
        let write = |e| e == Effect::PersistentTermWrite;
        assert!(index.reach(&key("Lsp", "packet", 1), write).is_none());
        let reach = index.reach(&key("Lsp", "always", 1), write).unwrap();
        assert_eq!(reach.via(), "via always/1 → both/1 → store/1");
    }

    #[test]
    fn the_depth_is_bounded() {
        let chain = "defmodule A do\n  def a1, do: a2()\n  def a2, do: a3()\n  def a3, do: a4()\n  def a4, do: :persistent_term.put(:k, %{big: :map})\nend\n";
        let index = index(&[("lib/a.ex", chain)]);
        let write = |e| e == Effect::PersistentTermWrite;
        assert!(index.reach(&key("A", "a2", 0), write).is_some());
        assert!(
            index.reach(&key("A", "a1", 0), write).is_none(),
            "four calls deep"
        );
    }

    #[test]
    fn multicall_results_are_followed_through_return_positions_only() {
        let text = "defmodule Cluster do\n  def everywhere(m, f, a), do: :rpc.multicall(m, f, a, 5_000)\n  def refresh do\n    everywhere(Cache, :refresh, [])\n  end\n  def logged do\n    everywhere(Cache, :refresh, [])\n    :ok\n  end\nend\n";
        let index = index(&[("lib/cluster.ex", text)]);
        let reach = index
            .returns_multicall(&key("Cluster", "refresh", 0))
            .unwrap();
        assert_eq!(reach.via(), "via refresh/0 → everywhere/3");
        assert!(index
            .returns_multicall(&key("Cluster", "logged", 0))
            .is_none());
    }

    #[test]
    fn what_a_file_offers_the_project_changes_only_with_its_effects() {
        let index = index(&[("lib/http.ex", HTTP), ("lib/orders.ex", ORDERS)]);
        let before = index.reached_by_file(Path::new("lib/orders.ex"));
        assert_eq!(
            before[&key("App.Orders", "ship", 1)],
            [Effect::Outside(OutsideEffect::Http)]
        );
        assert!(index.holds(Path::new("lib/orders.ex"), &summarize_text(ORDERS)));
        // A new call to a pure function: nothing the project sees changes.
        let edited = ORDERS.replace(
            "def total(order), do: order.total",
            "def total(order), do: Enum.sum(order.lines)",
        );
        assert_eq!(index.reached_by(&summarize_text(&edited)), before);
        // The call that posts is gone: it does.
        let edited = ORDERS.replace("Http.post_status(order, :shipped)", "order");
        assert_ne!(index.reached_by(&summarize_text(&edited)), before);
    }

    #[test]
    fn an_unsaved_buffer_replaces_its_file() {
        let mut index = index(&[("lib/http.ex", HTTP), ("lib/orders.ex", ORDERS)]);
        let quiet = HTTP.replace(
            "Req.post!(\"https://example.test/hook\", json: %{order: order, status: status})",
            ":ok",
        );
        index.set_file(Path::new("lib/http.ex"), summarize_text(&quiet));
        assert!(index
            .reach(&key("App.Orders", "ship", 1), |_| true)
            .is_none());
    }
}
