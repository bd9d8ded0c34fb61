//! Applying quick fixes to a whole file, as `distlint check --fix` does and
//! as the fixture tests check: the one implementation of "fix everything".
//!
//! Fixes are applied in passes, as ruff does: each pass lints the current
//! text, takes every eligible fix that does not overlap one already taken
//! (in the order of the findings), applies them together, and starts again;
//! a fix that overlapped waits for a later pass, where it is recomputed on the
//! new text. A fix that would make the file parse worse than before is not
//! applied (and is reported, since it is a bug in its rule).

use std::ops::Range;
use std::path::Path;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Fix, TextEdit};
use crate::lint::lint_text;
use crate::model::ProjectModel;
use crate::parse::ParsedFile;
use crate::source::SourceFile;

/// Passes before giving up: each pass applies every fix that does not
/// overlap another, so real files need one or two.
pub const MAX_PASSES: usize = 10;

/// One quick fix applied (or refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedFix {
    pub rule: &'static str,
    pub title: String,
}

/// What [`fix_all`] did to a text.
#[derive(Clone, Debug, Default)]
pub struct FixOutcome {
    /// The text after every fix applied (the input when none applied).
    pub text: String,
    /// The fixes applied, in order.
    pub applied: Vec<AppliedFix>,
    /// Fixes not applied because the file would no longer parse (a bug in
    /// the rule that offered them).
    pub refused: Vec<AppliedFix>,
}

impl FixOutcome {
    pub fn changed(&self) -> bool {
        !self.applied.is_empty()
    }
}

/// Which of a text's findings may be fixed: one flag per diagnostic, given
/// the text as it is in the current pass (positions change between passes,
/// so a filter by place must look again each time).
pub type Eligible<'a> = dyn Fn(&SourceFile, &[Diagnostic]) -> Vec<bool> + 'a;

/// Every eligible quick fix applied to `text`, in passes (see the module
/// documentation). `relative`, `project` and `config` are what the file is
/// linted with.
pub fn fix_all(
    text: &str,
    relative: &Path,
    project: &ProjectModel,
    config: &Config,
    eligible: &Eligible<'_>,
) -> FixOutcome {
    let mut outcome = FixOutcome {
        text: text.to_string(),
        ..FixOutcome::default()
    };
    // Fixes refused once are not tried again: their text and edits identify them.
    let mut refused_keys: Vec<String> = Vec::new();
    for _pass in 0..MAX_PASSES {
        let (parsed, lint) = lint_text(&outcome.text, relative, project, config);
        let flags = eligible(&parsed.source, &lint.diagnostics);
        let Some(text) = one_pass(
            &parsed,
            &lint.diagnostics,
            &flags,
            &mut refused_keys,
            &mut outcome,
        ) else {
            break;
        };
        if text == outcome.text {
            break; // Fixes that change nothing would be offered for ever.
        }
        outcome.text = text;
    }
    outcome
}

/// One pass: the eligible fixes that do not overlap, applied together
/// unless that breaks the parse. `None` when nothing is left to apply.
fn one_pass(
    parsed: &ParsedFile,
    diagnostics: &[Diagnostic],
    flags: &[bool],
    refused_keys: &mut Vec<String>,
    outcome: &mut FixOutcome,
) -> Option<String> {
    let current = parsed.source.text();
    let errors_before = syntax_error_count(parsed);
    let parses = |text: &str| syntax_error_count(&ParsedFile::parse(text)) <= errors_before;
    // Each round refuses at least one fix or returns, so this ends.
    loop {
        let mut chosen: Vec<(&Diagnostic, &Fix)> = Vec::new();
        for (index, diagnostic) in diagnostics.iter().enumerate() {
            let Some(fix) = &diagnostic.fix else {
                continue;
            };
            if !flags.get(index).copied().unwrap_or(false)
                || refused_keys.contains(&fix_key(current, diagnostic.rule, fix))
            {
                continue;
            }
            let overlaps = fix.edits.iter().any(|edit| {
                chosen
                    .iter()
                    .flat_map(|(_, taken)| &taken.edits)
                    .any(|taken| overlap(&edit.range, &taken.range))
            });
            if !overlaps {
                chosen.push((diagnostic, fix));
            }
        }
        if chosen.is_empty() {
            return None;
        }
        let mut together = apply_all(current, chosen.iter().map(|(_, fix)| *fix));
        if !parses(&together) {
            // Find the culprits: each fix alone.
            let mut good = Vec::new();
            for (diagnostic, fix) in chosen {
                if parses(&fix.apply(current)) {
                    good.push((diagnostic, fix));
                } else {
                    refused_keys.push(fix_key(current, diagnostic.rule, fix));
                    outcome.refused.push(AppliedFix {
                        rule: diagnostic.rule,
                        title: fix.title.clone(),
                    });
                }
            }
            if good.is_empty() {
                continue; // Fixes that overlapped the refused ones may remain.
            }
            together = apply_all(current, good.iter().map(|(_, fix)| *fix));
            if !parses(&together) {
                // Fine alone, broken together: one per pass.
                good.truncate(1);
                together = apply_all(current, good.iter().map(|(_, fix)| *fix));
            }
            chosen = good;
        }
        outcome
            .applied
            .extend(chosen.iter().map(|(diagnostic, fix)| AppliedFix {
                rule: diagnostic.rule,
                title: fix.title.clone(),
            }));
        return Some(together);
    }
}

/// The fixes' edits applied together (they must not overlap).
fn apply_all<'f>(text: &str, fixes: impl Iterator<Item = &'f Fix>) -> String {
    let combined = Fix {
        title: String::new(),
        edits: fixes.flat_map(|fix| fix.edits.iter().cloned()).collect(),
    };
    combined.apply(text)
}

/// Identifies a fix across passes: its rule, title, and what its edits
/// replace with what (offsets move between passes, text does not).
fn fix_key(text: &str, rule: &str, fix: &Fix) -> String {
    let mut key = format!("{rule}\u{0}{}", fix.title);
    for TextEdit { range, new_text } in &fix.edits {
        let old = text.get(range.clone()).unwrap_or_default();
        key.push_str(&format!("\u{0}{old}\u{0}{new_text}"));
    }
    key
}

/// Whether two edits touch the same text (two insertions at one place count:
/// their order would be arbitrary).
pub fn overlap(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// How many places the parser had to recover from (error or missing nodes).
pub fn syntax_error_count(parsed: &ParsedFile) -> usize {
    let mut count = 0;
    let mut cursor = parsed.tree.walk();
    loop {
        let node = cursor.node();
        let descend = node.has_error() && !node.is_error();
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::default_at(Path::new("/p"))
    }

    fn all(_: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<bool> {
        vec![true; diagnostics.len()]
    }

    #[test]
    fn applies_every_fix_in_passes() {
        let text = "defmodule A do\n  def f(n), do: :rpc.call(n, M, :f, [])\n  def g(n), do: :rpc.call(n, M, :g, [])\nend\n";
        let outcome = fix_all(
            text,
            Path::new("lib/a.ex"),
            &ProjectModel::default(),
            &config(),
            &all,
        );
        assert_eq!(outcome.applied.len(), 2, "{outcome:?}");
        assert!(outcome.refused.is_empty());
        assert_eq!(
            outcome.text.matches(", 5_000)").count(),
            2,
            "{}",
            outcome.text
        );
        let (_, lint) = lint_text(
            &outcome.text,
            Path::new("lib/a.ex"),
            &ProjectModel::default(),
            &config(),
        );
        assert!(lint.diagnostics.iter().all(|d| d.fix.is_none()));
    }

    #[test]
    fn ineligible_findings_are_left_alone() {
        let text = "defmodule A do\n  def f(n), do: :rpc.call(n, M, :f, [])\nend\n";
        let none = |_: &SourceFile, d: &[Diagnostic]| vec![false; d.len()];
        let outcome = fix_all(
            text,
            Path::new("lib/a.ex"),
            &ProjectModel::default(),
            &config(),
            &none,
        );
        assert!(!outcome.changed());
        assert_eq!(outcome.text, text);
    }

    #[test]
    fn a_fix_that_breaks_the_parse_is_refused() {
        let text = "defmodule A do\n  def f, do: g(1)\nend\n";
        let parsed = ParsedFile::parse(text);
        let at = text.find("g(1)").unwrap();
        let finding = |rule: &'static str, edit: TextEdit| Diagnostic {
            rule,
            severity: crate::Severity::Warning,
            range: at..at + 4,
            message: String::new(),
            fix: Some(Fix {
                title: rule.to_string(),
                edits: vec![edit],
            }),
        };
        let diagnostics = [
            // Opens a parenthesis it never closes, and hides the next fix.
            finding("breaks", TextEdit::replace(at..at + 4, "g((1)")),
            finding("good", TextEdit::replace(at..at + 1, "h")),
        ];
        let mut refused = Vec::new();
        let mut outcome = FixOutcome::default();
        let text = one_pass(
            &parsed,
            &diagnostics,
            &[true, true],
            &mut refused,
            &mut outcome,
        );
        assert_eq!(
            text.as_deref(),
            Some("defmodule A do\n  def f, do: h(1)\nend\n")
        );
        assert_eq!(outcome.refused.len(), 1);
        assert_eq!(outcome.refused[0].rule, "breaks");
        assert_eq!(outcome.applied.len(), 1);
        assert_eq!(outcome.applied[0].rule, "good");
    }

    #[test]
    fn overlap_counts_insertions_at_one_place() {
        assert!(overlap(&(3..3), &(3..3)));
        assert!(overlap(&(1..5), &(4..6)));
        assert!(!overlap(&(1..4), &(4..6)));
        assert!(!overlap(&(4..4), &(1..4)));
    }

    #[test]
    fn counts_syntax_errors() {
        assert_eq!(syntax_error_count(&ParsedFile::parse("def f, do: 1\n")), 0);
        assert!(syntax_error_count(&ParsedFile::parse("def f(, do: 1\n")) > 0);
    }
}
