//! `distlint review [PATH]`: the distribution review of a project, written as
//! terminal text, JSON or Markdown. The review itself is made by
//! `distlint_analysis::review`; this module only prints it.

mod json;
mod markdown;
mod text;

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use distlint_analysis::review::{self, Item, ProjectReview, ReviewRequest};

use crate::exit;

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The project to review: a directory with a mix.exs, or a directory or file inside one.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Text)]
    pub format: ReviewFormat,
    /// Use this configuration file instead of the nearest `.distlint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    /// A report for the terminal.
    Text,
    /// One JSON object (schema in docs/review.md).
    Json,
    /// A Markdown document, for a pull request or a wiki.
    Markdown,
}

/// Runs the review: 0 with a report, 2 on a usage, configuration or I/O error
/// (a file that could not be read is reported, after the report).
pub fn run(args: &ReviewArgs) -> u8 {
    let request = ReviewRequest {
        path: args.path.clone(),
        config_file: args.config.clone(),
    };
    let review = match review::review(&request) {
        Ok(review) => review,
        Err(err) => {
            eprintln!("distlint: error: {err}");
            return exit::ERROR;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        ReviewFormat::Text => text::write(&mut out, &review, &cwd),
        ReviewFormat::Json => json::write(&mut out, &review, &cwd),
        ReviewFormat::Markdown => markdown::write(&mut out, &review, &cwd),
    };
    if let Err(err) = written.and_then(|_| out.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("distlint: error: cannot write the review: {err}");
            return exit::ERROR;
        }
    }
    for problem in &review.problems {
        eprintln!(
            "distlint: error: {}: {}",
            shown(&problem.path, &cwd),
            problem.message
        );
    }
    if review.problems.is_empty() {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}

/// The line about projects in test code that were not reviewed, if any.
fn test_projects_note(review: &review::Review, cwd: &Path) -> Option<String> {
    const MAX_SHOWN: usize = 3;
    let count = review.test_projects.len();
    if count == 0 {
        return None;
    }
    let mut shown: Vec<String> = review
        .test_projects
        .iter()
        .take(MAX_SHOWN)
        .map(|p| shown(p, cwd))
        .collect();
    if count > MAX_SHOWN {
        shown.push(format!("and {} more", count - MAX_SHOWN));
    }
    let projects = if count == 1 { "project" } else { "projects" };
    Some(format!(
        "Not reviewed: {count} Mix {projects} in test code (fixtures): {}.",
        shown.join(", ")
    ))
}

/// `path` relative to `cwd` when inside it (`.` for `cwd` itself), else as is.
fn shown(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(relative) if relative.as_os_str().is_empty() => ".".to_string(),
        Ok(relative) => relative.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// How a project is named: its directory relative to the current one, or
/// its directory's name when it is the current one.
fn project_name(project: &ProjectReview, cwd: &Path) -> String {
    match &project.root {
        Some(root) if root == cwd => root
            .file_name()
            .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned()),
        Some(root) => shown(root, cwd),
        None => "files outside any Mix project".to_string(),
    }
}

/// `path:12` or `path:12, 30, 41` (at most `MAX_LINES`, then a count).
fn item_place(item: &Item, cwd: &Path) -> String {
    const MAX_LINES: usize = 6;
    let mut lines: Vec<String> = item
        .lines
        .iter()
        .take(MAX_LINES)
        .map(u32::to_string)
        .collect();
    if item.lines.len() > MAX_LINES {
        lines.push(format!("and {} more", item.lines.len() - MAX_LINES));
    }
    format!("{}:{}", shown(&item.path, cwd), lines.join(", "))
}

/// Summary of a project for the heading: what kind of project, how many files.
fn project_kind(project: &ProjectReview) -> String {
    let kind = match (&project.root, project.umbrella) {
        (None, _) => "no mix.exs",
        (Some(_), true) => "umbrella project",
        (Some(_), false) => "Mix project",
    };
    let files = match project.files {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    format!("{kind}, {files} read")
}

/// The findings of one rule.
pub(crate) struct RuleGroup<'a> {
    pub rule: &'static str,
    /// The highest severity among them.
    pub severity: distlint_analysis::Severity,
    /// The rule's one-line summary (the message, for `unused-suppression`).
    pub summary: &'a str,
    pub findings: Vec<&'a review::ReviewFinding>,
}

/// Findings by topic (in the order of the reference pages; suppression
/// comments last, as `configuration`), then by rule, then by place.
pub(crate) fn grouped_findings(project: &ProjectReview) -> Vec<(&'static str, Vec<RuleGroup<'_>>)> {
    use distlint_analysis::rules::{self, Topic};
    let order = |topic: Option<Topic>| {
        topic
            .and_then(|t| Topic::ALL.iter().position(|a| *a == t))
            .unwrap_or(Topic::ALL.len())
    };
    let mut findings: Vec<&review::ReviewFinding> = project.findings.iter().collect();
    findings.sort_by(|a, b| {
        (order(a.topic), a.rule, &a.path, a.line, a.column).cmp(&(
            order(b.topic),
            b.rule,
            &b.path,
            b.line,
            b.column,
        ))
    });
    let mut out: Vec<(&'static str, Vec<RuleGroup<'_>>)> = Vec::new();
    for finding in findings {
        let topic = finding.topic.map_or("configuration", Topic::name);
        if out.last().is_none_or(|(t, _)| *t != topic) {
            out.push((topic, Vec::new()));
        }
        let groups = &mut out.last_mut().expect("pushed above").1;
        match groups.last_mut().filter(|g| g.rule == finding.rule) {
            Some(group) => {
                group.severity = group.severity.max(finding.severity);
                group.findings.push(finding);
            }
            None => groups.push(RuleGroup {
                rule: finding.rule,
                severity: finding.severity,
                summary: rules::by_name(finding.rule)
                    .map_or(finding.message.as_str(), |r| r.summary),
                findings: vec![finding],
            }),
        }
    }
    out
}

/// The evidence for the level, one entry per primitive: its title and where
/// it is used (`path:line` of each use, at most `MAX_PLACES`, then a count).
pub(crate) fn evidence(project: &ProjectReview, cwd: &Path) -> Vec<(&'static str, String)> {
    const MAX_PLACES: usize = 4;
    let mut out: Vec<(&'static str, Vec<String>)> = Vec::new();
    for index in &project.placement.evidence {
        let item = &project.inventory[*index];
        let place = format!("{}:{}", shown(&item.path, cwd), item.lines[0]);
        match out
            .iter_mut()
            .find(|(title, _)| *title == item.primitive.title())
        {
            Some((_, places)) => places.push(place),
            None => out.push((item.primitive.title(), vec![place])),
        }
    }
    out.into_iter()
        .map(|(title, places)| {
            let mut shown: Vec<String> = places.iter().take(MAX_PLACES).cloned().collect();
            if places.len() > MAX_PLACES {
                shown.push(format!("and {} more", places.len() - MAX_PLACES));
            }
            (title, shown.join(", "))
        })
        .collect()
}
