//! `:persistent_term.put/2` (or `erase/1`) on a path that runs over and over:
//! a message handler, a request handler, a loop.
//!
//! Replacing or erasing a persistent term bigger than a machine word starts a
//! global garbage collection in which every process on the node scans its heap,
//! and every put of a new value copies the whole key table. The store is for
//! terms written once and read forever (a hash ring rebuilt on rare membership
//! changes, compiled configuration).
//!
//! Not reported, because the write does not follow the traffic: a put of the
//! value just read from the same key (`get(key, nil) || build()`: it only
//! writes when the key was missing), a put or erase keyed by a process that the
//! handler monitors or that its `:DOWN` message names (one key per registered
//! process, written and erased once in its lifetime), and an erase in a loop
//! over `:persistent_term.get()` (clearing what was stored).

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::is_cheap_persistent_term_put;
use crate::model::summary::{called_function, Effect};
use crate::model::{Call, FileModel, Function, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{named_children, tuple_elements, unparenthesized, variable_name, BinaryOp};

pub static RULE: Rule = Rule {
    name: "persistent-term-hot-write",
    topic: Topic::ConsistentHashing,
    severity: Severity::Warning,
    summary: ":persistent_term.put/erase in a handler or loop: each change forces a node-wide GC.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_to_any(":persistent_term", &["put", "erase"]) {
        if call.capture || !matches!(call.mfa(), (_, "put", 2) | (_, "erase", 1)) {
            continue;
        }
        let Some(function_id) = call.function else {
            continue;
        };
        let function = file.function(function_id);
        let Some(context) = hot_context(file, call, function_id, function) else {
            continue;
        };
        if guarded(file, call, function_id, function)
            || is_cheap_persistent_term_put(file, call)
            || memoized(file, call)
            || keyed_by_monitored_process(file, call, function_id, function)
        {
            continue;
        }
        let (_, name, arity) = call.mfa();
        out.push(Finding::new(
            call.node.byte_range(),
            format!(
                "`:persistent_term.{name}/{arity}` {context}: each change forces a node-wide GC"
            ),
        ));
    }
    through_helpers(cx, out);
}

/// Calls on a hot path to one of the project's functions that writes a
/// persistent term, itself or a few calls down (`State.save(item)` in a loop,
/// with `save/1` doing the `put`): reported at the call, naming the chain.
fn through_helpers(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in &file.calls {
        if call.capture || call.target.module.as_deref() == Some(":persistent_term") {
            continue;
        }
        let (Some(function_id), Some(key)) = (call.function, called_function(file, call)) else {
            continue;
        };
        let function = file.function(function_id);
        // The helper's own put is judged where it is written.
        if function.name == key.name && function.arity == key.arity {
            continue;
        }
        // Only per message or request: a loop or a recursion that reaches a
        // helper's write is too often a one-off at start-up (loading plugins,
        // a build tool's aliases) to report without seeing the write itself.
        // Asked before the project's index (`distlint check` lints again the
        // files that asked it while it was still being built).
        let Some(context) = handler_context(file, function) else {
            continue;
        };
        let local = cx.summary;
        let Some(reach) = cx
            .project
            .summaries
            .reach_with(local, &key, |e| e == Effect::PersistentTermWrite)
        else {
            continue;
        };
        // The chain starts at the function called here.
        out.push(Finding::new(
            call.node.byte_range(),
            format!(
                "A persistent-term write ({}) {context}: each forces a node-wide GC",
                reach.via()
            ),
        ));
    }
}

/// Why the put runs often, in words, if it does.
fn hot_context(
    file: &FileModel<'_>,
    call: &Call<'_>,
    function_id: FunctionId,
    function: &Function<'_>,
) -> Option<String> {
    if let Some(handler) = handler_context(file, function) {
        return Some(handler);
    }
    if let Some(looping) = enclosing_loop(file, call.node, function.node) {
        return Some(format!("runs inside `{looping}`, once per element"));
    }
    let recursive = file
        .calls_to("", &function.name)
        .any(|c| c.function == Some(function_id) && c.arity == function.arity && !c.capture);
    let signature = format!("{}/{}", function.name, function.arity);
    recursive.then(|| format!("runs in `{signature}`, which calls itself (a loop)"))
}

/// The function runs once per message, event or request, in words.
fn handler_context(file: &FileModel<'_>, function: &Function<'_>) -> Option<String> {
    let signature = format!("{}/{}", function.name, function.arity);
    match (function.name.as_str(), function.arity) {
        ("handle_call", 3) | ("handle_cast", 2) | ("handle_info", 2) => {
            Some(format!("runs in `{signature}`, once per message"))
        }
        ("handle_event", 3 | 4) | ("handle_in", 3) | ("handle_params", 3) => {
            Some(format!("runs in `{signature}`, once per event"))
        }
        ("call", 2) if defines(file, function, "init", 1) => {
            Some("runs in a plug's `call/2`, once per request".to_string())
        }
        _ if first_param_is_conn(file, function) => {
            Some(format!("runs in `{signature}`, once per request"))
        }
        _ => None,
    }
}

fn defines(file: &FileModel<'_>, function: &Function<'_>, name: &str, arity: usize) -> bool {
    function.module.is_some_and(|m| {
        file.functions_of(m)
            .any(|(_, f)| f.name == name && f.arity == arity)
    })
}

/// A Phoenix controller action or plug function: `def show(conn, params)`.
fn first_param_is_conn(file: &FileModel<'_>, function: &Function<'_>) -> bool {
    let Some(first) = function.params.first() else {
        return false;
    };
    let text = file.text(unparenthesized(*first));
    text == "conn" || text == "_conn" || text.starts_with("%Plug.Conn{")
}

/// `for`, `Enum.each/map/reduce/...`, `Stream.*` or `Task.async_stream`
/// around `node`, within the function.
fn enclosing_loop(file: &FileModel<'_>, node: Node<'_>, function: Node<'_>) -> Option<String> {
    let mut current = node.parent();
    while let Some(n) = current {
        if n.id() == function.id() {
            return None;
        }
        if let Some(call) = file.call_for_node(n) {
            let looping = match call.mfa() {
                ("", "for", _) => Some("for".to_string()),
                ("Enum" | "Stream", name, _) => Some(format!("{}.{name}", call.mfa().0)),
                ("Task", "async_stream", _) | ("Flow", _, _) => {
                    Some(format!("{}.{}", call.mfa().0, call.mfa().1))
                }
                _ => None,
            };
            // The put must be in the loop's body (a fn or do-block), not in the enumerable.
            let in_body = call
                .args
                .first()
                .is_none_or(|enumerable| !crate::syntax::contains(*enumerable, node));
            if let (Some(looping), true) = (looping, in_body) {
                if !over_stored_terms(file, call) {
                    return Some(looping);
                }
            }
        }
        current = n.parent();
    }
    None
}

/// The put only happens when the stored value differs: inside an `if`,
/// `unless` or `case` whose condition reads `:persistent_term.get`
/// (directly or through a variable bound to it).
fn guarded(
    file: &FileModel<'_>,
    call: &Call<'_>,
    function_id: FunctionId,
    function: &Function<'_>,
) -> bool {
    let mut current = call.node.parent();
    while let Some(n) = current {
        if n.id() == function.node.id() {
            return false;
        }
        if let Some(branch) = file.call_for_node(n) {
            if matches!(branch.mfa(), ("", "if" | "unless" | "case", _)) {
                if let Some(condition) = branch.args.first() {
                    if !crate::syntax::contains(*condition, call.node)
                        && reads_persistent_term(file, function_id, *condition)
                    {
                        return true;
                    }
                }
            }
        }
        current = n.parent();
    }
    false
}

/// `for {{__MODULE__, _} = key, _} <- :persistent_term.get()`: a loop over the
/// stored terms themselves (a clean-up that erases this module's keys), which
/// runs once per key that was written, not once per element of some data.
fn over_stored_terms(file: &FileModel<'_>, looping: &Call<'_>) -> bool {
    let enumerables: Vec<Node<'_>> = match looping.mfa() {
        // `for` generators: `pattern <- enumerable`.
        ("", "for", _) => looping
            .args
            .iter()
            .filter_map(|arg| BinaryOp::cast(unparenthesized(*arg)))
            .filter(|op| op.operator_text(file.source) == "<-")
            .map(|op| op.right)
            .collect(),
        _ => looping.args.first().copied().into_iter().collect(),
    };
    enumerables.into_iter().any(|enumerable| {
        let enumerable = file.value_of(looping.function, enumerable);
        file.call_for_expression(enumerable)
            .is_some_and(|c| matches!(c.mfa(), (":persistent_term", "get", 0)))
    })
}

/// `:persistent_term.put(key, :persistent_term.get(key, nil) || build())`,
/// also through a variable: the put stores the value already there (a no-op)
/// unless the key was missing, so it writes once per key (memoization).
fn memoized(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let (Some(key), Some(value)) = (call.args.first(), call.args.get(1)) else {
        return false;
    };
    let value = file.value_of(call.function, *value);
    let read = match BinaryOp::cast(value) {
        Some(op) if matches!(op.operator_text(file.source), "||" | "or") => {
            file.value_of(call.function, op.left)
        }
        _ => value,
    };
    file.call_for_expression(read).is_some_and(|get| {
        matches!(get.mfa(), (":persistent_term", "get", 1 | 2))
            && get
                .args
                .first()
                .is_some_and(|read_key| same_text(file, *read_key, *key))
    })
}

fn same_text(file: &FileModel<'_>, a: Node<'_>, b: Node<'_>) -> bool {
    let words = |n: Node<'_>| {
        file.text(file.resolve_attribute(unparenthesized(n)))
            .split_whitespace()
            .collect::<String>()
    };
    words(a) == words(b)
}

/// A registry of processes: the key holds a pid that this function monitors
/// (`Process.monitor(pid)` next to the put) or that the `:DOWN` message it
/// handles names (`handle_info({:DOWN, ref, :process, pid, _}, ...)` next to
/// the erase). Such a key is written once when a process registers and erased
/// once when it exits: the writes follow process lifetimes, not messages.
fn keyed_by_monitored_process(
    file: &FileModel<'_>,
    call: &Call<'_>,
    function_id: FunctionId,
    function: &Function<'_>,
) -> bool {
    let Some(key) = call.args.first() else {
        return false;
    };
    let key = file.value_of(call.function, *key);
    let mut tracked: Vec<&str> = file
        .calls
        .iter()
        .filter(|c| c.function == Some(function_id))
        .filter(|c| {
            matches!(
                c.mfa(),
                ("Process", "monitor", 1 | 2) | (":erlang", "monitor", 2 | 3)
            )
        })
        .filter_map(|c| {
            let monitored = match c.mfa().0 {
                ":erlang" => c.args.get(1),
                _ => c.args.first(),
            }?;
            variable_name(unparenthesized(*monitored), file.source)
        })
        .collect();
    // handle_info({:DOWN, ref, :process, pid, reason}, state)
    if function.name == "handle_info" {
        let down = function
            .params
            .first()
            .and_then(|p| tuple_elements(unparenthesized(*p)));
        if let Some(elements) = down {
            let is_down = elements
                .first()
                .is_some_and(|tag| crate::syntax::is_atom(*tag, file.source, "DOWN"));
            if let (true, Some(pid)) = (is_down, elements.get(3)) {
                tracked.extend(variable_name(unparenthesized(*pid), file.source));
            }
        }
    }
    if tracked.is_empty() {
        return false;
    }
    let mut stack = vec![key];
    while let Some(n) = stack.pop() {
        if variable_name(n, file.source).is_some_and(|name| tracked.contains(&name)) {
            return true;
        }
        stack.extend(named_children(n));
    }
    false
}

fn reads_persistent_term(file: &FileModel<'_>, function: FunctionId, node: Node<'_>) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if file
            .call_for_node(n)
            .is_some_and(|c| matches!(c.mfa(), (":persistent_term", "get", 1 | 2)))
        {
            return true;
        }
        if let Some(name) = variable_name(n, file.source) {
            let bound = file.last_binding_before(function, name, n);
            if bound.is_some_and(|b| {
                file.call_for_expression(b.value)
                    .is_some_and(|c| matches!(c.mfa(), (":persistent_term", "get", 1 | 2)))
            }) {
                return true;
            }
        }
        stack.extend(named_children(n));
    }
    false
}
