//! Multi-node calls whose list of nodes that did not answer is thrown away.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::summary::called_function;
use crate::model::{Call, FileModel};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    identifier_name, integer_value, named_children, tuple_elements, unparenthesized, BinaryOp,
};

pub static RULE: Rule = Rule {
    name: "ignored-multicall-bad-nodes",
    topic: Topic::Clustering,
    severity: Severity::Warning,
    summary: "A multicall's bad-nodes list is ignored, so a partial answer looks complete.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// Calls that return `{results, bad_nodes}`.
const CALLS: &[(&str, &[&str])] = &[
    (":rpc", &["multicall", "multi_server_call"]),
    ("GenServer", &["multi_call"]),
    (":gen_server", &["multi_call"]),
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    direct_multicalls(file, out);
    wrapped_multicalls(cx, out);
}

fn direct_multicalls(file: &FileModel<'_>, out: &mut Vec<Finding>) {
    for call in file.calls_matching(CALLS) {
        if call.capture {
            continue;
        }
        if let Some(ignored) = ignored_bad_nodes(file, call) {
            let (module, name, arity) = call.mfa();
            out.push(Finding::new(
                ignored.byte_range(),
                format!(
                    "The bad-nodes list of `{module}.{name}/{arity}` is ignored: a partial answer looks complete"
                ),
            ));
        }
    }
}

/// Calls to the project's own functions that hand back a multicall's
/// `{results, bad_nodes}` (a wrapper around `:rpc.multicall`, maybe a few
/// calls down), whose bad-nodes list is then dropped.
fn wrapped_multicalls(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    let local = cx.summary;
    let mut may_drop_bad_nodes = None;
    for call in &file.calls {
        // Direct multicalls are checked above; Erlang and dynamic calls have no key.
        if call.capture
            || CALLS
                .iter()
                .any(|(m, names)| names.iter().any(|n| call.is(m, n)))
        {
            continue;
        }
        let Some(key) = called_function(file, call) else {
            continue;
        };
        // The file's own questions first: the project's index is asked only
        // about calls whose bad-nodes list is dropped (`distlint check` lints
        // again the files that asked it while it was still being built).
        if !may_drop_bad_nodes
            .get_or_insert_with(|| MayDrop::of(file))
            .call(call)
        {
            continue;
        }
        let Some(ignored) = ignored_bad_nodes(file, call) else {
            continue;
        };
        let Some(reach) = cx.project.summaries.returns_multicall_with(local, &key) else {
            continue;
        };
        // The chain starts at the function called here.
        out.push(Finding::new(
            ignored.byte_range(),
            format!(
                "The bad-nodes list of `{}` ({}) is ignored: a partial answer looks complete",
                reach.call,
                reach.via()
            ),
        ));
    }
}

/// Where [`ignored_bad_nodes`] can find a dropped list, read from the
/// model's operators and calls without walking up the tree (`Node::parent`
/// walks down from the root each time): a value matched by `=` or `<-`, or
/// handed to `elem` or `case`, and the pipe each piped call is the right of.
struct MayDrop {
    values: HashSet<usize>,
    pipes: HashMap<usize, usize>,
}

impl MayDrop {
    fn of(file: &FileModel<'_>) -> MayDrop {
        let mut values = HashSet::new();
        let mut pipes = HashMap::new();
        for operator in &file.operators {
            match operator.op.operator_text(file.source) {
                "=" | "<-" => {
                    values.insert(operator.op.right.id());
                }
                "|>" => {
                    pipes.insert(operator.op.right.id(), operator.op.node.id());
                }
                _ => {}
            }
        }
        for name in ["elem", "case"] {
            for consumer in file.calls_to("", name) {
                values.extend(consumer.args.iter().map(|arg| arg.id()));
            }
        }
        MayDrop { values, pipes }
    }

    /// False when [`ignored_bad_nodes`] finds nothing for `call`.
    fn call(&self, call: &Call<'_>) -> bool {
        let value = match call.piped {
            true => self.pipes.get(&call.node.id()).copied(),
            false => Some(call.node.id()),
        };
        value.is_some_and(|value| self.values.contains(&value))
    }
}

/// The node that drops the bad-nodes list: `_` in `{results, _} = call`, a bad-nodes
/// variable never read, a `case` whose clauses all ignore it, or `elem(call, 0)`.
fn ignored_bad_nodes<'t>(file: &FileModel<'t>, call: &Call<'t>) -> Option<Node<'t>> {
    let source = file.source;
    let value = if call.piped {
        call.node.parent()?
    } else {
        call.node
    };
    if let Some(consumer) = file.consumer_of(call) {
        // `elem(call, 0)` and `call |> elem(0)`.
        if consumer.mfa() == ("", "elem", 2) {
            let index = consumer.args.get(1).copied().map(unparenthesized);
            return (index.and_then(|i| integer_value(i, source)) == Some(0))
                .then_some(consumer.node);
        }
        // `case call do {results, _} -> ... end`: every clause ignores it.
        if matches!(consumer.mfa(), ("", "case", _))
            && consumer.args.first().is_some_and(|a| a.id() == value.id())
        {
            let block = consumer.do_block()?;
            let mut first = None;
            for clause in named_children(block).filter(|c| c.kind() == "stab_clause") {
                let left = clause.child_by_field_name("left")?;
                let pattern = named_children(left).next()?;
                let pattern = match BinaryOp::cast(pattern) {
                    Some(op) if op.operator_text(source) == "when" => op.left,
                    _ => pattern,
                };
                let ignored = ignored_in_pattern(file, pattern, Some(clause), left.end_byte())?;
                first.get_or_insert(ignored);
            }
            return first;
        }
        return None;
    }
    // `{results, _} = call` and `{results, _} <- call` (in `with`/`for`).
    let op = BinaryOp::cast(value.parent()?)?;
    if matches!(op.operator_text(source), "=" | "<-") && op.right.id() == value.id() {
        let scope = call.function.map(|f| file.function(f).node);
        return ignored_in_pattern(file, op.left, scope, op.node.end_byte());
    }
    None
}

/// In a `{results, bad}` pattern, the bad-nodes element when it is ignored:
/// `_`, `_name`, or a variable not read in `scope` after `after`.
fn ignored_in_pattern<'t>(
    file: &FileModel<'t>,
    pattern: Node<'t>,
    scope: Option<Node<'t>>,
    after: usize,
) -> Option<Node<'t>> {
    let elements = tuple_elements(unparenthesized(pattern))?;
    let [_, bad] = elements.as_slice() else {
        return None;
    };
    let name = identifier_name(*bad, file.source)?;
    if name.starts_with('_') {
        return Some(*bad);
    }
    let scope = scope?;
    (!is_read_after(scope, name, after, file.source)).then_some(*bad)
}

/// Does the variable `name` occur in `scope` after byte `after`?
fn is_read_after(scope: Node<'_>, name: &str, after: usize, source: &str) -> bool {
    crate::syntax::variable_uses(scope, name, source)
        .iter()
        .any(|node| node.start_byte() >= after)
}
