//! Placing keys on nodes with `hash mod length(nodes)`.
//!
//! Hashing something unique to the call (a pid, `self()`, a ref, a random or
//! unique integer) only spreads load over the nodes: nothing is owned by the
//! choice, so nothing moves when the count changes, and that is left alone.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, FunctionId, ModuleId};
use crate::rules::registration::{classify_target, start_call_name, start_calls, Registration};
use crate::rules::{one_line, Rule, RuleContext, Scope, Topic};
use crate::syntax::{list_elements, tuple_elements, unparenthesized, variable_name, BinaryOp};

pub static RULE: Rule = Rule {
    name: "mod-n-node-hashing",
    topic: Topic::ConsistentHashing,
    severity: Severity::Warning,
    summary: "Keys placed by hash modulo the node count: almost every key moves when a node joins or leaves.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// `(module, function, arity, index of the modulus argument)`.
const MODULO_CALLS: &[(&str, &str, usize, usize)] = &[
    (":erlang", "phash2", 2, 1),
    (":erlang", "phash", 2, 1),
    ("", "rem", 2, 1),
    ("Integer", "mod", 2, 1),
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (module, name, arity, index) in MODULO_CALLS {
        for call in file.calls_to(module, name) {
            if call.arity != *arity || call.capture {
                continue;
            }
            let Some(modulus) = call.args.get(*index).copied() else {
                continue;
            };
            let Some(origin) = node_count(file, call.function, modulus, 4) else {
                continue;
            };
            // `rem(x, n)` takes x as it is; `phash2(x, n)` hashes it: either way x is args[0].
            if spreads_load(file, call.function, call.args[0]) {
                continue;
            }
            let shown = if module.is_empty() {
                name.to_string()
            } else {
                format!("{module}.{name}")
            };
            out.push(Finding::new(
                call.node.byte_range(),
                format!(
                    "`{shown}` over the node count (`{}`{origin}): almost every key moves when a node joins or leaves",
                    one_line(file.text(modulus))
                ),
            ));
        }
    }
}

/// Is the value placed on a node unique to this call or process, so that the
/// modulo only spreads load: `self()`, a pid, `make_ref()`, `:rand.uniform/1`,
/// `System.unique_integer/1`, a hash of one of those, a tuple or list holding
/// one, or a variable bound to one in the same function (a parameter named
/// `pid` or `*_pid` counts as a pid). No other caller computes the same node
/// for it, so no key has an owner that could move.
fn spreads_load(file: &FileModel<'_>, function: Option<FunctionId>, node: Node<'_>) -> bool {
    let node = file.value_of(function, node);
    if let Some(call) = file.call_for_expression(node) {
        return match call.mfa() {
            ("" | ":erlang", "self" | "make_ref", 0)
            | (":erlang" | "System", "unique_integer", 0 | 1)
            | (":rand", _, _)
            | ("Enum", "random", 1)
            | (":crypto", "strong_rand_bytes", 1) => true,
            // The hash of a unique value is as unique: `rem(:erlang.phash2(self()), n)`.
            (":erlang", "phash2" | "phash", _) => call
                .args
                .first()
                .is_some_and(|hashed| spreads_load(file, function, *hashed)),
            _ => false,
        };
    }
    if let Some(elements) = tuple_elements(node).or_else(|| list_elements(node)) {
        return elements
            .iter()
            .any(|element| spreads_load(file, function, *element));
    }
    // What is left of a variable is a parameter: a pid by its name.
    variable_name(node, file.source).is_some_and(|name| {
        let name = name.trim_start_matches('_');
        name == "pid" || name.ends_with("_pid")
    })
}

/// `length(nodes)`, `Enum.count(Node.list())`, or what holds one (see
/// [`FileModel::value_of`]: a variable bound earlier, an `@attribute`, a
/// zero-argument helper); with what makes the list a node list, for the
/// message, when its name does not say it (see [`node_list`]).
fn node_count(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: u8,
) -> Option<String> {
    let value = file.value_of(function, node);
    let function = moved(file, function, node, value);
    // Also piped: `Node.list() |> length()`.
    let call = file.call_for_expression(value)?;
    if !matches!(call.mfa(), ("", "length", 1) | ("Enum", "count", 1)) {
        return None;
    }
    node_list(file, function, call.args[0], depth).map(|origin| match origin {
        Origin::Written => String::new(),
        Origin::Group(group) => format!(": members of `{group}`"),
        Origin::Passed { caller, list } => format!(": `{list}` from `{caller}`"),
    })
}

/// Why a list is a node list.
enum Origin {
    /// It says so: `Node.list()`, `nodes`, ... (also through variables).
    Written,
    /// The members of a process group that each node joins once.
    Group(String),
    /// A parameter, passed a node list by a caller of the module (`owner/1`).
    Passed { caller: String, list: String },
}

/// The function to read `value` in: `function`, unless
/// [`FileModel::value_of`] went into a helper or an attribute to find it.
fn moved(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    value: Node<'_>,
) -> Option<FunctionId> {
    if unparenthesized(node).id() == value.id() {
        function
    } else {
        file.function_at(value)
    }
}

/// A list of the cluster's nodes: `Node.list()`, `[node() | Node.list()]`,
/// `:erlang.nodes()`, the members of a process group that has one member per
/// node, such a list sorted or filtered, a variable named like a node list
/// (`nodes`, `live_nodes`, see [`is_node_list_name`]), or what holds one of
/// these (see [`FileModel::value_of`]); or a parameter of a function of the
/// module that some caller in the module passes one of these to.
fn node_list(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: u8,
) -> Option<Origin> {
    if depth == 0 {
        return None;
    }
    let node = unparenthesized(node);
    if variable_name(node, file.source).is_some_and(is_node_list_name) {
        return Some(Origin::Written);
    }
    let value = file.value_of(function, node);
    let function = moved(file, function, node, value);
    if let Some(call) = file.call_for_expression(value) {
        return match call.mfa() {
            ("Node", "list", 0 | 1) | (":erlang", "nodes", 0 | 1) => Some(Origin::Written),
            (":pg", "get_members", 1 | 2) | (":pg2", "get_members", 1) => {
                one_member_per_node(file, call).then(|| {
                    let group = call.args.last().map(|g| file.text(*g)).unwrap_or_default();
                    Origin::Group(one_line(group))
                })
            }
            // Reordering or filtering a node list keeps it a node list.
            ("Enum", "sort" | "uniq" | "shuffle" | "reverse", 1)
            | ("Enum", "sort" | "sort_by" | "filter" | "reject" | "uniq_by", 2)
            | ("List", "delete", 2) => node_list(file, function, call.args[0], depth - 1),
            _ => None,
        };
    }
    if let Some(elements) = list_elements(value) {
        // [node() | Node.list()]
        return elements.iter().find_map(|element| {
            let op = BinaryOp::cast(*element)?;
            (op.operator_text(file.source) == "|")
                .then(|| node_list(file, function, op.right, depth - 1))
                .flatten()
        });
    }
    if let Some(op) = BinaryOp::cast(value) {
        if op.operator_text(file.source) == "++" {
            return node_list(file, function, op.left, depth - 1)
                .or_else(|| node_list(file, function, op.right, depth - 1));
        }
    }
    let name = variable_name(value, file.source)?;
    if is_node_list_name(name) {
        return Some(Origin::Written);
    }
    // A parameter: what the module's own callers pass.
    let function = function?;
    let index = file.parameter_index(function, name)?;
    file.local_callers(function).find_map(|caller| {
        let arg = *caller.args.get(index)?;
        let origin = node_list(file, caller.function, arg, depth - 1)?;
        Some(match origin {
            Origin::Written => {
                let at = caller.function.map(|f| file.function(f));
                Origin::Passed {
                    caller: at
                        .map(|f| format!("{}/{}", f.name, f.arity))
                        .unwrap_or_default(),
                    list: one_line(file.text(arg)),
                }
            }
            other => other,
        })
    })
}

/// `:pg.get_members(scope, group)` of a group that each node joins once: in
/// this file, `:pg.join(scope, group, self())` (same scope and group, as
/// written) runs in a module whose process is registered under one local
/// name, so there is one such process per node, and the members stand for the
/// nodes.
fn one_member_per_node(file: &FileModel<'_>, get: &Call<'_>) -> bool {
    let erlang_module = get.mfa().0;
    let key = |call: &Call<'_>, group_and_scope: &[Node<'_>]| -> Vec<String> {
        group_and_scope
            .iter()
            .map(|n| {
                let value = file.value_of(call.function, *n);
                file.text(value).split_whitespace().collect::<String>()
            })
            .collect()
    };
    // get_members([scope,] group) and join([scope,] group, pid).
    let wanted = key(get, &get.args);
    file.calls_to(erlang_module, "join").any(|join| {
        let Some((pid, scope_and_group)) = join.args.split_last() else {
            return false;
        };
        if join.capture || key(join, scope_and_group) != wanted {
            return false;
        }
        let is_self = file
            .call_for_expression(file.value_of(join.function, *pid))
            .is_some_and(|c| matches!(c.mfa(), ("" | ":erlang", "self", 0)));
        is_self
            && join
                .module
                .is_some_and(|module| registered_once_per_node(file, module))
    })
}

/// Does the module start its process under a fixed local name (`name: __MODULE__`)?
fn registered_once_per_node(file: &FileModel<'_>, module: ModuleId) -> bool {
    start_calls(file).into_iter().any(|start| {
        start.module == Some(module)
            && start_call_name(file, start).is_some_and(|(name, _)| {
                classify_target(file, start.function, name) == Registration::Local
            })
    })
}

/// `nodes`, `live_nodes`, `node_list`: names people give to cluster members.
/// Not any `*_nodes` (`child_nodes`, `ast_nodes` are trees, not clusters).
fn is_node_list_name(name: &str) -> bool {
    const CLUSTER_WORDS: &[&str] = &[
        "live",
        "alive",
        "cluster",
        "connected",
        "all",
        "other",
        "peer",
        "remote",
        "visible",
        "erlang",
        "known",
        "active",
        "up",
        "healthy",
        "available",
        "current",
        "target",
    ];
    let name = name.trim_start_matches('_');
    name == "nodes"
        || name == "node_list"
        || name
            .strip_suffix("_nodes")
            .is_some_and(|prefix| CLUSTER_WORDS.contains(&prefix))
}
