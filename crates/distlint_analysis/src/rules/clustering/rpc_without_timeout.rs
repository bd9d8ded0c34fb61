//! Remote calls whose timeout is `:infinity`, by default or by hand.

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::{Call, FileModel};
use crate::rules::registration::is_this_node;
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{is_atom, list_elements, unparenthesized};

pub static RULE: Rule = Rule {
    name: "rpc-without-timeout",
    topic: Topic::Clustering,
    severity: Severity::Warning,
    summary: "A remote call with no timeout blocks forever on a hung or gray-failed node.",
    scope: Scope::All,
    fixable: true,
    check,
};

/// The timeout the quick fix writes, in milliseconds.
const SUGGESTED_TIMEOUT: &str = "5_000";

/// Where a call's timeout is, for the calls this rule knows.
enum Timeout {
    /// The call has no timeout argument: it defaults to `:infinity`.
    Missing,
    /// The timeout is the argument at this index.
    At(usize),
}

fn timeout_of(call: &Call<'_>) -> Option<Timeout> {
    use Timeout::{At, Missing};
    let is_list = |i: usize| {
        call.args
            .get(i)
            .is_some_and(|n| list_elements(unparenthesized(*n)).is_some())
    };
    Some(match call.mfa() {
        (":rpc", "call" | "block_call", 4) => Missing,
        (":rpc", "call" | "block_call", 5) => At(4),
        (":erpc", "call", 2) | (":erpc", "multicall", 2) => Missing,
        (":erpc", "call", 3) | (":erpc", "multicall", 3) => At(2),
        (":erpc", "call" | "multicall", 4) => Missing,
        (":erpc", "call" | "multicall", 5) => At(4),
        (":rpc", "multicall", 3) => Missing,
        // multicall/4 is either (Nodes, M, F, Args) or (M, F, Args, Timeout).
        (":rpc", "multicall", 4) if is_list(2) => At(3),
        (":rpc", "multicall", 4) if is_list(3) => Missing,
        (":rpc", "multicall", 5) => At(4),
        ("GenServer" | ":gen_server", "multi_call", 2 | 3) => Missing,
        ("GenServer" | ":gen_server", "multi_call", 4) => At(3),
        _ => return None,
    })
}

/// A call to one node that is this node (`:erpc.call(node(), ...)`, or a node
/// the function head or the branch around the call proved to be `node()`):
/// no other node can hang it.
fn calls_this_node(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let single = matches!(
        call.mfa(),
        (":rpc", "call" | "block_call", _) | (":erpc", "call", _)
    );
    single
        && call
            .args
            .first()
            .is_some_and(|node| is_this_node(file, *node))
}

const CALLS: &[(&str, &[&str])] = &[
    (":rpc", &["call", "block_call", "multicall"]),
    (":erpc", &["call", "multicall"]),
    ("GenServer", &["multi_call"]),
    (":gen_server", &["multi_call"]),
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_matching(CALLS) {
        if call.capture {
            continue;
        }
        let Some(timeout) = timeout_of(call) else {
            continue;
        };
        if calls_this_node(file, call) {
            continue;
        }
        let (module, name, arity) = call.mfa();
        let what = format!("`{module}.{name}/{arity}`");
        let finding = match timeout {
            Timeout::Missing => Finding::new(
                call.node.byte_range(),
                format!(
                    "{what} has no timeout: a hung or gray-failed node blocks this process forever"
                ),
            )
            .with_fix(append_timeout(call)),
            Timeout::At(index) => {
                let Some(arg) = call.args.get(index).copied() else {
                    continue;
                };
                // Also `:infinity` kept in a variable, an attribute or a helper.
                let written = is_atom(unparenthesized(arg), file.source, "infinity");
                if !written && !is_atom(file.value_of(call.function, arg), file.source, "infinity")
                {
                    continue;
                }
                let finding = Finding::new(
                    arg.byte_range(),
                    format!(
                        "{what} waits with `:infinity`: a hung or gray-failed node blocks this process forever"
                    ),
                );
                // The fix only where `:infinity` is written in the call: a
                // variable or attribute may serve other calls too.
                finding.with_fix(written.then(|| Fix {
                    title: format!("Replace `:infinity` with a {SUGGESTED_TIMEOUT} ms timeout"),
                    edits: vec![TextEdit::replace(arg.byte_range(), SUGGESTED_TIMEOUT)],
                }))
            }
        };
        out.push(finding);
    }
}

/// Appends `, 5_000` after the last written argument. Not for
/// `multi_call/2`: a third argument would be read as the node list.
fn append_timeout(call: &Call<'_>) -> Option<Fix> {
    if matches!(call.mfa(), (_, "multi_call", 2)) {
        return None;
    }
    let arguments = call.arguments_node()?;
    let last = crate::syntax::named_children(arguments).last()?;
    Some(Fix {
        title: format!("Add an explicit {SUGGESTED_TIMEOUT} ms timeout"),
        edits: vec![TextEdit::insert(
            last.end_byte(),
            format!(", {SUGGESTED_TIMEOUT}"),
        )],
    })
}
