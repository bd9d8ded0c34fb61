//! Suppression comments.
//!
//! ```text
//! # distlint:disable-next-line rpc-without-timeout, wall-clock-duration -- reason
//! :rpc.call(n, M, :f, [])  # distlint:disable-line rpc-without-timeout
//! # distlint:disable-file hardcoded-distribution-cookie
//! ```
//! A suppression that suppresses nothing is reported as `unused-suppression`.

use crate::diagnostic::Diagnostic;
use crate::rules::{self, UNUSED_SUPPRESSION};
use crate::source::{SourceFile, TextRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    NextLine,
    Line,
    File,
}

impl SuppressionKind {
    fn directive(self) -> &'static str {
        match self {
            SuppressionKind::NextLine => "disable-next-line",
            SuppressionKind::Line => "disable-line",
            SuppressionKind::File => "disable-file",
        }
    }
}

/// One rule named in one suppression comment.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub rule: String,
    /// The comment.
    pub range: TextRange,
    /// 0-based line it applies to (unused for `disable-file`).
    pub line: usize,
}

/// A comment that looks like a directive but is not a valid one.
#[derive(Clone, Debug)]
pub struct MalformedSuppression {
    pub range: TextRange,
    pub message: String,
}

/// A `# distlint:<directive> RULE, RULE -- reason` comment, split up.
#[derive(Debug, PartialEq, Eq)]
pub struct Directive<'a> {
    /// `disable-next-line`, `disable-line`, `disable-file`, or whatever was written.
    pub directive: &'a str,
    /// The rule names, as written (the reason after `--` left out).
    pub rules: Vec<&'a str>,
}

impl<'a> Directive<'a> {
    /// `None` when the comment is not a distlint directive at all.
    pub fn read(comment: &'a str) -> Option<Directive<'a>> {
        let body = comment.trim_start_matches('#').trim();
        let directive_and_rules = body.strip_prefix("distlint:")?;
        let (directive, rest) = directive_and_rules
            .split_once(char::is_whitespace)
            .unwrap_or((directive_and_rules, ""));
        let names = rest.split_once("--").map_or(rest, |(names, _reason)| names);
        let rules = names
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|n| !n.is_empty())
            .collect();
        Some(Directive { directive, rules })
    }
}

/// Reads the suppression directives among a file's comments (byte ranges).
pub fn parse(
    comments: impl IntoIterator<Item = TextRange>,
    source: &SourceFile,
) -> (Vec<Suppression>, Vec<MalformedSuppression>) {
    let mut found = Vec::new();
    let mut malformed = Vec::new();
    for comment in comments {
        let text = &source.text()[comment.clone()];
        let Some(Directive {
            directive,
            rules: names,
        }) = Directive::read(text)
        else {
            continue;
        };
        let range = comment;
        let kind = match directive {
            "disable-next-line" => SuppressionKind::NextLine,
            "disable-line" => SuppressionKind::Line,
            "disable-file" => SuppressionKind::File,
            other => {
                malformed.push(MalformedSuppression {
                    range,
                    message: format!(
                        "unknown directive `distlint:{other}`: use `disable-next-line`, `disable-line` or `disable-file`"
                    ),
                });
                continue;
            }
        };
        if names.is_empty() {
            malformed.push(MalformedSuppression {
                range,
                message: format!(
                    "`# distlint:{}` names no rule: list the rules to silence, e.g. `# distlint:{} rpc-without-timeout`",
                    kind.directive(),
                    kind.directive()
                ),
            });
            continue;
        }
        let comment_line = source.line_of(range.start);
        let line = match kind {
            SuppressionKind::NextLine => comment_line + 1,
            _ => comment_line,
        };
        for name in names {
            if rules::by_name(name).is_none() && name != UNUSED_SUPPRESSION {
                malformed.push(MalformedSuppression {
                    range: range.clone(),
                    message: format!("`{name}` in this suppression is not a distlint rule: run `distlint rules` for the names"),
                });
                continue;
            }
            found.push(Suppression {
                kind,
                rule: name.to_string(),
                range: range.clone(),
                line,
            });
        }
    }
    (found, malformed)
}

/// Removes suppressed diagnostics; returns the suppressions that matched none,
/// among those whose rule `is_enabled` (a disabled rule's suppression may be
/// needed under another configuration, so it is not called unused).
pub fn apply<'s>(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &'s [Suppression],
    source: &SourceFile,
    is_enabled: impl Fn(&str) -> bool,
) -> Vec<&'s Suppression> {
    let mut used = vec![false; suppressions.len()];
    diagnostics.retain(|diagnostic| {
        let line = source.line_of(diagnostic.range.start);
        let mut keep = true;
        for (index, suppression) in suppressions.iter().enumerate() {
            let covers = suppression.rule == diagnostic.rule
                && (suppression.kind == SuppressionKind::File || suppression.line == line);
            if covers {
                used[index] = true;
                keep = false;
            }
        }
        keep
    });
    suppressions
        .iter()
        .zip(used)
        .filter(|(s, used)| !used && s.rule != UNUSED_SUPPRESSION && is_enabled(&s.rule))
        .map(|(s, _)| s)
        .collect()
}

/// The message for a suppression that suppressed nothing.
pub fn unused_message(suppression: &Suppression) -> String {
    let place = match suppression.kind {
        SuppressionKind::File => "in this file".to_string(),
        _ => format!("on line {}", suppression.line + 1),
    };
    format!(
        "`# distlint:{} {}` suppresses nothing: there is no such finding {place}",
        suppression.kind.directive(),
        suppression.rule,
    )
}
