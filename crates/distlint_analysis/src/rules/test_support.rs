//! The fixture harness, driven by the rule registry: every rule in
//! `rules::ALL` is checked against `tests/fixtures/<rule>/`, so a new rule
//! cannot be left out.
//!
//! `fires/**` and `quiet/**` hold Elixir files; they must parse without
//! errors (a fixture the parser recovered from may pass because code was
//! dropped). In `fires`, each expected finding is annotated on the line
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
//! is a test file, linted as if `[tests] lint = true`; `fires/mix.exs` a mix.exs). A fixture whose nearest `mix.exs`
//! lies inside its `fires/` or `quiet/` directory is linted with that project's
//! model (its dependencies); any other fixture with an empty one.
//!
//! Quick fixes: each one is applied alone and the file re-linted (its finding
//! must go, the file must still parse); then all fixes of the fixture's rules
//! are applied together and the text must equal `fixed/<same path>`
//! (`DISTLINT_BLESS=1 cargo test` writes those files: read the diff before
//! committing). A rule marked `fixable` must offer a fix on some `fires`
//! fixture, and a rule not so marked must offer none.

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::lint_text;
use crate::model::project::find_project_root;
use crate::model::ProjectModel;
use crate::rules::{Rule, ALL};
use crate::source::{ColumnUnit, SourceFile};

pub fn fixtures_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    // Canonical, so failure messages show a path one can click.
    dir.canonicalize().unwrap_or(dir)
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

/// Checks the fixtures of one rule; returns what is wrong, one entry per problem.
pub fn check_fixtures(rule: &Rule) -> Vec<String> {
    let name = rule.name;
    let dir = fixtures_dir().join(name);
    let fires = elixir_files(&dir.join("fires"));
    let quiet = elixir_files(&dir.join("quiet"));
    if fires.is_empty() || quiet.is_empty() {
        return vec![format!(
            "{name}: needs fixtures in {0}/fires and {0}/quiet",
            dir.display()
        )];
    }
    // Test code is linted here, so that `quiet/test/...` fixtures show that a
    // rule marked (prod) stays quiet there even when tests are linted.
    let mut config = Config::default_at(Path::new("/project"));
    config.lint_tests = true;
    let mut failures = Vec::new();
    let mut fired = 0;
    let mut fixes_offered = 0;
    for (path, kind_dir) in fires
        .iter()
        .map(|p| (p, "fires"))
        .chain(quiet.iter().map(|p| (p, "quiet")))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let relative = path.strip_prefix(dir.join(kind_dir)).unwrap();
        let project = fixture_project(path, &dir.join(kind_dir));
        let (parsed, result) = lint_text(&text, relative, &project, &config);
        let source = &parsed.source;
        if !result.rule_panics.is_empty() {
            failures.push(format!(
                "{}: rule panicked: {:?}",
                path.display(),
                result.rule_panics
            ));
        }
        // A fixture the parser had to recover from may pass because code was dropped.
        for error in &result.syntax_errors {
            let at = source.line_col(error.start, ColumnUnit::Chars);
            failures.push(format!(
                "{}:{}:{}: the fixture does not parse here; fixtures must be valid Elixir",
                path.display(),
                at.line + 1,
                at.col + 1
            ));
        }
        let (expected, found) = if kind_dir == "fires" {
            let expected = annotations(source);
            // The rule under test and the rules annotated here; others are not this fixture's concern.
            let relevant: Vec<Diagnostic> = result
                .diagnostics
                .iter()
                .filter(|d| d.rule == name || expected.iter().any(|e| e.rule == d.rule))
                .cloned()
                .collect();
            fixes_offered += relevant
                .iter()
                .filter(|d| d.rule == name && d.fix.is_some())
                .count();
            let annotated: Vec<&str> = expected.iter().map(|e| e.rule.as_str()).collect();
            check_fixed_text(
                &dir,
                relative,
                &text,
                |rule| rule == name || annotated.contains(&rule),
                &project,
                &config,
                &mut failures,
            );
            (expected, actual(source, &relevant))
        } else {
            // Quiet: nothing of this rule, and no warning or error of any rule.
            let loud: Vec<Diagnostic> = result
                .diagnostics
                .iter()
                .filter(|d| d.rule == name || d.severity >= Severity::Warning)
                .cloned()
                .collect();
            (Vec::new(), actual(source, &loud))
        };
        fired += found.iter().filter(|f| f.rule == name).count();
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
    if fired == 0 {
        failures.push(format!("{name}: no fixture in fires/ fires it"));
    }
    if rule.fixable && fixes_offered == 0 {
        failures.push(format!(
            "{name} is marked fixable but offers no quick fix on any fixture in fires/"
        ));
    }
    if !rule.fixable && fixes_offered > 0 {
        failures.push(format!(
            "{name} offers a quick fix but is not marked fixable (`fixable: true` in its RULE)"
        ));
    }
    failures
}

/// Applies every quick fix of the `relevant` rules, in passes, as
/// `distlint check --fix` does ([`crate::fix::fix_all`]), and compares the result
/// with `<rule>/fixed/<relative>`. Run with `DISTLINT_BLESS=1` to write the
/// expected files after checking the new text by eye.
fn check_fixed_text(
    rule_dir: &Path,
    relative: &Path,
    text: &str,
    relevant: impl Fn(&str) -> bool,
    project: &ProjectModel,
    config: &Config,
    failures: &mut Vec<String>,
) {
    let expected_path = rule_dir.join("fixed").join(relative);
    let eligible = |_: &SourceFile, diagnostics: &[Diagnostic]| {
        diagnostics.iter().map(|d| relevant(d.rule)).collect()
    };
    let outcome = crate::fix::fix_all(text, relative, project, config, &eligible);
    for refused in &outcome.refused {
        failures.push(format!(
            "{}: fix `{}` of {} was not applied with the others: it breaks the syntax",
            rule_dir.join("fires").join(relative).display(),
            refused.title,
            refused.rule
        ));
    }
    let fixed = outcome.changed().then_some(outcome.text);
    if let Some(fixed) = &fixed {
        let (_, result) = lint_text(fixed, relative, project, config);
        if !result.syntax_errors.is_empty() {
            failures.push(format!(
                "{}: applying all quick fixes breaks the syntax:\n{fixed}",
                rule_dir.join("fires").join(relative).display()
            ));
        }
    }
    let expected = std::fs::read_to_string(&expected_path).ok();
    let bless = std::env::var_os("DISTLINT_BLESS").is_some_and(|v| v == "1");
    if bless && std::env::var_os("CI").is_some() {
        failures.push("DISTLINT_BLESS=1 is refused under CI".to_string());
        return;
    }
    match (fixed, expected) {
        (Some(fixed), Some(expected)) if fixed == expected => {}
        (Some(fixed), _) if bless => {
            std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
            std::fs::write(&expected_path, fixed).unwrap();
        }
        (Some(fixed), Some(_)) => failures.push(format!(
            "{}: the quick fixes give other text than this file expects \
             (DISTLINT_BLESS=1 rewrites it); they give:\n{fixed}",
            expected_path.display()
        )),
        (Some(fixed), None) => failures.push(format!(
            "{}: missing; the quick fixes of this fixture give (DISTLINT_BLESS=1 writes it):\n{fixed}",
            expected_path.display()
        )),
        (None, Some(_)) if bless => std::fs::remove_file(&expected_path).unwrap(),
        (None, Some(_)) => failures.push(format!(
            "{}: expects fixed text, but no quick fix applies to the fixture any more",
            expected_path.display()
        )),
        (None, None) => {}
    }
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

/// The fixtures of every registered rule: a rule cannot be added without them.
#[test]
fn fixtures_of_every_rule() {
    let failures: Vec<String> = ALL.iter().flat_map(|rule| check_fixtures(rule)).collect();
    assert!(
        failures.is_empty(),
        "fixture problems:\n{}",
        failures.join("\n")
    );
}

/// Every fixture directory belongs to a registered rule (a renamed rule
/// would otherwise leave its old fixtures untested).
#[test]
fn every_fixture_directory_is_a_rule() {
    for entry in std::fs::read_dir(fixtures_dir()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            crate::rules::by_name(&name).is_some(),
            "tests/fixtures/{name} is not the name of a registered rule"
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

/// Longest a finding's message may be, in characters: one line a terminal
/// shows whole. The explanation lives in `distlint rule NAME`, the hover and
/// the reference page, not in every occurrence's message.
const MESSAGE_LIMIT: usize = 140;

/// Every message a rule gives on its `fires/` fixtures is one line of at
/// most [`MESSAGE_LIMIT`] characters.
#[test]
fn messages_fit_one_line() {
    let mut config = Config::default_at(Path::new("/project"));
    config.lint_tests = true;
    let mut failures = Vec::new();
    for rule in ALL.iter() {
        let dir = fixtures_dir().join(rule.name).join("fires");
        for path in elixir_files(&dir) {
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(&dir).unwrap();
            let project = fixture_project(&path, &dir);
            let (_, result) = lint_text(&text, relative, &project, &config);
            for d in &result.diagnostics {
                let length = d.message.chars().count();
                if length > MESSAGE_LIMIT || d.message.contains(['\n', '\r']) {
                    failures.push(format!(
                        "{}: {} message of {length} characters: {}",
                        path.display(),
                        d.rule,
                        d.message
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "messages longer than one line of {MESSAGE_LIMIT} characters:\n{}",
        failures.join("\n")
    );
}

/// Longest a rule's summary may be, in characters: `distlint rules` prints it
/// after the name, topic and severity, on one line.
const SUMMARY_LIMIT: usize = 100;

/// Every summary is one short line.
#[test]
fn summaries_fit_one_line() {
    let long: Vec<String> = ALL
        .iter()
        .filter(|rule| rule.summary.chars().count() > SUMMARY_LIMIT || rule.summary.contains('\n'))
        .map(|rule| format!("{}: {}", rule.name, rule.summary))
        .collect();
    assert!(
        long.is_empty(),
        "summaries longer than one line of {SUMMARY_LIMIT} characters:\n{}",
        long.join("\n")
    );
}
