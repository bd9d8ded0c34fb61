//! Effects outside the database inside a database transaction: an email, an
//! HTTP request, a PubSub broadcast or a call to another node made from
//! `Repo.transaction(fn -> ... end)`, an `Ecto.Multi.run` step or an Mnesia
//! transaction. A rollback undoes the rows, not the effect (a dual write).

use std::collections::HashSet;

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::{is_repo, outside_effect, OutsideEffect};
use crate::model::summary::{called_function, Effect};
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{contains, unparenthesized};

pub static RULE: Rule = Rule {
    name: "side-effect-in-transaction",
    topic: Topic::DistributedTransactions,
    severity: Severity::Warning,
    summary: "An email, HTTP request, broadcast or remote call in a transaction: a rollback cannot undo it.",
    scope: Scope::All,
    fixable: false,
    check,
};

/// A transaction body: where it is, and how to name the transaction.
struct Body<'t> {
    /// The anonymous function run in the transaction.
    node: Option<Node<'t>>,
    /// Local functions passed by capture (`Multi.run(m, :x, &notify/2)`).
    functions: Vec<FunctionId>,
    what: String,
    /// Mnesia restarts transactions: the body may run several times.
    retried: bool,
}

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    let bodies = transaction_bodies(file);
    if bodies.is_empty() {
        return;
    }
    let mut reported = HashSet::new();
    for body in &bodies {
        for call in &file.calls {
            let inside = body.node.is_some_and(|n| contains(n, call.node))
                || call.function.is_some_and(|f| body.functions.contains(&f));
            if !inside || reported.contains(&call.node.id()) {
                continue;
            }
            let (effect, via) = match outside_effect(call) {
                Some(effect) => (effect, String::new()),
                // A function of the project that does it, maybe a few calls down.
                None => match through_project(cx, call) {
                    Some(found) => found,
                    None => continue,
                },
            };
            let effect = effect.describe();
            reported.insert(call.node.id());
            let (module, name, arity) = call.mfa();
            let shown = match (call.capture, module) {
                (true, _) => format!("`&{module}.{name}/{arity}`"),
                (false, "") => format!("`{name}/{arity}`"),
                (false, _) => format!("`{module}.{name}/{arity}`"),
            };
            let consequence = if body.retried {
                "Mnesia may repeat it on a retry and cannot undo it"
            } else {
                "a rollback cannot undo it"
            };
            // A capture is reported whole: `&Mailer.deliver/1`.
            let report_at = match call.capture {
                true => call
                    .node
                    .parent()
                    .and_then(|p| p.parent())
                    .unwrap_or(call.node),
                false => call.node,
            };
            out.push(Finding::new(
                report_at.byte_range(),
                if via.is_empty() {
                    format!("{shown} inside {} {effect}: {consequence}", body.what)
                } else {
                    // The chain names the call: `via greet/1 → welcome/1: Mailer.deliver/1`.
                    format!("In {}, this {effect}{via}: {consequence}", body.what)
                },
            ));
        }
    }
}

fn transaction_bodies<'t>(file: &FileModel<'t>) -> Vec<Body<'t>> {
    let mut bodies = Vec::new();
    for name in ["transaction", "transact"] {
        for call in file.calls_named(name) {
            let repo = match call.target.module.as_deref() {
                Some(module) => is_repo(module),
                None => call.target.dynamic && receiver_text(file, call) == Some("repo"),
            };
            if repo && !call.capture {
                if let Some(body) =
                    function_argument(file, call, 0, format!("`{}`", short(file, call)))
                {
                    bodies.push(body);
                }
            }
        }
    }
    for call in file.calls_to_any(":mnesia", &["transaction", "sync_transaction"]) {
        if let Some(mut body) = function_argument(file, call, 0, format!("`{}`", short(file, call)))
        {
            body.retried = true;
            bodies.push(body);
        }
    }
    for call in file.calls_to_any("Memento", &["transaction", "transaction!"]) {
        if let Some(mut body) = function_argument(file, call, 0, format!("`{}`", short(file, call)))
        {
            body.retried = true;
            bodies.push(body);
        }
    }
    for call in file.calls_to("Ecto.Multi", "run") {
        if call.arity == 3 {
            let what = "an `Ecto.Multi.run` step".to_string();
            if let Some(body) = function_argument(file, call, 2, what) {
                bodies.push(body);
            }
        }
    }
    bodies
}

/// The function argument at `index`: an anonymous function, or a capture of a
/// local function (whose clauses then make the body).
fn function_argument<'t>(
    file: &FileModel<'t>,
    call: &Call<'t>,
    index: usize,
    what: String,
) -> Option<Body<'t>> {
    if call.capture {
        return None;
    }
    let arg = unparenthesized(*call.args.get(index)?);
    if arg.kind() == "anonymous_function" {
        return Some(Body {
            node: Some(arg),
            functions: Vec::new(),
            what,
            retried: false,
        });
    }
    let (name, arity) = crate::syntax::local_capture(arg, file.source)?;
    let module = call.module?;
    let functions: Vec<FunctionId> = file
        .functions_of(module)
        .filter(|(_, f)| f.name == name && f.arity == arity)
        .map(|(id, _)| id)
        .collect();
    (!functions.is_empty()).then_some(Body {
        node: None,
        functions,
        what,
        retried: false,
    })
}

/// `Repo.transaction`, `repo.transaction`, `:mnesia.transaction`.
fn short(file: &FileModel<'_>, call: &Call<'_>) -> String {
    let receiver = match call.target.module.as_deref() {
        Some(module) => module.rsplit('.').next().unwrap_or(module),
        None => receiver_text(file, call).unwrap_or("?"),
    };
    format!("{receiver}.{}", call.target.name)
}

fn receiver_text<'t>(file: &FileModel<'t>, call: &Call<'t>) -> Option<&'t str> {
    let target = call.node.child_by_field_name("target")?;
    let receiver = target.child_by_field_name("left")?;
    Some(file.text(receiver))
}

/// What the call does outside the database, if it is one of the known effects.
/// The outside effect a call to one of the project's functions has, through
/// the functions it calls (the project summaries), and the chain in words.
fn through_project(cx: &RuleContext<'_>, call: &Call<'_>) -> Option<(OutsideEffect, String)> {
    let key = called_function(cx.file, call)?;
    let local = cx.summary;
    let reach = cx
        .project
        .summaries
        .reach_with(local, &key, |e| matches!(e, Effect::Outside(_)))?;
    let Effect::Outside(effect) = reach.effect else {
        return None;
    };
    Some((effect, format!(" ({}: `{}`)", reach.via(), reach.call)))
}
