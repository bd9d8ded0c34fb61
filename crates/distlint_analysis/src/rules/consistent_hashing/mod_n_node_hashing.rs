//! Placing keys on nodes with `hash mod length(nodes)`.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{list_elements, unparenthesized, variable_name, BinaryOp};

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
