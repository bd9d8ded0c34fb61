//! A process registered in `:global` with the default conflict resolver.
//!
//! When a partition heals and both sides registered the name, `:global` calls
//! the resolve function; the default (`random_exit_name`) logs an info line and
//! kills one of the two processes (the one on the node whose name sorts later).
//! Its supervisor restarts it, the restart fails with
//! `already_started`, and enough of those take the supervisor down.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::{Call, FileModel};
use crate::rules::registration::{classify, start_call_name, start_calls};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{named_children, unparenthesized, BinaryOp, Keywords};

use super::line_indent;

pub static RULE: Rule = Rule {
    name: "global-singleton-without-netsplit-handling",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A process registered in :global with the default conflict resolver: when a netsplit heals one copy is killed, with no message to it and only an info-level log line.",
    scope: Scope::All,
    fixable: true,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for call in start_calls(file) {
        let Some((name, report_at)) = start_call_name(file, call) else {
            continue;
        };
        let registration = classify(file, name);
        if !registration.is_global() || handles_already_started(file, call) {
            continue;
        }
        let (module, function, _) = call.mfa();
        let written = file.text(name);
        let resolved = file.text(file.resolve_attribute(name));
        let shown = if written == resolved {
            format!("`{written}`")
        } else {
            format!("`{written}` (`{resolved}`)")
        };
        out.push(Finding::new(
            report_at.byte_range(),
            format!(
                "`{module}.{function}` registers {shown} in :global with the default conflict resolver: \
                 during a netsplit each side runs its own copy, and when it heals :global kills one of them \
                 (no message to it, only an info log line `global: Name conflict terminating`); the restart \
                 then fails with `already_started`. Handle \
                 `{{:error, {{:already_started, pid}}}}` in the start function (return `:ignore` or link to the winner)."
            ),
        )
        .with_fix(handle_already_started_fix(file, call)));
    }
    for call in file.calls_to_any(":global", &["register_name", "re_register_name"]) {
        if call.capture || call.arity != 2 {
            continue;
        }
        let (_, function, _) = call.mfa();
        out.push(Finding::new(
            call.node.byte_range(),
            format!(
                "`:global.{function}/2` uses the default resolver `random_exit_name`: after a netsplit heals, \
                 one of the two processes holding this name is killed, with no message to it (only an info \
                 log line `global: Name conflict terminating`). Pass a notifying resolver and handle its \
                 message: `&:global.random_notify_name/3` sends `{{:global_name_conflict, name}}` to the \
                 loser, `&:global.notify_all_name/3` sends `{{:global_name_conflict, name, other_pid}}` to both."
            ),
        ));
    }
}

/// The start call sits in a function that deals with `{:already_started, pid}`,
/// or hands its result straight to a local helper that does
/// (`GenServer.start_link(...) |> ignore_duplicate()`).
pub(super) fn handles_already_started(file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let mentions = |function| file.function_mentions_atom(function, "already_started");
    if call.function.is_some_and(mentions) {
        return true;
    }
    let (Some(helper), Some(module)) = (file.consumer_of(call), call.module) else {
        return false;
    };
    if helper.target.module.is_some() || helper.target.dynamic {
        return false;
    }
    file.functions_of(module)
        .filter(|(_, f)| f.name == helper.target.name && f.arity == helper.arity)
        .any(|(id, _)| mentions(id))
}

/// When the start call is the whole body of a `start_link` clause, wraps it in a
/// `case` that links to the winner of the name and returns `{:ok, winner}`: the
/// supervisor keeps a child (the winner), and competes for the name again when
/// the winner exits.
fn handle_already_started_fix(file: &FileModel<'_>, call: &Call<'_>) -> Option<Fix> {
    let function = file.function(call.function?);
    if function.name != "start_link" {
        return None;
    }
    let expression = if call.piped {
        BinaryOp::cast(call.node.parent()?)?.node
    } else {
        call.node
    };
    let body = function.body?;
    let source = file.source;
    let case_lines = |indent: &str| {
        let call_text = file.text(expression);
        format!(
            "case {call_text} do\n\
             {indent}  {{:error, {{:already_started, pid}}}} ->\n\
             {indent}    Process.link(pid)\n\
             {indent}    {{:ok, pid}}\n\
             \n\
             {indent}  other ->\n\
             {indent}    other\n\
             {indent}end"
        )
    };
    if body.kind() == "do_block" {
        // def start_link(arg) do
        //   GenServer.start_link(...)
        // end
        let mut expressions = named_children(body);
        let (Some(only), None) = (expressions.next(), expressions.next()) else {
            return None;
        };
        if only.id() != expression.id() {
            return None;
        }
        let indent = line_indent(source, expression.start_byte());
        return Some(fix(expression, case_lines(indent)));
    }
    // def start_link(arg), do: GenServer.start_link(...)
    if unparenthesized(body).id() != expression.id() {
        return None;
    }
    let arguments = crate::syntax::CallNode {
        node: function.node,
    }
    .arguments();
    let [head, options] = arguments.as_slice() else {
        return None;
    };
    if Keywords::cast(*options)?.pairs().count() != 1 {
        return None;
    }
    let indent = line_indent(source, function.node.start_byte());
    let inner = format!("{indent}  ");
    Some(Fix {
        title: FIX_TITLE.to_string(),
        edits: vec![TextEdit::replace(
            head.end_byte()..options.end_byte(),
            format!(" do\n{inner}{}\n{indent}end", case_lines(&inner)),
        )],
    })
}

const FIX_TITLE: &str = "Handle `already_started` in `start_link` (link to the winner)";

fn fix(expression: Node<'_>, replacement: String) -> Fix {
    Fix {
        title: FIX_TITLE.to_string(),
        edits: vec![TextEdit::replace(expression.byte_range(), replacement)],
    }
}
