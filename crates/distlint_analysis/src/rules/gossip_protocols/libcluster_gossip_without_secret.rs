//! A libcluster topology using the UDP multicast gossip strategy without a secret.
//!
//! `Cluster.Strategy.Gossip` announces node names over UDP multicast; without
//! `secret:` the packets are neither encrypted nor authenticated.

use tree_sitter::Node;

use crate::diagnostic::{Finding, Fix, Severity, TextEdit};
use crate::model::FileModel;
use crate::rules::{Rule, RuleContext, Scope, Topic};
use crate::syntax::{list_elements, unparenthesized, KeywordPair, Keywords};

pub static RULE: Rule = Rule {
    name: "libcluster-gossip-without-secret",
    topic: Topic::GossipProtocols,
    severity: Severity::Warning,
    summary: "A libcluster Gossip topology without a secret: anyone on the network can read and forge it.",
    scope: Scope::All,
    fixable: true,
    check,
};

const SECRET: &str = "secret: System.fetch_env!(\"CLUSTER_SECRET\")";

fn check(cx: &RuleContext<'_>, out: &mut Vec<Finding>) {
    let file = cx.file;
    for located in &file.keyword_pairs {
        let Some(strategy) = KeywordPair::cast(located.node) else {
            continue;
        };
        if strategy.key_name(file.source) != "strategy" || !is_gossip(file, strategy.value) {
            continue;
        }
        let Some(topology) = strategy.node.parent().filter(|p| p.kind() == "keywords") else {
            continue;
        };
        let topology = Keywords { node: topology };
        let fix = match topology.pair("config", file.source) {
            None => add_config(file, topology),
            Some(config) => match missing_secret(file, config.value) {
                Some(fix) => fix,
                None => continue,
            },
        };
        let name = topology_name(file, topology.node)
            .map(|n| format!("`{n}` "))
            .unwrap_or_default();
        out.push(
            Finding::new(
                strategy.node.byte_range(),
                format!(
                    "libcluster Gossip topology {name}has no `secret`: anyone on the network can read and forge its heartbeats"
                ),
            )
            .with_fix(fix),
        );
    }
}

/// `Cluster.Strategy.Gossip`, also through `alias`, `Elixir.`, an atom or a module attribute.
fn is_gossip(file: &FileModel<'_>, value: Node<'_>) -> bool {
    let value = unparenthesized(file.resolve_attribute(value));
    file.module_reference(value).as_deref() == Some("Cluster.Strategy.Gossip")
}

/// The topology has no `config:`: add one holding the secret.
fn add_config(file: &FileModel<'_>, topology: Keywords<'_>) -> Option<Fix> {
    let last = topology.pairs().last()?;
    Some(Fix {
        title: "Add a `config: [secret: ...]` read from CLUSTER_SECRET".to_string(),
        edits: vec![append_pair(file, last.node, &format!("config: [{SECRET}]"))],
    })
}

/// Inserts `, pair` after the last pair, on a line of its own (same
/// indentation) when the last pair starts a line.
fn append_pair(file: &FileModel<'_>, last: Node<'_>, pair: &str) -> TextEdit {
    let line_start = file.source[..last.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let indent = &file.source[line_start..last.start_byte()];
    let text = if line_start > 0 && indent.chars().all(|c| c == ' ' || c == '\t') {
        format!(",\n{indent}{pair}")
    } else {
        format!(", {pair}")
    };
    TextEdit::insert(last.end_byte(), text)
}

/// `Some(fix)` when the written `config:` keyword list has no `secret:`
/// (the fix is `None` if the list is not written here); `None` when it has
/// one or is computed elsewhere.
fn missing_secret(file: &FileModel<'_>, config: Node<'_>) -> Option<Option<Fix>> {
    let written = unparenthesized(config);
    let value = unparenthesized(file.resolve_attribute(written));
    let inline = value.id() == written.id();
    let title = "Add `secret:` read from CLUSTER_SECRET".to_string();
    if list_elements(value).is_some_and(|e| e.is_empty()) {
        return Some(inline.then(|| Fix {
            title,
            edits: vec![TextEdit::replace(value.byte_range(), format!("[{SECRET}]"))],
        }));
    }
    let keywords = Keywords::cast(value)?;
    if keywords.pair("secret", file.source).is_some() {
        return None;
    }
    let last = keywords.pairs().last();
    Some(match (inline, last) {
        (true, Some(last)) => Some(Fix {
            title,
            edits: vec![append_pair(file, last.node, SECRET)],
        }),
        _ => None,
    })
}

/// The key the topology is listed under: `gossip` in `topologies: [gossip: [...]]`.
fn topology_name<'t>(file: &FileModel<'t>, keywords: Node<'t>) -> Option<&'t str> {
    let list = keywords.parent().filter(|p| p.kind() == "list")?;
    let pair = KeywordPair::cast(list.parent()?)?;
    Some(pair.key_name(file.source))
}
