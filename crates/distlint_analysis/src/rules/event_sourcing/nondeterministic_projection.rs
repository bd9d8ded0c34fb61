//! A projection that reads the clock or draws random values: replaying the
//! same events builds a different read model.

use crate::diagnostic::{Finding, Severity};
use crate::model::effects::{call_label, effect_of, is_repo, Effect};
use crate::model::{Call, FileModel, ModuleId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::contains;

pub static RULE: Rule = Rule {
    name: "nondeterministic-projection",
    topic: Topic::EventSourcing,
    severity: Severity::Info,
    summary: "A projection reads the clock or a random source: a replay writes different rows.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for (id, module) in file.modules_with_ids() {
        let ecto_projection = file.module_uses(id, "Commanded.Projections.Ecto");
        let handler = file.module_uses(id, "Commanded.Event.Handler");
        let projector = ecto_projection || (handler && is_projector(file, id, &module.name));
        if !projector {
            continue;
        }
        // `project %Event{}, metadata, fn multi -> ... end` blocks (module level),
        // and `handle/2` clauses.
        let projects: Vec<&Call<'_>> = file
            .calls_to("", "project")
            .filter(|c| c.module == Some(id) && c.function.is_none() && matches!(c.arity, 2 | 3))
            .collect();
        let handles: Vec<_> = file
            .functions_of(id)
            .filter(|(_, f)| f.name == "handle" && f.arity == 2)
            .map(|(fid, _)| fid)
            .collect();
        for call in &file.calls {
            if call.module != Some(id) {
                continue;
            }
            let inside = match call.function {
                Some(function) => handles.contains(&function),
                None => projects
                    .iter()
                    .any(|p| p.node.id() != call.node.id() && contains(p.node, call.node)),
            };
            if !inside {
                continue;
            }
            let Some(Effect::Clock | Effect::Random) = effect_of(call) else {
                continue;
            };
            if call.target.name == "monotonic_time" {
                continue; // Timing the projection itself (telemetry), not a value it writes.
            }
            let what = call_label(call);
            out.push(Finding::new(
                call.node.byte_range(),
                format!(
                    "`{what}` in a projection of `{}`: each replay writes a different value",
                    module.name
                ),
            ));
        }
    }
}

/// A Commanded event handler that builds a read model: named like one, or
/// writing through an Ecto repo or `Ecto.Multi` in `handle/2`.
fn is_projector(file: &FileModel<'_>, module: ModuleId, name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    if last.contains("Projector") || last.contains("Projection") {
        return true;
    }
    const WRITES: &[&str] = &[
        "insert",
        "insert!",
        "insert_all",
        "insert_or_update",
        "insert_or_update!",
        "update",
        "update!",
        "update_all",
        "delete",
        "delete!",
        "delete_all",
    ];
    file.functions_of(module)
        .filter(|(_, f)| f.name == "handle" && f.arity == 2)
        .any(|(fid, _)| {
            file.calls.iter().any(|call| {
                let (m, n, _) = call.mfa();
                call.function == Some(fid)
                    && WRITES.contains(&n)
                    && (is_repo(m) || m == "Ecto.Multi")
            })
        })
}
