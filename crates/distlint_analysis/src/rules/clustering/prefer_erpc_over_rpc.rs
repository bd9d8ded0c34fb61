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
                "{what} returns `true` whatever happens on the other node, and `:erpc.cast/4` is the same \
                 fire-and-forget request: neither tells you whether the call ran. Prefer `:erpc` so one module \
                 does all remote calls, and use `:erpc.call` with a timeout where you need to know."
            ),
            "block_call" => format!(
                "{what} turns every failure into `{{:badrpc, reason}}`, so exceptions, timeouts and lost connections \
                 look alike; and what it blocks on that node is loosely defined: since OTP 23 only other \
                 `block_call`s are guaranteed to wait, and other operations may be held up too. Use `:erpc.call`, \
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
