//! A `:global` lock guarding a write to storage outside the cluster.
//!
//! A `:global` lock is taken on the nodes this node can see. During a partition
//! each side can take it, and a holder that stalls (GC, a long pause, a slow
//! network) can still write after its lock is gone. Only the storage can tell
//! a stale writer apart: a fencing token it checks (a version column, a lease).

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::is_repo;
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{contains, is_atom, list_elements, unparenthesized};

pub static RULE: Rule = Rule {
    name: "global-lock-without-fencing",
    topic: Topic::LeaderElection,
    severity: Severity::Info,
    summary:
        "A :global lock guards an external write without a fencing token: both sides can hold it.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_to_any(":global", &["trans", "set_lock"]) {
        if call.capture {
            continue;
        }
        if node_local(file, call) {
            continue;
        }
        let write = match call.mfa() {
            (_, "trans", 2..=4) => write_in_fun(file, call, call.args[1]),
            (_, "set_lock", 1..=3) => call
                .function
                .and_then(|function| write_in_function(file, function, call.node.end_byte(), true)),
            _ => None,
        };
        let Some(write) = write else {
            continue;
        };
        let (_, name, arity) = call.mfa();
        let target = call.node.child_by_field_name("target").unwrap_or(call.node);
        out.push(Finding::new(
            target.byte_range(),
            format!(
                "`:global.{name}/{arity}` guards `{write}` without a fencing token: both sides of a partition can write"
            ),
        ));
    }
}

/// `:global.trans(id, fun, [node()])`, `:global.set_lock(id, [node()])`: a lock
/// on this node only, which no partition can split.
fn node_local(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let index = if call.is(":global", "trans") { 2 } else { 1 };
    let Some(nodes) = call.args.get(index) else {
        return false;
    };
    let nodes = unparenthesized(file.resolve_attribute(*nodes));
    match list_elements(nodes).as_deref() {
        Some([only]) => file.call_for_node(unparenthesized(*only)).is_some_and(|c| {
            matches!(
                c.mfa(),
                ("", "node", 0) | ("Node" | ":erlang", "self" | "node", 0)
            )
        }),
        _ => false,
    }
}

/// A write inside the function given to `:global.trans`: an `fn`, or a capture
/// of a local function (`&sync_balances/0`).
fn write_in_fun(file: &FileModel<'_>, call: &Call<'_>, fun: Node<'_>) -> Option<String> {
    let fun = unparenthesized(fun);
    if fun.kind() == "anonymous_function" {
        return file
            .calls
            .iter()
            .filter(|inner| contains(fun, inner.node))
            .find_map(|inner| {
                write_name(file, inner).or_else(|| write_in_local_callee(file, call, inner))
            });
    }
    // &sync_balances/0
    let (name, arity) = crate::syntax::local_capture(fun, file.source)?;
    write_in_local(file, call, name, arity)
}

/// A write inside the local function that `callee` calls (one level deep).
fn write_in_local_callee(
    file: &FileModel<'_>,
    call: &Call<'_>,
    callee: &Call<'_>,
) -> Option<String> {
    if callee.target.module.is_some() || callee.target.dynamic || callee.capture {
        return None;
    }
    write_in_local(file, call, &callee.target.name, callee.arity)
}

fn write_in_local(
    file: &FileModel<'_>,
    call: &Call<'_>,
    name: &str,
    arity: usize,
) -> Option<String> {
    let module = call.module?;
    file.functions_of(module)
        .filter(|(_, f)| f.name == name && f.arity == arity)
        .find_map(|(id, _)| write_in_function(file, id, 0, false))
}

/// A write in `function` after byte `after` (and, with `follow`, in the local
/// functions it calls there).
fn write_in_function(
    file: &FileModel<'_>,
    function: FunctionId,
    after: usize,
    follow: bool,
) -> Option<String> {
    let calls = || {
        file.calls
            .iter()
            .filter(move |c| c.function == Some(function) && c.node.start_byte() >= after)
    };
    if let Some(write) = calls().find_map(|c| write_name(file, c)) {
        return Some(write);
    }
    if !follow {
        return None;
    }
    let module = file.function(function).module?;
    calls()
        .filter(|c| c.target.module.is_none() && !c.target.dynamic && !c.capture)
        .find_map(|c| {
            file.functions_of(module)
                .filter(|(id, f)| *id != function && f.name == c.target.name && f.arity == c.arity)
                .find_map(|(id, _)| write_in_function(file, id, 0, false))
        })
}

/// Ecto repository writes.
const REPO_WRITES: &[&str] = &[
    "insert",
    "insert!",
    "update",
    "update!",
    "delete",
    "delete!",
    "insert_all",
    "update_all",
    "delete_all",
    "insert_or_update",
    "insert_or_update!",
];

/// HTTP verbs that change state.
const HTTP_WRITES: &[&str] = &[
    "post", "post!", "put", "put!", "patch", "patch!", "delete", "delete!",
];

/// `Mod.fun` when the call writes to storage outside the BEAM cluster.
fn write_name(file: &FileModel<'_>, call: &Call<'_>) -> Option<String> {
    if call.capture {
        return None;
    }
    let (module, name, _) = call.mfa();
    let writes = (is_repo(module) && REPO_WRITES.contains(&name))
        || (matches!(module, "Req" | "HTTPoison" | "Tesla") && HTTP_WRITES.contains(&name))
        || (module == "Redix" && matches!(name, "command" | "command!" | "pipeline" | "pipeline!"))
        || (module == "ExAws" && matches!(name, "request" | "request!"))
        || (module == ":httpc"
            && name == "request"
            && call.args.first().is_some_and(|method| {
                ["post", "put", "patch", "delete"]
                    .iter()
                    .any(|verb| is_atom(unparenthesized(*method), file.source, verb))
            }));
    writes.then(|| format!("{module}.{name}"))
}
