//! A leader chosen from the members this node can see.
//!
//! `Enum.min([node() | Node.list()])` or the first of the sorted `:pg` members
//! agrees across the cluster only while every node sees every other one.
//! During a partition each side computes its own leader from its own view.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{integer_value, list_elements, unparenthesized, variable_name, BinaryOp};

pub static RULE: Rule = Rule {
    name: "membership-derived-leader",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A leader picked from the currently visible nodes or group members: during a partition each side picks its own.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// Calls that pick one element of a list.
const SELECTORS: &[(&str, &[&str])] = &[
    ("Enum", &["min", "max", "min_by", "max_by", "at", "fetch!"]),
    ("", &["hd"]),
    ("List", &["first", "last"]),
    (":lists", &["min", "max", "nth", "last"]),
    (":erlang", &["hd"]),
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_matching(SELECTORS) {
        if call.capture {
            continue;
        }
        let Some((list, pick)) = selection(file, call) else {
            continue;
        };
        let Some(members) = membership(file, call.function, list, 0) else {
            continue;
        };
        // Only the extremes of a list are a choice every node can agree on;
        // the first of an unsorted list is a leader only where the code says so.
        let deterministic = match pick {
            Pick::Extreme => true,
            Pick::End => members.sorted,
            Pick::ByKey => false,
        };
        if !deterministic && !leader_context(file, call) {
            continue;
        }
        let picker = format!("`{}`", call.signature());
        out.push(Finding::new(
            call.node.byte_range(),
            format!(
                "{picker} picks a leader from {}, which only lists the {} this node can currently \
                 see: during a partition each side picks its own leader and both act. Keep this only \
                 if the leader's work is safe to run twice; otherwise use `:global` with conflict \
                 handling, Oban's peer leadership, `:ra`, or a database lease.",
                members.source,
                members.what
            ),
        ));
    }
}

/// How a selector picks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pick {
    /// The minimum or maximum: the same on every node that sees the same members.
    Extreme,
    /// The minimum or maximum of a computed key (`Enum.min_by(nodes, &load/1)`):
    /// often a load-based choice, not an election.
    ByKey,
    /// The first or last element: depends on the list's order.
    End,
}

/// The list a selector picks from, and how.
fn selection<'t>(file: &FileModel<'t>, call: &Call<'t>) -> Option<(Node<'t>, Pick)> {
    let list = *call.args.first()?;
    let pick = match call.mfa() {
        ("Enum", "min" | "max", 1..=3) | (":lists", "min" | "max", 1) => Pick::Extreme,
        ("Enum", "min_by" | "max_by", 2..=4) => Pick::ByKey,
        ("", "hd", 1) | (":erlang", "hd", 1) | ("List", "first" | "last", 1 | 2) => Pick::End,
        (":lists", "last", 1) => Pick::End,
        ("Enum", "at" | "fetch!", 2 | 3) => {
            let index = unparenthesized(call.args[1]);
            let index = match index.kind() {
                "unary_operator" => file.text(index).replace(' ', ""),
                _ => integer_value(index, file.source)?.to_string(),
            };
            if index != "0" && index != "-1" {
                return None;
            }
            Pick::End
        }
        (":lists", "nth", 2) => {
            // :lists.nth(1, list): the list is the second argument.
            if integer_value(unparenthesized(call.args[0]), file.source) != Some(1) {
                return None;
            }
            return Some((call.args[1], Pick::End));
        }
        _ => return None,
    };
    Some((list, pick))
}

/// Where a list of members comes from.
struct Members {
    /// `Node.list/0`, `:pg.get_members/2`, ...
    source: String,
    /// "nodes" or "group members".
    what: &'static str,
    /// Sorted on the way (`Enum.sort/1`), so its first element is a shared choice.
    sorted: bool,
}

/// Is `node` a list of cluster members, built from `Node.list()`, `:erlang.nodes()`
/// or `:pg.get_members`, possibly with `node()` added, sorted or filtered, and
/// possibly through a variable of the same function?
fn membership(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: usize,
) -> Option<Members> {
    if depth > 8 {
        return None;
    }
    let node = unparenthesized(node);
    let recurse = |n: Node<'_>| membership(file, function, n, depth + 1);
    // [node() | Node.list()]
    if let Some(elements) = list_elements(node) {
        return elements.iter().find_map(|element| {
            let op = BinaryOp::cast(*element)?;
            (op.operator_text(file.source) == "|")
                .then(|| recurse(op.right))
                .flatten()
        });
    }
    if let Some(op) = BinaryOp::cast(node) {
        match op.operator_text(file.source) {
            "++" => return recurse(op.left).or_else(|| recurse(op.right)),
            "|>" => {} // The call at the end of the pipe, below.
            _ => return None,
        }
    }
    if let Some(name) = variable_name(node, file.source) {
        let binding = file.last_binding_before(function?, name, node)?;
        return recurse(binding.value);
    }
    let call = file.call_for_expression(node)?;
    if call.capture {
        return None;
    }
    let (module, name, arity) = call.mfa();
    let source = |what| {
        Some(Members {
            source: format!("`{module}.{name}/{arity}`"),
            what,
            sorted: false,
        })
    };
    match (module, name, arity) {
        ("Node", "list", 0 | 1) | (":erlang", "nodes", 0 | 1) => source("nodes"),
        (":pg" | ":pg2", "get_members", 1 | 2) => source("group members"),
        ("Enum", "sort" | "sort_by", 1..=3) | (":lists", "sort" | "usort", 1) => {
            let mut members = recurse(*call.args.first()?)?;
            members.sorted = true;
            Some(members)
        }
        ("Enum", "concat", 2) => recurse(call.args[0]).or_else(|| recurse(call.args[1])),
        ("Enum", "uniq" | "filter" | "reject" | "reverse", 1 | 2) | ("List", "delete", 2) => {
            let members = recurse(*call.args.first()?)?;
            // Reversing a sorted list keeps it a shared order.
            Some(members)
        }
        _ => None,
    }
}

/// Words that say a value is a leader.
const LEADER_WORDS: &[&str] = &["leader", "master", "primary", "coordinator", "elect"];

fn leader_word(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    LEADER_WORDS.iter().any(|w| name.contains(w))
}

/// The picked element is treated as a leader: compared with `node()`/`self()`,
/// bound to a leader-like name, or picked in a function named like an election.
fn leader_context(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let value = if call.piped {
        call.node.parent().unwrap_or(call.node)
    } else {
        call.node
    };
    if let Some(parent) = value.parent() {
        if let Some(op) = BinaryOp::cast(parent) {
            let operator = op.operator_text(file.source);
            if matches!(operator, "==" | "!=" | "===" | "!==") {
                let other = if op.left.id() == value.id() {
                    op.right
                } else {
                    op.left
                };
                if is_self_reference(file, other) {
                    return true;
                }
            }
            if operator == "=" && op.right.id() == value.id() {
                if let Some(name) = variable_name(op.left, file.source) {
                    if leader_word(name) {
                        return true;
                    }
                }
            }
        }
    }
    call.function
        .is_some_and(|f| leader_word(&file.function(f).name))
}

/// `node()`, `self()`, `Node.self()`.
fn is_self_reference(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let node = unparenthesized(node);
    file.call_for_node(node).is_some_and(|call| {
        matches!(
            call.mfa(),
            ("", "node" | "self", 0) | ("Node", "self", 0) | (":erlang", "node" | "self", 0)
        )
    })
}
