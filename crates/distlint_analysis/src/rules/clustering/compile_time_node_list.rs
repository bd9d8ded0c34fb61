//! Node names, node lists and host names frozen into module attributes at compile time.

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::file::{Attribute, AttributeId};
use crate::model::{Call, FileModel};
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{ancestors, attribute_reference, contains, CallNode, NOT_VALUE_ATTRIBUTES};

pub static RULE: Rule = Rule {
    name: "compile-time-node-list",
    topic: Topic::Clustering,
    severity: Severity::Warning,
    summary: "A module attribute reads the node list, node name or host name at compile time.",
    scope: Scope::All,
    fixable: true,
    check,
};

/// Calls whose answer depends on the running node, and what it is at compile time.
fn node_fact(call: &Call<'_>) -> Option<&'static str> {
    Some(match call.mfa() {
        ("Node", "list", 0 | 1) | (":erlang", "nodes", 0 | 1) => {
            "the compiler's connected nodes (normally none)"
        }
        ("", "node", 0) | ("Node", "self", 0) | (":erlang", "node", 0) => {
            "the compiler's node name (normally `:nonode@nohost`)"
        }
        ("Node", "alive?", 0) | (":erlang", "is_alive", 0) => {
            "whether the compiler was distributed (normally not)"
        }
        (":inet" | ":inet_db", "gethostname", 0) | (":net_adm", "localhost", 0) => {
            "the build machine's host name"
        }
        _ => return None,
    })
}

const CALLS: &[(&str, &[&str])] = &[
    ("Node", &["list", "self", "alive?"]),
    (":erlang", &["nodes", "node", "is_alive"]),
    ("", &["node"]),
    (":inet", &["gethostname"]),
    (":inet_db", &["gethostname"]),
    (":net_adm", &["localhost"]),
];

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    // A script (a test, `mix.exs`, a config file) is compiled right before it runs:
    // its attributes see the node it runs on.
    if cx.path.extension().is_some_and(|e| e == "exs") {
        return;
    }
    let file = cx.file;
    // One finding per attribute, at its first node-dependent call.
    let mut reported: Vec<AttributeId> = Vec::new();
    let mut calls: Vec<&Call<'_>> = CALLS
        .iter()
        .flat_map(|(module, names)| file.calls_to_any(module, names))
        .filter(|call| !call.capture && call.attribute.is_some())
        .collect();
    calls.sort_by_key(|call| call.node.start_byte());
    for call in calls {
        let Some(id) = call.attribute else { continue };
        let Some(fact) = node_fact(call) else {
            continue;
        };
        let attribute = &file.attributes[id.index()];
        if NOT_VALUE_ATTRIBUTES.contains(&attribute.name.as_str()) || reported.contains(&id) {
            continue;
        }
        reported.push(id);
        let name = &attribute.name;
        let (module, function, _) = call.mfa();
        let called = if module.is_empty() {
            format!("{function}()")
        } else {
            format!("{module}.{function}()")
        };
        out.push(
            Finding::new(
                attribute.node.byte_range(),
                format!("`@{name}` is `{called}` frozen at compile time: {fact}"),
            )
            .with_fix(inline_fix(file, attribute)),
        );
    }
}

/// Deletes the definition line and writes the expression in place of each `@name`,
/// when the attribute is defined once and read only inside `def`/`defp` bodies of
/// the same module (not in heads or guards, where a call is not allowed, nor in `quote`).
fn inline_fix(file: &FileModel<'_>, attribute: &Attribute<'_>) -> Option<Fix> {
    let source = file.source;
    let name = attribute.name.as_str();
    let definitions = file
        .attributes
        .iter()
        .filter(|a| a.name == name && a.module == attribute.module)
        .count();
    if definitions != 1 {
        return None;
    }
    let uses: Vec<_> = file
        .attribute_refs
        .iter()
        .filter(|r| {
            attribute_reference(r.node, source) == Some(name)
                && file.module_at(r.node) == attribute.module
        })
        .collect();
    if uses.is_empty() {
        return None;
    }
    let value = file.text(attribute.value);
    let replacement = if matches!(
        attribute.value.kind(),
        "call" | "identifier" | "list" | "tuple" | "atom" | "alias"
    ) {
        value.to_string()
    } else {
        format!("({value})")
    };
    let mut edits = Vec::new();
    for reference in uses {
        let function = file.function(reference.function?);
        let def = CallNode::cast(function.node)?.local_name(source)?;
        let in_body = function
            .body
            .is_some_and(|body| contains(body, reference.node));
        let quoted = ancestors(reference.node)
            .take_while(|a| a.id() != function.node.id())
            .any(|a| CallNode::cast(a).and_then(|c| c.local_name(source)) == Some("quote"));
        if !matches!(def, "def" | "defp") || !in_body || quoted {
            return None;
        }
        edits.push(TextEdit::replace(
            reference.node.byte_range(),
            replacement.clone(),
        ));
    }
    edits.push(TextEdit::replace(own_lines(source, attribute)?, ""));
    Some(Fix {
        title: format!("Compute `@{name}` at run time where it is used"),
        edits,
    })
}

/// The lines the definition occupies, with their line break, when nothing else is on them.
fn own_lines(source: &str, attribute: &Attribute<'_>) -> Option<std::ops::Range<usize>> {
    let range = attribute.node.byte_range();
    let start = source[..range.start].rfind('\n').map_or(0, |i| i + 1);
    if !source[start..range.start].trim().is_empty() {
        return None;
    }
    let end = source[range.end..]
        .find('\n')
        .map_or(source.len(), |i| range.end + i + 1);
    if !source[range.end..end].trim().is_empty() {
        return None;
    }
    Some(start..end)
}
