//! The distribution primitives one file uses, read from its FileModel: the
//! call index, `use` declarations, modules named as values (child specs,
//! `:via` names, options) and, in a mix.exs, the project's dependencies.

use std::path::Path;

use tree_sitter::Node;

use super::knowledge::Primitive;
use crate::model::{Call, FileModel, ProjectModel};
use crate::rules::clustering::deprecated_pg2;
use crate::rules::registration::{self, Registration};
use crate::syntax::{
    atom_name, is_atom, list_elements, tuple_elements, unparenthesized, variable_name, KeywordPair,
    Keywords,
};

/// Where a use comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    /// Source code (`lib/`, scripts, `mix.exs` functions other than deps).
    Code,
    /// A `config/*.exs` file of the project.
    Config,
    /// A dependency in a mix.exs.
    Dependency,
}

impl Origin {
    pub fn id(self) -> &'static str {
        match self {
            Origin::Code => "code",
            Origin::Config => "config",
            Origin::Dependency => "dependency",
        }
    }
}

/// What a use says beyond its primitive, for the placement's notes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tag {
    None,
    /// `Horde.DynamicSupervisor.start_child`: processes started at run time.
    DynamicStart,
    /// `:ra.start_cluster`: a Raft group is started here.
    RaftGroup,
    /// Oban's leadership through `:global` (`Oban.Peers.Global`).
    GlobalPeer,
    /// A Mnesia table replicated without `majority: true`.
    ReplicatedTable,
    /// Code that runs only on old releases (`:pg2` where `:pg` is missing).
    Fallback,
}

/// One use of a primitive, at a byte offset of the file.
#[derive(Debug)]
pub struct Found {
    pub primitive: Primitive,
    pub what: String,
    pub offset: usize,
    pub level: u8,
    pub origin: Origin,
    pub tag: Tag,
}

/// Every use of a distribution primitive in `file` (at `path`), in source order.
pub fn find(file: &FileModel<'_>, project: &ProjectModel, path: &Path) -> Vec<Found> {
    let origin = if project.config_files.iter().any(|c| c == path) {
        Origin::Config
    } else {
        Origin::Code
    };
    let mut out = Uses {
        found: Vec::new(),
        origin,
    };
    for call in &file.calls {
        out.call(file, call);
    }
    out.named_starts(file);
    out.module_refs(file);
    out.uses(file);
    out.dependencies(file, project, path);
    out.found.sort_by_key(|f| f.offset);
    out.found
}

struct Uses {
    found: Vec<Found>,
    origin: Origin,
}

/// Dependencies that are evidence of a primitive (their hex package names).
const DEPENDENCIES: &[(&str, Primitive)] = &[
    ("libcluster", Primitive::Libcluster),
    ("dns_cluster", Primitive::DnsCluster),
    ("partisan", Primitive::Partisan),
    ("horde", Primitive::Horde),
    ("swarm", Primitive::Swarm),
    ("highlander", Primitive::Highlander),
    ("ra", Primitive::Ra),
    ("khepri", Primitive::Ra),
    ("delta_crdt", Primitive::DeltaCrdt),
    ("memento", Primitive::Mnesia),
    ("amnesia", Primitive::Mnesia),
    ("phoenix_pubsub", Primitive::PubSub),
    ("oban", Primitive::Oban),
    ("quantum", Primitive::Quantum),
];

/// `config :app, ...` blocks that configure a primitive.
const CONFIGURED_APPS: &[(&str, Primitive)] = &[
    ("libcluster", Primitive::Libcluster),
    ("partisan", Primitive::Partisan),
    ("mnesia", Primitive::Mnesia),
    ("ra", Primitive::Ra),
    ("swarm", Primitive::Swarm),
];

/// Mnesia's copy types: a table has copies on the nodes each one lists.
const COPIES: [&str; 3] = ["ram_copies", "disc_copies", "disc_only_copies"];

impl Uses {
    fn push(&mut self, primitive: Primitive, what: String, at: Node<'_>) {
        self.push_at(primitive, what, at, primitive.level(), Tag::None);
    }

    fn push_at(&mut self, primitive: Primitive, what: String, at: Node<'_>, level: u8, tag: Tag) {
        self.found.push(Found {
            primitive,
            what,
            offset: at.start_byte(),
            level,
            origin: self.origin,
            tag,
        });
    }

    fn call(&mut self, file: &FileModel<'_>, call: &Call<'_>) {
        if call.target.dynamic {
            return;
        }
        let (module, name, arity) = call.mfa();
        let signature = format!("`{}`", call.signature());
        let primitive = match module {
            "" => return self.local_call(file, call),
            ":global" => Primitive::Global,
            ":pg" => Primitive::Pg,
            ":pg2" if deprecated_pg2::is_fallback(file, call) => {
                // Reached only where `:pg` is missing (OTP before 23).
                return self.push_at(
                    Primitive::Pg2,
                    format!("{signature}, a fallback for OTP releases without `:pg`"),
                    call.node,
                    0,
                    Tag::Fallback,
                );
            }
            ":pg2" => Primitive::Pg2,
            "Swarm" => Primitive::Swarm,
            "Registry" => Primitive::Registry,
            ":ra" | ":khepri" => {
                let tag = match name {
                    "start_cluster" => Tag::RaftGroup,
                    _ => Tag::None,
                };
                let level = Primitive::Ra.level();
                return self.push_at(Primitive::Ra, signature, call.node, level, tag);
            }
            "DeltaCrdt" => Primitive::DeltaCrdt,
            "Phoenix.PubSub" => Primitive::PubSub,
            "Phoenix.Tracker" => Primitive::Tracker,
            ":rpc" | ":erpc" => Primitive::Rpc,
            ":mnesia" | "Memento" | "Memento.Table" | "Memento.Query" | "Memento.Transaction" => {
                return self.mnesia(file, call, signature);
            }
            "Horde.DynamicSupervisor" if name == "start_child" => {
                let level = Primitive::Horde.level();
                return self.push_at(
                    Primitive::Horde,
                    signature,
                    call.node,
                    level,
                    Tag::DynamicStart,
                );
            }
            "Node" => match name {
                "connect" => Primitive::NodeConnect,
                "list" | "monitor" => Primitive::Membership,
                "spawn" | "spawn_link" | "spawn_monitor" | "spawn_opt" => {
                    if call
                        .args
                        .first()
                        .is_some_and(|n| registration::is_this_node(file, *n))
                    {
                        return;
                    }
                    Primitive::RemoteSpawn
                }
                _ => return,
            },
            ":net_kernel" => match name {
                "connect_node" => Primitive::NodeConnect,
                "monitor_nodes" => Primitive::Membership,
                _ => return,
            },
            ":erlang" => match (name, arity) {
                ("nodes" | "monitor_node", _) => Primitive::Membership,
                ("spawn" | "spawn_link" | "spawn_monitor", 2 | 4) | ("spawn_opt", 3 | 5) => {
                    Primitive::RemoteSpawn
                }
                ("send", 2 | 3) => return self.message(file, call, 0, signature),
                _ => return,
            },
            "Process" if name == "send" => return self.message(file, call, 0, signature),
            "GenServer" | ":gen_server" if matches!(name, "multi_call" | "abcast") => {
                Primitive::RemoteMessage
            }
            "GenServer" | ":gen_server" | ":gen_statem" | "GenStateMachine"
                if matches!(name, "call" | "cast") =>
            {
                return self.message(file, call, 0, signature);
            }
            "Agent" if matches!(name, "get" | "update" | "get_and_update" | "cast") => {
                return self.message(file, call, 0, signature);
            }
            "Task.Supervisor"
                if matches!(
                    name,
                    "async"
                        | "async_nolink"
                        | "start_child"
                        | "async_stream"
                        | "async_stream_nolink"
                ) =>
            {
                let remote = call.args.first().is_some_and(|supervisor| {
                    registration::classify_target(file, call.function, *supervisor).may_be_remote()
                });
                if !remote {
                    return;
                }
                return self.push(
                    Primitive::RemoteSpawn,
                    format!("{signature} on a supervisor of another node"),
                    call.node,
                );
            }
            other if other.starts_with("Horde.") => Primitive::Horde,
            other if other == ":partisan" || other.starts_with(":partisan_") => Primitive::Partisan,
            _ => return,
        };
        self.push(primitive, signature, call.node);
    }

    /// `send/2` to another node, and `config :libcluster, ...` in config files.
    fn local_call(&mut self, file: &FileModel<'_>, call: &Call<'_>) {
        match (call.target.name.as_str(), call.arity) {
            ("send", 2) => self.message(file, call, 0, format!("`{}`", call.signature())),
            ("config", 2 | 3) => {
                let Some(app) = call.args.first().and_then(|a| atom_name(*a, file.source)) else {
                    return;
                };
                if let Some((_, primitive)) = CONFIGURED_APPS.iter().find(|(name, _)| *name == app)
                {
                    self.push(*primitive, format!("`config :{app}`"), call.node);
                }
            }
            _ => {}
        }
    }

    /// A call or message whose destination (argument `index`) is a process on
    /// another node (`{name, node}`) or a `:global` name.
    fn message(&mut self, file: &FileModel<'_>, call: &Call<'_>, index: usize, signature: String) {
        let Some(target) = call.args.get(index) else {
            return;
        };
        let to = match registration::classify_target(file, call.function, *target) {
            Registration::OnNode => "a process on another node (`{name, node}`)",
            Registration::Global | Registration::ViaGlobal => "a `:global` name",
            _ => return,
        };
        self.push(
            Primitive::RemoteMessage,
            format!("{signature} to {to}"),
            call.node,
        );
    }

    /// Mnesia: a table's copies decide its rung (local, replicated, replicated
    /// with `majority: true`).
    fn mnesia(&mut self, file: &FileModel<'_>, call: &Call<'_>, signature: String) {
        let creates = matches!(
            call.mfa(),
            (":mnesia", "create_table", 2) | ("Memento.Table", "create" | "create!", 2)
        );
        if call.is(":mnesia", "add_table_copy") {
            return self.push_at(
                Primitive::Mnesia,
                format!("{signature}: a copy on another node"),
                call.node,
                4,
                Tag::ReplicatedTable,
            );
        }
        if !creates {
            // Reads, writes and the rest say nothing about where the tables live.
            let (module, _, _) = call.mfa();
            return self.push(Primitive::Mnesia, format!("`{module}` calls"), call.node);
        }
        let mut replicated = false;
        let mut majority = false;
        for (key, value) in options(file, call.args[1]) {
            if COPIES.contains(&key) && !this_node_only(file, call, value) {
                replicated = true;
            }
            if key == "majority" && is_atom(value, file.source, "true") {
                majority = true;
            }
        }
        let (what, level, tag) = match (replicated, majority) {
            (true, true) => (
                format!("{signature}: copies on several nodes, `majority: true`"),
                3,
                Tag::None,
            ),
            (true, false) => (
                format!("{signature}: copies on several nodes"),
                4,
                Tag::ReplicatedTable,
            ),
            (false, _) => (
                format!("{signature}: copies on this node only"),
                0,
                Tag::None,
            ),
        };
        self.push_at(Primitive::Mnesia, what, call.node, level, tag);
    }

    /// Processes started under a `:global` name.
    fn named_starts(&mut self, file: &FileModel<'_>) {
        for call in registration::start_calls(file) {
            let Some((name, _)) = registration::start_call_name(file, call) else {
                continue;
            };
            let shown = match registration::classify(file, name) {
                Registration::Global => "`{:global, _}`",
                Registration::ViaGlobal => "`{:via, :global, _}`",
                _ => continue,
            };
            self.push(
                Primitive::Global,
                format!("`{}` named {shown}", call.signature()),
                call.node,
            );
        }
    }

    /// Modules named as values: child specs, `:via` names, options.
    fn module_refs(&mut self, file: &FileModel<'_>) {
        for (module, located) in file.module_refs() {
            let node = located.node;
            let shown = || module_shown(file, node, &module);
            let (primitive, what, level, tag) = match module.as_str() {
                "Phoenix.PubSub" => (Primitive::PubSub, shown(), 1, Tag::None),
                "Phoenix.Tracker" => (Primitive::Tracker, shown(), 2, Tag::None),
                "Cluster.Supervisor" => (Primitive::Libcluster, shown(), 1, Tag::None),
                strategy if strategy.starts_with("Cluster.Strategy.") => {
                    let what = match topology_name(file, node) {
                        Some(name) => format!("topology `{name}`: `{strategy}`"),
                        None => format!("`{strategy}`"),
                    };
                    (Primitive::Libcluster, what, 1, Tag::None)
                }
                "DNSCluster" => (Primitive::DnsCluster, shown(), 1, Tag::None),
                horde if horde == "Horde" || horde.starts_with("Horde.") => {
                    (Primitive::Horde, shown(), 2, Tag::None)
                }
                "Swarm" => (Primitive::Swarm, shown(), 2, Tag::None),
                "Highlander" => (Primitive::Highlander, shown(), 2, Tag::None),
                "Registry" => (Primitive::Registry, shown(), 0, Tag::None),
                crdt if crdt == "DeltaCrdt" || crdt.starts_with("DeltaCrdt.") => {
                    (Primitive::DeltaCrdt, shown(), 4, Tag::None)
                }
                "Oban" => (Primitive::Oban, shown(), 0, Tag::None),
                "Oban.Plugins.Cron" | "Oban.Pro.Plugins.DynamicCron" => (
                    Primitive::Oban,
                    format!("cron plugin `{module}` (only the leader inserts the jobs)"),
                    0,
                    Tag::None,
                ),
                "Oban.Peers.Global" => (
                    Primitive::Oban,
                    "leadership through `:global` (`Oban.Peers.Global`)".to_string(),
                    2,
                    Tag::GlobalPeer,
                ),
                "Oban.Peers.Isolated" | "Oban.Engines.Lite" => (
                    Primitive::Oban,
                    format!("`{module}`: every node is its own leader"),
                    0,
                    Tag::None,
                ),
                _ => continue,
            };
            self.push_at(primitive, what, node, level, tag);
        }
    }

    /// `use Phoenix.Presence`, `use Quantum`, `use Oban.Worker`, `use Horde.Registry`.
    fn uses(&mut self, file: &FileModel<'_>) {
        for module in &file.modules {
            for used in &module.uses {
                let (primitive, what) = match used.module.as_str() {
                    "Phoenix.Presence" | "Phoenix.Tracker" => (
                        Primitive::Tracker,
                        format!("`use {}` in `{}`", used.module, module.name),
                    ),
                    "Quantum" | "Quantum.Scheduler" => (
                        Primitive::Quantum,
                        format!("scheduler `{}` (`use {}`)", module.name, used.module),
                    ),
                    "Oban.Worker" | "Oban.Pro.Worker" => {
                        (Primitive::Oban, format!("`use {}`", used.module))
                    }
                    horde if horde.starts_with("Horde.") => (
                        Primitive::Horde,
                        format!("`use {horde}` in `{}`", module.name),
                    ),
                    _ => continue,
                };
                self.push(primitive, what, used.node);
            }
        }
    }

    /// The dependencies this mix.exs declares, at the line that names them.
    fn dependencies(&mut self, file: &FileModel<'_>, project: &ProjectModel, path: &Path) {
        for dependency in project
            .dependencies
            .iter()
            .filter(|d| d.declared_in == path)
        {
            let Some((_, primitive)) = DEPENDENCIES
                .iter()
                .find(|(name, _)| *name == dependency.name)
            else {
                continue;
            };
            let named = file.atoms.iter().find(|atom| {
                atom.name == dependency.name
                    && atom.function.is_some_and(|f| {
                        matches!(file.function(f).name.as_str(), "deps" | "project")
                    })
            });
            let offset = named.map_or(0, |atom| atom.node.start_byte());
            self.found.push(Found {
                primitive: *primitive,
                what: format!("dependency `{}`", dependency.name),
                offset,
                level: primitive.level(),
                origin: Origin::Dependency,
                tag: Tag::None,
            });
        }
    }
}

/// `{Phoenix.PubSub, ...}` for a child spec, `{:via, Registry, ...}` for a
/// `:via` name, else the module alone.
fn module_shown(file: &FileModel<'_>, node: Node<'_>, module: &str) -> String {
    let elements = node.parent().and_then(tuple_elements).unwrap_or_default();
    let first = |i: usize| elements.get(i).map(|e| e.id());
    if first(0) == Some(node.id()) {
        format!("`{{{module}, ...}}`")
    } else if elements.len() == 3
        && first(1) == Some(node.id())
        && is_atom(elements[0], file.source, "via")
    {
        format!("`{{:via, {module}, ...}}`")
    } else {
        format!("`{module}`")
    }
}

/// The key a libcluster topology is listed under: `k8s` for the strategy in
/// `topologies: [k8s: [strategy: Cluster.Strategy.Kubernetes.DNS, ...]]`.
fn topology_name<'t>(file: &FileModel<'t>, strategy: Node<'t>) -> Option<&'t str> {
    let pair = KeywordPair::cast(strategy.parent()?)?;
    if pair.key_name(file.source) != "strategy" {
        return None;
    }
    let keywords = pair.node.parent()?;
    let list = keywords.parent().filter(|l| list_elements(*l).is_some())?;
    let topology = KeywordPair::cast(list.parent()?)?;
    Some(topology.key_name(file.source))
}

/// The options of a table definition as `(key, value)`: keywords, or
/// Erlang-style `{:disc_copies, nodes}` tuples in a list.
fn options<'t>(file: &FileModel<'t>, written: Node<'t>) -> Vec<(&'t str, Node<'t>)> {
    let value = unparenthesized(file.resolve_attribute(written));
    if let Some(keywords) = Keywords::cast(value) {
        return keywords
            .pairs()
            .map(|pair| (pair.key_name(file.source), pair.value))
            .collect();
    }
    list_elements(value)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|element| {
            let elements = tuple_elements(element)?;
            match elements.as_slice() {
                [key, value] => Some((atom_name(*key, file.source)?, *value)),
                _ => None,
            }
        })
        .collect()
}

/// Is a list of nodes `[node()]` (written here, in an attribute, or bound to a
/// variable earlier in the function)?
fn this_node_only(file: &FileModel<'_>, call: &Call<'_>, nodes: Node<'_>) -> bool {
    let mut value = unparenthesized(file.resolve_attribute(nodes));
    if let (Some(name), Some(function)) = (variable_name(value, file.source), call.function) {
        match file.binding_before(function, name, value) {
            Some(bound) => value = unparenthesized(bound),
            None => return false,
        }
    }
    list_elements(value).is_some_and(|elements| {
        !elements.is_empty()
            && elements
                .iter()
                .all(|element| registration::is_this_node(file, *element))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::ParsedFile;

    fn found(text: &str) -> Vec<(Primitive, String, u8)> {
        let parsed = ParsedFile::parse(text);
        let model = FileModel::build(&parsed.tree, text);
        find(&model, &ProjectModel::default(), Path::new("lib/x.ex"))
            .into_iter()
            .map(|f| (f.primitive, f.what, f.level))
            .collect()
    }

    #[test]
    fn mnesia_tables_are_placed_by_their_copies() {
        let text = r#"defmodule S do
  @everywhere [node() | Node.list()]
  def setup(nodes) do
    local = [node()]
    :mnesia.create_table(A, attributes: [:k, :v], ram_copies: local)
    :mnesia.create_table(B, [{:disc_copies, nodes}, {:majority, true}])
    :mnesia.create_table(C, disc_copies: @everywhere)
    :mnesia.create_table(D, attributes: [:k])
    :mnesia.dirty_read(A, 1)
  end
end
"#;
        let mnesia: Vec<(String, u8)> = found(text)
            .into_iter()
            .filter(|(p, _, _)| *p == Primitive::Mnesia)
            .map(|(_, what, level)| (what, level))
            .collect();
        assert_eq!(
            mnesia,
            [
                (
                    "`:mnesia.create_table/2`: copies on this node only".to_string(),
                    0
                ),
                (
                    "`:mnesia.create_table/2`: copies on several nodes, `majority: true`"
                        .to_string(),
                    3
                ),
                (
                    "`:mnesia.create_table/2`: copies on several nodes".to_string(),
                    4
                ),
                (
                    "`:mnesia.create_table/2`: copies on this node only".to_string(),
                    0
                ),
                ("`:mnesia` calls".to_string(), 0),
            ]
        );
    }

    #[test]
    fn names_messages_and_spawns_on_other_nodes() {
        let text = r#"defmodule W do
  def start_link(_), do: GenServer.start_link(__MODULE__, [], name: {:global, __MODULE__})
  def local_start(_), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)
  def ask(node), do: GenServer.call({W, node}, :ask, 5_000)
  def ask_here, do: GenServer.call(W, :ask)
  def ask_global, do: GenServer.cast({:global, W}, :ask)
  def tell(node), do: send({W, node}, :hi)
  def run(node), do: Task.Supervisor.async({W.Tasks, node}, W, :work, [])
  def run_here, do: Task.Supervisor.async(W.Tasks, W, :work, [])
  def spawn_there(node), do: Node.spawn(node, W, :work, [])
  def spawn_here, do: Node.spawn(node(), W, :work, [])
end
"#;
        let found: Vec<(Primitive, String)> = found(text)
            .into_iter()
            .map(|(p, what, _)| (p, what))
            .collect();
        let expected = [
            (
                Primitive::Global,
                "`GenServer.start_link/3` named `{:global, _}`",
            ),
            (
                Primitive::RemoteMessage,
                "`GenServer.call/3` to a process on another node (`{name, node}`)",
            ),
            (
                Primitive::RemoteMessage,
                "`GenServer.cast/2` to a `:global` name",
            ),
            (
                Primitive::RemoteMessage,
                "`send/2` to a process on another node (`{name, node}`)",
            ),
            (
                Primitive::RemoteSpawn,
                "`Task.Supervisor.async/4` on a supervisor of another node",
            ),
            (Primitive::RemoteSpawn, "`Node.spawn/4`"),
        ];
        let expected: Vec<(Primitive, String)> = expected
            .into_iter()
            .map(|(p, what)| (p, what.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn child_specs_topologies_and_uses() {
        let text = r#"defmodule App.Application do
  alias Cluster.Strategy.Gossip
  def start(_, _) do
    topologies = [local: [strategy: Gossip, config: [secret: "x"]]]
    children = [
      {Cluster.Supervisor, [topologies]},
      {Phoenix.PubSub, name: App.PubSub},
      {Horde.Registry, name: App.Reg, keys: :unique},
      {Registry, keys: :unique, name: App.Local},
      {DeltaCrdt, crdt: DeltaCrdt.AWLWWMap}
    ]
    Horde.DynamicSupervisor.start_child(App.Sup, {App.Worker, 1})
    Supervisor.start_link(children, strategy: :one_for_one)
  end
end
defmodule App.Presence do
  use Phoenix.Presence, otp_app: :app, pubsub_server: App.PubSub
end
defmodule App.Scheduler do
  use Quantum, otp_app: :app
end
"#;
        let found: Vec<(Primitive, String, u8)> = found(text);
        let shown: Vec<String> = found
            .iter()
            .map(|(p, what, level)| format!("{} {what} {level}", p.id()))
            .collect();
        assert_eq!(
            shown,
            [
                "libcluster topology `local`: `Cluster.Strategy.Gossip` 1",
                "libcluster `{Cluster.Supervisor, ...}` 1",
                "phoenix-pubsub `{Phoenix.PubSub, ...}` 1",
                "horde `{Horde.Registry, ...}` 2",
                "registry `{Registry, ...}` 0",
                "delta_crdt `{DeltaCrdt, ...}` 4",
                "delta_crdt `DeltaCrdt.AWLWWMap` 4",
                "horde `Horde.DynamicSupervisor.start_child/2` 2",
                "phoenix-tracker `use Phoenix.Presence` in `App.Presence` 2",
                "quantum scheduler `App.Scheduler` (`use Quantum`) 0",
            ]
        );
    }

    #[test]
    fn pg2_fallbacks_for_old_releases_are_not_evidence() {
        let text = r#"defmodule G do
  if Code.ensure_loaded?(:pg) do
    def join(group, pid), do: :pg.join(group, pid)
  else
    def join(group, pid), do: :pg2.join(group, pid)
  end
  def old(group), do: :pg2.get_members(group)
end
"#;
        let found: Vec<(String, u8)> = found(text)
            .into_iter()
            .map(|(p, what, level)| (format!("{} {what}", p.id()), level))
            .collect();
        assert_eq!(
            found,
            [
                ("pg `:pg.join/2`".to_string(), 2),
                (
                    "pg2 `:pg2.join/2`, a fallback for OTP releases without `:pg`".to_string(),
                    0
                ),
                ("pg2 `:pg2.get_members/1`".to_string(), 2),
            ]
        );
    }
}
