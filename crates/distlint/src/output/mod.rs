//! Turning a check outcome into what the user reads: one flat report, then a
//! writer per format.

pub mod human;
pub mod json;
pub mod markdown;

use std::path::Path;

use distlint_analysis::docs::rule_url;
use distlint_analysis::rules::{self, Topic};
use distlint_analysis::workspace::CheckOutcome;
use distlint_analysis::{ColumnUnit, Diagnostic, Severity, SourceFile};

use crate::check::display_path;

/// One finding with everything a writer needs.
pub struct Entry<'a> {
    pub path: String,
    pub source: &'a SourceFile,
    pub diagnostic: &'a Diagnostic,
    pub topic: Option<Topic>,
    pub url: String,
}

impl Entry<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let pos = self.source.line_col(offset, ColumnUnit::Chars);
        (pos.line + 1, pos.col + 1)
    }
}

/// How many findings one rule has (its highest severity among them).
pub struct RuleCount {
    pub rule: &'static str,
    pub severity: Severity,
    pub count: usize,
}

/// A file that could not be linted.
pub struct Problem {
    pub path: String,
    pub message: String,
}

pub struct Report<'a> {
    pub diagnostics: Vec<Entry<'a>>,
    pub problems: Vec<Problem>,
    /// Files where the parser recovered from a syntax error.
    pub parse_notes: Vec<String>,
    pub parse_errors: Vec<(String, u32, u32)>,
    pub files_checked: usize,
    /// Findings in test code that were not reported (`--lint-tests` shows them).
    pub not_reported_in_tests: usize,
}

impl<'a> Report<'a> {
    pub fn new(outcome: &'a CheckOutcome, cwd: &Path) -> Report<'a> {
        let mut report = Report {
            diagnostics: Vec::new(),
            problems: Vec::new(),
            parse_notes: Vec::new(),
            parse_errors: Vec::new(),
            files_checked: outcome.files.len(),
            not_reported_in_tests: 0,
        };
        for file in &outcome.files {
            let path = display_path(&file.path, cwd);
            report.not_reported_in_tests += file.lint.not_reported_in_tests;
            for diagnostic in &file.lint.diagnostics {
                let topic = rules::by_name(diagnostic.rule).map(|r| r.topic);
                report.diagnostics.push(Entry {
                    path: path.clone(),
                    source: &file.source,
                    diagnostic,
                    topic,
                    url: rule_url(&file.config.docs_base_url, diagnostic.rule),
                });
            }
            if let Some(first) = file.lint.syntax_errors.first() {
                let pos = file.source.line_col(first.start, ColumnUnit::Chars);
                report
                    .parse_errors
                    .push((path.clone(), pos.line + 1, pos.col + 1));
                report.parse_notes.push(format!(
                    "{path}:{}:{}: could not parse this part of the file; findings near it may be missing",
                    pos.line + 1,
                    pos.col + 1
                ));
            }
            for panic in &file.lint.rule_panics {
                report.problems.push(Problem {
                    path: path.clone(),
                    message: format!(
                        "internal error: rule {} crashed on this file ({}); its findings here are missing. Please report this with the file.",
                        panic.rule, panic.message
                    ),
                });
            }
        }
        for problem in &outcome.problems {
            report.problems.push(Problem {
                path: display_path(&problem.path, cwd),
                message: problem.message.clone(),
            });
        }
        report
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|e| e.diagnostic.severity == severity)
            .count()
    }

    /// Findings per rule, most first (then by name).
    pub fn per_rule(&self) -> Vec<RuleCount> {
        let mut rows: Vec<RuleCount> = Vec::new();
        for entry in &self.diagnostics {
            let d = entry.diagnostic;
            match rows.iter_mut().find(|r| r.rule == d.rule) {
                Some(row) => {
                    row.count += 1;
                    row.severity = row.severity.max(d.severity);
                }
                None => rows.push(RuleCount {
                    rule: d.rule,
                    severity: d.severity,
                    count: 1,
                }),
            }
        }
        rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
        rows
    }

    pub fn fixable(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|e| e.diagnostic.fix.is_some())
            .count()
    }
}
