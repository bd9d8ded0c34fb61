//! A process registered in `:global` with the default conflict resolver.
//!
//! When a partition heals and both sides registered the name, `:global` calls
//! the resolve function; the default (`random_exit_name`) logs an info line and
//! kills one of the two processes (the one on the node whose name sorts later).
//! Its supervisor restarts it, the restart fails with
//! `already_started`, and enough of those take the supervisor down.
//!
//! Not reported: a start that deals with `already_started` itself, or whose
//! caller elsewhere in the project does (a watcher that starts the singleton
//! and monitors the winner: a project fact, see
//! [`ProjectModel::start_handled_by_caller`]); and a name keyed by a process
//! (`{:global, {parent, __MODULE__}}`), which no other node can register.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
// Shared with horde-already-started-unhandled, which imports it from here.
pub(super) use crate::model::project::handles_already_started;
use crate::model::project::starts_handling_already_started;
use crate::model::singletons::ClusterName;
use crate::model::{Call, FileModel};
use crate::parse::ParsedFile;
use crate::rules::registration::{
    classify_target, keyed_by_instance, project_cluster_name, start_call_name, start_calls,
};
use crate::rules::{one_line, Rule, RuleContext, Scope, Topic};
use crate::syntax::{named_children, unparenthesized, BinaryOp, Keywords};

use super::line_indent;

pub static RULE: Rule = Rule {
    name: "global-singleton-without-netsplit-handling",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A :global name with the default resolver: when a netsplit heals one copy is killed.",
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
        let global = classify_target(file, call.function, name).is_global()
            || project_cluster_name(cx.project, file, call.function, name)
                == Some(ClusterName::Global);
        if !global || handles_already_started(file, call) {
            continue;
        }
        if keyed_by_instance(file, call.function, name) {
            continue;
        }
        if handled_by_caller(cx, file, call) {
            continue;
        }
        let (module, function, _) = call.mfa();
        // The name as the call receives it: `{:global, __MODULE__}` for `@name` or `name`.
        let resolved = one_line(file.text(file.value_of(call.function, name)));
        out.push(Finding::new(
            report_at.byte_range(),
            format!(
                "`{module}.{function}` registers `{resolved}` with the default resolver: a healed netsplit kills one copy"
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
                "`:global.{function}/2` uses the default resolver: when a netsplit heals, one holder of the name is killed without notice"
            ),
        ));
    }
}

/// The function around the start call (`Singleton.start_link`) is run by a
/// caller that handles `{:error, {:already_started, pid}}`: somewhere in the
/// project's sources, or in this file (a file outside a project, or outside
/// its source directories).
fn handled_by_caller(cx: &RuleContext<'_>, file: &FileModel<'_>, call: &Call<'_>) -> bool {
    let (Some(function), Some(module)) = (call.function, call.module) else {
        return false;
    };
    let function = file.function(function).name.as_str();
    let module = file.module(module).name.as_str();
    if cx.project.start_handled_by_caller(module, function) {
        return true;
    }
    // The whole file, not just this form: cached results stay right because
    // editors re-lint everything when a buffer's SourceFacts change.
    let text = cx.source.text();
    if !text.contains("already_started") {
        return false;
    }
    let parsed = ParsedFile::parse(text);
    starts_handling_already_started(&parsed.tree, text)
        .iter()
        .any(|start| start.module == module && start.function == function)
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
