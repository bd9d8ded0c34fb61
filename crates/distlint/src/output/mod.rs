//! Turning a check outcome into what the user reads: one flat report, then a
//! writer per format.

pub mod diff;
pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;

use std::path::{Path, PathBuf};

use distlint_analysis::baseline::{fingerprints, relative_key};
use distlint_analysis::docs::{rule_url, DEFAULT_DOCS_BASE_URL};
use distlint_analysis::rules::{self, Topic};
use distlint_analysis::workspace::CheckOutcome;
use distlint_analysis::{ColumnUnit, Diagnostic, Severity, SourceFile};

use crate::check::display_path;

/// One finding with everything a writer needs.
pub struct Entry<'a> {
    /// The path shown: relative to the current directory when inside it.
    pub path: String,
    /// The path relative to the repository root (`/`-separated), as CI
    /// systems name files; `None` when the file lies outside it.
    pub repo_path: Option<String>,
    pub source: &'a SourceFile,
    pub diagnostic: &'a Diagnostic,
    pub topic: Option<Topic>,
    pub url: String,
    /// Stable identity across unrelated edits (see `distlint_analysis::baseline`).
    pub fingerprint: String,
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
    /// How many of them have a quick fix.
    pub fixable: usize,
}

/// What a baseline left out of the report.
#[derive(Clone, Debug, Default)]
pub struct BaselineSummary {
    /// The baseline files used, as shown (relative to the current directory).
    pub files: Vec<String>,
    /// Findings recorded in a baseline, so not reported.
    pub baselined: usize,
    /// Recorded entries that no longer occur: fixed since the baseline was written.
    pub fixed: usize,
}

/// What `--fix` applied.
#[derive(Clone, Debug, Default)]
pub struct FixSummary {
    pub files: usize,
    /// (rule, fix title, how many), most first.
    pub fixes: Vec<(&'static str, String, usize)>,
}

impl FixSummary {
    pub fn count(&self) -> usize {
        self.fixes.iter().map(|(_, _, n)| n).sum()
    }
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
    /// The repository root (nearest `.git` at or above the current directory,
    /// else the current directory): what SARIF and GitHub paths are relative to.
    pub repo_root: PathBuf,
    /// Where rule links point (the first file's configuration decides).
    pub docs_base_url: String,
    /// Set when a baseline was used.
    pub baseline: Option<BaselineSummary>,
    /// Set after `--fix`.
    pub fixed: Option<FixSummary>,
}

impl<'a> Report<'a> {
    /// The report of an outcome, without the findings flagged in `hidden`
    /// (per file of the outcome, per diagnostic: baselined ones).
    pub fn new(outcome: &'a CheckOutcome, cwd: &Path, hidden: &[Vec<bool>]) -> Report<'a> {
        let repo_root = repository_root(cwd);
        let mut report = Report {
            diagnostics: Vec::new(),
            problems: Vec::new(),
            parse_notes: Vec::new(),
            parse_errors: Vec::new(),
            files_checked: outcome.files.len(),
            not_reported_in_tests: 0,
            docs_base_url: outcome
                .files
                .first()
                .map_or(DEFAULT_DOCS_BASE_URL.to_string(), |f| {
                    f.config.docs_base_url.clone()
                }),
            repo_root,
            baseline: None,
            fixed: None,
        };
        for (index, file) in outcome.files.iter().enumerate() {
            let path = display_path(&file.path, cwd);
            let repo_path = file
                .path
                .starts_with(&report.repo_root)
                .then(|| relative_key(&report.repo_root, &file.path));
            // Over every finding of the file, so that hiding some changes no other's.
            let prints = fingerprints(
                repo_path.as_deref().unwrap_or(&path),
                &file.source,
                &file.lint.diagnostics,
            );
            report.not_reported_in_tests += file.lint.not_reported_in_tests;
            for (at, (diagnostic, fingerprint)) in
                file.lint.diagnostics.iter().zip(prints).enumerate()
            {
                if hidden
                    .get(index)
                    .and_then(|h| h.get(at))
                    .copied()
                    .unwrap_or(false)
                {
                    continue;
                }
                let topic = rules::by_name(diagnostic.rule).map(|r| r.topic);
                report.diagnostics.push(Entry {
                    path: path.clone(),
                    repo_path: repo_path.clone(),
                    source: &file.source,
                    diagnostic,
                    topic,
                    url: rule_url(&file.config.docs_base_url, diagnostic.rule),
                    fingerprint,
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
            let fixable = usize::from(d.fix.is_some());
            match rows.iter_mut().find(|r| r.rule == d.rule) {
                Some(row) => {
                    row.count += 1;
                    row.fixable += fixable;
                    row.severity = row.severity.max(d.severity);
                }
                None => rows.push(RuleCount {
                    rule: d.rule,
                    severity: d.severity,
                    count: 1,
                    fixable,
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

/// The nearest directory at or above `dir` that holds `.git` (a directory,
/// or a file in a worktree or submodule), else `dir`.
pub fn repository_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(dir)
        .to_path_buf()
}
