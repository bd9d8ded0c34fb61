//! Fire-and-forget messages to other nodes.

use crate::rules::registration::{classify_target, is_this_node, Registration};
use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "remote-cast-without-ack",
    topic: Topic::CapTradeoffs,
    severity: Severity::Info,
    summary:
        "A cast to another node returns at once whether or not the message arrives or is handled.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// What a call sends to.
#[derive(Clone, Copy)]
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
            out.push(finding(call, destination));
        }
    }
}

fn finding(call: &Call<'_>, destination: &str) -> Finding {
    let shown = format!("`{}`", call.signature());
    Finding::new(
        call.node.byte_range(),
        format!(
            "{shown} to {destination} returns at once whether or not the message arrives: during a \
             partition, or while the receiver is down or restarting, it is lost and nothing tells the sender. \
             If the work must happen, use a call with a timeout and handle the failure, or a durable queue."
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
    match classify_target(file, function, node) {
        Registration::Global => Some(Remote::Global("a `{:global, _}` name")),
        Registration::ViaGlobal => Some(Remote::Global("a `{:via, :global, _}` name")),
        Registration::OnNode => Some(Remote::Pair),
        _ => None,
    }
}
