//! A Commanded event handler whose side effects repeat when an event is
//! delivered again.
//!
//! Commanded delivers events to handlers at least once: after a crash or a
//! restart the handler resumes from its last acknowledged event, so the last
//! events before the crash arrive a second time.

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::{
    call_label, effect_of, has_on_conflict, is_repo, mentions_event_number, Effect,
};
use crate::model::{Call, FileModel};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "non-idempotent-event-handler",
    topic: Topic::EventSourcing,
    severity: Severity::Info,
    summary:
        "A Commanded event handler inserts, mails or calls HTTP: a redelivered event does it twice.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (id, _) in file.modules_with_ids() {
        if !file.module_uses(id, "Commanded.Event.Handler") {
            continue;
        }
        // A handler that reads `event_number` is most likely recording what it handled.
        if file
            .functions_of(id)
            .any(|(_, f)| mentions_event_number(file, f.node))
        {
            continue;
        }
        let handles: Vec<_> = file
            .functions_of(id)
            .filter(|(_, f)| f.name == "handle" && f.arity == 2)
            .map(|(fid, _)| fid)
            .collect();
        for call in file
            .calls
            .iter()
            .filter(|c| c.function.is_some_and(|f| handles.contains(&f)))
        {
            let Some((what, repeated)) = problem(file, call) else {
                continue;
            };
            out.push(Finding::new(
                call.node.byte_range(),
                format!(
                    "`{}` in `handle/2` {what}: a redelivered event {repeated}",
                    call_label(call)
                ),
            ));
        }
    }
}

/// What the call does, and what happens when it runs twice for the same event.
fn problem(file: &FileModel<'_>, call: &Call<'_>) -> Option<(&'static str, &'static str)> {
    let (module, name, arity) = call.mfa();
    match effect_of(call)? {
        Effect::Database => {
            let options = match (name, arity) {
                ("insert" | "insert!", 1 | 2) => call.args.get(1).copied(),
                ("insert_all", 2 | 3) => call.args.get(2).copied(),
                _ => return None,
            };
            (is_repo(module) && has_on_conflict(file, options) == Some(false))
                .then_some(("inserts without `on_conflict`", "inserts twice"))
        }
        Effect::Mail => Some(("sends an email", "sends it again")),
        Effect::Http => Some(("makes an HTTP request", "makes it again")),
        _ => None,
    }
}
