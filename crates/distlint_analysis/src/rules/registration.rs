//! How a process is registered: shared by the rules about named processes.

use tree_sitter::Node;

use crate::model::singletons::{is_unique_to_instance, names_a_pid, ClusterName};
use crate::model::{Call, FileModel, FunctionId, ProjectModel};
use crate::syntax::{
    atom_name, established_within, identifier_name, negated_operand, pinned_variables,
    tuple_elements, unparenthesized, variable_name, BinaryOp, Established, Keywords,
};

/// The kind of name a process is registered under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// `name: __MODULE__`, `name: :cache`, `name: MyApp.Cache`: one per node.
    Local,
    /// `{:global, name}`: one per cluster, resolved by `:global`.
    Global,
    /// `{:via, :global, name}`: the same through the via interface.
    ViaGlobal,
    /// `{:via, Registry, ...}`, `{:via, Horde.Registry, ...}`, ...
    ViaOther,
    /// `{name, node}` as a message or call target, with a node other than `node()`.
    OnNode,
    /// A variable or anything computed: unknown.
    Dynamic,
}

impl Registration {
    pub fn is_global(self) -> bool {
        matches!(self, Registration::Global | Registration::ViaGlobal)
    }

    /// A process that may live on another node: a `:global` name or `{name, node}`.
    pub fn may_be_remote(self) -> bool {
        matches!(
            self,
            Registration::Global | Registration::ViaGlobal | Registration::OnNode
        )
    }

    /// One fixed name for the whole node or cluster.
    pub fn is_fixed(self) -> bool {
        matches!(
            self,
            Registration::Local | Registration::Global | Registration::ViaGlobal
        )
    }
}

/// Classifies a name expression, looking through what
/// [`FileModel::value_of`] follows in the function around it: `@attribute`s,
/// variables bound earlier (`name = {:global, X}` then `name: name`) and
/// zero-argument helpers of the same module.
pub fn classify(file: &FileModel<'_>, name: Node<'_>) -> Registration {
    classify_target(file, file.function_at(name), name)
}

/// Like [`classify`], with the function the expression is read in already
/// known (the target of a call or a send: `server = {:global, X}`, then
/// `GenServer.call(server, msg)`).
pub fn classify_target(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    target: Node<'_>,
) -> Registration {
    classify_value(file, file.value_of(function, target))
}

/// Classifies a name as written (after [`FileModel::value_of`]).
fn classify_value(file: &FileModel<'_>, name: Node<'_>) -> Registration {
    let name = unparenthesized(name);
    let source = file.source;
    match name.kind() {
        "atom" | "alias" => Registration::Local,
        "identifier" if identifier_name(name, source) == Some("__MODULE__") => Registration::Local,
        "tuple" => {
            let elements = tuple_elements(name).unwrap_or_default();
            let atom = |i: usize| elements.get(i).and_then(|n| atom_name(*n, source));
            match (elements.len(), atom(0), atom(1)) {
                (2, Some("global"), _) => Registration::Global,
                (3, Some("via"), Some("global")) => Registration::ViaGlobal,
                (3, Some("via"), _) => Registration::ViaOther,
                (2, _, _) if is_this_node(file, elements[1]) => Registration::Local,
                (2, _, _) => Registration::OnNode,
                _ => Registration::Dynamic,
            }
        }
        _ => Registration::Dynamic,
    }
}

/// The cluster-wide name a call of another module of the project returns
/// (`name: MyApp.Registry.via_tuple(id)`, also through a variable bound to
/// it): read from the project's sources (see
/// [`ProjectModel::cluster_name_of`](crate::model::ProjectModel::cluster_name_of)).
pub fn project_cluster_name(
    project: &ProjectModel,
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    name: Node<'_>,
) -> Option<ClusterName> {
    let call = file.call_for_expression(file.value_of(function, name))?;
    let module = call.target.module.as_deref()?;
    if call.target.dynamic || call.capture || module.starts_with(':') {
        return None;
    }
    project.cluster_name_of(module, &call.target.name, call.arity)
}

/// Calls that start a process and may name it, with the modules that define them.
pub const START_FUNCTIONS: &[(&str, &[&str])] = &[
    ("GenServer", &["start_link", "start"]),
    ("Agent", &["start_link", "start"]),
    ("Supervisor", &["start_link"]),
    ("DynamicSupervisor", &["start_link"]),
    ("Task.Supervisor", &["start_link"]),
    (":gen_server", &["start_link", "start"]),
    (":gen_statem", &["start_link", "start"]),
    (":supervisor", &["start_link"]),
];

/// Every call that starts a process, in source order.
pub fn start_calls<'m, 't>(file: &'m FileModel<'t>) -> Vec<&'m Call<'t>> {
    file.calls_matching(START_FUNCTIONS)
}

/// Where a start call says its name: the node to classify and the node to
/// point a finding at (the `name:` pair, or the name argument of Erlang starts).
/// Options written in the call are read as they are; options in a variable
/// (`opts = [name: {:global, X}]`, then `GenServer.start_link(M, arg, opts)`)
/// are followed with [`FileModel::value_of`] when the argument is the
/// options of that start function, and the pair is then the one in the binding.
pub fn start_call_name<'t>(file: &FileModel<'t>, call: &Call<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let (module, _, arity) = call.mfa();
    if module.starts_with(':') {
        // The name comes first in the forms that take one:
        // :gen_server.start_link(Name, Mod, Args, Opts), :supervisor.start_link(Name, Mod, Args).
        let named_arity = if module == ":supervisor" { 3 } else { 4 };
        return (arity == named_arity).then(|| (call.args[0], call.args[0]));
    }
    let options = match call.keyword_options() {
        Some(options) => options,
        None if last_argument_is_options(file, call) => {
            Keywords::cast(file.value_of(call.function, *call.args.last()?))?
        }
        None => return None,
    };
    let pair = options.pair("name", file.source)?;
    Some((pair.value, pair.node))
}

/// Is the last argument of this start call its options (and not the
/// argument handed to `init/1`)?
fn last_argument_is_options(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    match call.mfa() {
        ("GenServer", _, 3) | ("Agent", _, 2 | 4) => true,
        ("Supervisor", _, 3) | ("DynamicSupervisor" | "Task.Supervisor", _, 1 | 3) => true,
        // Supervisor.start_link(children, opts), not Supervisor.start_link(Module, arg).
        ("Supervisor", _, 2) => {
            crate::syntax::list_elements(file.value_of(call.function, call.args[0])).is_some()
        }
        _ => false,
    }
}

/// Is `node` (an expression naming a node) this node, where it is written?
/// `node()`, `Node.self()`, `:erlang.node()` or `node(self())`; a variable bound
/// to one of them earlier in the function; or an expression that the function
/// head's guard (`when node == node()`, `when node(pid) == node()`) or the
/// `if`/`unless`/`case`/`cond` branch around it established equal to this node
/// (`if node == node() do <here>`, `case node do ^me -> <here>` with `me = node()`).
pub fn is_this_node(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let node = unparenthesized(node);
    let function = file.function_at(node);
    if names_this_node(file, function, node) {
        return true;
    }
    let Some(id) = function else {
        return false;
    };
    let clause = file.function(id);
    let written = compact(file.text(node));
    let same = |expression: Node<'_>| compact(file.text(unparenthesized(expression))) == written;
    let mut proven = Vec::new();
    if let Some(guard) = clause.guard {
        equal_to_this_node(file, function, guard, true, &mut proven);
    }
    for fact in established_within(node, clause.node, file.source) {
        match fact {
            Established::Holds { condition, holds } => {
                equal_to_this_node(file, function, condition, holds, &mut proven);
            }
            Established::Matched { subject, pattern } => {
                let pattern = unparenthesized(pattern);
                match atom_name(pattern, file.source) {
                    // `case node == node() do true -> <here>`
                    Some(value @ ("true" | "false")) => {
                        equal_to_this_node(file, function, subject, value == "true", &mut proven);
                    }
                    _ => {
                        // `case node do ^me -> <here>` or `case node() do ^node -> <here>`.
                        let pinned = pinned_variables(pattern, file.source);
                        let whole_pin = pinned.len() == 1 && file.text(pattern).starts_with('^');
                        if !whole_pin {
                            continue;
                        }
                        let pinned = pinned[0];
                        if names_this_node(file, function, subject) {
                            if pinned == written {
                                return true;
                            }
                        } else if file
                            .binding_before(id, pinned, pattern)
                            .is_some_and(|value| names_this_node(file, function, value))
                        {
                            proven.push(subject);
                        }
                    }
                }
            }
        }
    }
    proven.into_iter().any(same)
}

/// `node()` and its spellings, or a variable bound to one of them in `function`.
fn names_this_node(file: &FileModel<'_>, function: Option<FunctionId>, node: Node<'_>) -> bool {
    let value = file.value_of(function, node);
    file.call_for_expression(value)
        .is_some_and(|call| match call.mfa() {
            ("", "node", 0) | ("Node", "self", 0) | (":erlang", "node", 0) => true,
            // `node(self())`, `self() |> node()`
            ("", "node", 1) => file
                .call_for_expression(call.args[0])
                .is_some_and(|inner| inner.mfa() == ("", "self", 0)),
            _ => false,
        })
}

/// The expressions `condition` proves equal to this node when it evaluates to
/// `holds`: `a == node()` (or `===`, either side), `a != node()` when false,
/// through `and`/`&&` (when true), `or`/`||` (when false) and `not`/`!`.
fn equal_to_this_node<'t>(
    file: &FileModel<'t>,
    function: Option<FunctionId>,
    condition: Node<'t>,
    holds: bool,
    out: &mut Vec<Node<'t>>,
) {
    let condition = unparenthesized(condition);
    if let Some(operand) = negated_operand(condition, file.source) {
        return equal_to_this_node(file, function, operand, !holds, out);
    }
    let Some(op) = BinaryOp::cast(condition) else {
        return;
    };
    match (op.operator_text(file.source), holds) {
        ("==" | "===", true) | ("!=" | "!==", false) => {
            if names_this_node(file, function, op.right) {
                out.push(op.left);
            } else if names_this_node(file, function, op.left) {
                out.push(op.right);
            }
        }
        ("and" | "&&", true) | ("or" | "||", false) => {
            equal_to_this_node(file, function, op.left, holds, out);
            equal_to_this_node(file, function, op.right, holds, out);
        }
        _ => {}
    }
}

/// Expression text without whitespace, to compare two spellings of one expression.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Is the name keyed by a process or an instance, as in `{:global, {parent, __MODULE__}}`?
/// Such names give each process its own name (`:global` used only because the key is not
/// an atom): nothing competes for them, and they are not cluster-wide services.
/// A pid lives on one node, so only that process's node can register the
/// name: two sides of a partition never both hold it. A part of the name is
/// `self()`, `make_ref()`, or a variable named `pid`, `*_pid`, `parent` or
/// `caller` (followed through local bindings). Names keyed by this node
/// (`node()`) or by a value generated to be unique (`System.unique_integer/1`,
/// or a helper of the module that makes one, as a per-instance suffix) are
/// not competed for either: no other copy is started under them.
pub fn keyed_by_instance(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    name: Node<'_>,
) -> bool {
    let name = file.value_of(function, name);
    let key = match tuple_elements(name).as_deref() {
        Some([_, key]) | Some([_, _, key]) => *key,
        _ => return false,
    };
    names_a_process(file, function, key)
}

fn names_a_process(file: &FileModel<'_>, function: Option<FunctionId>, node: Node<'_>) -> bool {
    if let Some(call) = file.call_for_expression(unparenthesized(node)) {
        if helper_generates_unique(file, call) {
            return true;
        }
    }
    let node = file.value_of(function, node);
    if let Some(call) = file.call_for_expression(node) {
        return is_unique_to_instance(call) || helper_generates_unique(file, call);
    }
    if let Some(elements) = tuple_elements(node) {
        return elements
            .iter()
            .any(|element| names_a_process(file, function, *element));
    }
    variable_name(node, file.source).is_some_and(names_a_pid)
}

/// A call of a zero-argument function of the module that makes a unique
/// value (`def entropy, do: ... System.unique_integer([:positive]) ...`).
fn helper_generates_unique(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    if call.target.module.is_some() || call.target.dynamic || call.capture || call.arity != 0 {
        return false;
    }
    let Some(module) = call.module else {
        return false;
    };
    file.functions_of(module)
        .filter(|(_, f)| f.name == call.target.name && f.arity == 0)
        .any(|(id, _)| {
            file.calls
                .iter()
                .any(|inner| inner.function == Some(id) && is_unique_to_instance(inner))
        })
}
