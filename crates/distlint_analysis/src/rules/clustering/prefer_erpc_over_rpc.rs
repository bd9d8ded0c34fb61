//! `:rpc` calls that `:erpc` (OTP 23+) does better.

use crate::diagnostic::{Finding, Severity};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "prefer-erpc-over-rpc",
    topic: Topic::Clustering,
    severity: Severity::Info,
    summary: "`:rpc` folds results, exceptions and transport failures together; `:erpc` (OTP 23+) tells them apart.",
    scope: Scope::All,
    fixable: false,
    check,
};

const FUNCTIONS: &[&str] = &["call", "block_call", "multicall", "cast"];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    for call in cx.file.calls_to_any(":rpc", FUNCTIONS) {
        let (_, name, arity) = call.mfa();
        let what = format!("`:rpc.{name}/{arity}`");
        let message = match name {
            "multicall" => format!(
                "{what} returns `{{results, bad_nodes}}`: a result list that mixes values with `{{:badrpc, reason}}` \
                 and no longer lines up with the node list once a node fails, so after a partition you cannot \
                 tell which node answered what. `:erpc.multicall` returns one `{{:ok, value}}` or \
                 `{{class, reason}}` per node, in node order."
            ),
            "cast" => format!(
                "{what} reports nothing, not even bad arguments. `:erpc.cast/4` is the same fire-and-forget \
                 request but raises on invalid arguments; prefer `:erpc` so one module does all remote calls."
            ),
            "block_call" => format!(
                "{what} turns every failure into `{{:badrpc, reason}}`, so exceptions, timeouts and lost connections \
                 look alike; and since OTP 23 it only blocks other `block_call`s on that node. Use `:erpc.call`, \
                 which raises `{{:erpc, :noconnection}}` or `{{:erpc, :timeout}}` for transport failures, and \
                 serialise in a process of your own if the remote work must not overlap."
            ),
            _ => format!(
                "{what} turns every failure into `{{:badrpc, reason}}`: a raised exception, a timeout and a lost \
                 connection look alike, and so does a function that returns such a tuple. `:erpc.call` returns the \
                 value or raises, with `{{:erpc, :noconnection}}` or `{{:erpc, :timeout}}` for transport failures, \
                 so a partition is handled apart from a bug."
            ),
        };
        out.push(Finding::new(call.node.byte_range(), message));
    }
}
