//! Retries at a fixed interval: a function that, on some branch (a `case`
//! clause, a `rescue`, an `if`/`else`), sleeps a constant time and calls itself
//! again.
//!
//! A sleep and a self-call at the top of a function body are a periodic loop,
//! not a retry, and are left alone; so is a sleep in one branch followed by a
//! self-call that every branch reaches (an idle poll).

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel, Function, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{contains, integer_value, unparenthesized, variable_name, BinaryOp, CallNode};

pub static RULE: Rule = Rule {
    name: "retry-without-backoff",
    topic: Topic::ResiliencePrinciples,
    severity: Severity::Warning,
    summary:
        "A retry that sleeps a fixed time before calling itself again: callers retry in lockstep.",
    scope: Scope::All,
    fixable: false,
    check,
};

const SLEEPS: &[(&str, &str)] = &[("Process", "sleep"), (":timer", "sleep")];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (module, name) in SLEEPS {
        for sleep in file.calls_to(module, name) {
            if sleep.capture || sleep.arity != 1 {
                continue;
            }
            let Some(function_id) = sleep.function else {
                continue;
            };
            let function = file.function(function_id);
            let Some(branch) = enclosing_branch(sleep.node, function.node, file.source) else {
                continue; // At the top of the body: a periodic loop.
            };
            if !after_failure(file, branch) {
                continue; // Waiting for a condition (`wait_until`), not retrying a failed attempt.
            }
            if attempt_is_local(file, function_id, branch) {
                continue; // Polling a local file or process: no shared dependency to overload.
            }
            let Some(retry) = self_calls(file, function_id, function)
                .find(|c| contains(branch, c.node) && c.node.start_byte() > sleep.node.end_byte())
            else {
                continue;
            };
            let delay = sleep.args[0];
            if !fixed_delay(file, function_id, function, delay, retry, 2) {
                continue;
            }
            out.push(Finding::new(
                sleep.node.byte_range(),
                format!(
                    "`{}` and then `{}/{}` again: a fixed delay without jitter, so callers retry in lockstep",
                    file.text(sleep.node),
                    function.name,
                    function.arity
                ),
            ));
        }
    }
}

/// Calls of the function to itself (same name and arity, local or through
/// its own module), in source order.
fn self_calls<'m, 't>(
    file: &'m FileModel<'t>,
    id: FunctionId,
    function: &'m Function<'t>,
) -> impl Iterator<Item = &'m Call<'t>> + 'm {
    let own_module = function.module.map(|m| file.module(m).name.as_str());
    file.calls_to("", &function.name)
        .chain(
            own_module
                .into_iter()
                .flat_map(|m| file.calls_to(m, &function.name)),
        )
        .filter(move |c| c.function == Some(id) && !c.capture && c.arity == function.arity)
}

/// The innermost branch around `node` inside `function`: a clause of
/// `case`/`cond`/`with`/`receive`/`rescue`/`catch`, or a `do`/`else` of
/// `if`/`unless`, or the `do` of a `with` (block or keyword form). `None` at
/// the top of the body.
fn enclosing_branch<'t>(node: Node<'t>, function: Node<'t>, source: &str) -> Option<Node<'t>> {
    let mut current = node.parent()?;
    while current.id() != function.id() {
        let is_branch = match current.kind() {
            "stab_clause" => current
                .parent()
                .is_some_and(|p| !matches!(p.kind(), "anonymous_function" | "after_block")),
            "do_block" => is_conditional(current.parent(), source),
            "else_block" => is_conditional(current.parent().and_then(|p| p.parent()), source),
            "pair" => {
                let key = current.child_by_field_name("key").map(|k| {
                    crate::syntax::text(k, source)
                        .trim_end()
                        .trim_end_matches(':')
                });
                matches!(key, Some("do" | "else"))
                    && is_conditional(
                        current
                            .parent()
                            .and_then(|keywords| keywords.parent())
                            .and_then(|arguments| arguments.parent()),
                        source,
                    )
            }
            _ => false,
        };
        if is_branch {
            return Some(current);
        }
        current = current.parent()?;
    }
    None
}

/// Atoms that say an attempt failed, in a pattern or a condition.
const FAILURE_ATOMS: &[&str] = &[
    "error",
    "exit",
    "throw",
    "EXIT",
    "timeout",
    "badrpc",
    "nodedown",
    "noproc",
    "noconnection",
    "econnrefused",
    "closed",
    "pang",
    "aborted",
];

/// Atoms that say an attempt worked.
const SUCCESS_ATOMS: &[&str] = &["ok", "pong"];

/// Is the branch taken after an attempt failed? A `rescue`/`catch` clause, a
/// `with`'s `else`, a clause matching an error (`{:error, _}`, `:pang`), a
/// catch-all clause next to one matching success (`{:ok, _} -> ...; _ -> retry`),
/// or an `if`/`unless`/`with` whose condition tests for `:ok` or an error.
/// A poll that waits for some state (`unless ready?()`, `if leader = ...`) is not.
fn after_failure<'t>(file: &FileModel<'_>, branch: Node<'t>) -> bool {
    let mentions = |node: Node<'_>, names: &[&str]| {
        file.atoms
            .iter()
            .any(|a| names.contains(&a.name.as_str()) && contains(node, a.node))
    };
    let block = branch.parent();
    match branch.kind() {
        "stab_clause" => {
            let Some(block) = block else {
                return false;
            };
            match block.kind() {
                "rescue_block" | "catch_block" => return true,
                "else_block" => {
                    return block_owner(Some(block)).and_then(|c| c.local_name(file.source))
                        == Some("with")
                }
                _ => {}
            }
            let Some(pattern) = branch.child_by_field_name("left") else {
                return false;
            };
            if mentions(pattern, FAILURE_ATOMS) {
                return true;
            }
            catch_all(pattern, file.source)
                && crate::syntax::clause_patterns(block).any(|p| mentions(p, SUCCESS_ATOMS))
        }
        // The `do`/`else` of `if`/`unless`/`with`: look at the condition.
        _ => {
            let owner = match branch.kind() {
                "pair" => branch
                    .parent()
                    .and_then(|keywords| keywords.parent())
                    .and_then(|arguments| arguments.parent())
                    .and_then(CallNode::cast),
                _ => block_owner(Some(branch)),
            };
            let Some(arguments) = owner.and_then(|c| c.arguments_node()) else {
                return false;
            };
            let condition = crate::syntax::named_children(arguments)
                .filter(|a| a.kind() != "keywords")
                .any(|a| mentions(a, FAILURE_ATOMS) || mentions(a, SUCCESS_ATOMS));
            condition
        }
    }
}

/// Modules whose calls stay on this node: retrying them in lockstep
/// overloads nothing that other clients share.
const LOCAL_MODULES: &[&str] = &[
    "File",
    ":file",
    "Path",
    "Process",
    ":ets",
    ":dets",
    "Registry",
    "Application",
    ":application",
    "Code",
    ":code",
    ":gen_event",
    "Logger",
    "System",
    ":os",
    "Port",
    ":persistent_term",
    "Integer",
    "String",
    "Map",
    "Keyword",
    "List",
    "Enum",
];

/// Calls on sockets of this node: accepting connections on a listening socket
/// (or opening one) waits for clients, and retrying it overloads no one.
const LOCAL_FUNCTIONS: &[(&str, &str)] = &[
    (":gen_tcp", "accept"),
    (":gen_tcp", "listen"),
    (":gen_udp", "open"),
    (":ssl", "transport_accept"),
    (":ssl", "listen"),
    (":socket", "accept"),
    (":socket", "listen"),
];

/// Kernel functions allowed in guards (`pid when is_pid(pid) <- ...`): they
/// only look at a value, so they neither make an attempt local nor remote.
const KERNEL_GUARDS: &[&str] = &[
    "is_atom",
    "is_binary",
    "is_bitstring",
    "is_boolean",
    "is_exception",
    "is_float",
    "is_function",
    "is_integer",
    "is_list",
    "is_map",
    "is_map_key",
    "is_nil",
    "is_number",
    "is_pid",
    "is_port",
    "is_reference",
    "is_struct",
    "is_tuple",
    "elem",
    "hd",
    "tl",
    "length",
    "map_size",
    "tuple_size",
    "byte_size",
    "bit_size",
    "node",
    "self",
    "not",
];

/// The attempt whose failure leads to `branch`: the subject of a `case`, the
/// condition of an `if`/`unless`, the clauses of a `with`, or the body before a
/// `rescue`/`catch`. True when it calls something, and every call in it is to a
/// module that stays on this node (`File.read`, `:gen_event.which_handlers`)
/// or accepts on a local socket (`:gen_tcp.accept`); guards such as `is_pid`
/// are not counted either way.
fn attempt_is_local(file: &FileModel<'_>, function: FunctionId, branch: Node<'_>) -> bool {
    let Some(attempt) = attempt_region(branch) else {
        return false;
    };
    let mut calls = file
        .calls
        .iter()
        .filter(|c| c.function == Some(function) && attempt.contains_node(c.node))
        .filter(|c| !matches!(c.mfa(), ("", name, _) if KERNEL_GUARDS.contains(&name)))
        .peekable();
    calls.peek().is_some()
        && calls.all(|c| {
            let (module, name, _) = c.mfa();
            LOCAL_MODULES.contains(&module) || LOCAL_FUNCTIONS.contains(&(module, name))
        })
}

/// Where the attempt before a branch is written, as a byte range.
struct Region {
    start: usize,
    end: usize,
}

impl Region {
    fn contains_node(&self, node: Node<'_>) -> bool {
        self.start <= node.start_byte() && node.end_byte() <= self.end
    }
}

fn attempt_region(branch: Node<'_>) -> Option<Region> {
    let block = branch.parent()?;
    if matches!(block.kind(), "rescue_block" | "catch_block") {
        // `def f do attempt rescue ... end` / `try do attempt rescue ... end`:
        // the attempt is what comes before the first rescue/catch/else/after.
        let owner = block.parent()?;
        let mut cursor = owner.walk();
        let first = owner.named_children(&mut cursor).next()?;
        return Some(Region {
            start: first.start_byte(),
            end: block.start_byte(),
        });
    }
    let owner = match branch.kind() {
        "pair" => branch.parent()?.parent()?.parent()?,
        "stab_clause" if block.kind() == "else_block" => block.parent()?.parent()?,
        "stab_clause" | "do_block" => block_owner(Some(branch))?.node,
        _ => block.parent()?.parent()?,
    };
    let arguments = CallNode::cast(owner)?.arguments_node()?;
    Some(Region {
        start: arguments.start_byte(),
        end: arguments.end_byte(),
    })
}

/// The call owning a `do`/`else` block (or a clause's block): `if`, `with`, `case`...
fn block_owner(block: Option<Node<'_>>) -> Option<CallNode<'_>> {
    let block = block?;
    let do_block = if block.kind() == "do_block" {
        block
    } else {
        block.parent()?
    };
    CallNode::cast(do_block.parent()?)
}

/// `_`, `_reason`, `other` (with or without a guard): a clause that takes anything.
fn catch_all(pattern: Node<'_>, source: &str) -> bool {
    let mut pattern = pattern;
    if let Some(op) = BinaryOp::cast(pattern) {
        if op.operator_text(source) == "when" {
            pattern = op.left;
        }
    }
    let mut items = crate::syntax::named_children(pattern);
    match (items.next(), items.next()) {
        (Some(only), None) => crate::syntax::identifier_name(only, source).is_some(),
        _ => false,
    }
}

fn is_conditional(call: Option<Node<'_>>, source: &str) -> bool {
    call.and_then(CallNode::cast)
        .and_then(|c| c.local_name(source))
        .is_some_and(|name| matches!(name, "if" | "unless" | "with"))
}

/// Is the sleep's delay the same every time? A literal, an `@attribute`,
/// `:timer.seconds(5)`, arithmetic on those, a variable bound to one, or a
/// parameter that the retry passes on unchanged.
fn fixed_delay(
    file: &FileModel<'_>,
    id: FunctionId,
    function: &Function<'_>,
    delay: Node<'_>,
    retry: &Call<'_>,
    depth: u8,
) -> bool {
    let node = unparenthesized(delay);
    if integer_value(node, file.source).is_some() || node.kind() == "float" {
        return true;
    }
    if crate::syntax::attribute_reference(node, file.source).is_some() {
        return true; // Module attributes are fixed at compile time.
    }
    if let Some(op) = BinaryOp::cast(node) {
        return matches!(op.operator_text(file.source), "*" | "+" | "-")
            && fixed_delay(file, id, function, op.left, retry, depth)
            && fixed_delay(file, id, function, op.right, retry, depth);
    }
    if let Some(call) = file.call_for_node(node) {
        return matches!(call.mfa(), (":timer", "seconds" | "minutes" | "hours", 1))
            && fixed_delay(file, id, function, call.args[0], retry, depth);
    }
    let Some(name) = variable_name(node, file.source) else {
        return false;
    };
    if let Some(binding) = file.last_binding_before(id, name, node) {
        return depth > 0 && fixed_delay(file, id, function, binding.value, retry, depth - 1);
    }
    // A parameter: fixed when the retry hands the same variable back.
    let Some(index) = function
        .params
        .iter()
        .position(|p| parameter_name(*p, file.source) == Some(name))
    else {
        return false;
    };
    retry
        .args
        .get(index)
        .is_some_and(|arg| variable_name(unparenthesized(*arg), file.source) == Some(name))
}

/// `delay` or `delay \\ 1_000`.
fn parameter_name<'s>(param: Node<'_>, source: &'s str) -> Option<&'s str> {
    match BinaryOp::cast(param) {
        Some(op) if op.operator_text(source) == "\\\\" => variable_name(op.left, source),
        _ => variable_name(param, source),
    }
}
