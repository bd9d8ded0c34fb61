//! Reference pages in a terminal: headings stand out, code blocks are
//! indented, paragraphs and list items are wrapped to the width, links show
//! where they go. Tables are printed as written.

/// Renders `markdown` for a terminal `width` columns wide.
pub fn render(markdown: &str, width: usize, color: bool) -> String {
    let style = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let width = width.clamp(40, 120);
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut in_code = false;
    let flush = |paragraph: &mut Vec<&str>, out: &mut String| {
        if paragraph.is_empty() {
            return;
        }
        let first = paragraph[0];
        let (marker, indent) = list_marker(first);
        let joined = paragraph
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        let text = inline(joined.trim_start_matches(marker.trim()).trim_start(), color);
        out.push_str(&wrap(&text, width, marker, &" ".repeat(indent)));
        paragraph.clear();
    };
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush(&mut paragraph, &mut out);
            in_code = !in_code;
            continue;
        }
        if in_code {
            out.push_str(&style("2", &format!("    {line}")));
            out.push('\n');
            continue;
        }
        if let Some(level) = heading_level(line) {
            flush(&mut paragraph, &mut out);
            let title = line[level..].trim();
            let shown = if level <= 2 {
                title.to_uppercase()
            } else {
                title.to_string()
            };
            out.push_str(&style("1", &inline(&shown, false)));
            out.push('\n');
            continue;
        }
        if trimmed.is_empty() {
            flush(&mut paragraph, &mut out);
            out.push('\n');
            continue;
        }
        if trimmed.starts_with('|') {
            flush(&mut paragraph, &mut out);
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if list_marker(trimmed).1 > 0 && !paragraph.is_empty() {
            flush(&mut paragraph, &mut out); // A new list item starts a new block.
        }
        paragraph.push(line);
    }
    flush(&mut paragraph, &mut out);
    out
}

fn heading_level(line: &str) -> Option<usize> {
    let hashes = line.chars().take_while(|c| *c == '#').count();
    (hashes > 0 && line[hashes..].starts_with(' ')).then_some(hashes)
}

/// `- ` / `1. ` at the start of a line: the marker and the hanging indent.
fn list_marker(line: &str) -> (&str, usize) {
    let trimmed = line.trim_start();
    if trimmed.starts_with("- ") || trimmed.starts_with("* ") {
        return ("- ", 2);
    }
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && trimmed[digits..].starts_with(". ") {
        return (&trimmed[..digits + 2], digits + 2);
    }
    ("", 0)
}

/// `**bold**` and `[text](target)`: emphasis as bold, links as "text (target)"
/// (anchors within the page are dropped: there is nothing to follow).
fn inline(text: &str, color: bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let Some(close) = rest[start..].find("](").map(|i| start + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..start]);
        let label = &rest[start + 1..close];
        let target = &rest[close + 2..end];
        out.push_str(label);
        if !target.starts_with('#') {
            out.push_str(&format!(" ({target})"));
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    let bold = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    let mut result = String::new();
    for (index, part) in out.split("**").enumerate() {
        if index % 2 == 1 {
            result.push_str(bold.0);
            result.push_str(part);
            result.push_str(bold.1);
        } else {
            result.push_str(part);
        }
    }
    result
}

/// The words of `text`, except that an inline code span stays one piece
/// however long: a printed suppression comment must stay copyable.
fn unbreakable_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut open_span: Option<String> = None;
    for word in text.split_whitespace() {
        let toggles = word.matches('`').count() % 2 == 1;
        match &mut open_span {
            Some(span) => {
                span.push(' ');
                span.push_str(word);
                if toggles {
                    words.extend(open_span.take());
                }
            }
            None if toggles => open_span = Some(word.to_string()),
            None => words.push(word.to_string()),
        }
    }
    words.extend(open_span);
    words
}

/// Greedy word wrap; the first line starts with `marker`, the others with
/// `indent`. Inline code and link targets are never broken.
fn wrap(text: &str, width: usize, marker: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = marker.to_string();
    let mut line_width = marker.chars().count();
    for word in unbreakable_words(text) {
        let word = word.as_str();
        let word_width = visible_width(word);
        let starts_line = line_width == marker.chars().count() && out.is_empty()
            || line_width == indent.chars().count() && !out.is_empty();
        if !starts_line && line_width + 1 + word_width > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            line_width = indent.chars().count();
        } else if !starts_line {
            line.push(' ');
            line_width += 1;
        }
        line.push_str(word);
        line_width += word_width;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Width without colour escape sequences.
fn visible_width(word: &str) -> usize {
    let mut width = 0;
    let mut in_escape = false;
    for c in word.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => width += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0),
        }
    }
    width
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn inline_code_is_never_broken() {
        let md = "Suppress with `# distlint:disable-next-line rpc-without-timeout -- the sync may take minutes` above the call.\n";
        let shown = render(md, 40, false);
        assert!(
            shown.lines().any(|l| l.contains(
                "`# distlint:disable-next-line rpc-without-timeout -- the sync may take minutes`"
            )),
            "{shown}"
        );
        for line in shown.lines().filter(|l| !l.contains('`')) {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
    }

    #[test]
    fn headings_code_lists_and_links() {
        let md = "## rpc-without-timeout\n\n**Severity:** warning\n\n### Why it matters\n\nA hung node blocks the caller forever, see [the docs](https://example.org/erpc) and [above](#x).\n\n- first item that is long enough to wrap around the narrow width we ask for here\n- second\n\n```elixir fires=rpc-without-timeout\n:rpc.call(n, M, :f, [])\n```\n";
        let shown = render(md, 40, false);
        assert_eq!(
            shown,
            "RPC-WITHOUT-TIMEOUT\n\nSeverity: warning\n\nWhy it matters\n\nA hung node blocks the caller forever,\nsee the docs (https://example.org/erpc)\nand above.\n\n- first item that is long enough to wrap\n  around the narrow width we ask for\n  here\n- second\n\n    :rpc.call(n, M, :f, [])\n"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(!render("# T\n\ntext **b**\n", 80, false).contains('\x1b'));
        assert!(render("# T\n\ntext **b**\n", 80, true).contains("\x1b[1m"));
    }
}
