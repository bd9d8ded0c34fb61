//! A Mnesia table replicated on several nodes in a project that never handles
//! the `inconsistent_database` event.
//!
//! After a partition heals Mnesia does not reconcile the copies: it reports
//! `{:inconsistent_database, context, node}` to subscribers of its system
//! events and keeps serving whatever each side wrote. Whether the project
//! handles the event is a project-wide fact (`ProjectModel`); the file itself
//! counts too, so a single file (or an editor buffer outside a project) works.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::project::mentions_mnesia_inconsistency;
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    atom_name, contains, is_atom, list_elements, tuple_elements, unparenthesized, variable_name,
    BinaryOp, Keywords,
};

pub static RULE: Rule = Rule {
    name: "mnesia-partition-unhandled",
    topic: Topic::FailureModes,
    severity: Severity::Warning,
    summary:
        "A replicated Mnesia table, and nothing handles `inconsistent_database` after a partition.",
    scope: Scope::All,
    fixable: false,
    check,
};

const CREATE_CALLS: &[(&str, &[&str])] = &[
    (":mnesia", &["create_table"]),
    ("Memento.Table", &["create", "create!"]),
];

const COPY_TYPES: &[&str] = &["disc_copies", "ram_copies", "disc_only_copies"];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    // The whole file, not just this form: the one rule that looks past its form.
    // Cached results stay right because editors re-lint everything when a
    // buffer's SourceFacts change (see model::project::SourceFacts).
    if cx.project.handles_mnesia_inconsistency() || mentions_mnesia_inconsistency(cx.source.text())
    {
        return;
    }
    for call in file.calls_matching(CREATE_CALLS) {
        if call.arity != 2 {
            continue;
        }
        let options = resolve(file, call.function, call.args[1], 2);
        let pairs = option_pairs(file, options);
        if pairs.iter().any(|(key, value)| {
            *key == "majority" && is_atom(unparenthesized(*value), file.source, "true")
        }) {
            continue;
        }
        let Some(node) = pairs.iter().find_map(|(key, value)| {
            (COPY_TYPES.contains(key) && multi_node(file, call.function, *value, 3))
                .then_some(*value)
        }) else {
            continue;
        };
        let table = file.text(call.args[0]);
        let report_at = match node.parent() {
            Some(pair) if contains(call.node, pair) => pair,
            _ => call.node,
        };
        out.push(Finding::new(
            report_at.byte_range(),
            format!(
                "`{table}` is replicated with no `inconsistent_database` handler: after a partition its copies stay diverged"
            ),
        ));
    }
}

/// `key => value` of a create_table option list: keywords (`disc_copies: n`)
/// or Erlang-style tuples (`{:disc_copies, n}`).
fn option_pairs<'t>(file: &FileModel<'t>, options: Node<'t>) -> Vec<(&'t str, Node<'t>)> {
    if let Some(keywords) = Keywords::cast(options) {
        let mut pairs: Vec<(&'t str, Node<'t>)> = keywords
            .pairs()
            .map(|p| (p.key_name(file.source), p.value))
            .collect();
        // `[{:attributes, a}, disc_copies: n]`: tuples before a keyword tail.
        pairs.extend(tuple_options(file, options));
        return pairs;
    }
    tuple_options(file, options)
}

fn tuple_options<'t>(file: &FileModel<'t>, list: Node<'t>) -> Vec<(&'t str, Node<'t>)> {
    list_elements(list)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|element| {
            let items = tuple_elements(element)?;
            match items.as_slice() {
                [key, value] => Some((atom_name(*key, file.source)?, *value)),
                _ => None,
            }
        })
        .collect()
}

/// Follows `@attribute`s and variables bound earlier in the same function.
fn resolve<'t>(
    file: &FileModel<'t>,
    function: Option<FunctionId>,
    node: Node<'t>,
    depth: u8,
) -> Node<'t> {
    let node = unparenthesized(file.resolve_attribute(node));
    if depth == 0 {
        return node;
    }
    let (Some(function), Some(name)) = (function, variable_name(node, file.source)) else {
        return node;
    };
    file.last_binding_before(function, name, node)
        .map_or(node, |b| resolve(file, Some(function), b.value, depth - 1))
}

/// Is this a list of more than this node? `[node() | Node.list()]`,
/// `Node.list()`, a literal list of two or more nodes, `nodes ++ [node()]`,
/// `:mnesia.system_info(:db_nodes)`, or a variable named `*nodes`.
fn multi_node(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    value: Node<'_>,
    depth: u8,
) -> bool {
    let node = unparenthesized(file.resolve_attribute(value));
    if let Some(elements) = list_elements(node) {
        return match elements.as_slice() {
            [] => false,
            [only] => BinaryOp::cast(*only).is_some_and(|op| op.operator_text(file.source) == "|"),
            _ => true,
        };
    }
    if let Some(op) = BinaryOp::cast(node) {
        if op.operator_text(file.source) != "++" || depth == 0 {
            return false;
        }
        let non_empty = |n: Node<'_>| {
            list_elements(unparenthesized(n)).is_none_or(|elements| !elements.is_empty())
        };
        return multi_node(file, function, op.left, depth - 1)
            || multi_node(file, function, op.right, depth - 1)
            || (non_empty(op.left) && non_empty(op.right));
    }
    if let Some(call) = file.call_for_expression(node) {
        return node_list_call(file, call);
    }
    if let Some(name) = variable_name(node, file.source) {
        if name.trim_start_matches('_').ends_with("nodes") {
            return true;
        }
        if depth == 0 {
            return false;
        }
        let resolved = resolve(file, function, node, 1);
        return resolved.id() != node.id() && multi_node(file, function, resolved, depth - 1);
    }
    false
}

/// A call that returns the cluster's nodes.
fn node_list_call(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let only_this = |call: &Call<'_>| {
        call.args
            .first()
            .is_some_and(|a| is_atom(unparenthesized(*a), file.source, "this"))
    };
    match call.mfa() {
        ("Node", "list", 0) | (":erlang", "nodes", 0) => true,
        ("Node", "list", 1) | (":erlang", "nodes", 1) => !only_this(call),
        (":mnesia", "system_info", 1) => call.args.first().is_some_and(|a| {
            atom_name(unparenthesized(*a), file.source)
                .is_some_and(|n| matches!(n, "db_nodes" | "running_db_nodes"))
        }),
        _ => false,
    }
}
