//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other CI
//! dashboards read it. One run; every rule in `tool.driver.rules` (so that
//! `ruleIndex` is stable); paths relative to the repository root under
//! `%SRCROOT%`; columns in UTF-16 code units (SARIF's default); a
//! `partialFingerprints` entry that survives unrelated edits (the baseline's
//! fingerprint); quick fixes as `fixes`.

use std::io::{self, Write};

use distlint_analysis::docs::{rule_section, rule_url, subsection, suppression_section};
use distlint_analysis::rules::{Rule, ALL, UNUSED_SUPPRESSION};
use distlint_analysis::{ColumnUnit, Severity, SourceFile, TextRange};
use serde_json::{json, Value};

use super::markdown::render;
use super::{Entry, Report};

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of distlint's fingerprint in `partialFingerprints` (versioned, as
/// SARIF asks; `primaryLocationLineHash` is GitHub's own and recomputed by it).
pub const FINGERPRINT_KEY: &str = "distlint/v1";

const SRCROOT: &str = "%SRCROOT%";

pub fn write(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let value = sarif(report);
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

/// Every rule, in catalogue order, then `unused-suppression`.
fn rule_names() -> Vec<&'static str> {
    ALL.iter()
        .map(|r| r.name)
        .chain([UNUSED_SUPPRESSION])
        .collect()
}

pub fn sarif(report: &Report<'_>) -> Value {
    let names = rule_names();
    let rules: Vec<Value> = names
        .iter()
        .map(|name| rule_descriptor(name, &report.docs_base_url))
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|entry| result(entry, &names))
        .collect();
    let mut notifications: Vec<Value> = report
        .problems
        .iter()
        .map(|p| notification("error", &p.message, Some(&p.path)))
        .collect();
    notifications.extend(
        report
            .parse_notes
            .iter()
            .map(|note| notification("warning", note, None)),
    );
    let root = file_uri(&report.repo_root.to_string_lossy());
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "distlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": report.problems.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "originalUriBaseIds": {
                SRCROOT: {"uri": format!("{}/", root.trim_end_matches('/'))},
            },
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

fn rule_descriptor(name: &str, docs_base_url: &str) -> Value {
    let rule: Option<&Rule> = distlint_analysis::rules::by_name(name);
    let (summary, section, topic, level, fixable) = match rule {
        Some(rule) => (
            rule.summary.to_string(),
            rule_section(rule).unwrap_or(rule.summary),
            rule.topic.name(),
            rule.severity,
            rule.fixable,
        ),
        None => (
            "A suppression comment that suppresses nothing, names no rule or names an unknown one."
                .to_string(),
            suppression_section().unwrap_or_default(),
            "configuration",
            Severity::Info,
            false,
        ),
    };
    let detects = subsection(section, "What it detects")
        .map(|text| plain(text).trim().to_string())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| summary.clone());
    json!({
        "id": name,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": detects},
        "helpUri": rule_url(docs_base_url, name),
        "help": {
            "text": plain(section),
            "markdown": section,
        },
        "defaultConfiguration": {"level": level_of(level)},
        "properties": {
            "tags": ["distributed-systems", topic],
            "topic": topic,
            "fixable": fixable,
        },
    })
}

/// Markdown as plain text (the terminal rendering, without colour).
fn plain(markdown: &str) -> String {
    render(markdown, 100, false)
}

fn level_of(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(entry: &Entry<'_>, names: &[&str]) -> Value {
    let d = entry.diagnostic;
    let location = artifact_location(entry);
    let mut result = json!({
        "ruleId": d.rule,
        "level": level_of(d.severity),
        "message": {"text": d.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": location.clone(),
                "region": region(entry.source, &d.range),
            }
        }],
        "partialFingerprints": {FINGERPRINT_KEY: entry.fingerprint},
    });
    if let Some(index) = names.iter().position(|n| *n == d.rule) {
        result["ruleIndex"] = json!(index);
    }
    if let Some(fix) = &d.fix {
        result["fixes"] = json!([{
            "description": {"text": fix.title},
            "artifactChanges": [{
                "artifactLocation": location,
                "replacements": fix.edits.iter().map(|edit| json!({
                    "deletedRegion": region(entry.source, &edit.range),
                    "insertedContent": {"text": edit.new_text},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    result
}

/// Relative to the repository root under `%SRCROOT%`; outside it, a `file:` URI.
fn artifact_location(entry: &Entry<'_>) -> Value {
    match &entry.repo_path {
        Some(path) => json!({"uri": encode_path(path), "uriBaseId": SRCROOT}),
        None => json!({"uri": file_uri(&entry.path)}),
    }
}

/// 1-based lines and columns (UTF-16 code units); the end column is the one
/// after the region, as SARIF defines it.
fn region(source: &SourceFile, range: &TextRange) -> Value {
    let start = source.line_col(range.start, ColumnUnit::Utf16);
    let end = source.line_col(range.end, ColumnUnit::Utf16);
    json!({
        "startLine": start.line + 1,
        "startColumn": start.col + 1,
        "endLine": end.line + 1,
        "endColumn": end.col + 1,
    })
}

fn notification(level: &str, message: &str, path: Option<&str>) -> Value {
    let mut value = json!({"level": level, "message": {"text": message}});
    if let Some(path) = path {
        value["locations"] = json!([{
            "physicalLocation": {"artifactLocation": {"uri": encode_path(path)}}
        }]);
    }
    value
}

/// An absolute path as a `file:` URI.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    format!("file://{}", encode_path(&path))
}

/// Percent-encodes what may not stand in a URI path.
pub fn encode_path(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(encode_path("lib/a b/ü.ex"), "lib/a%20b/%C3%BC.ex");
        assert_eq!(encode_path("lib/x#1.ex"), "lib/x%231.ex");
    }
}
