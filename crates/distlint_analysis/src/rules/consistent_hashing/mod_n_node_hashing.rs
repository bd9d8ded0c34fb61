//! Placing keys on nodes with `hash mod length(nodes)`.
//!
//! Hashing something unique to the call (a pid, `self()`, a ref, a random or
//! unique integer) only spreads load over the nodes: nothing is owned by the
//! choice, so nothing moves when the count changes, and that is left alone.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{list_elements, tuple_elements, unparenthesized, variable_name, BinaryOp};

pub static RULE: Rule = Rule {
    name: "mod-n-node-hashing",
    topic: Topic::ConsistentHashing,
    severity: Severity::Warning,
    summary: "Keys are placed with hash modulo the node count: almost every key moves when a node joins or leaves.",
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
            if !is_node_count(file, call.function, modulus, 2) {
                continue;
            }
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
                    "`{shown}` over the node count (`{}`) places keys by hash modulo N: when a node joins or \
                     leaves almost every key moves (from N to N+1 nodes about N/(N+1) of them), and nodes that \
                     see different members during a partition disagree about owners. Use a consistent hash \
                     ring (libring, ExHashRing) or jump hash over a fixed number of buckets.",
                    file.text(modulus)
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

/// `length(nodes)`, `Enum.count(Node.list())`, or a variable bound to one.
fn is_node_count(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: u8,
) -> bool {
    let node = unparenthesized(node);
    // Also piped: `Node.list() |> length()`.
    if let Some(call) = file.call_for_expression(node) {
        return matches!(call.mfa(), ("", "length", 1) | ("Enum", "count", 1))
            && is_node_list(file, function, call.args[0], depth);
    }
    match (variable_name(node, file.source), function) {
        (Some(name), Some(function)) if depth > 0 => file
            .binding_before(function, name, node)
            .is_some_and(|value| is_node_count(file, Some(function), value, depth - 1)),
        _ => false,
    }
}

/// `Node.list()`, `[node() | Node.list()]`, `:erlang.nodes()`, a variable named
/// `*nodes`, or a variable bound to one of these in the same function.
fn is_node_list(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: u8,
) -> bool {
    let node = unparenthesized(node);
    if let Some(call) = file.call_for_expression(node) {
        return match call.mfa() {
            ("Node", "list", 0 | 1) | (":erlang", "nodes", 0 | 1) => true,
            // Reordering a node list keeps it a node list.
            ("Enum", "sort" | "uniq" | "shuffle" | "reverse", 1) => {
                is_node_list(file, function, call.args[0], depth)
            }
            _ => false,
        };
    }
    if let Some(elements) = list_elements(node) {
        // [node() | Node.list()]
        return elements.iter().any(|element| {
            BinaryOp::cast(*element).is_some_and(|op| {
                op.operator_text(file.source) == "|"
                    && is_node_list(file, function, op.right, depth)
            })
        });
    }
    let Some(name) = variable_name(node, file.source) else {
        return false;
    };
    if is_node_list_name(name) {
        return true;
    }
    match function {
        Some(function) if depth > 0 => file
            .binding_before(function, name, node)
            .is_some_and(|value| is_node_list(file, Some(function), value, depth - 1)),
        _ => false,
    }
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
