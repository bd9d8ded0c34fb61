//! The documentation is tested:
//! - every ```elixir block marked `fires=RULE` produces RULE; every block marked
//!   `quiet` produces no warning or error, no `unused-suppression`, and, in the
//!   section of a rule, no finding of that rule at any severity (an optional
//!   `path=mix.exs` says what the block is linted as, and `deps=libcluster,horde`
//!   that it is linted in a project whose mix.exs declares those dependencies);
//! - a suppression comment in a quiet block suppresses a real finding: without the
//!   comments, every rule they name fires;
//! - every `## rule-name` heading names a registered rule, and every rule has one;
//! - every internal link and anchor resolves.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use distlint_analysis::model::project::Dependency;
use distlint_analysis::model::{FileModel, ProjectModel};
use distlint_analysis::parse::ParsedFile;
use distlint_analysis::rules::{ALL, UNUSED_SUPPRESSION};
use distlint_analysis::suppress::Directive;
use distlint_analysis::{lint_text, Config, FileLint, Severity};

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

fn markdown_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![docs_dir()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

struct Block {
    info: String,
    code: String,
    line: usize,
    /// The rule whose `## rule-name` section the block is in.
    section: Option<String>,
}

fn code_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current: Option<Block> = None;
    let mut section = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match &mut current {
            None => {
                if let Some(heading) = line.strip_prefix("## ") {
                    section = is_rule_like(heading.trim()).then(|| heading.trim().to_string());
                }
                if let Some(info) = trimmed.strip_prefix("```") {
                    current = Some(Block {
                        info: info.trim().to_string(),
                        code: String::new(),
                        line: index + 1,
                        section: section.clone(),
                    });
                }
            }
            Some(block) => {
                if trimmed.starts_with("```") {
                    blocks.push(current.take().unwrap());
                } else {
                    block.code.push_str(line);
                    block.code.push('\n');
                }
            }
        }
    }
    blocks
}

/// How a marked ```elixir block is to be linted, and what it must do.
struct Example {
    fires: Option<String>,
    quiet: bool,
    path: PathBuf,
    project: ProjectModel,
}

impl Example {
    /// `None` for a block that is not an elixir block.
    fn read(info: &str) -> Option<Example> {
        let mut words = info.split_whitespace();
        if words.next() != Some("elixir") {
            return None;
        }
        let mut example = Example {
            fires: None,
            quiet: false,
            path: PathBuf::from("lib/example.ex"),
            project: ProjectModel::default(),
        };
        for word in words {
            if let Some(rule) = word.strip_prefix("fires=") {
                example.fires = Some(rule.to_string());
            } else if word == "quiet" {
                example.quiet = true;
            } else if let Some(p) = word.strip_prefix("path=") {
                example.path = PathBuf::from(p);
            } else if let Some(deps) = word.strip_prefix("deps=") {
                example.project.root = Some(PathBuf::from("/project"));
                example.project.dependencies = deps
                    .split(',')
                    .map(|name| Dependency {
                        name: name.to_string(),
                        declared_in: PathBuf::from("/project/mix.exs"),
                    })
                    .collect();
            }
        }
        Some(example)
    }

    fn lint(&self, code: &str, config: &Config) -> FileLint {
        lint_text(code, &self.path, &self.project, config).1
    }
}

/// What is wrong with a quiet block's findings: any warning or error, any
/// `unused-suppression`, and any finding of the section's own rule (information
/// findings of other rules may remain, as they would in the user's editor).
fn quiet_problems(result: &FileLint, section: Option<&str>) -> Vec<&'static str> {
    result
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity >= Severity::Warning
                || d.rule == UNUSED_SUPPRESSION
                || Some(d.rule) == section
        })
        .map(|d| d.rule)
        .collect()
}

/// The block's text with its suppression comments cut out, and the rules they
/// name (`unused-suppression` aside); `None` when it has none.
fn without_suppressions(code: &str) -> Option<(String, Vec<String>)> {
    let parsed = ParsedFile::parse(code);
    let model = FileModel::build(&parsed.tree, code);
    let mut directives: Vec<_> = model
        .comments
        .iter()
        .map(|comment| comment.byte_range())
        .filter(|range| Directive::read(&code[range.clone()]).is_some())
        .collect();
    if directives.is_empty() {
        return None;
    }
    let named = directives
        .iter()
        .flat_map(|range| Directive::read(&code[range.clone()]).unwrap().rules)
        .filter(|rule| *rule != UNUSED_SUPPRESSION)
        .map(str::to_string)
        .collect();
    // From the end, so that the ranges still to cut stay where they were.
    directives.sort_by_key(|range| std::cmp::Reverse(range.start));
    let mut stripped = code.to_string();
    for range in directives {
        stripped.replace_range(range, "");
    }
    Some((stripped, named))
}

#[test]
fn marked_elixir_examples_do_what_they_say() {
    let config = Config::default_at(Path::new("/project"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in markdown_files() {
        let markdown = std::fs::read_to_string(&file).unwrap();
        for block in code_blocks(&markdown) {
            let Some(example) = Example::read(&block.info) else {
                continue;
            };
            if example.fires.is_none() && !example.quiet {
                continue;
            }
            checked += 1;
            let result = example.lint(&block.code, &config);
            let found: Vec<&str> = result.diagnostics.iter().map(|d| d.rule).collect();
            let place = format!("{}:{}", file.display(), block.line);
            if !result.syntax_errors.is_empty() {
                failures.push(format!("{place}: the example does not parse"));
            }
            if let Some(rule) = &example.fires {
                if !found.contains(&rule.as_str()) {
                    failures.push(format!("{place}: marked fires={rule} but found {found:?}"));
                }
                continue;
            }
            let problems = quiet_problems(&result, block.section.as_deref());
            if !problems.is_empty() {
                failures.push(format!("{place}: marked quiet but found {problems:?}"));
            }
            // A suppression example must suppress something: without its
            // comments, each rule they name fires.
            if let Some((stripped, named)) = without_suppressions(&block.code) {
                let unsuppressed = example.lint(&stripped, &config);
                for rule in named {
                    if !unsuppressed.diagnostics.iter().any(|d| d.rule == rule) {
                        failures.push(format!(
                            "{place}: suppresses {rule}, which does not fire without the suppression"
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 0, "no marked examples found under docs/");
    assert!(
        failures.is_empty(),
        "documentation examples:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_quiet_check_sees_info_findings_and_unused_suppressions() {
    let config = Config::default_at(Path::new("/project"));
    let example = Example::read("elixir quiet").unwrap();
    // Only an information finding (`:rpc` rather than `:erpc`).
    let rpc = "defmodule A do\n  def f(n), do: {:ok, :rpc.call(n, M, :f, [], 1_000)}\nend\n";
    let result = example.lint(rpc, &config);
    assert_eq!(
        quiet_problems(&result, Some("prefer-erpc-over-rpc")),
        ["prefer-erpc-over-rpc"]
    );
    assert!(quiet_problems(&result, None).is_empty());

    let unused = "defmodule A do\n  # distlint:disable-next-line rpc-without-timeout\n  def f, do: :ok\nend\n";
    let result = example.lint(unused, &config);
    assert_eq!(quiet_problems(&result, None), [UNUSED_SUPPRESSION]);

    let used = "defmodule A do\n  # distlint:disable-next-line rpc-without-timeout -- reason\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n";
    assert!(example.lint(used, &config).diagnostics.is_empty());
    let (stripped, named) = without_suppressions(used).unwrap();
    assert_eq!(named, ["rpc-without-timeout"]);
    let found = example.lint(&stripped, &config).diagnostics;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, "rpc-without-timeout");
    assert!(without_suppressions(rpc).is_none());
}

#[test]
fn every_elixir_block_in_a_rule_section_is_marked() {
    for file in markdown_files() {
        let markdown = std::fs::read_to_string(&file).unwrap();
        let mut section: Option<String> = None;
        for (index, line) in markdown.lines().enumerate() {
            if let Some(heading) = line.strip_prefix("## ") {
                section = is_rule_like(heading.trim()).then(|| heading.trim().to_string());
            }
            if let (Some(rule), Some(info)) = (&section, line.strip_prefix("```elixir")) {
                assert!(
                    info.contains("fires=") || info.contains("quiet"),
                    "{}:{}: an elixir block in the section of {rule} is not marked fires=RULE or quiet",
                    file.display(),
                    index + 1
                );
            }
        }
    }
}

#[test]
fn every_rule_section_has_tested_examples() {
    for rule in ALL.iter() {
        let section = distlint_analysis::docs::rule_section(rule).unwrap();
        assert!(
            section.contains(&format!("```elixir fires={}", rule.name)),
            "the section of {} has no ```elixir fires={} example",
            rule.name,
            rule.name
        );
        assert!(
            section.contains("```elixir quiet"),
            "the section of {} has no quiet example",
            rule.name
        );
    }
}

fn is_rule_like(heading: &str) -> bool {
    heading.contains('-')
        && heading
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// GitHub's anchor for a heading.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn headings(markdown: &str) -> Vec<String> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        if !in_code && line.starts_with('#') {
            out.push(line.trim_start_matches('#').trim().to_string());
        }
    }
    out
}

#[test]
fn rule_headings_name_real_rules() {
    let names: HashSet<&str> = ALL.iter().map(|r| r.name).collect();
    for file in markdown_files()
        .into_iter()
        .filter(|f| f.parent().unwrap().ends_with("reference"))
    {
        let markdown = std::fs::read_to_string(&file).unwrap();
        for line in markdown.lines().filter(|l| l.starts_with("## ")) {
            let heading = line[3..].trim();
            if is_rule_like(heading) {
                assert!(
                    names.contains(heading),
                    "{}: `## {heading}` is not a registered rule",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn internal_links_and_anchors_resolve() {
    let mut failures = Vec::new();
    for file in markdown_files() {
        let markdown = std::fs::read_to_string(&file).unwrap();
        let mut in_code = false;
        for (index, line) in markdown.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            for target in link_targets(line) {
                if target.starts_with("http://")
                    || target.starts_with("https://")
                    || target.starts_with("mailto:")
                {
                    continue;
                }
                let (path_part, fragment) = target
                    .split_once('#')
                    .map_or((target.as_str(), None), |(p, f)| (p, Some(f)));
                let linked = if path_part.is_empty() {
                    file.clone()
                } else {
                    file.parent().unwrap().join(path_part)
                };
                let place = format!("{}:{}", file.display(), index + 1);
                if !linked.exists() {
                    failures.push(format!("{place}: link to missing file {target}"));
                    continue;
                }
                if let Some(fragment) = fragment {
                    let text = std::fs::read_to_string(&linked).unwrap_or_default();
                    if !headings(&text).iter().any(|h| anchor(h) == fragment) {
                        failures.push(format!(
                            "{place}: no heading for anchor #{fragment} in {}",
                            linked.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "broken links:\n{}",
        failures.join("\n")
    );
}

/// Targets of `[text](target)` links on a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("](") {
        let after = &rest[start + 2..];
        match after.find(')') {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end..];
            }
            None => break,
        }
    }
    out
}

#[test]
fn anchors_follow_github() {
    assert_eq!(anchor("rpc-without-timeout"), "rpc-without-timeout");
    assert_eq!(anchor("Suppression comments"), "suppression-comments");
    assert_eq!(anchor("What `:global` does"), "what-global-does");
}

/// Each reference page's "Rules on this page" list names exactly the rules of
/// its topic (in any order), each linked to its section.
#[test]
fn rules_on_this_page_lists_the_topics_rules() {
    for topic in distlint_analysis::rules::Topic::ALL.iter() {
        let path = docs_dir()
            .join("reference")
            .join(format!("{}.md", topic.name()));
        let markdown = std::fs::read_to_string(&path).unwrap();
        let mut expected: Vec<&str> = ALL
            .iter()
            .filter(|rule| rule.topic == *topic)
            .map(|rule| rule.name)
            .collect();
        expected.sort();
        let Some(start) = markdown.find("## Rules on this page") else {
            assert!(
                expected.is_empty(),
                "{} has rules but no `## Rules on this page`",
                path.display()
            );
            continue;
        };
        let mut listed: Vec<String> = markdown[start..]
            .lines()
            .skip(1)
            .skip_while(|line| line.trim().is_empty())
            .take_while(|line| line.starts_with("- "))
            .filter_map(|line| {
                let name = line.strip_prefix("- [`")?.split('`').next()?;
                assert!(
                    line.contains(&format!("](#{name})")),
                    "{}: `{name}` is not linked to its section",
                    path.display()
                );
                Some(name.to_string())
            })
            .collect();
        listed.sort();
        assert_eq!(listed, expected, "{}", path.display());
    }
}
