//! The reference pages, embedded in the binary, and the URLs that point at them.

use crate::rules::{Rule, Topic, UNUSED_SUPPRESSION};

/// Where the docs live unless configured otherwise (`docs-base-url`).
pub const DEFAULT_DOCS_BASE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs");

/// `(topic, markdown)` for every topic.
static PAGES: &[(Topic, &str)] = &[
    (
        Topic::LeaderElection,
        include_str!("../../../docs/reference/leader-election.md"),
    ),
    (
        Topic::DistributedTransactions,
        include_str!("../../../docs/reference/distributed-transactions.md"),
    ),
    (
        Topic::GossipProtocols,
        include_str!("../../../docs/reference/gossip-protocols.md"),
    ),
    (
        Topic::ConsistentHashing,
        include_str!("../../../docs/reference/consistent-hashing.md"),
    ),
    (
        Topic::EventSourcing,
        include_str!("../../../docs/reference/event-sourcing.md"),
    ),
    (
        Topic::EscalationLadder,
        include_str!("../../../docs/reference/escalation-ladder.md"),
    ),
    (
        Topic::Consensus,
        include_str!("../../../docs/reference/consensus.md"),
    ),
    (
        Topic::Clustering,
        include_str!("../../../docs/reference/clustering.md"),
    ),
    (
        Topic::CapTradeoffs,
        include_str!("../../../docs/reference/cap-tradeoffs.md"),
    ),
    (
        Topic::FailureModes,
        include_str!("../../../docs/reference/failure-modes.md"),
    ),
    (
        Topic::ProductionChecklist,
        include_str!("../../../docs/reference/production-checklist.md"),
    ),
    (
        Topic::ResiliencePrinciples,
        include_str!("../../../docs/reference/resilience-principles.md"),
    ),
];

static CONFIGURATION: &str = include_str!("../../../docs/configuration.md");

/// The whole reference page of a topic.
pub fn page(topic: Topic) -> Option<&'static str> {
    PAGES
        .iter()
        .find(|(t, _)| *t == topic)
        .map(|(_, text)| *text)
}

/// Every embedded page.
pub fn pages() -> impl Iterator<Item = (Topic, &'static str)> {
    PAGES.iter().copied()
}

/// The `## <rule>` section of the rule's page, up to the next `## ` heading.
pub fn rule_section(rule: &Rule) -> Option<&'static str> {
    section(page(rule.topic)?, rule.name)
}

/// The section of `markdown` under the level-2 heading `heading`, heading included.
pub fn section<'a>(markdown: &'a str, heading: &str) -> Option<&'a str> {
    section_at_level(markdown, 2, heading)
}

/// The body of the `### heading` subsection of a rule section, heading excluded.
pub fn subsection<'a>(section: &'a str, heading: &str) -> Option<&'a str> {
    let with_heading = section_at_level(section, 3, heading)?;
    let body = with_heading.split_once('\n').map_or("", |(_, body)| body);
    Some(body.trim())
}

/// From the heading `#…# heading` (exactly `level` hashes) to the next heading
/// of the same or a higher level, outside code blocks.
fn section_at_level<'a>(markdown: &'a str, level: usize, heading: &str) -> Option<&'a str> {
    let mut offset = 0;
    let mut start = None;
    let mut in_code = false;
    for line in markdown.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        let hashes = trimmed.chars().take_while(|c| *c == '#').count();
        let is_heading = !in_code && hashes > 0 && trimmed[hashes..].starts_with(' ');
        if is_heading && hashes <= level {
            if let Some(start) = start {
                return Some(markdown[start..offset].trim_end());
            }
            if hashes == level && trimmed[hashes..].trim() == heading {
                start = Some(offset);
            }
        }
        offset += line.len();
    }
    start.map(|start| markdown[start..].trim_end())
}

/// The suppression-comment section of docs/configuration.md.
pub fn suppression_section() -> Option<&'static str> {
    section(CONFIGURATION, "Suppression comments")
}

/// The reference URL of a rule: its section of its topic's page, or for
/// `unused-suppression` the suppression section of the configuration page.
pub fn rule_url(base: &str, rule_name: &str) -> String {
    let base = base.trim_end_matches('/');
    match crate::rules::by_name(rule_name) {
        Some(rule) => format!("{base}/reference/{}.md#{rule_name}", rule.topic.name()),
        None if rule_name == UNUSED_SUPPRESSION => {
            format!("{base}/configuration.md#suppression-comments")
        }
        None => format!("{base}/README.md"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_stops_at_next_level_two_heading() {
        let md = "# T\n\n## a\ntext a\n### sub\nmore\n## b\ntext b\n";
        assert_eq!(section(md, "a"), Some("## a\ntext a\n### sub\nmore"));
        assert_eq!(section(md, "b"), Some("## b\ntext b"));
        assert_eq!(section(md, "c"), None);
        assert_eq!(subsection(section(md, "a").unwrap(), "sub"), Some("more"));
        let with_code = "## a\n### x\n```\n## not a heading\n```\ntail\n### y\n";
        assert_eq!(
            subsection(with_code, "x"),
            Some("```\n## not a heading\n```\ntail")
        );
    }

    #[test]
    fn every_rule_has_a_section_on_its_topic_page() {
        for rule in crate::rules::ALL.iter() {
            let section = rule_section(rule).unwrap_or_else(|| {
                panic!(
                    "rule {} has no `## {}` section in docs/reference/{}.md",
                    rule.name,
                    rule.name,
                    rule.topic.name()
                )
            });
            for heading in [
                "### What it detects",
                "### Why it matters",
                "### How to fix",
                "### How to suppress",
            ] {
                assert!(
                    section.contains(heading),
                    "section of {} lacks {heading:?}",
                    rule.name
                );
            }
        }
        assert!(
            suppression_section().is_some(),
            "docs/configuration.md lacks `## Suppression comments`"
        );
    }

    #[test]
    fn every_topic_has_a_page_with_its_title() {
        for topic in Topic::ALL {
            let page = page(topic).unwrap_or_else(|| panic!("no page for {}", topic.name()));
            assert!(
                page.starts_with("# "),
                "{}.md starts with its title",
                topic.name()
            );
        }
    }

    #[test]
    fn urls_point_at_page_and_anchor() {
        let rule = crate::rules::by_name("rpc-without-timeout").unwrap();
        assert_eq!(
            rule_url("https://example.org/docs/", rule.name),
            "https://example.org/docs/reference/clustering.md#rpc-without-timeout"
        );
        assert_eq!(
            rule_url("https://example.org/docs", UNUSED_SUPPRESSION),
            "https://example.org/docs/configuration.md#suppression-comments"
        );
    }
}
