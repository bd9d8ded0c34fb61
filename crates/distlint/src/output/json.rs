//! `--format json`: one JSON object, version 1. The schema is documented in
//! docs/configuration.md; change it only with a new `version`.

use std::io::{self, Write};

use distlint_analysis::{Severity, TextRange};
use serde_json::{json, Value};

use super::{Entry, Report};

pub fn write(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let diagnostics: Vec<Value> = report.diagnostics.iter().map(diagnostic).collect();
    let mut value = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "files_checked": report.files_checked,
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "infos": report.count(Severity::Info),
            "fixable": report.fixable(),
            "not_reported_in_tests": report.not_reported_in_tests,
            "parse_errors": report.parse_errors.iter().map(|(path, line, column)| json!({
                "path": path, "line": line, "column": column,
            })).collect::<Vec<_>>(),
            "skipped": report.problems.iter().map(|p| json!({"path": p.path, "message": p.message})).collect::<Vec<_>>(),
        },
    });
    extras(&mut value["summary"], report);
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

/// Summary keys that appear only when their option is used: `baseline`
/// (with a baseline) and `fixed` (after `--fix`).
fn extras(summary: &mut Value, report: &Report<'_>) {
    if let Some(baseline) = &report.baseline {
        summary["baseline"] = json!({
            "files": baseline.files,
            "baselined": baseline.baselined,
            "fixed": baseline.fixed,
        });
    }
    if let Some(fixed) = &report.fixed {
        summary["fixed"] = json!({
            "findings": fixed.count(),
            "files": fixed.files,
            "fixes": fixed.fixes.iter().map(|(rule, title, count)| json!({
                "rule": rule, "title": title, "count": count,
            })).collect::<Vec<_>>(),
        });
    }
}

/// `--statistics --format json`: the count per rule, and the summary.
pub fn write_statistics(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let rows: Vec<Value> = report
        .per_rule()
        .iter()
        .map(|row| {
            json!({
                "rule": row.rule,
                "severity": row.severity.as_str(),
                "count": row.count,
                "fixable": row.fixable,
            })
        })
        .collect();
    let mut value = json!({
        "version": 1,
        "statistics": rows,
        "summary": {
            "files_checked": report.files_checked,
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "infos": report.count(Severity::Info),
            "fixable": report.fixable(),
        },
    });
    extras(&mut value["summary"], report);
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

fn diagnostic(entry: &Entry<'_>) -> Value {
    let d = entry.diagnostic;
    json!({
        "rule": d.rule,
        "severity": d.severity.as_str(),
        "path": entry.path,
        "range": range(entry, &d.range),
        "message": d.message,
        "reference": entry.topic.map(|t| t.name()).unwrap_or("configuration"),
        "url": entry.url,
        "fix": d.fix.as_ref().map(|fix| json!({
            "title": fix.title,
            "edits": fix.edits.iter().map(|edit| json!({
                "range": range(entry, &edit.range),
                "new_text": edit.new_text,
            })).collect::<Vec<_>>(),
        })),
    })
}

fn range(entry: &Entry<'_>, range: &TextRange) -> Value {
    let (start_line, start_column) = entry.position(range.start);
    let (end_line, end_column) = entry.position(range.end);
    json!({
        "start": {"line": start_line, "column": start_column},
        "end": {"line": end_line, "column": end_column},
    })
}
