//! `{:swarm, ...}` in the deps of a mix.exs.
//!
//! Swarm's last Hex release is from January 2019, and its own tracker has open
//! reports of registrations that stay duplicated after a netsplit heals.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::FileModel;
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{atom_name, last_expression, list_elements, tuple_elements, Keywords};

pub static RULE: Rule = Rule {
    name: "unmaintained-swarm-dependency",
    topic: Topic::LeaderElection,
    severity: Severity::Warning,
    summary: "A dependency on Swarm: unmaintained, and its registry can go inconsistent.",
    scope: Scope::All,
    fixable: false,
    check,
};

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    if cx.path.file_name().is_none_or(|name| name != "mix.exs") {
        return;
    }
    let file = cx.file;
    for list in dependency_lists(file) {
        for element in list_elements(list).unwrap_or_default() {
            if is_swarm(file, element) {
                out.push(Finding::new(
                    element.byte_range(),
                    "Swarm is unmaintained (last release 2019): its registry can lose names or keep duplicates as nodes come and go",
                ));
            }
        }
    }
}

/// The `deps` lists of a mix.exs: the body of `defp deps` and a `deps: [...]`
/// literal in `project`.
fn dependency_lists<'t>(file: &FileModel<'t>) -> Vec<Node<'t>> {
    let mut lists = Vec::new();
    for function in &file.functions {
        let Some(value) = function.body.map(last_expression) else {
            continue;
        };
        match function.name.as_str() {
            "deps" => lists.push(value),
            "project" => {
                if let Some(deps) = Keywords::cast(value).and_then(|k| k.get("deps", file.source)) {
                    lists.push(deps);
                }
            }
            _ => {}
        }
    }
    lists
}

fn is_swarm(file: &FileModel<'_>, element: Node<'_>) -> bool {
    tuple_elements(element)
        .and_then(|elements| elements.first().copied())
        .and_then(|name| atom_name(name, file.source))
        == Some("swarm")
}
