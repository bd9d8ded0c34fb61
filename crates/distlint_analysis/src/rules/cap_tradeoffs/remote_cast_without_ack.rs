//! Fire-and-forget messages to other nodes.

use crate::rules::registration::{classify_target, is_this_node, keyed_by_instance, Registration};
use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, Function, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    clause_patterns, contains, is_atom, pinned_variables, receive_after, tuple_elements,
    unparenthesized, variable_name, variables_read,
};

pub static RULE: Rule = Rule {
    name: "remote-cast-without-ack",
    topic: Topic::CapTradeoffs,
    severity: Severity::Info,
    summary: "A cast to another node returns at once, whether or not the message arrives.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// What a call sends to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    /// The argument at this index names a process: remote when global or `{name, node}`.
    Server(usize),
    /// The argument at this index is a node: remote unless it is `node()`.
    Node(usize),
    /// Every node (or a list of nodes).
    Broadcast,
    /// A `:global` name, wherever it is registered.
    GlobalName,
}

/// `(module, function, arities, target)`.
const CASTS: &[(&str, &str, &[usize], Target)] = {
    use Target::{Broadcast, GlobalName, Node as N, Server as S};
    &[
        ("GenServer", "cast", &[2], S(0)),
        (":gen_server", "cast", &[2], S(0)),
        ("Agent", "cast", &[2, 4], S(0)),
        ("GenServer", "abcast", &[2, 3], Broadcast),
        (":gen_server", "abcast", &[2, 3], Broadcast),
        (":rpc", "cast", &[4], N(0)),
        (":erpc", "cast", &[2, 4], N(0)),
        (":rpc", "abcast", &[2, 3], Broadcast),
        (":rpc", "eval_everywhere", &[3, 4], Broadcast),
        (":erpc", "multicast", &[2, 4], Broadcast),
        ("", "send", &[2], S(0)),
        ("Process", "send", &[3], S(0)),
        (":erlang", "send", &[2, 3], S(0)),
        (":global", "send", &[2], GlobalName),
    ]
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    let mut casts = Vec::new();
    for (module, name, arities, target) in CASTS {
        for call in file.calls_to(module, name) {
            if call.capture || !arities.contains(&call.arity) {
                continue;
            }
            let destination = match target {
                Target::Server(i) => {
                    let Some(server) = call.args.get(*i) else {
                        continue;
                    };
                    let is_send = matches!(*name, "send");
                    match remote_server(file, call.function, *server) {
                        // `send/2` does not take `{:global, _}`: such a tuple is a plain
                        // `{registered_name, node}` pair only when it is not `:global`.
                        Some(Remote::Global(_)) if is_send => continue,
                        Some(remote) => remote.describe(),
                        None => continue,
                    }
                }
                Target::Node(i) => {
                    if call.args.get(*i).is_none_or(|n| is_this_node(file, *n)) {
                        continue;
                    }
                    "another node"
                }
                Target::Broadcast => "other nodes",
                Target::GlobalName => "a `:global` name",
            };
            casts.push((call, *target, destination));
        }
    }
    casts.sort_by_key(|(call, _, _)| call.node.start_byte());
    for (call, target, destination) in &casts {
        if acknowledged(file, call)
            || defines_async_api(file, call)
            || announced_on_nodeup(file, call, *target, &casts)
        {
            continue;
        }
        out.push(finding(call, destination));
    }
}

/// The cast is followed, in the same function, by a `receive` with an `after`
/// timeout that waits for the answer to this very message: a clause pins a
/// variable the message carries (`ref = make_ref()`, `send(..., {:req, self(), ref})`,
/// `receive do {^ref, reply} -> ... after 5_000 -> ... end`). One local helper
/// that does the waiting (`await_reply(ref)`) counts too.
fn acknowledged(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let Some(function) = call.function else {
        return false;
    };
    let source = file.source;
    // Through a binding: `request = {:req, self(), ref}` then `send(dest, request)`.
    let sent: Vec<&str> = message_of(call)
        .map(|message| variables_read(file.value_of(Some(function), message), source))
        .unwrap_or_default();
    if sent.is_empty() {
        return false;
    }
    let after_cast = |other: &&Call<'_>| {
        other.function == Some(function) && other.node.start_byte() >= call.node.end_byte()
    };
    if file
        .calls_to("", "receive")
        .filter(after_cast)
        .any(|receive| awaits_any(file, receive, &sent))
    {
        return true;
    }
    // `await_reply(ref, timeout)`: a local function whose clause waits on that parameter.
    let Some(module) = call.module else {
        return false;
    };
    file.calls
        .iter()
        .filter(after_cast)
        .filter(|helper| {
            helper.target.module.is_none() && !helper.target.dynamic && !helper.capture
        })
        .any(|helper| {
            helper.args.iter().enumerate().any(|(index, arg)| {
                let Some(passed) = variable_name(unparenthesized(*arg), source) else {
                    return false;
                };
                sent.contains(&passed)
                    && file.functions_of(module).any(|(id, callee)| {
                        callee.name == helper.target.name
                            && callee.arity == helper.arity
                            && callee
                                .params
                                .get(index)
                                .and_then(|p| variable_name(unparenthesized(*p), source))
                                .is_some_and(|param| {
                                    file.calls_to("", "receive")
                                        .filter(|r| r.function == Some(id))
                                        .any(|r| awaits_any(file, r, &[param]))
                                })
                    })
            })
        })
}

/// A `receive` with an `after` clause, one of whose patterns pins one of `names`.
fn awaits_any(file: &FileModel<'_>, receive: &Call<'_>, names: &[&str]) -> bool {
    let Some(block) = receive.do_block() else {
        return false;
    };
    receive_after(block).is_some()
        && clause_patterns(block).any(|pattern| {
            pinned_variables(pattern, file.source)
                .iter()
                .any(|pinned| names.contains(pinned))
        })
}

/// Words that say a function's effect is asynchronous.
const ASYNC_WORDS: &[&str] = &[
    "async",
    "cast",
    "abcast",
    "multicast",
    "notify",
    "broadcast",
    "send",
    "push",
    "publish",
    "dispatch",
];

/// The other words a messaging API's name may have (`notify_all`, `broadcast_from`,
/// `send_event`). Any other word names a piece of work (`send_invoice`,
/// `dispatch_order`) or says it waits (`send_sync`): worth a finding.
const MESSAGING_WORDS: &[&str] = &[
    "all",
    "from",
    "to",
    "local",
    "remote",
    "direct",
    "do",
    "raw",
    "event",
    "events",
    "message",
    "messages",
    "msg",
    "info",
    "notification",
    "notifications",
    "signal",
    "node",
    "nodes",
    "cluster",
    "everywhere",
    "others",
    "peers",
    "multi",
    "many",
    "each",
    "later",
];

/// Does the function's name say it only sends a message, and does not wait?
fn names_async_messaging(name: &str) -> bool {
    let words: Vec<&str> = name.trim_end_matches(['?', '!']).split('_').collect();
    words.iter().any(|w| ASYNC_WORDS.contains(w))
        && words
            .iter()
            .all(|w| ASYNC_WORDS.contains(w) || MESSAGING_WORDS.contains(w))
}

/// The cast is the body of a function that defines a fire-and-forget API: its
/// name says so and names nothing else (`cast`, `notify_all`, `async_publish`,
/// `broadcast_from`; not `send_invoice`)
/// and the message it sends is only what the caller passed (the parameters, or
/// values bound from them alone; where it goes is the API's business). Its callers
/// chose a cast; reporting the definition tells nobody anything.
/// `report(node, sample)` casting the same way still fires.
fn defines_async_api(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let Some(id) = call.function else {
        return false;
    };
    let function = file.function(id);
    if !names_async_messaging(&function.name) {
        return false;
    }
    let source = file.source;
    let params: Vec<&str> = function
        .params
        .iter()
        .flat_map(|p| variables_read(*p, source))
        .collect();
    // A parameter, or a value built from parameters alone (`message = {:push, payload}`;
    // a call there would be the function's own work: `level = Stock.level(sku)`).
    let from_params = |name: &str, at: Node<'_>| {
        params.contains(&name)
            || file.binding_before(id, name, at).is_some_and(|value| {
                !file.calls.iter().any(|c| contains(value, c.node))
                    && variables_read(value, source)
                        .iter()
                        .all(|v| params.contains(v))
            })
    };
    message_of(call).is_some_and(|message| {
        variables_read(message, source)
            .iter()
            .all(|v| from_params(v, call.node))
    })
}

/// What a cast sends: the second argument of `Process.send/3` and
/// `:erlang.send/3`, else the last (the message, or the arguments of `:rpc.cast`).
fn message_of<'t>(call: &Call<'t>) -> Option<Node<'t>> {
    match call.mfa() {
        (_, "send", 3) => call.args.get(1).copied(),
        _ => call.args.last().copied(),
    }
}

/// A message to a node sent when it comes up (`handle_info({:nodeup, node, _}, ...)`),
/// or the same message to the nodes already there (sent to the same `{name, _}` by
/// the same function in another part of the module): the usual membership
/// handshake. It is repeated at every reconnection, which is the catch-up a hint
/// needs; a partition does not lose it for good.
fn announced_on_nodeup(
    file: &FileModel<'_>,
    call: &Call<'_>,
    target: Target,
    casts: &[(&Call<'_>, Target, &str)],
) -> bool {
    let on_nodeup = |call: &Call<'_>| {
        call.function
            .is_some_and(|id| is_nodeup_handler(file, file.function(id)))
    };
    if on_nodeup(call) {
        return true;
    }
    let Some(name) = destination_name(file, call, target) else {
        return false;
    };
    casts.iter().any(|(other, other_target, _)| {
        other.module == call.module
            && other.target == call.target
            && on_nodeup(other)
            && destination_name(file, other, *other_target).as_deref() == Some(name.as_str())
    })
}

/// `handle_info({:nodeup, node, ...}, state)`: a clause run when a node connects.
fn is_nodeup_handler(file: &FileModel<'_>, function: &Function<'_>) -> bool {
    function.name == "handle_info"
        && function.arity == 2
        && function
            .params
            .first()
            .and_then(|p| tuple_elements(unparenthesized(*p)))
            .and_then(|elements| elements.first().copied())
            .is_some_and(|tag| is_atom(tag, file.source, "nodeup"))
}

/// The registered name of a `{name, node}` destination, as written.
fn destination_name(file: &FileModel<'_>, call: &Call<'_>, target: Target) -> Option<String> {
    let Target::Server(index) = target else {
        return None;
    };
    let value = file.value_of(call.function, *call.args.get(index)?);
    let elements = tuple_elements(value)?;
    (elements.len() == 2).then(|| file.text(elements[0]).to_string())
}

fn finding(call: &Call<'_>, destination: &str) -> Finding {
    let shown = format!("`{}`", call.signature());
    Finding::new(
        call.node.byte_range(),
        format!(
            "{shown} to {destination} is never acknowledged: a partition or a restart loses it silently"
        ),
    )
}

enum Remote {
    Global(&'static str),
    Pair,
}

impl Remote {
    fn describe(&self) -> &'static str {
        match self {
            Remote::Global(kind) => kind,
            Remote::Pair => "a `{name, node}` process",
        }
    }
}

/// A process name that may live on another node: `{:global, n}`, `{:via, :global, n}`,
/// or `{name, node}` with a node other than `node()`; directly, through an
/// attribute, or through a variable bound in the same function.
fn remote_server(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    node: Node<'_>,
) -> Option<Remote> {
    let registration = classify_target(file, function, node);
    // A per-process name (`{:global, {parent, __MODULE__}}`) is not a cluster-wide service.
    if registration.is_global() && keyed_by_instance(file, function, node) {
        return None;
    }
    match registration {
        Registration::Global => Some(Remote::Global("a `{:global, _}` name")),
        Registration::ViaGlobal => Some(Remote::Global("a `{:via, :global, _}` name")),
        Registration::OnNode => Some(Remote::Pair),
        _ => None,
    }
}
