//! `prevent_overlapping_partitions` turned off.
//!
//! Since OTP 25 `:global` disconnects from nodes that report lost connections,
//! so that the cluster splits into fully connected groups instead of
//! overlapping ones; turning that off lets `:global`'s own state go
//! inconsistent, and stay so after the network heals.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Severity};
use crate::model::FileModel;
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{is_atom, list_elements, text_literal, unparenthesized, Keywords};

pub static RULE: Rule = Rule {
    name: "overlapping-partitions-disabled",
    topic: Topic::FailureModes,
    severity: Severity::Warning,
    summary: "prevent_overlapping_partitions is off, which lets :global go inconsistent after a partition.",
    scope: Scope::All,
    fixable: false,
    check,
};

const SETTING: &str = "prevent_overlapping_partitions";

const MESSAGE: &str =
    "This turns off `prevent_overlapping_partitions`: `:global`'s names and locks can stay inconsistent after a partition";

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    let source = file.source;
    let is_false = |node: Node<'_>| is_atom(unparenthesized(node), source, "false");
    // config :kernel, prevent_overlapping_partitions: false
    for call in file.calls_to("", "config") {
        if call.arity < 2 || !is_atom(unparenthesized(call.args[0]), source, "kernel") {
            continue;
        }
        if let Some(pair) = call
            .keyword_options()
            .and_then(|options| options.pair(SETTING, source))
            .filter(|pair| is_false(pair.value))
        {
            out.push(Finding::new(pair.node.byte_range(), MESSAGE));
        }
    }
    // Application.put_env(:kernel, :prevent_overlapping_partitions, false)
    for (module, name) in [("Application", "put_env"), (":application", "set_env")] {
        for call in file.calls_to(module, name) {
            if call.capture || !matches!(call.arity, 3 | 4) {
                continue;
            }
            if is_atom(unparenthesized(call.args[0]), source, "kernel")
                && is_atom(unparenthesized(call.args[1]), source, SETTING)
                && is_false(call.args[2])
            {
                out.push(Finding::new(call.node.byte_range(), MESSAGE));
            }
        }
    }
    // Application.put_all_env(kernel: [prevent_overlapping_partitions: false])
    for call in file.calls_to("Application", "put_all_env") {
        let Some(kernel) = call
            .args
            .first()
            .and_then(|a| Keywords::cast(unparenthesized(*a)))
            .and_then(|all| all.get("kernel", source))
            .and_then(|k| Keywords::cast(unparenthesized(k)))
        else {
            continue;
        };
        if let Some(pair) = kernel.pair(SETTING, source).filter(|p| is_false(p.value)) {
            out.push(Finding::new(pair.node.byte_range(), MESSAGE));
        }
    }
    // Emulator flags: "-kernel prevent_overlapping_partitions false", or the
    // three words as separate elements of an argument list.
    for string in &file.strings {
        let Some(content) = text_literal(string.node, source) else {
            continue;
        };
        let words: Vec<&str> = content.split_whitespace().collect();
        let inline = words
            .windows(2)
            .any(|pair| pair[0] == SETTING && pair[1] == "false");
        if inline || (content == SETTING && next_element_is_false(file, string.node)) {
            out.push(Finding::new(string.node.byte_range(), MESSAGE));
        }
    }
}

/// `["-kernel", "prevent_overlapping_partitions", "false"]`: the element after
/// `node` in its list is the text `false`.
fn next_element_is_false(file: &FileModel<'_>, node: Node<'_>) -> bool {
    let Some(elements) = node.parent().and_then(list_elements) else {
        return false;
    };
    elements
        .iter()
        .position(|e| e.id() == node.id())
        .and_then(|i| elements.get(i + 1))
        .and_then(|next| text_literal(*next, file.source))
        == Some("false")
}
