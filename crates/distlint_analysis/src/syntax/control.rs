//! Control flow around an expression: what the branches it sits in have
//! established (`if c do <here>`: `c` held), and the parts of `receive`.

use super::{ancestors, contains, kinds, named_children, text, BinaryOp, CallNode, Keywords};
use tree_sitter::Node;

/// A fact that holds wherever a node runs, established by a branch around it.
#[derive(Clone, Copy, Debug)]
pub enum Established<'t> {
    /// `condition` evaluated to `holds`: `if c do <here>` (true), its `else` (false),
    /// `unless` the other way round, a `cond` clause (its condition true, the ones
    /// before it false), or the guard of a `case`/`receive`/`fn` clause (true).
    Holds { condition: Node<'t>, holds: bool },
    /// `case subject do pattern -> <here>`: the subject matched `pattern`.
    Matched {
        subject: Node<'t>,
        pattern: Node<'t>,
    },
}

/// The facts the `if`/`unless`/`case`/`cond` branches and clause guards
/// around `node` establish, innermost first, looking no further out than
/// `scope` (a function clause: its head guard is the model's to give).
pub fn established_within<'t>(
    node: Node<'t>,
    scope: Node<'t>,
    source: &str,
) -> Vec<Established<'t>> {
    let mut facts = Vec::new();
    for ancestor in ancestors(node) {
        if !contains(scope, ancestor) || ancestor.id() == scope.id() {
            break;
        }
        if ancestor.kind() == "stab_clause" {
            clause_facts(ancestor, node, source, &mut facts);
        } else if let Some(call) = CallNode::cast(ancestor) {
            if let Some(name @ ("if" | "unless")) = call.local_name(source) {
                if let Some(taken) = branch_taken(call, node, source) {
                    let condition = call.arguments()[0];
                    let holds = taken == (name == "if");
                    facts.push(Established::Holds { condition, holds });
                }
            }
        }
    }
    facts
}

/// `pattern when guard -> body` with `node` in the body.
fn clause_facts<'t>(
    clause: Node<'t>,
    node: Node<'t>,
    source: &str,
    facts: &mut Vec<Established<'t>>,
) {
    let (Some(left), Some(body)) = (
        clause.child_by_field_name("left"),
        clause.child_by_field_name("right"),
    ) else {
        return;
    };
    if !contains(body, node) {
        return;
    }
    let (patterns, guard) = split_guard(left, source);
    if let Some(guard) = guard {
        facts.push(Established::Holds {
            condition: guard,
            holds: true,
        });
    }
    let Some(owner) = clause
        .parent()
        .filter(|p| p.kind_id() == kinds().do_block)
        .and_then(|block| block.parent())
        .and_then(CallNode::cast)
    else {
        return;
    };
    let first = |patterns: Node<'t>| named_children(patterns).next();
    match owner.local_name(source) {
        Some("cond") => {
            if let Some(condition) = first(patterns) {
                facts.push(Established::Holds {
                    condition,
                    holds: true,
                });
            }
            // The clauses before this one did not match.
            for earlier in named_children(clause.parent().unwrap_or(clause)) {
                if earlier.start_byte() >= clause.start_byte() {
                    break;
                }
                let earlier_left = earlier.child_by_field_name("left");
                if let Some(condition) = earlier_left.and_then(first) {
                    facts.push(Established::Holds {
                        condition,
                        holds: false,
                    });
                }
            }
        }
        Some("case") => {
            if let (Some(subject), Some(pattern)) = (owner.arguments().first(), first(patterns)) {
                facts.push(Established::Matched {
                    subject: *subject,
                    pattern,
                });
            }
        }
        _ => {}
    }
}

/// The patterns of a clause's left side and its `when` guard, if any.
fn split_guard<'t>(left: Node<'t>, source: &str) -> (Node<'t>, Option<Node<'t>>) {
    match BinaryOp::cast(left) {
        Some(op) if op.operator_text(source) == "when" => (op.left, Some(op.right)),
        _ => (left, None),
    }
}

/// Which branch of `if`/`unless` holds `node`: `Some(true)` the `do` branch,
/// `Some(false)` the `else` branch, `None` the condition (or neither).
fn branch_taken(call: CallNode<'_>, node: Node<'_>, source: &str) -> Option<bool> {
    let arguments = call.arguments();
    let condition = *arguments.first()?;
    if contains(condition, node) {
        return None;
    }
    if let Some(block) = call.do_block() {
        if contains(block, node) {
            let in_else = named_children(block)
                .any(|child| child.kind() == "else_block" && contains(child, node));
            return Some(!in_else);
        }
    }
    let options = arguments.get(1).copied().and_then(Keywords::cast)?;
    let pair = options.pairs().find(|pair| contains(pair.value, node))?;
    match pair.key_name(source) {
        "do" => Some(true),
        "else" => Some(false),
        _ => None,
    }
}

/// `not x` or `!x`: the operand.
pub fn negated_operand<'t>(node: Node<'t>, source: &str) -> Option<Node<'t>> {
    if node.kind_id() != kinds().unary_operator {
        return None;
    }
    let operator = node.child_by_field_name("operator")?;
    matches!(text(operator, source), "not" | "!")
        .then(|| node.child_by_field_name("operand"))
        .flatten()
}

/// The `after` clause of a `receive do ... end` block: its timeout.
pub fn receive_after<'t>(do_block: Node<'t>) -> Option<Node<'t>> {
    named_children(do_block).find(|child| child.kind() == "after_block")
}

/// Variables pinned (`^name`) anywhere inside a pattern.
pub fn pinned_variables<'s>(pattern: Node<'_>, source: &'s str) -> Vec<&'s str> {
    let mut found = Vec::new();
    let mut stack = vec![pattern];
    while let Some(node) = stack.pop() {
        if node.kind_id() == kinds().unary_operator
            && node
                .child_by_field_name("operator")
                .is_some_and(|o| text(o, source) == "^")
        {
            if let Some(name) = node
                .child_by_field_name("operand")
                .and_then(|o| super::variable_name(o, source))
            {
                found.push(name);
            }
            continue;
        }
        stack.extend(named_children(node));
    }
    found
}

/// The variables an expression reads: identifiers that are not call names
/// (`f` in `f(x)`, `fun` in `Mod.fun(x)`), `_`-prefixed or `__MODULE__`-like.
pub fn variables_read<'s>(node: Node<'_>, source: &'s str) -> Vec<&'s str> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        if let Some(name) = super::variable_name(node, source) {
            if !name.starts_with('_') && !is_call_name(node) {
                found.push(name);
            }
            continue;
        }
        stack.extend(named_children(node));
    }
    found
}

/// Is this identifier the name of a call (`f(x)`, `Mod.f(x)`, `x |> f`)?
fn is_call_name(identifier: Node<'_>) -> bool {
    let Some(parent) = identifier.parent() else {
        return false;
    };
    let is_target = |call: Node<'_>, target: Node<'_>| {
        call.kind_id() == kinds().call
            && call
                .child_by_field_name("target")
                .is_some_and(|t| t.id() == target.id())
    };
    if is_target(parent, identifier) {
        return true;
    }
    parent.kind() == "dot"
        && parent
            .child_by_field_name("right")
            .is_some_and(|r| r.id() == identifier.id())
}
