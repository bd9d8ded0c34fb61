//! `:global.register_name` whose answer (`:yes` or `:no`) is thrown away.
//!
//! `register_name` does not fail when the name is taken: it returns `:no`. A
//! caller that ignores the answer carries on as if it held the name, so a
//! follower behaves as the leader.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::{Call, FileModel};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    atom_name, attribute_reference, named_children, tuple_elements, BinaryOp, CallNode,
};

use super::line_indent;

pub static RULE: Rule = Rule {
    name: "unchecked-global-registration",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "The result of :global.register_name is ignored: a process that got `:no` acts as the holder.",
    scope: Scope::All,
    fixable: true,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_to(":global", "register_name") {
        if call.capture || !(2..=3).contains(&call.arity) {
            continue;
        }
        let Some(statement) = statement_of(call) else {
            continue;
        };
        if !value_discarded(file, statement) {
            continue;
        }
        let arity = call.arity;
        out.push(
            Finding::new(
                call.node.byte_range(),
                format!(
                    "The result of `:global.register_name/{arity}` is ignored: a taken name returns `:no` and this code carries on as its holder"
                ),
            )
            .with_fix(case_fix(file, call, statement)),
        );
    }
}

/// The expression whose value is the call's: the call, or the pipe that ends in it.
fn statement_of<'t>(call: &Call<'t>) -> Option<Node<'t>> {
    if call.piped {
        BinaryOp::cast(call.node.parent()?).map(|op| op.node)
    } else {
        Some(call.node)
    }
}

/// Control-flow calls whose value is the value of one of their branches.
const BRANCHING: &[&str] = &["if", "unless", "case", "cond", "with", "receive", "try"];

/// Is the value of `expression` dropped? It is when it is followed by another
/// expression in the same block, when it sits in a `try`'s `after`, at the top
/// level of a script, or when it ends a branch of an `if`/`case`/... whose own
/// value is dropped. The last expression of a function or `fn` is returned.
fn value_discarded(file: &FileModel<'_>, expression: Node<'_>) -> bool {
    let mut node = expression;
    loop {
        let Some(parent) = node.parent() else {
            return false;
        };
        match parent.kind() {
            "source" => return true,
            "after_block" => return true,
            "block" | "body" | "do_block" | "else_block" => {
                if !is_last(parent, node) {
                    return true;
                }
                // The block's value is its last expression: follow it outwards.
                let owner = match parent.kind() {
                    "block" => Some(parent),
                    "body" => branch_owner(parent),
                    _ => parent.parent().filter(|call| is_branching(file, *call)),
                };
                match owner {
                    Some(owner) => node = owner,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
}

/// Is `node` the last expression of `parent` (the `else`/`rescue`/... blocks
/// that follow the expressions of a `do` block are not expressions)?
fn is_last(parent: Node<'_>, node: Node<'_>) -> bool {
    named_children(parent)
        .filter(|child| {
            !matches!(
                child.kind(),
                "else_block" | "after_block" | "rescue_block" | "catch_block"
            )
        })
        .last()
        .is_some_and(|last| last.id() == node.id())
}

/// The `case`/`cond`/... call whose clause has `body` as its right side.
fn branch_owner(body: Node<'_>) -> Option<Node<'_>> {
    let clause = body.parent()?;
    let block = clause.parent()?;
    // `fn -> ... end` returns its body's value to whoever called it.
    if block.kind() == "anonymous_function" {
        return None;
    }
    block.parent()
}

fn is_branching(file: &FileModel<'_>, node: Node<'_>) -> bool {
    CallNode::cast(node)
        .and_then(|call| call.local_name(file.source))
        .is_some_and(|name| BRANCHING.contains(&name))
}

/// Wraps the statement in a `case` that stops this process when the name is
/// taken, only when the statement stands alone on its line in a block.
fn case_fix(file: &FileModel<'_>, call: &Call<'_>, statement: Node<'_>) -> Option<Fix> {
    let parent = statement.parent()?;
    if !matches!(
        parent.kind(),
        "block" | "body" | "do_block" | "else_block" | "after_block" | "source"
    ) {
        return None;
    }
    let source = file.source;
    let indent = line_indent(source, statement.start_byte());
    if source[..statement.start_byte()]
        .rsplit(['\n', '\r'])
        .next()
        .is_some_and(|before| before.len() != indent.len())
    {
        return None; // Something else precedes it on the line (`fn -> ...`, `a; b`).
    }
    let reason = call
        .args
        .first()
        .filter(|name| is_plain_name(source, **name))
        .map_or_else(
            || ":already_registered".to_string(),
            |name| format!("{{:already_registered, {}}}", file.text(*name)),
        );
    Some(Fix {
        title: "Match `:yes`/`:no`, and exit when the name is taken".to_string(),
        edits: vec![TextEdit::replace(
            statement.byte_range(),
            format!(
                "case {} do\n{indent}  :yes -> :ok\n{indent}  :no -> exit({reason})\n{indent}end",
                file.text(statement)
            ),
        )],
    })
}

/// A name that can be written twice without evaluating anything twice:
/// an atom, alias, variable, `__MODULE__`, `@attribute`, or a tuple of those.
fn is_plain_name(source: &str, node: Node<'_>) -> bool {
    match node.kind() {
        "atom" | "quoted_atom" | "alias" | "identifier" => {
            node.kind() != "quoted_atom" || atom_name(node, source).is_some()
        }
        "tuple" => tuple_elements(node)
            .unwrap_or_default()
            .iter()
            .all(|e| is_plain_name(source, *e)),
        _ => attribute_reference(node, source).is_some(),
    }
}
