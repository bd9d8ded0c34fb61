//! Calls to a process on another node, or behind a cluster-wide name, that
//! wait with an `:infinity` timeout.
//!
//! `GenServer.call(pid, msg, :infinity)` to a local server is an accepted OTP
//! convention; across nodes a slow but alive peer never triggers `:DOWN`, so
//! the caller waits for good. `:rpc`/`:erpc` calls are `rpc-without-timeout`'s.

use crate::rules::registration::{is_this_node, keyed_by_instance};
use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::singletons::ClusterName;
use crate::model::{Call, FileModel, FunctionId, ProjectModel};
use crate::rules::{one_line, Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    atom_name, contains, is_atom, last_expression, tuple_elements, unparenthesized, variable_name,
};

pub static RULE: Rule = Rule {
    name: "infinite-timeout-remote-call",
    topic: Topic::FailureModes,
    severity: Severity::Warning,
    summary: "A call to another node or a cluster-wide name waits with :infinity: a slow node blocks it forever.",
    scope: Scope::All,
    fixable: true,
    check,
};

/// The timeout the quick fix writes, in milliseconds.
const SUGGESTED_TIMEOUT: &str = "5_000";

/// Calls to a named server whose last argument is the timeout.
const SERVER_CALLS: &[(&str, &[&str])] = &[
    ("GenServer", &["call"]),
    (":gen_server", &["call"]),
    (":gen_statem", &["call"]),
    ("Agent", &["get", "update", "get_and_update"]),
];

/// Waiting for tasks: the task (or list of tasks) first, the timeout second.
const TASK_WAITS: &[&str] = &["await", "yield", "await_many", "yield_many"];

/// How a task is started on a supervisor that may live on another node.
const REMOTE_TASK_STARTS: &[&str] = &[
    "async",
    "async_nolink",
    "async_stream",
    "async_stream_nolink",
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_matching(SERVER_CALLS) {
        let expected = matches!(call.mfa(), ("Agent", _, 3 | 5) | (_, "call", 3));
        if !expected {
            continue;
        }
        let Some(timeout) = infinity_argument(file, call, call.arity - 1) else {
            continue;
        };
        let Some(target) = remote_target(cx.project, file, call, call.args[0], 2) else {
            continue;
        };
        let (module, name, arity) = call.mfa();
        let waits = waits_with(file, timeout);
        out.push(finding(
            file,
            timeout,
            format!(
                "`{module}.{name}/{arity}` to {target} with {waits}: a slow but alive node blocks this process forever"
            ),
        ));
    }
    for call in file.calls_to_any("Task", TASK_WAITS) {
        if call.capture || call.arity != 2 {
            continue;
        }
        let Some(timeout) = infinity_argument(file, call, 1) else {
            continue;
        };
        let Some(start) = remote_task_start(cx.project, file, call, call.args[0]) else {
            continue;
        };
        let (_, name, arity) = call.mfa();
        let supervisor = one_line(file.text(start.args[0]));
        let waits = waits_with(file, timeout);
        out.push(finding(
            file,
            timeout,
            format!(
                "`Task.{name}/{arity}` with {waits} for a task on `{supervisor}`: a slow but alive node blocks this process forever"
            ),
        ));
    }
    // Task.Supervisor.async_stream({Sup, node}, items, fun, timeout: :infinity): options come
    // last in the /4 (fun) and /6 (module, function, args) forms; the /3 and /5 forms have none,
    // and the last list of /5 holds arguments for the function, not options.
    for call in file.calls_to_any("Task.Supervisor", &["async_stream", "async_stream_nolink"]) {
        if call.capture || !matches!(call.arity, 4 | 6) {
            continue;
        }
        let Some(options) = call.keyword_options() else {
            continue;
        };
        let Some(timeout) = options.get("timeout", file.source) else {
            continue;
        };
        if !is_infinity(file, call.function, timeout) {
            continue;
        }
        let Some(target) = remote_target(cx.project, file, call, call.args[0], 2) else {
            continue;
        };
        let (_, name, _) = call.mfa();
        let waits = waits_with(file, timeout);
        out.push(finding(
            file,
            timeout,
            format!(
                "`Task.Supervisor.{name}` on {target} with {waits}: a slow but alive node stalls the stream forever"
            ),
        ));
    }
}

/// The finding at the timeout argument. The quick fix is offered only where
/// `:infinity` is written in the call: a variable, attribute or helper that
/// holds it may be shared with other calls, which a fix here would not see.
fn finding(file: &FileModel<'_>, timeout: Node<'_>, message: String) -> Finding {
    let finding = Finding::new(timeout.byte_range(), message);
    if !is_atom(unparenthesized(timeout), file.source, "infinity") {
        return finding;
    }
    finding.with_fix(Some(Fix {
        title: format!("Replace `:infinity` with a {SUGGESTED_TIMEOUT} ms timeout"),
        edits: vec![TextEdit::replace(timeout.byte_range(), SUGGESTED_TIMEOUT)],
    }))
}

/// How the message names the timeout: `` `:infinity` ``, or
/// `` `timeout` (`:infinity`) `` when a name holds it.
fn waits_with(file: &FileModel<'_>, timeout: Node<'_>) -> String {
    let written = file.text(unparenthesized(timeout));
    if written == ":infinity" {
        "`:infinity`".to_string()
    } else {
        format!("`{written}` (`:infinity`)")
    }
}

/// The argument at `index` when it is `:infinity`: written there, or held by
/// what [`FileModel::value_of`] follows (a variable bound earlier in the
/// function, an `@attribute`, a zero-argument helper of the module).
fn infinity_argument<'t>(file: &FileModel<'t>, call: &Call<'t>, index: usize) -> Option<Node<'t>> {
    let arg = *call.args.get(index)?;
    is_infinity(file, call.function, arg).then_some(arg)
}

fn is_infinity(file: &FileModel<'_>, function: Option<FunctionId>, node: Node<'_>) -> bool {
    is_atom(file.value_of(function, node), file.source, "infinity")
}

/// What `server` names, when it is a process on another node or a
/// cluster-wide name: `{:global, n}`, `{:via, mod, n}` (not Elixir's local
/// `Registry`), `{name, node}`; through `@attributes`, a variable bound in the
/// same function, a local helper such as `via_tuple(id)`, or a function of
/// another module of the project that returns a `:global` or Horde name
/// (`MyApp.Registry.via_tuple(id)`, see `ProjectModel::cluster_name_of`).
fn remote_target(
    project: &ProjectModel,
    file: &FileModel<'_>,
    call: &Call<'_>,
    server: Node<'_>,
    depth: u8,
) -> Option<String> {
    let node = unparenthesized(file.resolve_attribute(server));
    let source = file.source;
    if let Some(elements) = tuple_elements(node) {
        let atom = |i: usize| elements.get(i).and_then(|n| atom_name(*n, source));
        return match (elements.len(), atom(0)) {
            // A per-process name (`{:global, {parent, __MODULE__}}`) is not a cluster-wide service.
            (2, Some("global")) if keyed_by_instance(file, call.function, node) => None,
            (2, Some("global")) => Some("a `:global` name".to_string()),
            (3, Some("via")) => {
                let registry = file.text(elements[1]);
                (!local_via(file, registry, elements[2])).then(|| format!("a `{registry}` name"))
            }
            (2, _) if !is_this_node(file, elements[1]) => {
                Some(format!("`{}`", one_line(file.text(node))))
            }
            _ => None,
        };
    }
    if depth == 0 {
        return None;
    }
    // A variable bound earlier, or a zero-argument helper (see `FileModel::value_of`).
    let value = file.value_of(call.function, node);
    if value.id() != node.id() {
        return remote_target(project, file, call, value, depth - 1);
    }
    if variable_name(node, source).is_some() {
        return None;
    }
    // A local helper: `GenServer.call(via_tuple(id), ...)`.
    let helper = file.call_for_node(node)?;
    if helper.target.dynamic || helper.capture {
        return None;
    }
    // Another module's: `GenServer.call(MyApp.Registry.via_tuple(id), ...)`.
    if let Some(module) = helper.target.module.as_deref() {
        return match project.cluster_name_of(module, &helper.target.name, helper.arity)? {
            ClusterName::Global => Some("a `:global` name".to_string()),
            ClusterName::Horde => Some("a `Horde.Registry` name".to_string()),
        };
    }
    let module = call.module?;
    let mut found = None;
    for (_, function) in file.functions_of(module) {
        if function.name != helper.target.name || function.arity != helper.arity {
            continue;
        }
        let value = last_expression(function.body?);
        match remote_target(project, file, call, value, 0) {
            Some(target) => found = Some(target),
            None => return None, // Some clause returns something local.
        }
    }
    found
}

/// Registries that only name processes on this node: Elixir's `Registry`,
/// `PartitionSupervisor`, and gproc's local names (`{:n, :l, key}`).
fn local_via(file: &FileModel<'_>, registry: &str, name: Node<'_>) -> bool {
    match registry.trim_start_matches("Elixir.") {
        "Registry" | "PartitionSupervisor" => true,
        ":gproc" => tuple_elements(unparenthesized(name)).is_some_and(|parts| {
            parts
                .get(1)
                .is_some_and(|scope| is_atom(*scope, file.source, "l"))
        }),
        _ => false,
    }
}

/// The `Task.Supervisor` start behind a task expression, when its supervisor
/// is on another node: the expression itself, a variable bound to it, or (for
/// lists of tasks) a start anywhere inside the expression or that binding.
fn remote_task_start<'m, 't>(
    project: &ProjectModel,
    file: &'m FileModel<'t>,
    wait: &Call<'t>,
    tasks: Node<'t>,
) -> Option<&'m Call<'t>> {
    let scope = file.value_of(wait.function, tasks);
    if variable_name(scope, file.source).is_some() {
        return None;
    }
    file.calls_to_any("Task.Supervisor", REMOTE_TASK_STARTS)
        .filter(|start| !start.capture && start.arity >= 2)
        .filter(|start| start.function == wait.function && contains(scope, start.node))
        .find(|start| remote_target(project, file, start, start.args[0], 2).is_some())
}
