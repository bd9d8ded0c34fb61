//! `distlint rules` and `distlint rule NAME`.

use distlint_analysis::config::closest_name;
use distlint_analysis::docs::{page, rule_section, rule_url, DEFAULT_DOCS_BASE_URL};
use distlint_analysis::rules::{self, Topic, ALL};
use serde_json::json;

use crate::cli::{Format, RuleArgs, RulesArgs};
use crate::exit;
use crate::output::markdown::render;

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
            let text = serde_json::to_string_pretty(&rules).unwrap_or_default();
            print_stdout(&format!("{text}\n"))
        }
        Format::Human | Format::Concise => {
            let width = ALL.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let topic_width = ALL.iter().map(|r| r.topic.name().len()).max().unwrap_or(0);
            let mut text = String::new();
            for rule in ALL.iter() {
                text.push_str(&format!(
                    "{:width$}  {:topic_width$}  {:7}  {}\n",
                    rule.name,
                    rule.topic.name(),
                    rule.severity.as_str(),
                    rule.summary
                ));
            }
            print_stdout(&text)
        }
    }
}

pub fn explain(args: &RuleArgs) -> u8 {
    let color = args.color.enabled();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    if let Some(topic_name) = &args.topic {
        let Some(topic) = Topic::from_name(topic_name) else {
            let names: Vec<&str> = Topic::ALL.iter().map(|t| t.name()).collect();
            let hint = closest_name(topic_name)
                .filter(|close| Topic::from_name(close).is_some())
                .map(|close| format!(" Did you mean `{close}`?"))
                .unwrap_or_default();
            eprintln!(
                "distlint: error: there is no topic named `{topic_name}`.{hint} Topics: {}.",
                names.join(", ")
            );
            return exit::ERROR;
        };
        let page = page(topic).unwrap_or_default();
        return print_stdout(&render(page, width, color));
    }
    let name = args.name.as_deref().unwrap_or_default();
    let Some(rule) = rules::by_name(name) else {
        let hint = match closest_name(name) {
            Some(close) if Topic::from_name(close).is_some() => {
                format!(" `{close}` is a topic: `distlint rule --topic {close}` shows its page.")
            }
            Some(close) => format!(" Did you mean `{close}`?"),
            None => String::new(),
        };
        eprintln!(
            "distlint: error: there is no rule named `{name}`.{hint} Run `distlint rules` to list them."
        );
        return exit::ERROR;
    };
    let mut text = match rule_section(rule) {
        Some(section) => render(section, width, color),
        None => format!("{}\n\n{}\n", rule.name, rule.summary),
    };
    text.push_str(&format!(
        "\nReference: {}\n",
        rule_url(DEFAULT_DOCS_BASE_URL, rule.name)
    ));
    print_stdout(&text)
}

/// Writes `text` to standard output. A reader that stopped reading (`| head`)
/// is not an error; any other write failure is reported (exit 2), never a panic.
fn print_stdout(text: &str) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => exit::CLEAN,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::CLEAN,
        Err(err) => {
            eprintln!("distlint: error: cannot write to standard output: {err}");
            exit::ERROR
        }
    }
}
