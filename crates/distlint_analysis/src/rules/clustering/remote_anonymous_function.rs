//! Anonymous functions shipped to another node.

use crate::rules::registration::{classify_target, is_this_node};
use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    list_elements, text, unparenthesized, variable_name, BinaryOp, CallNode, CallTargetNode,
};

pub static RULE: Rule = Rule {
    name: "remote-anonymous-function",
    topic: Topic::Clustering,
    severity: Severity::Warning,
    summary: "An anonymous function sent to another node fails there unless it runs the same code.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// Where the function goes.
#[derive(Clone, Copy)]
enum Destination {
    /// The argument at this index is a node (or a node list): quiet for `node()`.
    Node(usize),
    /// The argument at this index is a task supervisor or an agent: remote only as
    /// `{name, node}` or a global name.
    Supervisor(usize),
}

/// `(module, function, arities, index of the function argument, destination)`.
const FUN_CALLS: &[(&str, &str, &[usize], usize, Destination)] = {
    use Destination::{Node as N, Supervisor as S};
    &[
        ("Node", "spawn", &[2, 3], 1, N(0)),
        ("Node", "spawn_link", &[2], 1, N(0)),
        ("Node", "spawn_monitor", &[2], 1, N(0)),
        (":erlang", "spawn", &[2], 1, N(0)),
        (":erlang", "spawn_link", &[2], 1, N(0)),
        (":erlang", "spawn_monitor", &[2], 1, N(0)),
        (":erlang", "spawn_opt", &[3], 1, N(0)),
        (":erpc", "call", &[2, 3], 1, N(0)),
        (":erpc", "cast", &[2], 1, N(0)),
        (":erpc", "send_request", &[2], 1, N(0)),
        (":erpc", "multicall", &[2, 3], 1, N(0)),
        (":erpc", "multicast", &[2], 1, N(0)),
        ("Task.Supervisor", "async", &[2, 3], 1, S(0)),
        ("Task.Supervisor", "async_nolink", &[2, 3], 1, S(0)),
        ("Task.Supervisor", "start_child", &[2, 3], 1, S(0)),
        ("Task.Supervisor", "async_stream", &[3, 4], 2, S(0)),
        ("Task.Supervisor", "async_stream_nolink", &[3, 4], 2, S(0)),
        ("Agent", "get", &[2, 3], 1, S(0)),
        ("Agent", "update", &[2, 3], 1, S(0)),
        ("Agent", "get_and_update", &[2, 3], 1, S(0)),
        ("Agent", "cast", &[2], 1, S(0)),
    ]
};

/// Module-function-arguments calls whose argument list is sent to another node:
/// `:rpc.call(n, :erlang, :apply, [fn -> ... end, []])`.
const MFA_CALLS: &[(&str, &[&str])] = &[
    (
        ":rpc",
        &[
            "call",
            "block_call",
            "cast",
            "multicall",
            "async_call",
            "eval_everywhere",
        ],
    ),
    (
        ":erpc",
        &["call", "cast", "multicall", "multicast", "send_request"],
    ),
    ("Node", &["spawn", "spawn_link", "spawn_monitor"]),
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (module, name, arities, index, destination) in FUN_CALLS {
        for call in file.calls_to(module, name) {
            if call.capture || !arities.contains(&call.arity) {
                continue;
            }
            let Some(fun) = call.args.get(*index).copied() else {
                continue;
            };
            let remote = match destination {
                Destination::Node(i) => call.args.get(*i).is_some_and(|n| !is_this_node(file, *n)),
                Destination::Supervisor(i) => call
                    .args
                    .get(*i)
                    .is_some_and(|s| classify_target(file, call.function, *s).may_be_remote()),
            };
            if !remote {
                continue;
            }
            if let Some(kind) = local_fun(file, call.function, fun) {
                out.push(finding(call, fun, kind));
            }
        }
    }
    for call in file.calls_matching(MFA_CALLS) {
        if call.arity < 3 {
            continue;
        }
        if call.args.first().is_some_and(|n| is_this_node(file, *n)) {
            continue;
        }
        // The argument lists written as list literals (the last list before any timeout).
        for list in call.args.iter().skip(1) {
            let Some(elements) = list_elements(unparenthesized(*list)) else {
                continue;
            };
            for element in elements {
                if let Some(kind) = local_fun(file, call.function, element) {
                    out.push(finding(call, element, kind));
                }
            }
        }
    }
}

fn finding(call: &Call<'_>, fun: Node<'_>, kind: &str) -> Finding {
    let (module, name, arity) = call.mfa();
    Finding::new(
        fun.byte_range(),
        format!(
            "`{module}.{name}/{arity}` sends {kind} to another node: `:badfun` if the module versions differ"
        ),
    )
}

/// Is `node` an anonymous function or a capture of a local function (directly or
/// through a variable bound to one in the same function)? Returns how to name it.
fn local_fun(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
) -> Option<&'static str> {
    let node = unparenthesized(node);
    if let Some(kind) = fun_literal(file, node) {
        return Some(kind);
    }
    let name = variable_name(node, file.source)?;
    let binding = file.last_binding_before(function?, name, node)?;
    fun_literal(file, unparenthesized(binding.value))
}

fn fun_literal(file: &FileModel<'_>, node: Node<'_>) -> Option<&'static str> {
    match node.kind() {
        "anonymous_function" => Some("an anonymous function"),
        "unary_operator" => {
            let operator = node.child_by_field_name("operator")?;
            if text(operator, file.source) != "&" {
                return None;
            }
            let operand = unparenthesized(node.child_by_field_name("operand")?);
            match BinaryOp::cast(operand) {
                // `&name/arity`: a local function; `&Mod.name/arity`: an external function, fine.
                Some(op) if op.operator_text(file.source) == "/" => match op.left.kind() {
                    "identifier" => Some("a local function capture"),
                    "call" => match CallNode::cast(op.left)?.target() {
                        CallTargetNode::Remote { .. } => None,
                        _ => Some("a local function capture"),
                    },
                    _ => None,
                },
                // `&1`: not a function.
                _ if operand.kind() == "integer" => None,
                // `&Mod.fun(&1, x)`: an anonymous function.
                _ => Some("a `&` capture with arguments"),
            }
        }
        _ => None,
    }
}
