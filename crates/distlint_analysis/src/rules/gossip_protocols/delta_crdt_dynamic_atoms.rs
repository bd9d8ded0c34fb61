//! Atoms made at run time and stored in a delta_crdt, which replicates them
//! to every node where they are never garbage collected.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{named_children, unparenthesized, variable_name};

pub static RULE: Rule = Rule {
    name: "delta-crdt-dynamic-atoms",
    topic: Topic::GossipProtocols,
    severity: Severity::Warning,
    summary:
        "Atoms built at run time are stored in a DeltaCrdt: every node gets them, none frees them.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_to_any("DeltaCrdt", &["put", "merge", "mutate", "mutate_async"]) {
        if call.capture {
            continue;
        }
        let (_, name, arity) = call.mfa();
        // The arguments that end up in the replicated map.
        let data: &[usize] = match (name, arity) {
            ("put", 3 | 4) => &[1, 2],
            ("merge", 2 | 3) => &[1],
            ("mutate" | "mutate_async", 3 | 4) => &[2],
            _ => continue,
        };
        let mut found = Vec::new();
        for index in data {
            if let Some(arg) = call.args.get(*index) {
                dynamic_atoms_in(file, call.function, *arg, 2, &mut found);
            }
        }
        for (node, how) in found {
            out.push(Finding::new(
                node.byte_range(),
                format!(
                    "{how} puts a run-time atom into `DeltaCrdt.{name}/{arity}`: every node gets it and none can free it"
                ),
            ));
        }
    }
}

/// Expressions inside `node` that create atoms at run time, with how each is
/// described; variables bound to one earlier in the function count too.
fn dynamic_atoms_in<'t>(
    file: &FileModel<'t>,
    function: Option<FunctionId>,
    node: Node<'t>,
    depth: u8,
    found: &mut Vec<(Node<'t>, String)>,
) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "quoted_atom" && named_children(n).any(|c| c.kind() == "interpolation") {
            found.push((n, format!("`{}`", file.text(n))));
            continue;
        }
        if let Some(call) = file.call_for_node(n) {
            let creates = matches!(
                call.mfa(),
                ("String" | "List", "to_atom", 1)
                    | (":erlang", "binary_to_atom" | "list_to_atom", 1 | 2)
                    | ("Module", "concat", 1 | 2)
            );
            if creates {
                let (module, name, arity) = call.mfa();
                found.push((n, format!("`{module}.{name}/{arity}`")));
                continue;
            }
        }
        if n.kind() == "anonymous_function" {
            continue;
        }
        if let (Some(name), Some(function), true) =
            (variable_name(n, file.source), function, depth > 0)
        {
            let binding = file.last_binding_before(function, name, n);
            if let Some(binding) = binding {
                let mut inner = Vec::new();
                dynamic_atoms_in(file, Some(function), binding.value, depth - 1, &mut inner);
                if !inner.is_empty() {
                    let how = inner[0].1.clone();
                    found.push((n, format!("`{name}` (bound to {how})")));
                }
            }
            continue;
        }
        stack.extend(named_children(unparenthesized(n)));
    }
}
