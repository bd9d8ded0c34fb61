//! An aggregate's `apply/2` that reads the clock, draws random values, does
//! I/O or raises.
//!
//! `apply/2` turns stored events back into state every time the aggregate is
//! loaded, so it must give the same state for the same events, and must not fail.

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::{call_label, defines, effects_in, Effect};
use crate::rules::{Rule, RuleContext, Scope, Topic};

pub static RULE: Rule = Rule {
    name: "impure-aggregate-apply",
    topic: Topic::EventSourcing,
    severity: Severity::Warning,
    summary:
        "An aggregate's apply/2 reads the clock or randomness, does I/O or raises: replays diverge.",
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
    for (id, _) in file.modules_with_ids() {
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
                        "`{what}` in `apply/2`: once such an event is stored, the aggregate can never be loaded again"
                    ),
                    Effect::Clock | Effect::Random => {
                        format!("`{what}` in `apply/2`: each replay of the same events gives another state")
                    }
                    Effect::Database | Effect::Http | Effect::Mail => format!(
                        "`{what}` in `apply/2`: this I/O runs again on every load and can fail or change the state"
                    ),
                };
                out.push(Finding::new(call.node.byte_range(), message));
            }
        }
    }
}
