//! Processes that run once per cluster: which modules a source starts as, or
//! under, a cluster-wide singleton. The ProjectModel keeps them per file (see
//! `ProjectModel::started_as_singleton`), for rules that ask whether a process
//! runs on one node or on every node (cluster-cron-without-leader).
//!
//! A module's process is a cluster singleton when:
//! - it is the child of `{Highlander, Child}` (also `{Highlander, {Child, arg}}`
//!   and `{Highlander, Child.child_spec(arg)}`);
//! - it is started with `Horde.DynamicSupervisor.start_child(sup, Child)` (or a
//!   `{Child, arg}` or `Child.child_spec(arg)` spec): Horde runs each child on
//!   one node of the cluster;
//! - its own module registers it under a cluster-wide name: a `name:` option
//!   of `{:global, _}` or `{:via, registry, _}` with `:global`, `:syn`,
//!   `Horde.Registry` or `:swarm` as the registry, or a call to
//!   `:global.register_name`, `:global.re_register_name`, `:syn.register` or
//!   `Swarm.register_name`;
//! - or it is started by such a process: named as a child (a module written
//!   as a value, as in `Supervisor.init([Child], ...)` or `{Child, arg}`) or
//!   started (`Child.start_link(...)`) in the code of a singleton's module,
//!   transitively within the file.
//!
//! Read with the same parser, never run; only sources that name one of the
//! mechanisms are parsed (see [`may_start_singletons`]).

use std::collections::{BTreeMap, BTreeSet};

use tree_sitter::Node;

use super::file::{FileModel, ModuleId};
use crate::syntax::{atom_name, tuple_elements, unparenthesized};

/// The cheap test before any parse: a source that starts a singleton names
/// its mechanism.
pub fn may_start_singletons(text: &str) -> bool {
    ["Highlander", ":global", ":syn", "Horde", "Swarm", ":swarm"]
        .iter()
        .any(|word| text.contains(word))
}

/// The modules this source starts as cluster-wide singletons, or under one
/// (see the module documentation), aliases expanded, sorted.
pub fn singleton_children(model: &FileModel<'_>) -> Vec<String> {
    let mut led: BTreeSet<String> = BTreeSet::new();
    // Children of Highlander and of Horde's supervisor.
    for (module, located) in model.module_refs() {
        if module != "Highlander" {
            continue;
        }
        let Some(tuple) = located.node.parent().filter(|p| p.kind() == "tuple") else {
            continue;
        };
        let elements = tuple_elements(tuple).unwrap_or_default();
        if let [first, spec] = elements.as_slice() {
            if first.id() == located.node.id() {
                led.extend(child_module(model, located.function, *spec));
            }
        }
    }
    for call in model.calls_to("Horde.DynamicSupervisor", "start_child") {
        if let Some(spec) = call.args.get(1) {
            led.extend(child_module(model, call.function, *spec));
        }
    }
    // Processes started under a cluster-wide name, and their children.
    led.extend(cluster_wide_starts(model));
    // The modules those start, and the modules those start, in this file.
    let mut pending: Vec<String> = led.iter().cloned().collect();
    while let Some(name) = pending.pop() {
        let Some((id, _)) = model.modules_with_ids().find(|(_, m)| m.name == name) else {
            continue;
        };
        for child in started_by_module(model, id) {
            if led.insert(child.clone()) {
                pending.push(child);
            }
        }
    }
    led.into_iter().collect()
}

/// A cluster-wide name a function returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClusterName {
    /// `{:global, name}` or `{:via, :global, name}`.
    Global,
    /// `{:via, Horde.Registry, key}`.
    Horde,
}

/// A public function whose every clause returns a cluster-wide name:
/// `def via_tuple(id), do: {:via, Horde.Registry, {__MODULE__, id}}` in
/// `MyApp.Registry`, called from other modules as `MyApp.Registry.via_tuple(id)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameHelper {
    pub module: String,
    pub function: String,
    pub arity: usize,
    pub name: ClusterName,
}

/// The public functions of this source that return a cluster-wide name (see
/// [`NameHelper`]): every clause's last expression, followed with
/// [`FileModel::value_of`], is `{:global, _}`, `{:via, :global, _}` or
/// `{:via, Horde.Registry, _}`, all of one kind.
pub fn name_helpers(model: &FileModel<'_>) -> Vec<NameHelper> {
    let mut kinds: BTreeMap<(String, String, usize), Option<ClusterName>> = BTreeMap::new();
    for (index, function) in model.functions.iter().enumerate() {
        let Some(module) = function.module else {
            continue;
        };
        let key = (
            model.module(module).name.clone(),
            function.name.clone(),
            function.arity,
        );
        let kind = function.body.and_then(|body| {
            let id = super::FunctionId(index as u32);
            let value = model.value_of(Some(id), crate::syntax::last_expression(body));
            cluster_name(model, value)
        });
        let kind = kind.filter(|_| function.public).filter(|kind| {
            // A `:global` name keyed by a process or this node is not competed for.
            *kind != ClusterName::Global || !keyed_by_instance(model, function.body)
        });
        kinds
            .entry(key)
            .and_modify(|known| {
                if *known != kind {
                    *known = None;
                }
            })
            .or_insert(kind);
    }
    kinds
        .into_iter()
        .filter_map(|((module, function, arity), kind)| {
            Some(NameHelper {
                module,
                function,
                arity,
                name: kind?,
            })
        })
        .collect()
}

/// Does the returned name hold a pid, `self()`, `make_ref()`, `node()` or a
/// unique integer (a variable named `pid`, `*_pid`, `parent` or `caller`)?
fn keyed_by_instance(model: &FileModel<'_>, body: Option<Node<'_>>) -> bool {
    let Some(body) = body else {
        return false;
    };
    let value = crate::syntax::last_expression(body);
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        if model.call_for_node(node).is_some_and(is_unique_to_instance) {
            return true;
        }
        if crate::syntax::variable_name(node, model.source).is_some_and(names_a_pid) {
            return true;
        }
        stack.extend(crate::syntax::named_children(node));
    }
    false
}

/// The kind of cluster-wide name a value is, if it is one.
pub fn cluster_name(model: &FileModel<'_>, value: Node<'_>) -> Option<ClusterName> {
    let elements = tuple_elements(unparenthesized(value))?;
    match elements.as_slice() {
        [scope, _] if atom_name(*scope, model.source) == Some("global") => {
            Some(ClusterName::Global)
        }
        [via, registry, _] if atom_name(*via, model.source) == Some("via") => {
            match model.module_reference(*registry).as_deref() {
                Some(":global") => Some(ClusterName::Global),
                Some("Horde.Registry") => Some(ClusterName::Horde),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The module a child spec starts: `Child`, `{Child, arg}`, `Child.child_spec(arg)`.
fn child_module(
    model: &FileModel<'_>,
    function: Option<super::FunctionId>,
    spec: Node<'_>,
) -> Option<String> {
    let spec = model.value_of(function, spec);
    let child = match tuple_elements(spec) {
        Some(elements) => *elements.first()?,
        None => match model.call_for_expression(spec) {
            Some(call) if call.target.name == "child_spec" && !call.target.dynamic => {
                return call.target.module.clone();
            }
            _ => spec,
        },
    };
    let child = unparenthesized(child);
    (child.kind() == "alias" || model.text(child) == "__MODULE__")
        .then(|| model.module_reference(child))
        .flatten()
}

/// Modules whose process is registered under a cluster-wide name: the module
/// started with such a `name:` (`GenServer.start_link(__MODULE__, arg, name:
/// {:global, __MODULE__})`), the children of a supervisor started with one
/// (`Supervisor.start_link([Child], name: {:global, Sup})`), and a module
/// whose code registers itself (`:global.register_name(name, self())`).
fn cluster_wide_starts(model: &FileModel<'_>) -> Vec<String> {
    let mut modules = Vec::new();
    for call in &model.calls {
        if call.capture || call.target.dynamic {
            continue;
        }
        let registers = matches!(
            call.mfa(),
            (":global", "register_name" | "re_register_name", 2 | 3)
                | (":syn", "register", 3 | 4)
                | ("Swarm", "register_name", 2 | 5)
        );
        if registers {
            modules.extend(call.module.map(|m| model.module(m).name.clone()));
            continue;
        }
        if !matches!(call.target.name.as_str(), "start_link" | "start") {
            continue;
        }
        let name = call
            .keyword_options()
            .and_then(|options| options.get("name", model.source));
        if !name.is_some_and(|name| cluster_wide_name(model, model.value_of(call.function, name))) {
            continue;
        }
        let Some(first) = call.args.first() else {
            continue;
        };
        let first = model.value_of(call.function, *first);
        match crate::syntax::list_elements(first) {
            // Supervisor.start_link(children, name: {:global, _})
            Some(children) => modules.extend(
                children
                    .into_iter()
                    .filter_map(|child| child_module(model, call.function, child)),
            ),
            None => modules.extend(child_module(model, call.function, first)),
        }
    }
    modules
}

/// `{:global, _}`, or `{:via, registry, _}` with a cluster-wide registry.
fn cluster_wide_name(model: &FileModel<'_>, name: Node<'_>) -> bool {
    let Some(elements) = tuple_elements(unparenthesized(name)) else {
        return false;
    };
    match elements.as_slice() {
        [scope, _] => atom_name(*scope, model.source) == Some("global"),
        [via, registry, _] if atom_name(*via, model.source) == Some("via") => matches!(
            model.module_reference(*registry).as_deref(),
            Some(":global" | ":syn" | "Horde.Registry" | ":swarm" | "Swarm")
        ),
        _ => false,
    }
}

/// Modules whose `start_link` starts the caller's own process, not a child.
const BEHAVIOURS: &[&str] = &[
    "GenServer",
    "Supervisor",
    "DynamicSupervisor",
    "Agent",
    "Task",
    "Task.Supervisor",
    "GenStage",
    "Registry",
];

/// The modules a module's code starts: named as values (child specs and
/// lists) or called to start (`Child.start_link(...)`), other than itself.
fn started_by_module(model: &FileModel<'_>, module: ModuleId) -> Vec<String> {
    let own = model.module(module).name.as_str();
    let in_module = |node: Node<'_>| model.module_at(node) == Some(module);
    let mut started: Vec<String> = model
        .module_refs()
        .filter(|(_, located)| in_module(located.node))
        .map(|(name, _)| name)
        .collect();
    started.extend(
        model
            .calls
            .iter()
            .filter(|call| call.module == Some(module) && !call.target.dynamic)
            .filter(|call| {
                matches!(
                    call.target.name.as_str(),
                    "start_link" | "start" | "child_spec"
                )
            })
            .filter_map(|call| call.target.module.clone()),
    );
    started.retain(|name| {
        name != own && !name.starts_with(':') && !BEHAVIOURS.contains(&name.as_str())
    });
    started.sort();
    started.dedup();
    started
}

/// `self()`, `make_ref()`, `node()` and unique integers: values that name one
/// process, call or node, so a name keyed by them is not competed for.
pub fn is_unique_to_instance(call: &super::file::Call<'_>) -> bool {
    matches!(
        call.mfa(),
        ("" | ":erlang", "self" | "make_ref" | "node", 0)
            | ("Node", "self", 0)
            | ("System" | ":erlang", "unique_integer", 0 | 1)
    )
}

/// A variable that by its name holds a pid: `pid`, `*_pid`, `parent`, `caller`.
pub fn names_a_pid(name: &str) -> bool {
    let name = name.trim_start_matches('_');
    matches!(name, "pid" | "parent" | "caller") || name.ends_with("_pid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ParsedFile;

    fn children(text: &str) -> Vec<String> {
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        singleton_children(&model)
    }

    #[test]
    fn highlander_horde_and_cluster_wide_names_lead_their_children() {
        let text = "defmodule App.Application do\n  alias App.Jobs\n  def start(_, _) do\n    Supervisor.start_link([{Highlander, Jobs.Scheduler}, {Highlander, {App.Other, []}}, App.Local], strategy: :one_for_one)\n  end\nend\n\ndefmodule App.Singleton do\n  use Supervisor\n  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg, name: {:global, __MODULE__})\n  def init(_), do: Supervisor.init([App.Cron, {App.Inner, []}], strategy: :one_for_one)\nend\n\ndefmodule App.Inner do\n  def start_link(_), do: App.Deep.start_link()\nend\n\ndefmodule App.Starter do\n  def go, do: Horde.DynamicSupervisor.start_child(App.HordeSup, App.HordeChild)\nend\n";
        assert_eq!(
            children(text),
            [
                "App.Cron",
                "App.Deep",
                "App.HordeChild",
                "App.Inner",
                "App.Jobs.Scheduler",
                "App.Other",
                "App.Singleton"
            ]
        );
    }

    #[test]
    fn functions_returning_cluster_wide_names() {
        let text = "defmodule App.Names do\n  alias Horde.Registry, as: HR\n  def via_tuple(id), do: {:via, HR, {App.Reg, id}}\n  def leader, do: {:global, App.Leader}\n  def owned(owner_pid), do: {:global, {owner_pid, App.Worker}}\n  def local(id), do: {:via, Registry, {App.Reg, id}}\n  defp hidden, do: {:global, :hidden}\n  def mixed(:a), do: {:global, :a}\n  def mixed(id), do: {:via, Registry, {App.Reg, id}}\nend\n";
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        let helpers: Vec<(String, usize, ClusterName)> = name_helpers(&model)
            .into_iter()
            .map(|h| (h.function, h.arity, h.name))
            .collect();
        assert_eq!(
            helpers,
            [
                ("leader".to_string(), 0, ClusterName::Global),
                ("via_tuple".to_string(), 1, ClusterName::Horde)
            ]
        );
    }

    #[test]
    fn local_names_lead_nothing() {
        let text = "defmodule App.Sup do\n  use Supervisor\n  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg, name: __MODULE__)\n  def init(_), do: Supervisor.init([App.Cron], strategy: :one_for_one)\nend\n\ndefmodule App.Local do\n  def start_link(id), do: GenServer.start_link(__MODULE__, id, name: {:via, Registry, {App.Reg, id}})\n  def init(_), do: App.Cron.start_link()\nend\n";
        assert!(children(text).is_empty());
    }
}
