//! `:pg2`, removed in OTP 24.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    ancestors, atom_name, contains, named_children, text, unparenthesized, CallNode, Keywords,
};

pub static RULE: Rule = Rule {
    name: "deprecated-pg2",
    topic: Topic::Clustering,
    severity: Severity::Warning,
    summary: "`:pg2` was deprecated in OTP 23 and removed in OTP 24; use `:pg`.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls.iter().filter(|call| call.mfa().0 == ":pg2") {
        if is_fallback(file, call) {
            continue;
        }
        let (_, name, arity) = call.mfa();
        out.push(Finding::new(
            call.node.byte_range(),
            format!(
                "`:pg2.{name}/{arity}`: `:pg2` was removed in OTP 24, so this raises `UndefinedFunctionError` on current OTP"
            ),
        ));
    }
}

/// Is the call only reached where `:pg` is missing (old OTP)? `if Code.ensure_loaded?(:pg)`
/// ... `else` ..., `unless`, `if Code.ensure_loaded?(:pg2) do`, and `cond` clauses after such a check.
pub(crate) fn is_fallback(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let source = file.source;
    for ancestor in ancestors(call.node) {
        if let Some(outer) = CallNode::cast(ancestor) {
            let in_else =
                || else_branch(outer, source).is_some_and(|branch| contains(branch, call.node));
            let condition = || {
                outer
                    .arguments()
                    .first()
                    .and_then(|c| availability_check(file, *c))
            };
            match outer.local_name(source) {
                Some(keyword @ ("if" | "unless")) if !is_condition(outer, call.node) => {
                    if let Some((pg_available, negated)) = condition() {
                        // The branch runs when `:pg` is missing.
                        let runs_when_true = (keyword == "if") != in_else();
                        if runs_when_true != (pg_available != negated) {
                            return true;
                        }
                    }
                }
                Some("cond") if cond_fallback(file, outer, call.node) => return true,
                _ => {}
            }
        }
    }
    false
}

/// Is `node` inside the condition of `if`/`unless` (rather than in a branch)?
fn is_condition(outer: CallNode<'_>, node: Node<'_>) -> bool {
    outer
        .arguments()
        .first()
        .is_some_and(|c| contains(*c, node))
}

/// The `else` part: an `else_block` in `do ... else ... end`, or `else:`.
fn else_branch<'t>(call: CallNode<'t>, source: &str) -> Option<Node<'t>> {
    if let Some(block) = call.do_block() {
        return named_children(block).find(|c| c.kind() == "else_block");
    }
    call.arguments()
        .get(1)
        .and_then(|kw| Keywords::cast(*kw))
        .and_then(|kw| kw.get("else", source))
}

/// In a `cond`, the clause holding `target` comes after one that checks for `:pg`,
/// or its own condition checks for `:pg2`.
fn cond_fallback(file: &FileModel<'_>, cond: CallNode<'_>, target: Node<'_>) -> bool {
    let Some(block) = cond.do_block() else {
        return false;
    };
    let mut pg_checked = false;
    for clause in named_children(block).filter(|c| c.kind() == "stab_clause") {
        let condition = clause_condition(clause);
        let check = condition.and_then(|c| availability_check(file, c));
        if contains(clause, target) {
            let own_pg2 = matches!(check, Some((false, false)));
            return pg_checked || own_pg2;
        }
        if matches!(check, Some((true, false))) {
            pg_checked = true;
        }
    }
    false
}

fn clause_condition(clause: Node<'_>) -> Option<Node<'_>> {
    let left = clause.child_by_field_name("left")?;
    Some(named_children(left).next().unwrap_or(left))
}

/// `Code.ensure_loaded?(:pg)` and friends: `Some((checks :pg rather than :pg2, negated))`.
fn availability_check(file: &FileModel<'_>, condition: Node<'_>) -> Option<(bool, bool)> {
    let source = file.source;
    let condition = unparenthesized(file.resolve_attribute(condition));
    // `not check` / `!check`
    if condition.kind() == "unary_operator" {
        let operator = condition.child_by_field_name("operator")?;
        if matches!(text(operator, source), "not" | "!") {
            let (pg, negated) =
                availability_check(file, condition.child_by_field_name("operand")?)?;
            return Some((pg, !negated));
        }
    }
    let call = file.call_for_expression(condition)?;
    let checks = matches!(
        call.mfa(),
        ("Code", "ensure_loaded?" | "ensure_compiled?" | "loaded?", 1)
            | ("", "function_exported?" | "macro_exported?", 3)
            | (":erlang", "function_exported", 3)
    );
    if !checks {
        return None;
    }
    match atom_name(unparenthesized(*call.args.first()?), source)? {
        "pg" => Some((true, false)),
        "pg2" => Some((false, false)),
        _ => None,
    }
}
