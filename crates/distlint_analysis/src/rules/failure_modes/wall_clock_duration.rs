//! Durations measured with the wall clock.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::{Call, FileModel, FunctionId};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{unparenthesized, variable_name};

pub static RULE: Rule = Rule {
    name: "wall-clock-duration",
    topic: Topic::FailureModes,
    severity: Severity::Warning,
    summary: "A duration measured with the wall clock, which jumps when NTP or someone sets it.",
    scope: Scope::All,
    fixable: true,
    check,
};

/// An integer wall-clock reading and the monotonic call that replaces it.
fn integer_reading(call: &Call<'_>) -> Option<&'static str> {
    match call.mfa() {
        ("System", "system_time" | "os_time", 0 | 1) => Some("System.monotonic_time"),
        (":os" | ":erlang", "system_time", 0 | 1) => Some(":erlang.monotonic_time"),
        _ => None,
    }
}

/// A date-time wall-clock reading (`DateTime.utc_now()`).
fn datetime_reading(call: &Call<'_>) -> bool {
    matches!(
        call.mfa(),
        ("DateTime", "utc_now", 0..=2) | ("NaiveDateTime", "utc_now" | "local_now", 0..=2)
    )
}

/// One side of a subtraction: a reading right here, or a variable bound to one.
struct Reading<'m, 't> {
    call: &'m Call<'t>,
    /// The variable that holds the reading, when it is not written inline.
    variable: Option<&'t str>,
}

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    // t1 - t0 where both are integer wall-clock readings.
    for operator in &file.operators {
        let op = operator.op;
        if op.operator_text(file.source) != "-" {
            continue;
        }
        let (Some(left), Some(right)) = (
            reading(file, operator.function, op.left, integer_reading),
            reading(file, operator.function, op.right, integer_reading),
        ) else {
            continue;
        };
        if left.variable.is_none() && right.variable.is_none() {
            continue; // `System.os_time() - System.os_time()` measures nothing.
        }
        let finding = Finding::new(
            op.node.byte_range(),
            format!(
                "A duration from two wall-clock readings (`{}`): a clock step makes it negative or far too large",
                call_name(left.call)
            ),
        );
        out.push(finding.with_fix(monotonic_fix(file, operator.function, &[left, right])));
    }
    // DateTime.diff(DateTime.utc_now(), started)
    for module in ["DateTime", "NaiveDateTime"] {
        for call in file.calls_to(module, "diff") {
            if call.arity < 2 || call.capture {
                continue;
            }
            let first = reading(file, call.function, call.args[0], |c| {
                datetime_reading(c).then_some("")
            });
            let second = reading(file, call.function, call.args[1], |c| {
                datetime_reading(c).then_some("")
            });
            let (Some(first), Some(second)) = (first, second) else {
                continue;
            };
            if first.variable.is_none() && second.variable.is_none() {
                continue;
            }
            out.push(Finding::new(
                call.node.byte_range(),
                format!(
                    "`{module}.diff` of two `{}` readings: a clock step makes the duration negative or far too large",
                    call_name(first.call)
                ),
            ));
        }
    }
}

fn call_name(call: &Call<'_>) -> String {
    let (module, name, _) = call.mfa();
    format!("{module}.{name}")
}

/// `node` as a reading accepted by `accept`: a call, or a variable whose latest
/// binding in the function (before `node`) is such a call.
fn reading<'m, 't>(
    file: &'m FileModel<'t>,
    function: Option<FunctionId>,
    node: Node<'t>,
    accept: impl Fn(&Call<'t>) -> Option<&'static str>,
) -> Option<Reading<'m, 't>> {
    let node = unparenthesized(node);
    if let Some(call) = file.call_for_node(node) {
        return accept(call).map(|_| Reading {
            call,
            variable: None,
        });
    }
    let name = variable_name(node, file.source)?;
    let binding = file.last_binding_before(function?, name, node)?;
    let call = file.call_for_node(unparenthesized(binding.value))?;
    accept(call).map(|_| Reading {
        call,
        variable: Some(name),
    })
}

/// Both readings become monotonic, when each variable holding one is used only
/// here (otherwise it may be a timestamp shown or stored elsewhere).
fn monotonic_fix(
    file: &FileModel<'_>,
    function: Option<FunctionId>,
    readings: &[Reading<'_, '_>],
) -> Option<Fix> {
    let function = file.function(function?);
    let mut edits = Vec::new();
    for reading in readings {
        if let Some(variable) = reading.variable {
            if crate::syntax::variable_uses(function.node, variable, file.source).len() != 2 {
                return None;
            }
        }
        let replacement = integer_reading(reading.call)?;
        let target = reading.call.node.child_by_field_name("target")?;
        edits.push(TextEdit::replace(target.byte_range(), replacement));
    }
    Some(Fix {
        title: "Measure with monotonic time on both sides".to_string(),
        edits,
    })
}
