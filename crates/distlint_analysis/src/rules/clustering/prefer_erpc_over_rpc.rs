//! `:rpc.call` results where `{:badrpc, reason}` can pass for the value.
//!
//! `:rpc.call` and `:rpc.block_call` return every failure as `{:badrpc, reason}`.
//! That only matters where the tuple can be taken for a result: the rule follows the
//! value from the call (through a variable, a `case`, a local helper's parameter, or the
//! callers in this module of the function that returns it) and reports it where it is
//! ignored, tested for truthiness, destructured by a pattern the tuple also matches,
//! ordered, wrapped as `{:ok, _}` or passed into another call. Strict matches,
//! comparisons, type checks, `{:badrpc, _}` or catch-all clauses and plain returns are
//! quiet. `:rpc.cast` (always `true`) and `:rpc.multicall` (the tuples sit in a list,
//! beyond what a syntactic look can follow; `ignored-multicall-bad-nodes` covers the
//! bad-nodes list) are not reported.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, Function, FunctionId, ModuleId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{
    atom_name, identifier_name, named_children, tuple_elements, unparenthesized, variable_uses,
    BinaryOp, CallNode,
};

pub static RULE: Rule = Rule {
    name: "prefer-erpc-over-rpc",
    topic: Topic::Clustering,
    severity: Severity::Info,
    summary: "An `:rpc.call` result is used unchecked, so `{:badrpc, reason}` passes for a value.",
    scope: Scope::All,
    fixable: false,
    check,
};

const FUNCTIONS: &[&str] = &["call", "block_call"];

/// How far the rule follows a value through variables, helpers and callers.
const MAX_DEPTH: usize = 4;
/// Nested judgements (one per enclosing expression followed), and judgements in all.
const MAX_NESTING: usize = 150;
const MAX_STEPS: usize = 2_000;

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in file.calls_to_any(":rpc", FUNCTIONS) {
        if stops_the_node(file, call) {
            continue;
        }
        let mut judge = Judge {
            file,
            depth: 0,
            visited: Vec::new(),
            nesting: 0,
            steps: 0,
        };
        let verdict = if call.capture {
            judge.function_value(value_of(call))
        } else {
            judge.value(value_of(call))
        };
        let Verdict::Fire(shape) = verdict else {
            continue;
        };
        let (_, name, arity) = call.mfa();
        let what = format!("`:rpc.{name}/{arity}`");
        let subject = if call.capture {
            format!("Each result of {what}")
        } else {
            format!("The result of {what}")
        };
        let (chain, shape) = shape.through_functions();
        let via = if chain.is_empty() {
            String::new()
        } else {
            format!(" (via {})", chain.join(" → "))
        };
        let message = format!("{subject}{via} {}", shape.describe());
        out.push(Finding::new(call.node.byte_range(), message));
    }
}

/// `:rpc.call(node, :init, :stop, [])` and friends: the node goes down, and
/// `{:badrpc, :nodedown}` is a normal answer.
fn stops_the_node(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let (Some(module), Some(function)) = (call.args.get(1), call.args.get(2)) else {
        return false;
    };
    let module = file.module_reference(*module);
    let function = atom_name(unparenthesized(*function), file.source);
    matches!(
        (module.as_deref(), function),
        (Some(":init"), Some("stop" | "restart" | "reboot"))
            | (Some("System"), Some("stop" | "halt"))
            | (Some(":erlang"), Some("halt"))
    )
}

/// The expression whose value is the call's result: the call, the pipe that
/// ends in it, or for `&:rpc.call/4` the capture.
fn value_of<'t>(call: &Call<'t>) -> Node<'t> {
    if call.capture {
        // `&` <- `/` <- call
        return call
            .node
            .parent()
            .and_then(|slash| slash.parent())
            .unwrap_or(call.node);
    }
    if call.piped {
        return call.node.parent().unwrap_or(call.node);
    }
    call.node
}

/// Where a `{:badrpc, reason}` passes for a result.
#[derive(Debug)]
enum Shape {
    Ignored,
    /// Tested for truthiness: `if`, `unless`, `&&`, `||`, `!`, `cond`, `is_nil/1`.
    Truthiness(String),
    /// Matched by a pattern the tuple also matches (`{count, _}`), and where.
    Destructured {
        pattern: String,
        place: String,
    },
    /// Ordered with `<`, `>`, `<=`, `>=`.
    Ordered(String),
    /// Passed into another call as its argument.
    PassedOn(String),
    /// `{:ok, result}`.
    WrappedOk,
    /// Returned by an anonymous function (or a capture) passed to a call.
    Callback(String),
    /// Returned by a function, whose caller (named) then does `inner`.
    Returned {
        caller: String,
        inner: Box<Shape>,
    },
    /// Passed to a helper of this module, whose parameter then does `inner`.
    IntoHelper {
        function: String,
        inner: Box<Shape>,
    },
}

impl Shape {
    /// The functions the value is handed on to (returned to a caller,
    /// passed to a helper), in order, and what happens to it in the last one.
    fn through_functions(&self) -> (Vec<&str>, &Shape) {
        let mut chain: Vec<&str> = Vec::new();
        let mut shape = self;
        loop {
            let next = match shape {
                Shape::Returned { caller, inner, .. } => (caller, inner),
                Shape::IntoHelper { function, inner } => (function, inner),
                _ => return (chain, shape),
            };
            if chain.last() != Some(&next.0.as_str()) {
                chain.push(next.0);
            }
            shape = next.1;
        }
    }

    /// The rest of "The result of `:rpc.call/4` ...", for a shape that is not
    /// a hand-on to another function (see [`Shape::through_functions`]).
    fn describe(&self) -> String {
        match self {
            Shape::Ignored => "is ignored: a failed call goes unnoticed".to_string(),
            Shape::Truthiness(how) => format!(
                "is tested for truthiness ({how}): a `{{:badrpc, _}}` failure counts as a yes"
            ),
            Shape::Destructured { pattern, place } => format!(
                "is matched by `{pattern}`{place}, which a `{{:badrpc, _}}` failure matches too"
            ),
            Shape::Ordered(op) => format!(
                "is ordered with `{op}`: a `{{:badrpc, _}}` failure is ordered like a result"
            ),
            Shape::PassedOn(callee) => {
                format!("is passed into `{callee}`: `{{:badrpc, _}}` passes for a value")
            }
            Shape::WrappedOk => {
                "is wrapped in `{:ok, _}`: a failed call is reported as a success".to_string()
            }
            Shape::Callback(callee) => format!(
                "is what a function given to `{callee}` returns: `{{:badrpc, _}}` passes for a value"
            ),
            Shape::Returned { .. } | Shape::IntoHelper { .. } => {
                let (chain, inner) = self.through_functions();
                format!("(via {}) {}", chain.join(" → "), inner.describe())
            }
        }
    }

    /// Does the value reach another call (or a success tuple)? What counts for
    /// data that holds it: a tuple is always truthy, and its own match is no
    /// match of the value.
    fn hands_on(&self) -> bool {
        match self {
            Shape::PassedOn(_) | Shape::Callback(_) | Shape::WrappedOk => true,
            Shape::Returned { inner, .. } | Shape::IntoHelper { inner, .. } => inner.hands_on(),
            _ => false,
        }
    }

    /// Findings through an ignored result are the weakest evidence: prefer any other.
    fn is_ignored(&self) -> bool {
        match self {
            Shape::Ignored => true,
            Shape::Returned { inner, .. } | Shape::IntoHelper { inner, .. } => inner.is_ignored(),
            _ => false,
        }
    }
}

#[derive(Debug)]
enum Verdict {
    /// `{:badrpc, reason}` passes for a result here.
    Fire(Shape),
    /// The value is checked: a strict match, a `{:badrpc, _}` or catch-all clause, a type
    /// test. Later uses of the same variable are safe.
    Checked,
    /// Nothing to say here (a comparison, a return, a log line): look at other uses.
    Neutral,
}

/// What a pattern does with `{:badrpc, reason}`.
#[derive(Clone, Copy, Debug)]
enum Pattern<'t> {
    /// `_`, `_name`.
    Wildcard,
    /// A plain variable: matches anything, binds it.
    Variable(Node<'t>),
    /// A two-element tuple with a variable first: matches `{:badrpc, reason}` too.
    Destructure,
    /// Cannot match it: `:ok`, `{:ok, pid}`, `%{}`, `[...]`, a pinned value.
    Strict,
    /// `{:badrpc, _}`.
    Badrpc,
}

impl<'t> Pattern<'t> {
    /// How specific the pattern is, for [`Pattern::both`].
    fn rank(self) -> u8 {
        match self {
            Pattern::Wildcard => 0,
            Pattern::Variable(_) => 1,
            Pattern::Destructure => 2,
            Pattern::Strict => 3,
            Pattern::Badrpc => 4,
        }
    }

    /// What `a = b` in a pattern does: the more specific side decides.
    fn both(self, other: Pattern<'t>) -> Pattern<'t> {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

struct Judge<'m, 't> {
    file: &'m FileModel<'t>,
    depth: usize,
    /// Functions (module, name, arity) already followed.
    visited: Vec<(Option<ModuleId>, String, usize)>,
    nesting: usize,
    steps: usize,
}

impl<'t> Judge<'_, 't> {
    fn source(&self) -> &'t str {
        self.file.source
    }

    /// What happens to the value of `value`, judged from where it stands.
    fn value(&mut self, value: Node<'t>) -> Verdict {
        // Deeply nested code must not overflow the stack, nor a long function cost much.
        if self.nesting >= MAX_NESTING || self.steps >= MAX_STEPS {
            return Verdict::Neutral;
        }
        self.nesting += 1;
        self.steps += 1;
        let verdict = self.value_here(value);
        self.nesting -= 1;
        verdict
    }

    fn value_here(&mut self, value: Node<'t>) -> Verdict {
        let Some(parent) = value.parent() else {
            return Verdict::Fire(Shape::Ignored);
        };
        match parent.kind() {
            kind if is_sequence(kind) => {
                if last_expression(parent).map(|n| n.id()) != Some(value.id()) {
                    return Verdict::Fire(Shape::Ignored);
                }
                self.sequence_value(parent)
            }
            "binary_operator" => match BinaryOp::cast(parent) {
                Some(op) => self.operand(value, op),
                None => Verdict::Neutral,
            },
            "unary_operator" => {
                let operator = parent
                    .child_by_field_name("operator")
                    .map(|o| self.file.text(o));
                match operator {
                    Some("!") => Verdict::Fire(Shape::Truthiness("`!`".to_string())),
                    Some("&") => self.function_value(parent),
                    _ => Verdict::Neutral,
                }
            }
            "arguments" => {
                let Some(owner) = parent.parent() else {
                    return Verdict::Neutral;
                };
                if owner.kind() == "stab_clause" {
                    // A `cond` condition.
                    let in_cond = owner
                        .parent()
                        .and_then(|block| block.parent())
                        .and_then(CallNode::cast)
                        .and_then(|c| c.local_name(self.source()))
                        == Some("cond");
                    return if in_cond {
                        Verdict::Fire(Shape::Truthiness("a `cond` condition".to_string()))
                    } else {
                        Verdict::Neutral
                    };
                }
                match self.file.call_for_node(owner) {
                    Some(call) => self.argument(call, value),
                    None => Verdict::Neutral,
                }
            }
            "tuple" => {
                let elements = tuple_elements(parent).unwrap_or_default();
                let tagged_ok = elements
                    .first()
                    .is_some_and(|tag| atom_name(*tag, self.source()) == Some("ok"));
                if tagged_ok && elements.first().map(|n| n.id()) != Some(value.id()) {
                    Verdict::Fire(Shape::WrappedOk)
                } else {
                    self.element(parent)
                }
            }
            "pair" if self.is_block_keyword(parent) => self.keyword_value(parent),
            kind if is_container(kind) => self.element(parent),
            _ => Verdict::Neutral,
        }
    }

    /// The value of a block (`do ... end`, a clause body, parentheses) whose last
    /// expression is the value being judged.
    fn sequence_value(&mut self, block: Node<'t>) -> Verdict {
        match block.kind() {
            "block" => self.value(block),
            "source" => Verdict::Fire(Shape::Ignored),
            "body" => {
                // body <- stab_clause <- do_block / anonymous_function / else_block ...
                let Some(holder) = block.parent().and_then(|clause| clause.parent()) else {
                    return Verdict::Neutral;
                };
                if holder.kind() == "anonymous_function" {
                    self.function_value(holder)
                } else {
                    match block_owner(holder) {
                        Some(owner) => self.owner_value(owner),
                        None => Verdict::Neutral,
                    }
                }
            }
            // `try ... after` drops the value of its `after`.
            "after_block" => Verdict::Fire(Shape::Ignored),
            _ => match block_owner(block) {
                Some(owner) => self.owner_value(owner),
                None => Verdict::Neutral,
            },
        }
    }

    /// `do: value`, `else: value` and the like.
    fn is_block_keyword(&self, pair: Node<'t>) -> bool {
        pair.child_by_field_name("key").is_some_and(|key| {
            let key = self.file.text(key).trim_end().trim_end_matches(':');
            matches!(key, "do" | "else" | "after" | "rescue" | "catch")
        })
    }

    /// The value is an element of a tuple, list, map or keyword list: what
    /// matters is where that data goes. Handed to another call, it carries the
    /// failure as if it were a value; anything else is not followed.
    fn element(&mut self, container: Node<'t>) -> Verdict {
        let mut outer = container;
        while let Some(parent) = outer.parent() {
            let holds = match parent.kind() {
                "pair" => !self.is_block_keyword(parent),
                "binary_operator" => BinaryOp::cast(parent)
                    .is_some_and(|op| matches!(op.operator_text(self.source()), "|" | "=>")),
                kind => is_container(kind),
            };
            if !holds {
                break;
            }
            outer = parent;
        }
        match self.value(outer) {
            Verdict::Fire(shape) if shape.hands_on() => Verdict::Fire(shape),
            _ => Verdict::Neutral,
        }
    }

    /// `do: value`, `else: value`: the value of the call they belong to.
    fn keyword_value(&mut self, pair: Node<'t>) -> Verdict {
        let owner = pair
            .parent()
            .filter(|k| k.kind() == "keywords")
            .and_then(|k| k.parent())
            .filter(|a| a.kind() == "arguments")
            .and_then(|a| a.parent());
        match owner {
            Some(owner) => self.owner_value(owner),
            None => Verdict::Neutral,
        }
    }

    /// A block of `owner` (`def`, `if`, `case`, ...) evaluates to the value.
    fn owner_value(&mut self, owner: Node<'t>) -> Verdict {
        let Some(call) = CallNode::cast(owner) else {
            return Verdict::Neutral;
        };
        match call.local_name(self.source()) {
            Some("def" | "defp") => self.returned(owner),
            Some("if" | "unless" | "case" | "cond" | "with" | "try" | "receive" | "for") => {
                self.value(owner)
            }
            Some("defmodule") => Verdict::Fire(Shape::Ignored),
            _ => Verdict::Neutral,
        }
    }

    /// `value` is an operand of `op`.
    fn operand(&mut self, value: Node<'t>, op: BinaryOp<'t>) -> Verdict {
        let operator = op.operator_text(self.source());
        let is_left = op.left.id() == value.id();
        match operator {
            "|>" if is_left => match self.file.call_for_node(op.right) {
                Some(consumer) => self.argument(consumer, value),
                None => Verdict::Neutral,
            },
            "=" if !is_left => self.matched(op.left, op.node, "", true),
            "<-" if !is_left => {
                let in_for = op
                    .node
                    .parent()
                    .and_then(|a| a.parent())
                    .and_then(CallNode::cast)
                    .and_then(|c| c.local_name(self.source()))
                    == Some("for");
                if in_for {
                    Verdict::Neutral
                } else {
                    self.matched(op.left, op.node, " in `with`", false)
                }
            }
            "<" | ">" | "<=" | ">=" => Verdict::Fire(Shape::Ordered(operator.to_string())),
            "&&" | "||" if is_left => Verdict::Fire(Shape::Truthiness(format!("`{operator}`"))),
            "&&" | "||" => self.value(op.node),
            // `[value | rest]`, `%{key => value}`.
            "|" | "=>" => self.element(op.node),
            _ => Verdict::Neutral,
        }
    }

    /// `pattern = value` (or `pattern <- value`): `matched` is the whole match.
    fn matched(
        &mut self,
        pattern: Node<'t>,
        matched: Node<'t>,
        place: &str,
        is_match: bool,
    ) -> Verdict {
        match self.pattern(pattern) {
            Pattern::Badrpc | Pattern::Strict => Verdict::Checked,
            Pattern::Wildcard => Verdict::Fire(Shape::Ignored),
            Pattern::Destructure => Verdict::Fire(Shape::Destructured {
                pattern: self.file.text(pattern).to_string(),
                place: place.to_string(),
            }),
            Pattern::Variable(variable) => {
                let scope = enclosing_sequence(matched).unwrap_or(matched);
                let uses = self.variable(variable, matched.end_byte(), scope);
                // `if server = :rpc.call(...)`: the match itself is a value too.
                if !is_match || is_statement(matched) {
                    return uses;
                }
                match self.value(matched) {
                    Verdict::Fire(shape) => Verdict::Fire(shape),
                    _ => uses,
                }
            }
        }
    }

    /// Uses of `variable` in `scope` after byte `after`, in order: the first that
    /// fires or checks the value decides; none at all means the value is ignored.
    fn variable(&mut self, variable: Node<'t>, after: usize, scope: Node<'t>) -> Verdict {
        let Some(name) = identifier_name(variable, self.source()) else {
            return Verdict::Neutral;
        };
        if self.depth >= MAX_DEPTH {
            return Verdict::Neutral;
        }
        let mut uses: Vec<Node<'t>> = variable_uses(scope, name, self.source())
            .into_iter()
            .filter(|u| u.start_byte() >= after)
            .collect();
        uses.sort_by_key(|u| u.start_byte());
        let mut seen = false;
        self.depth += 1;
        let mut verdict = Verdict::Neutral;
        for used in uses {
            let parent = used.parent();
            // `name(...)` is a call, not the variable.
            if parent.is_some_and(|p| {
                p.kind() == "call"
                    && p.child_by_field_name("target").map(|t| t.id()) == Some(used.id())
            }) {
                continue;
            }
            // `name = other`: rebound, later uses are another value.
            if parent.and_then(BinaryOp::cast).is_some_and(|op| {
                op.left.id() == used.id() && op.operator_text(self.source()) == "="
            }) {
                break;
            }
            seen = true;
            match self.value(used) {
                Verdict::Neutral => {}
                decided => {
                    verdict = decided;
                    break;
                }
            }
        }
        self.depth -= 1;
        match verdict {
            Verdict::Neutral if !seen => Verdict::Fire(Shape::Ignored),
            Verdict::Neutral => Verdict::Neutral,
            decided => decided,
        }
    }

    /// `value` is an argument of `call` (or piped into it).
    fn argument(&mut self, call: &Call<'t>, value: Node<'t>) -> Verdict {
        let index = call.args.iter().position(|a| a.id() == value.id());
        let (module, name, _) = call.mfa();
        match (module, name, index) {
            ("", "if" | "unless", Some(0)) => Verdict::Fire(Shape::Truthiness(format!("`{name}`"))),
            ("", "case", Some(0)) => match call.do_block() {
                Some(block) => self.clauses(block),
                None => Verdict::Neutral,
            },
            ("", "is_nil", _) => Verdict::Fire(Shape::Truthiness("`is_nil/1`".to_string())),
            ("", guard, _) if TYPE_CHECKS.contains(&guard) => Verdict::Checked,
            ("", "match?", Some(1)) => match call.args.first().map(|p| self.pattern(*p)) {
                Some(Pattern::Badrpc | Pattern::Strict) => Verdict::Checked,
                Some(Pattern::Destructure) => Verdict::Fire(Shape::Destructured {
                    pattern: self.file.text(call.args[0]).to_string(),
                    place: " in `match?/2`".to_string(),
                }),
                _ => Verdict::Neutral,
            },
            // Handed on unchanged.
            ("IO", "inspect", _) | ("", "dbg", _) => self.value(value_of(call)),
            // Printed, logged, sent back to whoever asked, or data of a special form.
            ("", "inspect" | "send" | "with" | "for" | "throw" | "exit" | "quote", _)
            | ("Logger" | "Process" | "GenServer" | ":gen_server" | ":gen", _, _) => {
                Verdict::Neutral
            }
            _ => match index {
                Some(index) if self.is_own(call) => self.helper(call, index),
                _ => Verdict::Fire(Shape::PassedOn(call.signature())),
            },
        }
    }

    /// A local call (or `__MODULE__.f`) to a function this module defines.
    fn is_own(&self, call: &Call<'t>) -> bool {
        !self.own_clauses(call).is_empty()
    }

    /// The clauses `call` can reach in its own module.
    fn own_clauses(&self, call: &Call<'t>) -> Vec<FunctionId> {
        let Some(module) = call.module else {
            return Vec::new();
        };
        let (target, name, arity) = call.mfa();
        if !target.is_empty() && target != self.file.module(module).name {
            return Vec::new();
        }
        self.file
            .functions_of(module)
            .filter(|(_, f)| f.name == name && accepts_arity(self.file, f, arity))
            .map(|(id, _)| id)
            .collect()
    }

    /// `value` is the `index`th argument of a call to a function of this module:
    /// its clauses' parameters are judged like `case` clauses, and a plain
    /// parameter is followed through the clause body.
    fn helper(&mut self, call: &Call<'t>, index: usize) -> Verdict {
        let clauses = self.own_clauses(call);
        let function = format!("{}/{}", call.target.name, call.arity);
        let key = (call.module, call.target.name.clone(), call.arity);
        if self.depth >= MAX_DEPTH || self.visited.contains(&key) {
            return Verdict::Neutral;
        }
        self.visited.push(key);
        let mut verdict = Verdict::Checked; // No clause takes it: a FunctionClauseError.
        for id in clauses {
            let clause = self.file.function(id);
            let Some(param) = clause.params.get(index).copied() else {
                continue;
            };
            let param = default_stripped(param, self.source());
            let head = CallNode { node: clause.node }.arguments().first().copied();
            let guard = head
                .and_then(BinaryOp::cast)
                .filter(|op| op.operator_text(self.source()) == "when")
                .map(|op| op.right);
            let pattern = self.pattern(param);
            if guard.is_some_and(|g| self.guard_mentions(g, param)) {
                continue;
            }
            let decided = match pattern {
                Pattern::Badrpc => Verdict::Checked,
                Pattern::Strict => continue,
                Pattern::Destructure => Verdict::Fire(Shape::Destructured {
                    pattern: self.file.text(param).to_string(),
                    place: format!(" in a clause of `{function}`"),
                }),
                Pattern::Wildcard => Verdict::Neutral,
                Pattern::Variable(variable) => {
                    let after = head.map_or(param.end_byte(), |h| h.end_byte());
                    self.variable(variable, after, clause.node)
                }
            };
            match decided {
                Verdict::Fire(inner) => {
                    verdict = Verdict::Fire(Shape::IntoHelper {
                        function: function.clone(),
                        inner: Box::new(inner),
                    });
                    break;
                }
                // A guarded clause may not take the value: the next one may.
                _ if guard.is_some() => {}
                decided => {
                    verdict = decided;
                    break;
                }
            }
        }
        self.visited.pop();
        verdict
    }

    /// `case value do ... end`: the first clause that can take `{:badrpc, reason}` decides.
    fn clauses(&mut self, block: Node<'t>) -> Verdict {
        for clause in named_children(block).filter(|c| c.kind() == "stab_clause") {
            let Some(left) = clause.child_by_field_name("left") else {
                continue;
            };
            let (patterns, guard) = match BinaryOp::cast(left) {
                Some(op) if op.operator_text(self.source()) == "when" => (op.left, Some(op.right)),
                _ => (left, None),
            };
            let Some(pattern) = named_children(patterns).next() else {
                continue;
            };
            if guard.is_some_and(|g| self.guard_mentions(g, pattern)) {
                continue;
            }
            match self.pattern(pattern) {
                Pattern::Strict => continue,
                Pattern::Destructure => {
                    return Verdict::Fire(Shape::Destructured {
                        pattern: self.file.text(pattern).to_string(),
                        place: " in a `case` clause".to_string(),
                    })
                }
                // A `{:badrpc, _}` clause, or a catch-all that handles whatever is left.
                Pattern::Badrpc | Pattern::Variable(_) | Pattern::Wildcard => {
                    return Verdict::Checked
                }
            }
        }
        // No clause takes it: a CaseClauseError, not a wrong value.
        Verdict::Checked
    }

    /// Does the guard read a variable the pattern binds?
    fn guard_mentions(&self, guard: Node<'t>, pattern: Node<'t>) -> bool {
        let mut stack = vec![pattern];
        while let Some(node) = stack.pop() {
            if let Some(name) = identifier_name(node, self.source()) {
                if !name.starts_with('_') && !variable_uses(guard, name, self.source()).is_empty() {
                    return true;
                }
            }
            stack.extend(named_children(node));
        }
        false
    }

    fn pattern(&self, pattern: Node<'t>) -> Pattern<'t> {
        let pattern = unparenthesized(pattern);
        match pattern.kind() {
            "identifier" => match identifier_name(pattern, self.source()) {
                Some(name) if name.starts_with('_') => Pattern::Wildcard,
                Some(_) => Pattern::Variable(pattern),
                None => Pattern::Strict,
            },
            "tuple" => {
                let elements = tuple_elements(pattern).unwrap_or_default();
                let [tag, _] = elements.as_slice() else {
                    return Pattern::Strict;
                };
                match atom_name(unparenthesized(*tag), self.source()) {
                    Some("badrpc") => Pattern::Badrpc,
                    Some(_) => Pattern::Strict,
                    None => match self.pattern(*tag) {
                        Pattern::Variable(_) | Pattern::Wildcard => Pattern::Destructure,
                        _ => Pattern::Strict,
                    },
                }
            }
            "binary_operator" => match BinaryOp::cast(pattern) {
                Some(op) if op.operator_text(self.source()) == "=" => {
                    self.pattern(op.left).both(self.pattern(op.right))
                }
                _ => Pattern::Strict,
            },
            _ => Pattern::Strict,
        }
    }

    /// An anonymous function (or capture) returns the value: whoever calls it
    /// takes it for one. Followed only when it is passed straight to a call of
    /// another module; a helper of this module may well handle it.
    fn function_value(&mut self, function: Node<'t>) -> Verdict {
        let Some(arguments) = function.parent().filter(|p| p.kind() == "arguments") else {
            return Verdict::Neutral;
        };
        let Some(call) = arguments.parent().and_then(|c| self.file.call_for_node(c)) else {
            return Verdict::Neutral;
        };
        if call.target.module.is_none() || self.is_own(call) {
            return Verdict::Neutral;
        }
        Verdict::Fire(Shape::Callback(call.signature()))
    }

    /// The value is what the function defined by `def` returns: judged at the
    /// function's callers in this module (quiet if there are none).
    fn returned(&mut self, def: Node<'t>) -> Verdict {
        let Some((_, function)) = self
            .file
            .functions
            .iter()
            .enumerate()
            .find(|(_, f)| f.node.id() == def.id())
        else {
            return Verdict::Neutral;
        };
        let key = (function.module, function.name.clone(), function.arity);
        if self.depth >= MAX_DEPTH || self.visited.contains(&key) {
            return Verdict::Neutral;
        }
        let Some(module) = function.module else {
            return Verdict::Neutral;
        };
        let module_name = self.file.module(module).name.clone();
        let callers: Vec<&Call<'t>> = self
            .file
            .calls_named(&function.name)
            .filter(|c| !c.capture && c.module == Some(module))
            .filter(|c| {
                let (target, _, arity) = c.mfa();
                (target.is_empty() || target == module_name)
                    && accepts_arity(self.file, function, arity)
            })
            .collect();
        self.visited.push(key);
        self.depth += 1;
        let mut found: Option<Shape> = None;
        for caller in callers {
            let Verdict::Fire(inner) = self.value(value_of(caller)) else {
                continue;
            };
            let shape = Shape::Returned {
                caller: caller
                    .function
                    .map(|f| {
                        let f = self.file.function(f);
                        format!("{}/{}", f.name, f.arity)
                    })
                    .unwrap_or_else(|| module_name.clone()),
                inner: Box::new(inner),
            };
            let better = !shape.is_ignored();
            if found.is_none() || better {
                found = Some(shape);
            }
            if better {
                break;
            }
        }
        self.depth -= 1;
        self.visited.pop();
        found.map_or(Verdict::Neutral, Verdict::Fire)
    }
}

/// Type tests that `{:badrpc, reason}` fails (`is_tuple/1` is not one).
const TYPE_CHECKS: &[&str] = &[
    "is_pid",
    "is_list",
    "is_map",
    "is_atom",
    "is_integer",
    "is_binary",
    "is_boolean",
    "is_number",
    "is_float",
    "is_reference",
    "is_port",
    "is_function",
    "is_bitstring",
    "is_struct",
    "is_exception",
];

/// Node kinds that hold a sequence of expressions, the last being their value.
fn is_sequence(kind: &str) -> bool {
    matches!(
        kind,
        "block"
            | "do_block"
            | "else_block"
            | "after_block"
            | "rescue_block"
            | "catch_block"
            | "body"
            | "source"
    )
}

/// Node kinds of data literals that hold values.
fn is_container(kind: &str) -> bool {
    matches!(
        kind,
        "tuple" | "list" | "map" | "map_content" | "keywords" | "pair"
    )
}

/// An expression whose value is dropped: not the last of its sequence.
fn is_statement(node: Node<'_>) -> bool {
    node.parent().is_some_and(|parent| {
        is_sequence(parent.kind()) && last_expression(parent).map(|n| n.id()) != Some(node.id())
    })
}

/// The last expression of a sequence: in a `do_block`, the `else`, `rescue`,
/// `catch` and `after` blocks that follow it are not expressions.
fn last_expression(sequence: Node<'_>) -> Option<Node<'_>> {
    named_children(sequence)
        .filter(|n| !n.kind().ends_with("_block"))
        .last()
}

/// The call a `do`, `else`, `rescue`, `catch` or `after` block belongs to
/// (the last four sit inside the `do_block`).
fn block_owner(block: Node<'_>) -> Option<Node<'_>> {
    let parent = block.parent()?;
    if block.kind() != "do_block" && parent.kind() == "do_block" {
        parent.parent()
    } else {
        Some(parent)
    }
}

/// The innermost sequence around `node`: where a variable it binds is visible.
fn enclosing_sequence(node: Node<'_>) -> Option<Node<'_>> {
    crate::syntax::ancestors(node).find(|n| is_sequence(n.kind()))
}

/// `param \\ default` -> `param`.
fn default_stripped<'t>(param: Node<'t>, source: &str) -> Node<'t> {
    match BinaryOp::cast(param) {
        Some(op) if op.operator_text(source) == "\\\\" => op.left,
        _ => param,
    }
}

/// Can `function` be called with `arity` arguments (counting defaults)?
fn accepts_arity(file: &FileModel<'_>, function: &Function<'_>, arity: usize) -> bool {
    let defaults = function
        .params
        .iter()
        .filter(|p| default_stripped(**p, file.source).id() != p.id())
        .count();
    (function.arity - defaults..=function.arity).contains(&arity)
}
