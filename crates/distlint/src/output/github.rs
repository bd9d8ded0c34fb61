//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding (`::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=…::…`),
//! paths relative to the repository root as the runner expects.

use std::io::{self, Write};

use distlint_analysis::Severity;

use super::{Entry, Report};

pub fn write(out: &mut impl Write, report: &Report<'_>) -> io::Result<()> {
    for entry in &report.diagnostics {
        writeln!(out, "{}", annotation(entry))?;
    }
    Ok(())
}

fn annotation(entry: &Entry<'_>) -> String {
    let d = entry.diagnostic;
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let (line, col) = entry.position(d.range.start);
    let (end_line, end_col) = entry.position(d.range.end);
    let file = entry.repo_path.as_deref().unwrap_or(&entry.path);
    let mut message = d.message.clone();
    if let Some(fix) = &d.fix {
        message.push_str(&format!(
            "\nQuick fix (`distlint check --fix`): {}",
            fix.title
        ));
    }
    message.push_str(&format!("\nSee {}", entry.url));
    format!(
        "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        property(file),
        property(&format!("{} (distlint)", d.rule)),
        data(&message)
    )
}

/// The message of a workflow command: `%`, CR and LF escaped.
pub fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which end the value otherwise.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{data, property};

    #[test]
    fn escapes_what_would_end_a_command() {
        assert_eq!(
            data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        assert_eq!(property("lib/a,b:c%.ex"), "lib/a%2Cb%3Ac%25.ex");
    }
}
