//! The review as a Markdown document, for a pull request or a wiki page.

use std::io::{self, Write};
use std::path::Path;

use distlint_analysis::review::{Category, ProjectReview, Review};

use super::{
    evidence, grouped_findings, item_place, project_kind, project_name, shown, test_projects_note,
};

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

/// Table cells may not hold `|` or line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn write_project(out: &mut impl Write, project: &ProjectReview, cwd: &Path) -> io::Result<()> {
    let base = project.docs_base_url.trim_end_matches('/');
    writeln!(
        out,
        "# Distribution review: `{}`\n",
        project_name(project, cwd)
    )?;
    let kind = project_kind(project);
    let mut chars = kind.chars();
    let kind: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    writeln!(
        out,
        "{kind}. Read by `distlint review` from the code, mix.exs and config; nothing was run.\n"
    )?;

    let placement = &project.placement;
    writeln!(out, "## Escalation level\n")?;
    writeln!(
        out,
        "**Level {} of 5: {}** ({}) on the [escalation ladder]({base}/reference/escalation-ladder.md).\n",
        placement.level,
        placement.name(),
        if placement.justified {
            "looks justified"
        } else {
            "worth questioning"
        }
    )?;
    if !placement.evidence.is_empty() {
        writeln!(out, "Evidence:\n")?;
        for (title, places) in evidence(project, cwd) {
            let places: Vec<String> = places
                .split(", ")
                .map(|place| match place.strip_prefix("and ") {
                    Some(more) => format!("and {more}"),
                    None => format!("`{place}`"),
                })
                .collect();
            writeln!(out, "- {title}: {}", places.join(", "))?;
        }
        writeln!(out)?;
    }
    for note in &placement.notes {
        let mark = if note.supports {
            "Supports"
        } else {
            "Question"
        };
        writeln!(out, "- **{mark}.** {}", note.text)?;
    }
    if !placement.notes.is_empty() {
        writeln!(out)?;
    }

    writeln!(out, "## Inventory\n")?;
    if project.inventory.is_empty() {
        writeln!(out, "No distribution primitive in use.\n")?;
    } else {
        writeln!(out, "| group | primitive | use | where | level |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for category in Category::ALL {
            for item in project
                .inventory
                .iter()
                .filter(|i| i.category() == category)
            {
                writeln!(
                    out,
                    "| {} | {} | {} | `{}` | {} |",
                    category.title(),
                    cell(item.primitive.title()),
                    cell(&item.what),
                    cell(&item_place(item, cwd)),
                    item.level
                )?;
            }
        }
        writeln!(out)?;
    }
    if project.uses_in_tests > 0 {
        writeln!(
            out,
            "Uses in test code, not listed and not counted: {}.\n",
            project.uses_in_tests
        )?;
    }

    if !project.behaviours.is_empty() {
        writeln!(out, "## During a partition, and after it heals\n")?;
        writeln!(
            out,
            "| primitive | while the network is split | after it heals |"
        )?;
        writeln!(out, "|---|---|---|")?;
        for (primitive, behaviour) in &project.behaviours {
            writeln!(
                out,
                "| [{}]({}) | {} | {} |",
                cell(primitive.title()),
                behaviour.reference.url(base),
                cell(behaviour.during),
                cell(behaviour.after)
            )?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Findings of `distlint check`\n")?;
    if project.findings.is_empty() {
        writeln!(out, "None.\n")?;
    }
    for (topic, rules) in grouped_findings(project) {
        writeln!(out, "### {topic}\n")?;
        for group in rules {
            let url = &group.findings[0].url;
            writeln!(
                out,
                "- [`{}`]({url}) ({}, {}): {}",
                group.rule,
                group.severity.as_str(),
                group.findings.len(),
                group.summary
            )?;
            for finding in &group.findings {
                writeln!(
                    out,
                    "  - `{}:{}:{}`",
                    shown(&finding.path, cwd),
                    finding.line,
                    finding.column
                )?;
            }
        }
        writeln!(out)?;
    }
    if project.findings_not_reported_in_tests > 0 {
        writeln!(
            out,
            "Findings in test code, not reported (`distlint check --lint-tests` shows them): {}.\n",
            project.findings_not_reported_in_tests
        )?;
    }

    writeln!(out, "## Checklist: questions only a person can answer\n")?;
    for item in &project.checklist {
        writeln!(
            out,
            "- [ ] {} ([{}]({}))",
            item.question,
            item.section,
            item.reference.url(base)
        )?;
    }
    Ok(())
}
