//! The fixture harness shared by every rule's tests.
//!
//! `tests/fixtures/<rule>/fires/**` and `tests/fixtures/<rule>/quiet/**` hold
//! Elixir files. In `fires`, each expected finding is annotated on the line
//! below it:
//!
//! ```text
//!     :rpc.call(node, Mod, :f, [])
//! #   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ rpc-without-timeout
//! ```
//!
//! The carets sit under the finding's first line, from its start column to its
//! end (or to the end of that line, for findings that span lines). A file's
//! findings of the rule under test, and of every rule annotated in the file,
//! must be exactly its annotations. `quiet` files must have no finding of the
//! rule under test and no warning or error of any rule. The path below
//! `fires/`/`quiet/` is the path the file is linted as (so `quiet/test/x_test.exs`
//! is a test file, `fires/mix.exs` a mix.exs). A fixture whose nearest `mix.exs`
//! lies inside its `fires/` or `quiet/` directory is linted with that project's
//! model (its dependencies); any other fixture with an empty one. Every quick fix
//! is applied and the file re-linted: the finding must go away and the file must
//! still parse.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::lint_text;
use crate::model::project::find_project_root;
use crate::model::ProjectModel;
use crate::source::{ColumnUnit, SourceFile};

macro_rules! fixture_tests {
    ($rule:literal) => {
        #[test]
        fn fixtures() {
            crate::rules::test_support::check_fixtures($rule);
        }
    };
}
pub(crate) use fixture_tests;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// One expected finding: 0-based line, character columns `[start, end)` on that line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub rule: String,
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// Reads the `# ^^^ rule` annotations of a fixture.
pub fn annotations(source: &SourceFile) -> Vec<Expected> {
    let mut expected = Vec::new();
    let mut last_code_line = None;
    for line in 0..source.line_count() {
        let text = source.line_text(line);
        let trimmed = text.trim_start();
        let is_annotation = trimmed.starts_with('#')
            && trimmed
                .trim_start_matches('#')
                .trim_start()
                .starts_with('^');
        if !is_annotation {
            last_code_line = Some(line);
            continue;
        }
        let chars: Vec<char> = text.chars().collect();
        let start = chars
            .iter()
            .position(|c| *c == '^')
            .expect("annotation has a caret");
        let end = start + chars[start..].iter().take_while(|c| **c == '^').count();
        let rule: String = chars[end..].iter().collect::<String>().trim().to_string();
        let code_line = last_code_line.expect("an annotation must follow a line of code");
        expected.push(Expected {
            rule,
            line: code_line,
            start,
            end,
        });
    }
    expected.sort();
    expected
}

/// What the analysis found, in the shape of annotations.
pub fn actual(source: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<Expected> {
    let mut actual: Vec<Expected> = diagnostics
        .iter()
        .map(|d| {
            let start = source.line_col(d.range.start, ColumnUnit::Chars);
            let end = source.line_col(d.range.end, ColumnUnit::Chars);
            let end_col = if end.line == start.line {
                end.col as usize
            } else {
                source.line_text(start.line as usize).chars().count()
            };
            Expected {
                rule: d.rule.to_string(),
                line: start.line as usize,
                start: start.col as usize,
                end: end_col,
            }
        })
        .collect();
    actual.sort();
    actual
}

fn elixir_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if crate::workspace::is_elixir_file(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

pub fn check_fixtures(rule: &str) {
    let dir = fixtures_dir().join(rule);
    let fires = elixir_files(&dir.join("fires"));
    let quiet = elixir_files(&dir.join("quiet"));
    assert!(!fires.is_empty(), "no fixtures in {}/fires", dir.display());
    assert!(!quiet.is_empty(), "no fixtures in {}/quiet", dir.display());
    let config = Config::default_at(Path::new("/project"));
    let mut failures = Vec::new();
    let mut fired = 0;
    for (path, kind_dir) in fires
        .iter()
        .map(|p| (p, "fires"))
        .chain(quiet.iter().map(|p| (p, "quiet")))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let relative = path.strip_prefix(dir.join(kind_dir)).unwrap();
        let project = fixture_project(path, &dir.join(kind_dir));
        let (parsed, result) = lint_text(&text, relative, &project, &config);
        assert!(
            result.rule_panics.is_empty(),
            "{}: rule panicked: {:?}",
            path.display(),
            result.rule_panics
        );
        let source = &parsed.source;
        let (expected, found) = if kind_dir == "fires" {
            let expected = annotations(source);
            // The rule under test and the rules annotated here; others are not this fixture's concern.
            let relevant: Vec<Diagnostic> = result
                .diagnostics
                .iter()
                .filter(|d| d.rule == rule || expected.iter().any(|e| e.rule == d.rule))
                .cloned()
                .collect();
            (expected, actual(source, &relevant))
        } else {
            // Quiet: nothing of this rule, and no warning or error of any rule.
            let loud: Vec<Diagnostic> = result
                .diagnostics
                .iter()
                .filter(|d| d.rule == rule || d.severity >= Severity::Warning)
                .cloned()
                .collect();
            (Vec::new(), actual(source, &loud))
        };
        fired += found.iter().filter(|f| f.rule == rule).count();
        if expected != found {
            failures.push(format!(
                "{}:\n  expected: {}\n  found:    {}",
                path.display(),
                describe(&expected),
                describe(&found)
            ));
        }
        for diagnostic in result.diagnostics.iter().filter(|d| d.fix.is_some()) {
            check_fix(
                path,
                &text,
                relative,
                diagnostic,
                &config,
                &project,
                &mut failures,
            );
        }
    }
    assert!(fired > 0, "no fixture of {rule} fires it");
    assert!(
        failures.is_empty(),
        "fixture mismatches for {rule}:\n{}",
        failures.join("\n")
    );
}

/// The project a fixture belongs to: the one of its nearest `mix.exs` when that
/// lies inside the fixture's `fires/` or `quiet/` directory, else an empty one.
fn fixture_project(path: &Path, kind_dir: &Path) -> ProjectModel {
    match find_project_root(path) {
        Some(root) if root.starts_with(kind_dir) => ProjectModel::load(&root),
        _ => ProjectModel::default(),
    }
}

fn check_fix(
    path: &Path,
    text: &str,
    relative: &Path,
    diagnostic: &Diagnostic,
    config: &Config,
    project: &ProjectModel,
    failures: &mut Vec<String>,
) {
    let fix = diagnostic.fix.as_ref().unwrap();
    let fixed = fix.apply(text);
    let count = |t: &str| {
        let (_, r) = lint_text(t, relative, project, config);
        (
            r.diagnostics
                .iter()
                .filter(|d| d.rule == diagnostic.rule)
                .count(),
            r.syntax_errors.len(),
        )
    };
    let (before, errors_before) = count(text);
    let (after, errors_after) = count(&fixed);
    if after + 1 != before {
        failures.push(format!(
            "{}: fix `{}` for {} at {:?} left {after} of {before} findings:\n{fixed}",
            path.display(),
            fix.title,
            diagnostic.rule,
            diagnostic.range
        ));
    }
    if errors_after > errors_before {
        failures.push(format!(
            "{}: fix `{}` broke the syntax:\n{fixed}",
            path.display(),
            fix.title
        ));
    }
}

fn describe(findings: &[Expected]) -> String {
    if findings.is_empty() {
        return "nothing".to_string();
    }
    findings
        .iter()
        .map(|e| format!("{} at {}:{}-{}", e.rule, e.line + 1, e.start + 1, e.end + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn every_rule_has_fixtures() {
    for rule in crate::rules::ALL.iter() {
        let dir = fixtures_dir().join(rule.name);
        assert!(
            !elixir_files(&dir.join("fires")).is_empty()
                && !elixir_files(&dir.join("quiet")).is_empty(),
            "rule {} needs fixtures in {}/fires and /quiet",
            rule.name,
            dir.display()
        );
    }
}

#[test]
fn annotations_read_carets_under_the_previous_code_line() {
    let source = SourceFile::new("  foo(1)\n# ^^^ some-rule\n#   ^ other-rule\n");
    assert_eq!(
        annotations(&source),
        vec![
            Expected {
                rule: "other-rule".into(),
                line: 0,
                start: 4,
                end: 5
            },
            Expected {
                rule: "some-rule".into(),
                line: 0,
                start: 2,
                end: 5
            },
        ]
    );
}
