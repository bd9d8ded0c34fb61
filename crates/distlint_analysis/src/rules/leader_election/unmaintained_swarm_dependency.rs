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
    summary: "The project depends on Swarm, which is no longer maintained and whose registry can stay inconsistent after topology changes.",
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
                    "Swarm is unmaintained (its last release dates from January 2019) and its registry \
                     can keep two processes under one name, or lose a name, when nodes join, leave or a \
                     netsplit heals. Move to `Horde` (CRDT registry and supervisor), `:pg` process groups, \
                     or `:global`.",
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
