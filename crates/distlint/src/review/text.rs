//! The review for a terminal: sections in capitals, text wrapped to 100 columns.

use std::io::{self, Write};
use std::path::Path;

use distlint_analysis::review::{Category, ProjectReview, Review};

use super::{item_place, project_kind, project_name, shown, test_projects_note};
use crate::review::{evidence, grouped_findings};

const WIDTH: usize = 100;

pub fn write(out: &mut impl Write, review: &Review, cwd: &Path) -> io::Result<()> {
    if review.projects.is_empty() {
        writeln!(out, "No Elixir files to review under this path.")?;
    }
    for (index, project) in review.projects.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        write_project(out, project, cwd)?;
    }
    if let Some(note) = test_projects_note(review, cwd) {
        writeln!(out, "\n{note}")?;
    }
    Ok(())
}

fn write_project(out: &mut impl Write, project: &ProjectReview, cwd: &Path) -> io::Result<()> {
    writeln!(
        out,
        "DISTRIBUTION REVIEW: {} ({})",
        project_name(project, cwd),
        project_kind(project)
    )?;
    writeln!(
        out,
        "Read from the code, mix.exs and config; nothing was run.\n"
    )?;

    let placement = &project.placement;
    let verdict = if placement.justified {
        "looks justified"
    } else {
        "worth questioning"
    };
    writeln!(
        out,
        "ESCALATION LEVEL: {} of 5, {} ({verdict})",
        placement.level,
        placement.name()
    )?;
    if !placement.evidence.is_empty() {
        writeln!(out, "  Evidence:")?;
        for (title, places) in evidence(project, cwd) {
            wrap(out, "    ", "      ", &format!("{title}: {places}"))?;
        }
    }
    let below: Vec<(u8, Vec<&str>)> = (1..placement.level)
        .rev()
        .filter_map(|level| {
            let mut names: Vec<&str> = project
                .inventory
                .iter()
                .filter(|i| i.level == level)
                .map(|i| i.primitive.title())
                .collect();
            names.dedup();
            (!names.is_empty()).then_some((level, names))
        })
        .collect();
    for (level, names) in below {
        wrap(
            out,
            "  ",
            "    ",
            &format!("Also level {level}: {}", names.join(", ")),
        )?;
    }
    for note in &placement.notes {
        let mark = if note.supports { "+ " } else { "? " };
        wrap(out, &format!("  {mark}"), "    ", &note.text)?;
    }
    writeln!(
        out,
        "  The ladder: {}/reference/escalation-ladder.md\n",
        project.docs_base_url.trim_end_matches('/')
    )?;

    writeln!(out, "INVENTORY")?;
    if project.inventory.is_empty() {
        writeln!(out, "  No distribution primitive in use.")?;
    }
    for category in Category::ALL {
        let items: Vec<_> = project
            .inventory
            .iter()
            .filter(|i| i.category() == category)
            .collect();
        if items.is_empty() {
            continue;
        }
        writeln!(out, "  {}", category.title())?;
        let mut current = None;
        for item in items {
            if current != Some(item.primitive) {
                writeln!(out, "    {}", item.primitive.title())?;
                current = Some(item.primitive);
            }
            wrap(
                out,
                "      ",
                "        ",
                &format!("{} at {}", item.what, item_place(item, cwd)),
            )?;
        }
    }
    if project.uses_in_tests > 0 {
        writeln!(
            out,
            "  ({} in test code, not listed and not counted)",
            plural(project.uses_in_tests, "use", "uses")
        )?;
    }
    writeln!(out)?;

    if !project.behaviours.is_empty() {
        writeln!(out, "DURING A PARTITION, AND AFTER IT HEALS")?;
        for (primitive, behaviour) in &project.behaviours {
            writeln!(out, "  {}", primitive.title())?;
            wrap(out, "    during: ", "            ", behaviour.during)?;
            wrap(out, "    after:  ", "            ", behaviour.after)?;
            writeln!(
                out,
                "    see:    {}",
                behaviour.reference.url(&project.docs_base_url)
            )?;
        }
        writeln!(out)?;
    }

    writeln!(
        out,
        "FINDINGS OF `distlint check` ({}), BY TOPIC",
        project.findings.len()
    )?;
    if project.findings.is_empty() {
        writeln!(out, "  None.")?;
    }
    for (topic, rules) in grouped_findings(project) {
        writeln!(out, "  {topic}")?;
        for group in rules {
            wrap(
                out,
                "    ",
                "      ",
                &format!(
                    "{} ({}, {}): {}",
                    group.rule,
                    group.severity.as_str(),
                    group.findings.len(),
                    group.summary
                ),
            )?;
            for finding in &group.findings {
                writeln!(
                    out,
                    "      {}:{}:{}",
                    shown(&finding.path, cwd),
                    finding.line,
                    finding.column
                )?;
            }
        }
    }
    if project.findings_not_reported_in_tests > 0 {
        writeln!(
            out,
            "  ({} in test code not reported: `distlint check --lint-tests` shows them)",
            plural(
                project.findings_not_reported_in_tests,
                "finding",
                "findings"
            )
        )?;
    }
    writeln!(out)?;

    writeln!(out, "CHECKLIST: QUESTIONS ONLY A PERSON CAN ANSWER")?;
    let mut section = "";
    for item in &project.checklist {
        if item.section != section {
            writeln!(out, "  {}", item.section)?;
            section = item.section;
        }
        wrap(out, "    - ", "      ", item.question)?;
    }
    writeln!(
        out,
        "  The whole list: {}/reference/production-checklist.md",
        project.docs_base_url.trim_end_matches('/')
    )?;
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Writes `text` wrapped to [`WIDTH`]: `first` before the first line, `rest`
/// before the others. Spaces inside `inline code` never break a line.
fn wrap(out: &mut impl Write, first: &str, rest: &str, text: &str) -> io::Result<()> {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        }
        if c == ' ' && !in_code {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut line = first.to_string();
    let mut empty = true;
    for word in words {
        let width = line.chars().count() + 1 + word.chars().count();
        if !empty && width > WIDTH {
            writeln!(out, "{line}")?;
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&word);
        empty = false;
    }
    writeln!(out, "{line}")
}
