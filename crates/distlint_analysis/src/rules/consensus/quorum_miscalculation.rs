//! A quorum computed as half the cluster, or from the nodes this node can see.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{FileModel, FunctionId};
use crate::rules::{one_line, Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    integer_value, last_expression, named_children, unparenthesized, variable_name, BinaryOp,
};

pub static RULE: Rule = Rule {
    name: "quorum-miscalculation",
    topic: Topic::Consensus,
    severity: Severity::Warning,
    summary:
        "A quorum of half the members or of the visible nodes: both sides of a split can reach it.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// `quorum`, `majority`, `quorum_size`, `write_majority`, ...
fn is_quorum_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("quorum") || name.contains("majority")
}

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    let mut reported: Vec<std::ops::Range<usize>> = Vec::new();
    let mut report = |range: std::ops::Range<usize>, message: String| {
        if !reported.contains(&range) {
            reported.push(range.clone());
            out.push(Finding::new(range, message));
        }
    };
    // A function with a quorum binding is judged by that binding, not again as a whole.
    let mut reported_in: Vec<Option<FunctionId>> = Vec::new();
    // quorum = div(n, 2)   /   quorum = div(length(Node.list()), 2) + 1
    for binding in file.bindings.iter().filter(|b| is_quorum_name(&b.name)) {
        reported_in.push(binding.function);
        let value = unparenthesized(binding.value);
        if let Some((at, half)) = halving(file, value) {
            if !only_strictly_exceeded_variable(file, binding.function, &binding.name, binding.node)
            {
                report(at.byte_range(), half_message(file, &binding.name, half));
            }
            continue;
        }
        if let Some(function) = binding.function {
            if let Some(reading) =
                visible_nodes_in(file, function, value, binding.node.start_byte(), 3)
            {
                report(
                    value.byte_range(),
                    visible_message(&binding.name, file.text(reading)),
                );
            }
        }
    }
    // def quorum(n), do: div(n, 2)   /   defp majority, do: div(length(Node.list()), 2) + 1
    for (index, function) in file.functions.iter().enumerate() {
        if !is_quorum_name(&function.name) {
            continue;
        }
        let Some(body) = function.body else {
            continue;
        };
        let id = FunctionId(index as u32);
        if reported_in.contains(&Some(id)) {
            continue;
        }
        let result = unparenthesized(last_expression(body));
        if let Some((at, half)) = halving(file, result) {
            if !only_strictly_exceeded_function(file, &function.name) {
                report(at.byte_range(), half_message(file, &function.name, half));
            }
            continue;
        }
        if let Some(reading) = visible_nodes_in(file, id, result, body.end_byte(), 3) {
            report(
                result.byte_range(),
                visible_message(&function.name, file.text(reading)),
            );
        }
    }
    // if length(votes) >= size / 2   /   when acks * 2 >= n   /   count > div(length(Node.list()), 2)
    for operator in &file.operators {
        if let Some((range, message)) = inline_test(file, operator.function, &operator.op) {
            report(range, message);
        }
    }
}

/// A majority test written inline: a count compared with half the members
/// (`length(votes) >= size / 2`, `div(n, 2) <= acks`), or twice a count with
/// the members (`acks * 2 >= n`). "At least half" lets both halves of an
/// even split pass; "more than half" (`count > div(n, 2)`, `2 * acks > n`) is
/// a majority and stays quiet, unless the member count is that of the nodes
/// this node can see (`Node.list()`), which no comparison can fix.
/// A half held by a name with `quorum` or `majority` in it is judged with that
/// name, above.
fn inline_test(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    op: &BinaryOp<'_>,
) -> Option<(std::ops::Range<usize>, String)> {
    // Normalised to `small OP big`: `a >= b` is `b <= a`.
    let (small, big, strict) = match op.operator_text(file.source) {
        "<" => (op.left, op.right, true),
        "<=" => (op.left, op.right, false),
        ">" => (op.right, op.left, true),
        ">=" => (op.right, op.left, false),
        _ => return None,
    };
    let comparison = one_line(file.text(op.node));
    // `half <= count` passes at half; `count < half` fails below half, so passes at half too.
    let halves = [(small, big, !strict), (big, small, strict)];
    for (half_side, count_side, passes_at_half) in halves {
        if named_quorum(file, half_side) {
            continue;
        }
        let half_value = file.value_of(function, half_side);
        let Some((_, half)) = halving(file, half_value) else {
            continue;
        };
        if halving(file, file.value_of(function, count_side)).is_some() {
            continue; // Half compared with half: not a count.
        }
        if let Some(reading) =
            function.and_then(|f| visible_nodes_in(file, f, half, op.node.start_byte(), 3))
        {
            return Some((
                op.node.byte_range(),
                format!(
                    "The majority test `{comparison}` counts the visible nodes (`{}`): a partition's minority side passes it",
                    one_line(file.text(reading))
                ),
            ));
        }
        if passes_at_half && majority_context(file, function, op.node) {
            return Some((op.node.byte_range(), at_half_message(&comparison)));
        }
    }
    // `acks * 2 >= n` is `acks >= n / 2`.
    if !strict && doubled(file, big) && majority_context(file, function, op.node) {
        return Some((op.node.byte_range(), at_half_message(&comparison)));
    }
    None
}

fn at_half_message(comparison: &str) -> String {
    format!(
        "`{comparison}` counts exactly half the members as a majority: both halves of a 2-2 split pass it"
    )
}

/// A variable or local function whose name says it is the quorum: judged by
/// that name (see the bindings and functions above).
fn named_quorum(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let node = unparenthesized(node);
    if let Some(name) = variable_name(node, file.source) {
        return is_quorum_name(name);
    }
    file.call_for_expression(node)
        .is_some_and(|call| call.target.module.is_none() && is_quorum_name(&call.target.name))
}

/// `x * 2` or `2 * x`.
fn doubled(file: &FileModel<'_>, node: Node<'_>) -> bool {
    BinaryOp::cast(unparenthesized(node)).is_some_and(|op| {
        op.operator_text(file.source) == "*" && (is_two(file, op.left) || is_two(file, op.right))
    })
}

/// Words of names that say a comparison counts votes of members: `votes`,
/// `acks`, `replicas`, `quorum`, `majority`, `elect`, ...
const MAJORITY_WORDS: &[&str] = &[
    "quorum",
    "majority",
    "majorities",
    "vote",
    "votes",
    "voter",
    "voters",
    "voted",
    "ballot",
    "ballots",
    "ack",
    "acks",
    "acked",
    "acknowledged",
    "acknowledgements",
    "replica",
    "replicas",
    "peer",
    "peers",
    "cluster",
    "elect",
    "elected",
    "election",
    "leader",
    "consensus",
    "promise",
    "promises",
    "acceptor",
    "acceptors",
    "granted",
];

/// Is the comparison about members' votes: a word of [`MAJORITY_WORDS`] in
/// a name in it, or in the name of the function around it?
fn majority_context(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    comparison: Node<'_>,
) -> bool {
    let function_name = function
        .map(|f| file.function(f).name.as_str())
        .unwrap_or("");
    [file.text(comparison), function_name]
        .into_iter()
        .any(|text| {
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|word| !word.is_empty())
                .flat_map(split_camel_case)
                .any(|word| MAJORITY_WORDS.contains(&word.as_str()))
        })
}

/// `LeaderElection` as `leader`, `election`; `votes` as `votes`.
fn split_camel_case(word: &str) -> Vec<String> {
    let mut words = vec![String::new()];
    for c in word.chars() {
        if c.is_ascii_uppercase() && !words.last().is_some_and(|w| w.is_empty()) {
            words.push(String::new());
        }
        if let Some(last) = words.last_mut() {
            last.push(c.to_ascii_lowercase());
        }
    }
    words
}

fn half_message(file: &FileModel<'_>, name: &str, half: Node<'_>) -> String {
    format!(
        "`{name}` is half the members (`{}`), not a majority: both halves of a 2-2 split reach it",
        one_line(file.text(half))
    )
}

fn visible_message(name: &str, reading: &str) -> String {
    format!(
        "`{name}` counts the visible nodes (`{}`): a partition's minority side finds itself a majority",
        one_line(reading)
    )
}

/// `div(n, 2)`, `Integer.floor_div(n, 2)`, `n / 2`, `trunc(n / 2)` (also
/// `floor`, `ceil`, `round`): half of `n`, which is not a majority of `n`.
/// Returns where to point (for `n |> div(2)`, at `div(2)`) and the whole expression.
fn halving<'t>(file: &FileModel<'t>, node: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let whole = unparenthesized(node);
    if let Some(op) = BinaryOp::cast(whole) {
        if op.operator_text(file.source) != "|>" {
            return (op.operator_text(file.source) == "/" && is_two(file, op.right))
                .then_some((whole, whole));
        }
    }
    let call = file.call_for_expression(whole)?;
    let node = call.node;
    let found = Some((node, whole));
    match call.mfa() {
        ("" | "Integer", "div" | "floor_div", 2) => {
            let dividend = unparenthesized(call.args[0]);
            // div(n + 2, 2) is div(n, 2) + 1: a correct majority.
            let plus_two = BinaryOp::cast(dividend).is_some_and(|op| {
                op.operator_text(file.source) == "+"
                    && integer_value(unparenthesized(op.right), file.source).is_some_and(|k| k >= 2)
            });
            if is_two(file, call.args[1]) && !plus_two {
                found
            } else {
                None
            }
        }
        ("" | "Float", "trunc" | "floor" | "ceil" | "round", 1) => {
            halving(file, call.args[0]).and(found)
        }
        _ => None,
    }
}

fn is_two(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let node = unparenthesized(node);
    integer_value(node, file.source) == Some(2) || file.text(node) == "2.0"
}

/// `votes > quorum` (or `quorum < votes`): "more than half" is a correct
/// majority test, so a half used only that way is fine.
fn strictly_exceeds(file: &FileModel<'_>, op: &BinaryOp<'_>, half_side: Node<'_>) -> bool {
    match op.operator_text(file.source) {
        ">" => op.right.id() == half_side.id(),
        "<" => op.left.id() == half_side.id(),
        _ => false,
    }
}

const COMPARISONS: &[&str] = &[">", "<", ">=", "<=", "==", "===", "!=", "!=="];

/// Every comparison with the variable after its binding is `x > quorum`, and there is at least one.
fn only_strictly_exceeded_variable(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    name: &str,
    binding: Node<'_>,
) -> bool {
    let mut uses = file
        .operators
        .iter()
        .filter(|o| o.function == function && o.op.node.start_byte() >= binding.end_byte())
        .filter(|o| COMPARISONS.contains(&o.op.operator_text(file.source)))
        .filter_map(|o| {
            let side = [o.op.left, o.op.right]
                .into_iter()
                .find(|s| variable_name(unparenthesized(*s), file.source) == Some(name))?;
            Some(strictly_exceeds(file, &o.op, side))
        })
        .peekable();
    uses.peek().is_some() && uses.all(|strict| strict)
}

/// Every call of the local function `name` is compared as `x > name(...)`, and there is at least one.
fn only_strictly_exceeded_function(file: &FileModel<'_>, name: &str) -> bool {
    let mut uses = file
        .calls_to("", name)
        .filter(|c| !c.capture)
        .map(|call| {
            let value = if call.piped {
                call.node.parent()
            } else {
                Some(call.node)
            };
            value
                .and_then(|v| v.parent().map(|p| (v, p)))
                .and_then(|(v, p)| BinaryOp::cast(p).map(|op| strictly_exceeds(file, &op, v)))
                .unwrap_or(false)
        })
        .peekable();
    uses.peek().is_some() && uses.all(|strict| strict)
}

/// A `Node.list()` / `:erlang.nodes()` call that `node` is computed from:
/// inside it, or behind a variable bound earlier in the function.
fn visible_nodes_in<'t>(
    file: &FileModel<'t>,
    function: FunctionId,
    node: Node<'t>,
    before: usize,
    depth: u8,
) -> Option<Node<'t>> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Some(call) = file.call_for_node(n) {
            if matches!(
                call.mfa(),
                ("Node", "list", 0 | 1) | (":erlang", "nodes", 0 | 1)
            ) {
                return Some(n);
            }
        }
        if depth > 0 {
            if let Some(name) = variable_name(n, file.source) {
                let bound = file
                    .bindings_in(function)
                    .filter(|b| b.name == name && b.node.end_byte() <= before.min(n.start_byte()))
                    .last();
                if let Some(binding) = bound {
                    if let Some(found) = visible_nodes_in(
                        file,
                        function,
                        binding.value,
                        binding.node.start_byte(),
                        depth - 1,
                    ) {
                        return Some(found);
                    }
                }
            }
        }
        stack.extend(named_children(n));
    }
    None
}
