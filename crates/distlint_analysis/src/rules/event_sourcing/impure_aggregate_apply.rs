//! An aggregate's `apply/2` that reads the clock, draws random values, does
//! I/O or raises.
//!
//! `apply/2` turns stored events back into state every time the aggregate is
//! loaded, so it must give the same state for the same events, and must not fail.

use crate::diagnostic::{Finding, Severity};
use crate::rules::effects::{call_label, defines, effects_in, Effect};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "impure-aggregate-apply",
    topic: Topic::EventSourcing,
    severity: Severity::Warning,
    summary: "An aggregate's apply/2 reads the clock, draws random values, does I/O or raises: replaying the same events gives a different state, or none.",
    scope: Scope::All,
    fixable: false,
    check,
};

const IMPURE: &[Effect] = &[
    Effect::Clock,
    Effect::Random,
    Effect::Database,
    Effect::Http,
    Effect::Mail,
    Effect::Raise,
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (id, module) in file.modules_with_ids() {
        // The Commanded aggregate shape: commands in execute/2, state in apply/2.
        if !(defines(file, id, "execute", 2) && defines(file, id, "apply", 2)) {
            continue;
        }
        for (function, _) in file
            .functions_of(id)
            .filter(|(_, f)| f.public && f.name == "apply" && f.arity == 2)
        {
            for (call, effect) in effects_in(file, function, IMPURE) {
                let what = call_label(call);
                let message = match effect {
                    Effect::Raise => format!(
                        "`{what}` in `{}.apply/2`: a stored event is a fact that cannot be rejected, and apply/2 \
                         runs again on every load of the aggregate, so once such an event is in the stream the \
                         aggregate can never be loaded again. Validate in `execute/2`, before the event exists; \
                         make apply/2 total.",
                        module.name
                    ),
                    Effect::Clock | Effect::Random => format!(
                        "`{what}` in `{}.apply/2`: apply/2 rebuilds the state from the stored events on every \
                         load (after a restart, on another node, after a snapshot), so each rebuild gets a \
                         different value and the state no longer follows from the events. Take the value in \
                         `execute/2` and put it into the event.",
                        module.name
                    ),
                    Effect::Database | Effect::Http | Effect::Mail => format!(
                        "`{what}` in `{}.apply/2`: apply/2 runs again for every stored event each time the \
                         aggregate is loaded, so this I/O repeats on every load and can fail or answer \
                         differently, leaving a different state (or none). Fetch what the command needs before \
                         dispatch or in `execute/2`, and do side effects in an event handler.",
                        module.name
                    ),
                };
                out.push(Finding::new(call.node.byte_range(), message));
            }
        }
    }
}
