//! A `start_link` that registers in `Horde.Registry` and passes
//! `{:error, {:already_started, pid}}` on to its supervisor.
//!
//! After a partition heals, Horde keeps one process per name and sends the
//! other an exit signal. When that one's supervisor restarts it, registration
//! fails with `already_started`, which the supervisor counts as a crash.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::singletons::ClusterName;
use crate::model::{Call, FileModel};
use crate::rules::registration::{project_cluster_name, start_call_name, start_calls};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{atom_name, last_expression, tuple_elements, unparenthesized};

use super::global_singleton_without_netsplit_handling::handles_already_started;

pub static RULE: Rule = Rule {
    name: "horde-already-started-unhandled",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary:
        "A start_link in Horde.Registry returns already_started: a crash after a netsplit heals.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in start_calls(file) {
        let Some(function) = call.function else {
            continue;
        };
        if file.function(function).name != "start_link" {
            continue;
        }
        let Some((name, report_at)) = start_call_name(file, call) else {
            continue;
        };
        let horde = is_horde_name(file, call, name)
            || project_cluster_name(cx.project, file, call.function, name)
                == Some(ClusterName::Horde);
        if !horde || handles_already_started(file, call) {
            continue;
        }
        let (module, function, _) = call.mfa();
        out.push(Finding::new(
            report_at.byte_range(),
            format!(
                "`{module}.{function}` passes `already_started` from `Horde.Registry` to its supervisor: a crash after a netsplit heals"
            ),
        ));
    }
}

/// `{:via, Horde.Registry, key}`, written inline, in a module attribute, in a
/// variable bound earlier (`name = via_tuple(id)`, then `name: name`; see
/// [`FileModel::value_of`]), or returned by a local helper (`name: via_tuple(id)`).
fn is_horde_name(file: &FileModel<'_>, call: &Call<'_>, name: Node<'_>) -> bool {
    let name = file.value_of(call.function, name);
    if is_horde_via(file, name) {
        return true;
    }
    // A local helper whose body is the via tuple.
    let (Some(helper), Some(module)) = (file.call_for_node(name), call.module) else {
        return false;
    };
    if helper.target.module.is_some() || helper.target.dynamic || helper.capture {
        return false;
    }
    let mut clauses = file
        .functions_of(module)
        .filter(|(_, f)| f.name == helper.target.name && f.arity == helper.arity)
        .peekable();
    clauses.peek().is_some()
        && clauses.all(|(id, f)| {
            f.body.is_some_and(|body| {
                is_horde_via(file, file.value_of(Some(id), last_expression(body)))
            })
        })
}

fn is_horde_via(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let node = unparenthesized(node);
    let Some(elements) = tuple_elements(node) else {
        return false;
    };
    let [via, registry, _] = elements.as_slice() else {
        return false;
    };
    atom_name(*via, file.source) == Some("via")
        && file.module_reference(*registry).as_deref() == Some("Horde.Registry")
}
