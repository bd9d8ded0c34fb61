//! Human output: `path:line:col: severity[rule] message`, the source line with
//! carets under the finding, the quick fix if any, and the reference link;
//! `concise`: the first line of each finding only. Both end with the summary.

use std::io::{self, Write};

use distlint_analysis::{ColumnUnit, Severity};
use unicode_width::UnicodeWidthChar;

use super::{Entry, Report};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        self.paint(severity_code(severity), severity.as_str())
    }
}

pub fn write(out: &mut impl Write, report: &Report<'_>, color: bool) -> io::Result<()> {
    let style = Style { color };
    // Findings on the same span (two rules about one call) share one block.
    for group in report
        .diagnostics
        .chunk_by(|a, b| a.path == b.path && a.diagnostic.range == b.diagnostic.range)
    {
        write_group(out, group, &style)?;
    }
    write_summary(out, report, &style, false)
}

/// `--statistics`: the summary alone, with a count of quick fixes per rule.
pub fn write_statistics(out: &mut impl Write, report: &Report<'_>, color: bool) -> io::Result<()> {
    write_summary(out, report, &Style { color }, true)
}

/// `--format concise`: one line per finding, then the summary.
pub fn write_concise(out: &mut impl Write, report: &Report<'_>, color: bool) -> io::Result<()> {
    let style = Style { color };
    for entry in &report.diagnostics {
        write_headline(out, entry, &style)?;
    }
    if !report.diagnostics.is_empty() {
        writeln!(out)?;
    }
    write_summary(out, report, &style, false)
}

/// `path:line:col: severity[rule] message`
fn write_headline(out: &mut impl Write, entry: &Entry<'_>, style: &Style) -> io::Result<()> {
    let d = entry.diagnostic;
    let (line, column) = entry.position(d.range.start);
    writeln!(
        out,
        "{}: {}[{}] {}",
        style.paint("1", &format!("{}:{line}:{column}", entry.path)),
        style.severity(d.severity),
        style.paint("1", d.rule),
        d.message
    )
}

/// The headlines of findings on one span, the source line with carets (in the
/// colour of the most severe), then each finding's fix and link.
fn write_group(out: &mut impl Write, group: &[Entry<'_>], style: &Style) -> io::Result<()> {
    // The most severe first: it is the one to read.
    let mut group: Vec<&Entry<'_>> = group.iter().collect();
    group.sort_by_key(|e| std::cmp::Reverse(e.diagnostic.severity));
    for entry in &group {
        write_headline(out, entry, style)?;
    }
    let first = group[0];
    let d = first.diagnostic;
    let severity = d.severity;
    let line = first.position(d.range.start).0;
    let source = first.source;
    let start = source.line_col(d.range.start, ColumnUnit::Chars);
    let end = source.line_col(d.range.end, ColumnUnit::Chars);
    let text = source.line_text(start.line as usize);
    let end_col = if end.line == start.line {
        end.col
    } else {
        text.chars().count() as u32
    };
    let (shown, caret_start, caret_len) = expand_tabs(text, start.col as usize, end_col as usize);
    let gutter = " ".repeat(line.to_string().len());
    let bar = style.paint("1;34", "|");
    writeln!(out, "{gutter} {bar}")?;
    writeln!(
        out,
        "{} {bar} {shown}",
        style.paint("1;34", &line.to_string())
    )?;
    writeln!(
        out,
        "{gutter} {bar} {}{}",
        " ".repeat(caret_start),
        style.paint(severity_code(severity), &"^".repeat(caret_len.max(1)))
    )?;
    // With several findings, each fix and link names its rule.
    let label = |entry: &Entry<'_>, what: &str| match group.len() {
        1 => what.to_string(),
        _ => format!("{what} [{}]", entry.diagnostic.rule),
    };
    for entry in &group {
        if let Some(fix) = &entry.diagnostic.fix {
            writeln!(
                out,
                "{gutter} = {}: {}",
                style.paint("1;32", &label(entry, "fix")),
                fix.title
            )?;
        }
    }
    for entry in &group {
        writeln!(
            out,
            "{gutter} = {}: {}",
            style.paint("1", &label(entry, "see")),
            entry.url
        )?;
    }
    writeln!(out)
}

/// The colour of a severity: its label and its carets.
fn severity_code(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

/// The line with tabs as four spaces, and the caret start and length in
/// terminal columns for the character columns `[start, end)`: a wide character
/// (CJK, most emoji) takes two columns, a combining mark none.
fn expand_tabs(text: &str, start: usize, end: usize) -> (String, usize, usize) {
    let mut shown = String::new();
    let mut width = 0;
    let (mut caret_start, mut caret_end) = (None, None);
    for (index, ch) in text.chars().enumerate() {
        if index == start {
            caret_start = Some(width);
        }
        if index == end {
            caret_end = Some(width);
        }
        if ch == '\t' {
            shown.push_str("    ");
            width += 4;
        } else {
            shown.push(ch);
            width += ch.width().unwrap_or(0);
        }
    }
    let caret_start = caret_start.unwrap_or(width);
    let caret_end = caret_end.unwrap_or(width).max(caret_start);
    (shown, caret_start, caret_end - caret_start)
}

fn write_summary(
    out: &mut impl Write,
    report: &Report<'_>,
    style: &Style,
    statistics: bool,
) -> io::Result<()> {
    write_fixed(out, report)?;
    let files = report.files_checked;
    let file_word = if files == 1 { "file" } else { "files" };
    let total = report.diagnostics.len();
    if total == 0 {
        writeln!(
            out,
            "{} No problems found in {files} {file_word}.",
            style.paint("1;32", "✓")
        )?;
        write_baseline(out, report)?;
        return write_not_reported_in_tests(out, report);
    }
    let with_findings = {
        let mut paths: Vec<&str> = report.diagnostics.iter().map(|e| e.path.as_str()).collect();
        paths.dedup();
        paths.len()
    };
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "Found {} ({}, {}, {} info) in {with_findings} of {files} {file_word}:",
        plural(total, "problem"),
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        report.count(Severity::Info),
    )?;
    let per_rule = report.per_rule();
    let width = per_rule
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_width = per_rule.iter().map(|r| r.rule.len()).max().unwrap_or(0);
    for row in &per_rule {
        let line = format!(
            "  {:>width$}  {:<7}  {:<rule_width$}",
            row.count,
            row.severity.as_str(),
            row.rule
        );
        let fixable = match row.fixable {
            0 => String::new(),
            n if n == row.count => "  (fixable)".to_string(),
            n => format!("  ({n} fixable)"),
        };
        match statistics {
            true => writeln!(out, "{}", format!("{line}{fixable}").trim_end())?,
            false => writeln!(out, "{}", line.trim_end())?,
        }
    }
    writeln!(
        out,
        "`distlint rule NAME` explains a rule: why it matters, what happens in a partition, what to do."
    )?;
    let fixable = report.fixable();
    if fixable > 0 {
        writeln!(
            out,
            "{} a quick fix: `distlint check --fix` applies {} (`--diff` shows the changes first), as does your editor's quick-fix menu (distlint server).",
            if fixable == 1 {
                "1 has".to_string()
            } else {
                format!("{fixable} have")
            },
            if fixable == 1 { "it" } else { "them" }
        )?;
    }
    write_baseline(out, report)?;
    write_not_reported_in_tests(out, report)
}

/// What `--fix` changed, by rule and fix.
fn write_fixed(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let Some(fixed) = &report.fixed else {
        return Ok(());
    };
    let count = fixed.count();
    if count == 0 {
        return writeln!(out, "No quick fix to apply.");
    }
    writeln!(
        out,
        "Fixed {count} finding{} in {} file{}:",
        if count == 1 { "" } else { "s" },
        fixed.files,
        if fixed.files == 1 { "" } else { "s" }
    )?;
    let width = fixed
        .fixes
        .iter()
        .map(|(_, _, n)| n.to_string().len())
        .max()
        .unwrap_or(1);
    for (rule, title, n) in &fixed.fixes {
        writeln!(out, "  {n:>width$}  {rule}: {title}")?;
    }
    writeln!(out)
}

/// What the baseline left out, and what it holds that no longer occurs.
fn write_baseline(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    let Some(baseline) = &report.baseline else {
        return Ok(());
    };
    let files = baseline.files.join(", ");
    if baseline.baselined > 0 {
        writeln!(
            out,
            "{} finding{} recorded in the baseline ({files}) {} not reported.",
            baseline.baselined,
            if baseline.baselined == 1 { "" } else { "s" },
            if baseline.baselined == 1 {
                "was"
            } else {
                "were"
            },
        )?;
    }
    if baseline.fixed > 0 {
        writeln!(
            out,
            "{} baseline entr{} no longer occur{} (fixed): `distlint check --write-baseline {}` shrinks the baseline.",
            baseline.fixed,
            if baseline.fixed == 1 { "y" } else { "ies" },
            if baseline.fixed == 1 { "s" } else { "" },
            baseline.files.first().map(String::as_str).unwrap_or("FILE"),
        )?;
    }
    Ok(())
}

/// Test code is not linted by default; say how much that left out.
fn write_not_reported_in_tests(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    match report.not_reported_in_tests {
        0 => Ok(()),
        n => writeln!(
            out,
            "{n} finding{} in test code {} not reported: test code is not linted by default \
             (`--lint-tests`, or `[tests] lint = true` in .distlint.toml, shows {}).",
            if n == 1 { "" } else { "s" },
            if n == 1 { "was" } else { "were" },
            if n == 1 { "it" } else { "them" },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::expand_tabs;

    #[test]
    fn carets_count_display_columns_not_characters() {
        // The emoji is one character but two terminal columns.
        assert_eq!(
            expand_tabs("x = \"📦\"; f(1)", 7, 11),
            ("x = \"📦\"; f(1)".to_string(), 8, 4)
        );
        // A caret under a wide character is as wide as it.
        assert_eq!(expand_tabs("中文(x)", 0, 2), ("中文(x)".to_string(), 0, 4));
        // A combining accent adds no column.
        assert_eq!(expand_tabs("e\u{301} f()", 3, 6).1, 2);
    }

    #[test]
    fn carets_follow_expanded_tabs() {
        assert_eq!(
            expand_tabs("\tfoo(x)", 1, 4),
            ("    foo(x)".to_string(), 4, 3)
        );
        assert_eq!(expand_tabs("ab", 5, 9), ("ab".to_string(), 2, 0));
    }
}
