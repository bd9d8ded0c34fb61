//! A monotonic-time reading that leaves the runtime that took it.
//!
//! Each Erlang runtime counts monotonic time from its own unspecified starting
//! point, so a reading means nothing on another node, in storage, or after a
//! restart. Differences of two readings (durations) travel fine.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::is_repo;
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::registration::classify;
use crate::rules::{one_line, Rule, RuleContext, Scope, Topic};
use crate::syntax::{named_children, unparenthesized, variable_name, BinaryOp};

pub static RULE: Rule = Rule {
    name: "cross-node-monotonic-time",
    topic: Topic::Consensus,
    severity: Severity::Info,
    summary:
        "A monotonic-time reading sent to another node, replicated or stored: meaningless there.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// Where a call takes a value: to another node, into replicated state, or into storage.
#[derive(Clone, Copy)]
enum Sink {
    Remote,
    Replicated,
    Stored,
}

fn sink_of(file: &FileModel<'_>, call: &Call<'_>) -> Option<(Sink, usize)> {
    if call.capture {
        return None;
    }
    let (module, name, arity) = call.mfa();
    let remote_target = |i: usize| call.args.get(i).is_some_and(|n| is_remote_name(file, *n));
    // (kind, index of the first argument that carries data)
    Some(match (module, name) {
        ("" | ":erlang" | "Process", "send") if arity >= 2 && remote_target(0) => (Sink::Remote, 1),
        ("GenServer" | ":gen_server", "call" | "cast") if arity >= 2 && remote_target(0) => {
            (Sink::Remote, 1)
        }
        ("GenServer" | ":gen_server", "abcast" | "multi_call") => (Sink::Remote, 0),
        (":global", "send") => (Sink::Remote, 1),
        (
            ":rpc",
            "call" | "cast" | "block_call" | "async_call" | "multicall" | "abcast" | "sbcast",
        ) => (Sink::Remote, 0),
        (":erpc", "call" | "cast" | "multicall" | "multicast" | "send_request") => {
            (Sink::Remote, 0)
        }
        ("Node", "spawn" | "spawn_link" | "spawn_monitor") => (Sink::Remote, 1),
        (
            "Phoenix.PubSub",
            "broadcast" | "broadcast!" | "broadcast_from" | "broadcast_from!" | "direct_broadcast"
            | "direct_broadcast!",
        ) => (Sink::Remote, 1),
        ("DeltaCrdt", "put" | "merge" | "mutate" | "mutate_async") => (Sink::Replicated, 1),
        (module, "track" | "update")
            if module.ends_with("Presence") || module == "Phoenix.Tracker" =>
        {
            (Sink::Replicated, 1)
        }
        (":mnesia", "write" | "dirty_write" | "s_write") => (Sink::Stored, 0),
        (":dets", "insert" | "insert_new") => (Sink::Stored, 1),
        ("File", "write" | "write!") => (Sink::Stored, 1),
        (module, "insert" | "insert!" | "insert_all" | "update_all" | "insert_or_update")
            if is_repo(module) =>
        {
            (Sink::Stored, 0)
        }
        _ => return None,
    })
}

/// `{name, node}` on another node, `{:global, name}`, `{:via, :global, name}`.
fn is_remote_name(file: &FileModel<'_>, node: Node<'_>) -> bool {
    classify(file, node).may_be_remote()
}

fn is_reading(file: &FileModel<'_>, node: Node<'_>) -> bool {
    file.call_for_node(node)
        .is_some_and(|c| matches!(c.mfa(), ("System" | ":erlang", "monotonic_time", 0 | 1)))
}

/// Is the expression a point in monotonic time (a reading, a reading plus or
/// minus a duration, a variable bound to one)? `t1 - t0` of two readings is a
/// duration, not a point.
fn is_instant(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
    depth: u8,
) -> bool {
    let node = unparenthesized(node);
    if is_reading(file, node) {
        return true;
    }
    if let Some(call) = file.call_for_expression(node) {
        // System.convert_time_unit(t, :native, :millisecond) keeps a point a point.
        return matches!(
            call.mfa(),
            ("System", "convert_time_unit", 3) | (":erlang", "convert_time_unit", 3)
        ) && is_instant(file, function, call.args[0], depth);
    }
    if let Some(op) = BinaryOp::cast(node) {
        let left = is_instant(file, function, op.left, depth);
        let right = is_instant(file, function, op.right, depth);
        return match op.operator_text(file.source) {
            "+" => left != right,
            "-" => left && !right,
            _ => false,
        };
    }
    let (Some(name), Some(function)) = (variable_name(node, file.source), function) else {
        return false;
    };
    depth > 0
        && file
            .last_binding_before(function, name, node)
            .is_some_and(|b| is_instant(file, Some(function), b.value, depth - 1))
}

/// An instant found in what a call takes, with the variable (or helper) it
/// was put into first, if any: `msg = %{at: System.monotonic_time()}`, then
/// `broadcast(pubsub, topic, msg)`.
struct Found<'t> {
    instant: Node<'t>,
    held_by: Option<&'t str>,
}

/// How many variables (or helpers) are looked through to find what a message holds.
const HOPS: u8 = 3;

/// The outermost monotonic instants inside `node` (a message, an argument
/// list), also inside the value a variable or helper holds (see
/// [`FileModel::value_of`]).
fn instants_in<'t>(
    file: &FileModel<'t>,
    function: Option<FunctionId>,
    node: Node<'t>,
    found: &mut Vec<Found<'t>>,
) {
    let mut stack = vec![(node, function, 0u8, None)];
    while let Some((n, function, hops, held_by)) = stack.pop() {
        if is_instant(file, function, n, 3) {
            found.push(Found {
                instant: unparenthesized(n),
                held_by,
            });
            continue;
        }
        // A difference of two instants is a duration: nothing inside it escapes.
        if BinaryOp::cast(n).is_some_and(|op| op.operator_text(file.source) == "-") {
            continue;
        }
        if n.kind() == "anonymous_function" {
            continue; // Runs later, maybe elsewhere: not this value.
        }
        // A message built earlier: `msg = %{node: node(), at: System.monotonic_time()}`.
        if hops < HOPS && n.is_named() {
            let bare = unparenthesized(file.resolve_attribute(n));
            let value = file.value_of(function, n);
            if value.id() != bare.id() {
                let name = held_by.or_else(|| Some(file.text(unparenthesized(n))));
                stack.push((value, file.function_at(value), hops + 1, name));
                continue;
            }
        }
        stack.extend(named_children(n).map(|child| (child, function, hops, held_by)));
    }
}

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    let reads_monotonic_time = file.calls_to("System", "monotonic_time").next().is_some()
        || file.calls_to(":erlang", "monotonic_time").next().is_some();
    if !reads_monotonic_time {
        return; // Nothing to leak: skip looking inside every remote call.
    }
    let mut seen: Vec<usize> = Vec::new();
    for call in &file.calls {
        let Some((sink, first)) = sink_of(file, call) else {
            continue;
        };
        let mut found = Vec::new();
        for arg in call.args.iter().skip(first) {
            instants_in(file, call.function, *arg, &mut found);
        }
        for Found { instant, held_by } in found {
            if seen.contains(&instant.start_byte()) {
                continue;
            }
            seen.push(instant.start_byte());
            let target = format!("`{}`", call.signature());
            let what = match sink {
                Sink::Remote => format!("is sent to another node by {target}"),
                Sink::Replicated => format!("is replicated to other nodes by {target}"),
                Sink::Stored => format!("is stored by {target}"),
            };
            let inside = match held_by {
                Some(name) => format!(", in `{}`,", one_line(name)),
                None => String::new(),
            };
            out.push(Finding::new(
                instant.byte_range(),
                format!(
                    "This monotonic-time reading{inside} {what}: meaningless outside this runtime"
                ),
            ));
        }
    }
}
