//! A named GenServer used as a key-value cache.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{FileModel, Function, FunctionId, ModuleId};
use crate::rules::registration::{classify, start_call_name, Registration};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    atom_name, clause_patterns, named_children, unparenthesized, variable_name, BinaryOp,
};

pub static RULE: Rule = Rule {
    name: "global-genserver-cache",
    topic: Topic::EscalationLadder,
    severity: Severity::Warning,
    summary:
        "A GenServer under one fixed name serves a key-value map: every read queues behind it.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// Map lookups by key: `Map.get/2,3`, `Map.fetch/2`, ... (the state is the first argument).
const LOOKUPS: &[&str] = &["get", "fetch", "fetch!", "has_key?"];
const STORES: &[&str] = &["put", "put_new", "merge", "update", "update!", "delete"];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (id, module) in file.modules_with_ids() {
        if !file.module_uses(id, "GenServer") {
            continue;
        }
        let Some((registration, name)) = fixed_registration(file, id) else {
            continue;
        };
        let callbacks: Vec<(FunctionId, &Function<'_>)> = file
            .functions_of(id)
            .filter(|(_, f)| {
                matches!(
                    (f.name.as_str(), f.arity),
                    ("handle_call", 3) | ("handle_cast", 2)
                )
            })
            .collect();
        let reads = callbacks
            .iter()
            .any(|(fid, f)| f.name == "handle_call" && reads_key_from_state(file, *fid, f));
        let writes = callbacks
            .iter()
            .any(|(fid, f)| writes_key_to_state(file, *fid, f));
        if !(reads && writes) {
            continue;
        }
        let queue = if registration.is_global() {
            "every read in the cluster queues behind it"
        } else {
            "every read queues behind it"
        };
        out.push(Finding::new(
            module.name_node.byte_range(),
            format!(
                "`{}` is a one-process cache (`name: {}`): {queue}",
                module.name,
                file.text(name)
            ),
        ));
    }
}

/// The module starts itself (`GenServer.start_link(__MODULE__, ...)`) under a
/// fixed name.
fn fixed_registration<'t>(
    file: &FileModel<'t>,
    module: ModuleId,
) -> Option<(Registration, Node<'t>)> {
    let module_name = &file.module(module).name;
    file.calls_to_any("GenServer", &["start_link", "start"])
        .filter(|call| call.module == Some(module) && !call.capture)
        .filter(|call| {
            call.args
                .first()
                .is_some_and(|first| names_module(file, *first, module_name))
        })
        .find_map(|call| {
            let (name, _) = start_call_name(file, call)?;
            let registration = classify(file, name);
            registration.is_fixed().then_some((registration, name))
        })
}

fn names_module(file: &FileModel<'_>, node: Node<'_>, module_name: &str) -> bool {
    let text = file.text(node);
    text == "__MODULE__" || text == module_name || module_name.ends_with(&format!(".{text}"))
}

/// The variable that holds the state in a callback: the last parameter, as
/// `state` or `%{...} = state`.
fn state_variable<'t>(file: &FileModel<'t>, function: &Function<'t>) -> Option<&'t str> {
    let param = unparenthesized(*function.params.last()?);
    if let Some(name) = variable_name(param, file.source) {
        return Some(name);
    }
    let op = BinaryOp::cast(param)?;
    (op.operator_text(file.source) == "=").then(|| {
        variable_name(op.right, file.source).or_else(|| variable_name(op.left, file.source))
    })?
}

/// A key that is not a literal atom: `state[:count]` is a field, `state[key]` a lookup.
fn is_dynamic_key(file: &FileModel<'_>, key: Node<'_>) -> bool {
    atom_name(unparenthesized(key), file.source).is_none() && key.kind() != "string"
}

fn is_state(file: &FileModel<'_>, node: Node<'_>, state: &str) -> bool {
    variable_name(unparenthesized(node), file.source) == Some(state)
}

fn reads_key_from_state(file: &FileModel<'_>, id: FunctionId, function: &Function<'_>) -> bool {
    if function
        .params
        .last()
        .is_some_and(|p| has_pinned_map_key(file, *p))
    {
        return true;
    }
    let Some(state) = state_variable(file, function) else {
        return false;
    };
    // `Map.get(state, key, default)` is as much a lookup as `Map.get(state, key)`.
    let via_map = file.calls_to_any("Map", LOOKUPS).any(|call| {
        call.function == Some(id)
            && matches!(call.arity, 2 | 3)
            && is_state(file, call.args[0], state)
            && is_dynamic_key(file, call.args[1])
    });
    let via_access = file.access_calls.iter().any(|access| {
        access.function == Some(id)
            && access
                .node
                .child_by_field_name("target")
                .is_some_and(|t| is_state(file, t, state))
            && access
                .node
                .child_by_field_name("key")
                .is_some_and(|k| is_dynamic_key(file, k))
    });
    // `case state do %{^key => value} -> ... end`: the pinned key in the body, not the head.
    let via_case = file.calls_to("", "case").any(|call| {
        call.function == Some(id)
            && call
                .args
                .first()
                .is_some_and(|subject| is_state(file, *subject, state))
            && call.do_block().is_some_and(|block| {
                clause_patterns(block).any(|pattern| has_pinned_map_key(file, pattern))
            })
    });
    via_map || via_access || via_case
}

fn writes_key_to_state(file: &FileModel<'_>, id: FunctionId, function: &Function<'_>) -> bool {
    let Some(state) = state_variable(file, function) else {
        return false;
    };
    file.calls_to_any("Map", STORES).any(|call| {
        call.function == Some(id)
            && call.arity >= 2
            && is_state(file, call.args[0], state)
            && (call.target.name == "merge" || is_dynamic_key(file, call.args[1]))
    })
}

/// `%{^key => value}` in a pattern (the state parameter, or a clause of a `case` on the state).
fn has_pinned_map_key(file: &FileModel<'_>, param: Node<'_>) -> bool {
    let mut stack = vec![param];
    while let Some(node) = stack.pop() {
        if node.kind() == "unary_operator"
            && node
                .child_by_field_name("operator")
                .is_some_and(|op| file.text(op) == "^")
            && node.parent().is_some_and(|p| {
                BinaryOp::cast(p).is_some_and(|op| {
                    op.operator_text(file.source) == "=>" && op.left.id() == node.id()
                })
            })
        {
            return true;
        }
        stack.extend(named_children(node));
    }
    false
}
