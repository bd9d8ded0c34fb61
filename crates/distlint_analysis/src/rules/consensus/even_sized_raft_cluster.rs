//! A Raft cluster (`:ra`) started with an even number of members.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{list_elements, unparenthesized, variable_name, BinaryOp};

pub static RULE: Rule = Rule {
    name: "even-sized-raft-cluster",
    topic: Topic::Consensus,
    severity: Severity::Warning,
    summary:
        "An even-sized Raft cluster: no sturdier than one member fewer, and an even split stops it.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_to_any(":ra", &["start_cluster", "start_or_restart_cluster"]) {
        if call.capture || !matches!(call.arity, 3..=5) {
            continue;
        }
        // The server ids come third (ra 1.x: name, machine, ids) or fourth
        // (ra 2.x: system, name, machine, ids); the other slots hold no list.
        let Some((arg, members)) = [2, 3]
            .into_iter()
            .filter_map(|i| call.args.get(i).copied())
            .find_map(|arg| literal_members(file, call, arg).map(|n| (arg, n)))
        else {
            continue;
        };
        if members == 0 || members % 2 == 1 {
            continue;
        }
        let majority = members / 2 + 1;
        let tolerated = members - majority;
        let half = members / 2;
        let failures = if members == 2 {
            "losing either member stops it".to_string()
        } else {
            format!(
                "it survives {tolerated} failure{s}, as {smaller} would",
                s = if tolerated == 1 { "" } else { "s" },
                smaller = members - 1
            )
        };
        out.push(Finding::new(
            arg.byte_range(),
            format!(
                "This ra cluster has {members} members: {failures}, and a {half}-{half} split leaves neither side a majority"
            ),
        ));
    }
}

/// The number of server ids when `arg` is a literal list: written at the call,
/// in a module attribute, or bound to a variable earlier in the function.
fn literal_members(file: &FileModel<'_>, call: &Call<'_>, arg: Node<'_>) -> Option<usize> {
    let mut value = unparenthesized(file.resolve_attribute(arg));
    if let (Some(name), Some(function)) = (variable_name(value, file.source), call.function) {
        let binding = file.last_binding_before(function, name, call.node)?;
        value = unparenthesized(file.resolve_attribute(binding.value));
    }
    let elements = list_elements(value)?;
    // `[a | rest]` has an unknown length.
    let open_tail = elements.iter().any(|e| {
        BinaryOp::cast(*e).is_some_and(|op| op.operator_text(file.source) == "|")
            || e.kind() == "keywords"
    });
    (!open_tail).then_some(elements.len())
}
