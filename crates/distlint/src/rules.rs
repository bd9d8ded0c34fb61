//! `distlint rules` and `distlint rule NAME`.

use distlint_analysis::docs::{rule_section, rule_url, DEFAULT_DOCS_BASE_URL};
use distlint_analysis::rules::{self, ALL};
use serde_json::json;

use crate::cli::{Format, RuleArgs, RulesArgs};
use crate::exit;

pub fn list(args: &RulesArgs) -> u8 {
    match args.format {
        Format::Json => {
            let rules: Vec<_> = ALL
                .iter()
                .map(|rule| {
                    json!({
                        "name": rule.name,
                        "reference": rule.topic.name(),
                        "severity": rule.severity.as_str(),
                        "summary": rule.summary,
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).unwrap_or_default()
            );
        }
        Format::Human => {
            let width = ALL.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let topic_width = ALL.iter().map(|r| r.topic.name().len()).max().unwrap_or(0);
            for rule in ALL.iter() {
                println!(
                    "{:width$}  {:topic_width$}  {:7}  {}",
                    rule.name,
                    rule.topic.name(),
                    rule.severity.as_str(),
                    rule.summary
                );
            }
        }
    }
    exit::CLEAN
}

pub fn explain(args: &RuleArgs) -> u8 {
    let Some(rule) = rules::by_name(&args.name) else {
        eprintln!(
            "distlint: error: there is no rule named `{}`. Run `distlint rules` to list them.",
            args.name
        );
        return exit::ERROR;
    };
    match rule_section(rule) {
        Some(section) => println!("{section}\n"),
        None => println!("## {}\n\n{}\n", rule.name, rule.summary),
    }
    println!(
        "Reference: {}",
        rule_url(DEFAULT_DOCS_BASE_URL, rule.name, Some(rule.topic))
    );
    exit::CLEAN
}
