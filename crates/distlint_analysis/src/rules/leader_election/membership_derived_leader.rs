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
    summary:
        "A leader picked from the visible nodes or group members: each side of a split picks one.",
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
    let mut reported: Vec<std::ops::Range<usize>> = Vec::new();
    for call in file.calls_matching(SELECTORS) {
        if call.capture {
            continue;
        }
        let Some((list, pick)) = selection(file, call) else {
            continue;
        };
        let picker = format!("`{}`", call.signature());
        match origin(file, call.function, list, 0) {
            Some(Origin::Members(members)) => {
                if !deterministic(file, call, pick, members.sorted) {
                    continue;
                }
                reported.push(call.node.byte_range());
                out.push(finding(call.node, &picker, &members));
            }
            // `def leader(nodes), do: Enum.min(nodes)`: judged where it is called.
            Some(Origin::Parameter { index, sorted }) => {
                let Some(function) = call.function else {
                    continue;
                };
                let pick = Picked {
                    selector: call,
                    pick,
                    picker: &picker,
                };
                for (site, members, chain) in
                    callers_passing_members(file, function, index, sorted, &mut Vec::new())
                {
                    if reported.contains(&site.node.byte_range()) {
                        continue;
                    }
                    if !deterministic(file, pick.selector, pick.pick, members.sorted)
                        && !leader_context(file, site)
                    {
                        continue;
                    }
                    reported.push(site.node.byte_range());
                    let via = format!("{} (via {})", pick.picker, chain.join(" → "));
                    out.push(finding(site.node, &via, &members));
                }
            }
            None => {}
        }
    }
}

/// A selector in a helper, and how it picks.
struct Picked<'a, 't> {
    selector: &'a Call<'t>,
    pick: Pick,
    picker: &'a str,
}

/// Only the extremes of a list are a choice every node can agree on; the
/// first of an unsorted list is a leader only where the code says so.
fn deterministic(file: &FileModel<'_>, selector: &Call<'_>, pick: Pick, sorted: bool) -> bool {
    let deterministic = match pick {
        Pick::Extreme => true,
        Pick::End => sorted,
        Pick::ByKey => false,
    };
    deterministic || leader_context(file, selector)
}

fn finding(at: Node<'_>, picker: &str, members: &Members) -> Finding {
    Finding::new(
        at.byte_range(),
        format!(
            "{picker} picks a leader from {}: each side of a partition picks its own, and both act",
            members.source
        ),
    )
}

/// How many local functions a member list is followed through, from the call
/// that passes it to the function that picks from it.
const MAX_HELPERS: usize = 3;

/// The calls, in `function`'s module, of `function` (by name and arity) whose
/// argument `index` is a member list, directly or passed on from their own
/// callers' (up to [`MAX_HELPERS`] functions): where each such call is, the
/// members, and the chain of functions (`leader/1`) from that call to the pick.
fn callers_passing_members<'m, 't>(
    file: &'m FileModel<'t>,
    function: FunctionId,
    index: usize,
    sorted: bool,
    chain: &mut Vec<String>,
) -> Vec<(&'m Call<'t>, Members, Vec<String>)> {
    let callee = file.function(function);
    let step = format!("{}/{}", callee.name, callee.arity);
    if chain.len() >= MAX_HELPERS || chain.contains(&step) {
        return Vec::new();
    }
    let Some(module) = callee.module else {
        return Vec::new();
    };
    let module_name = file.module(module).name.as_str();
    chain.insert(0, step);
    let mut found = Vec::new();
    for site in file.calls_named(&callee.name) {
        let local =
            site.target.module.is_none() || site.target.module.as_deref() == Some(module_name);
        if !local || site.target.dynamic || site.capture || site.arity != callee.arity {
            continue;
        }
        if site.module != Some(module) {
            continue;
        }
        let Some(arg) = site.args.get(index) else {
            continue;
        };
        match origin(file, site.function, *arg, 0) {
            Some(Origin::Members(mut members)) => {
                members.sorted |= sorted;
                found.push((site, members, chain.clone()));
            }
            Some(Origin::Parameter {
                index: outer,
                sorted: outer_sorted,
            }) => {
                if let Some(caller) = site.function {
                    found.extend(callers_passing_members(
                        file,
                        caller,
                        outer,
                        sorted || outer_sorted,
                        chain,
                    ));
                }
            }
            None => {}
        }
    }
    chain.remove(0);
    found
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
    /// Sorted on the way (`Enum.sort/1`), so its first element is a shared choice.
    sorted: bool,
}

/// Where a list a selector picks from comes from.
enum Origin {
    /// Members of the cluster.
    Members(Members),
    /// The function's parameter at this index (possibly sorted on the way):
    /// its callers decide.
    Parameter { index: usize, sorted: bool },
}

impl Origin {
    fn sorted(self) -> Origin {
        match self {
            Origin::Members(mut members) => {
                members.sorted = true;
                Origin::Members(members)
            }
            Origin::Parameter { index, .. } => Origin::Parameter {
                index,
                sorted: true,
            },
        }
    }
}

/// Is `node` a list of cluster members, built from `Node.list()`, `:erlang.nodes()`
/// or `:pg.get_members`, possibly with `node()` added, sorted or filtered, and
/// possibly through what [`FileModel::value_of`] follows (variables bound
/// earlier, `@attributes`, zero-argument helpers)? Or is it built that way
/// from a parameter of `function`?
fn origin(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: usize,
) -> Option<Origin> {
    if depth > 8 {
        return None;
    }
    let node = unparenthesized(node);
    let value = file.value_of(function, node);
    if value.id() != node.id() {
        return origin(file, file.function_at(value), value, depth + 1);
    }
    let recurse = |n: Node<'_>| origin(file, function, n, depth + 1);
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
        let index = file.parameter_index(function?, name)?;
        return Some(Origin::Parameter {
            index,
            sorted: false,
        });
    }
    let call = file.call_for_expression(node)?;
    if call.capture {
        return None;
    }
    let (module, name, arity) = call.mfa();
    let source = || {
        Some(Origin::Members(Members {
            source: format!("`{module}.{name}/{arity}`"),
            sorted: false,
        }))
    };
    match (module, name, arity) {
        ("Node", "list", 0 | 1) | (":erlang", "nodes", 0 | 1) => source(),
        (":pg" | ":pg2", "get_members", 1 | 2) => source(),
        ("Enum", "sort" | "sort_by", 1..=3) | (":lists", "sort" | "usort", 1) => {
            Some(recurse(*call.args.first()?)?.sorted())
        }
        ("Enum", "concat", 2) => recurse(call.args[0]).or_else(|| recurse(call.args[1])),
        // Reversing a sorted list keeps it a shared order.
        ("Enum", "uniq" | "filter" | "reject" | "reverse", 1 | 2) | ("List", "delete", 2) => {
            recurse(*call.args.first()?)
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
