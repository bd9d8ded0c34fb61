//! A process registered in `:global` with the default conflict resolver.
//!
//! When a partition heals and both sides registered the name, `:global` calls
//! the resolve function; the default (`random_exit_name`) kills one of the two
//! processes. Its supervisor restarts it, the restart fails with
//! `already_started`, and enough of those take the supervisor down.

use crate::diagnostic::{Finding, Severity};
use crate::model::{Call, FileModel};
use crate::rules::registration::{classify, start_call_name, start_calls};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "global-singleton-without-netsplit-handling",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A process registered in :global with the default conflict resolver: when a netsplit heals one copy is killed without notice.",
    scope: Scope::All,
    fixable: false,
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
                 without a message; the restart then fails with `already_started`. Handle \
                 `{{:error, {{:already_started, pid}}}}` in the start function (return `:ignore` or link to the winner)."
            ),
        ));
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
                 one of the two processes holding this name is killed without a message. Pass a resolver \
                 such as `&:global.notify_all_name/3` and handle `{{:global_name_conflict, name}}`."
            ),
        ));
    }
}

/// The start call sits in a function that deals with `{:already_started, pid}`,
/// or hands its result straight to a local helper that does
/// (`GenServer.start_link(...) |> ignore_duplicate()`).
fn handles_already_started(file: &FileModel<'_>, call: &Call<'_>) -> bool {
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

#[cfg(test)]
mod tests {
    crate::rules::test_support::fixture_tests!("global-singleton-without-netsplit-handling");
}
