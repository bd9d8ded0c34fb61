//! The per-file pipeline: parse, model, rules, configuration, suppressions.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use tree_sitter::Node;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Finding, Fix, TextEdit};
use crate::model::summary::{summarize, FileSummary};
use crate::model::{FileModel, ProjectModel};
use crate::parse::{Limit, ParsedFile, Stopped};
use crate::rules::{self, RuleContext, UNUSED_SUPPRESSION};
use crate::source::TextRange;
use crate::suppress;
use crate::timings::{self, Phase};

/// A rule that panicked on this file: a bug in distlint, reported, never fatal.
#[derive(Clone, Debug)]
pub struct RulePanic {
    pub rule: &'static str,
    pub message: String,
}

/// The result of linting one file.
#[derive(Debug, Default)]
pub struct FileLint {
    /// Sorted by position, then rule name.
    pub diagnostics: Vec<Diagnostic>,
    /// Places where the parser had to recover; findings nearby may be missing.
    pub syntax_errors: Vec<TextRange>,
    pub rule_panics: Vec<RulePanic>,
    /// Findings not reported because the file is test code (see
    /// [`Config::reports_in`]); counted so that nothing is hidden silently.
    pub not_reported_in_tests: usize,
    /// What the file's functions do (see [`crate::model::summary`]): an
    /// editor compares it with the project's index after an edit.
    pub summary: FileSummary,
}

/// Lints source text. `relative` is the path relative to `config.root`.
pub fn lint_text(
    text: &str,
    relative: &Path,
    project: &ProjectModel,
    config: &Config,
) -> (ParsedFile, FileLint) {
    let started = timings::start();
    let parsed = ParsedFile::parse(text);
    timings::record(Phase::Parse, started);
    let result = lint_parsed(&parsed, relative, project, config);
    (parsed, result)
}

/// Lints an already parsed file.
pub fn lint_parsed(
    parsed: &ParsedFile,
    relative: &Path,
    project: &ProjectModel,
    config: &Config,
) -> FileLint {
    lint_chunks(parsed, relative, project, config, &mut HashMap::new(), None).unwrap_or_default()
}

/// Lints source text within its per-file budget (see
/// [`crate::parse::file_budget`]): past it, the reason instead of findings.
pub fn lint_text_within(
    text: &str,
    relative: &Path,
    project: &ProjectModel,
    config: &Config,
) -> Result<(ParsedFile, FileLint), Stopped> {
    let limit = Limit::for_len(text.len(), None);
    let started = timings::start();
    let parsed = ParsedFile::parse_within(crate::SourceFile::new(text), None, &limit)
        .map_err(|(_, stopped)| stopped)?;
    timings::record(Phase::Parse, started);
    let result = lint_chunks(
        &parsed,
        relative,
        project,
        config,
        &mut HashMap::new(),
        Some(&limit),
    )?;
    Ok((parsed, result))
}

/// Findings cached by top-level form, for the editor: after an edit only the
/// forms whose text changed are modelled and checked again.
///
/// Rules see one top-level form (usually one `defmodule`) at a time, in the
/// CLI as in the editor, so both give the same findings. A cache belongs to
/// one document under one configuration and project: it empties itself when
/// either changes.
#[derive(Default)]
pub struct LintCache {
    context: Option<(Arc<Config>, Arc<ProjectModel>, PathBuf)>,
    chunks: HashMap<u64, Arc<ChunkLint>>,
}

/// Lints with a cache (see [`LintCache`]).
pub fn lint_parsed_cached(
    parsed: &ParsedFile,
    relative: &Path,
    project: &Arc<ProjectModel>,
    config: &Arc<Config>,
    cache: &mut LintCache,
) -> FileLint {
    lint_parsed_cached_within(parsed, relative, project, config, cache, None).unwrap_or_default()
}

/// [`lint_parsed_cached`] that gives up, between top-level forms, when
/// `limit` says so (the cache keeps what was linted).
pub fn lint_parsed_cached_within(
    parsed: &ParsedFile,
    relative: &Path,
    project: &Arc<ProjectModel>,
    config: &Arc<Config>,
    cache: &mut LintCache,
    limit: Option<&Limit>,
) -> Result<FileLint, Stopped> {
    let same_context = cache.context.as_ref().is_some_and(|(c, p, r)| {
        Arc::ptr_eq(c, config) && Arc::ptr_eq(p, project) && r == relative
    });
    if !same_context {
        cache.chunks.clear();
        cache.context = Some((config.clone(), project.clone(), relative.to_path_buf()));
    }
    lint_chunks(parsed, relative, project, config, &mut cache.chunks, limit)
}

/// What the rules found in one top-level form, with ranges relative to its start.
#[derive(Default)]
struct ChunkLint {
    diagnostics: Vec<Diagnostic>,
    comments: Vec<TextRange>,
    syntax_errors: Vec<TextRange>,
    rule_panics: Vec<RulePanic>,
    summary: FileSummary,
}

fn lint_chunks(
    parsed: &ParsedFile,
    relative: &Path,
    project: &ProjectModel,
    config: &Config,
    cache: &mut HashMap<u64, Arc<ChunkLint>>,
    limit: Option<&Limit>,
) -> Result<FileLint, Stopped> {
    let source = &parsed.source;
    let text = source.text();
    let root = parsed.tree.root_node();
    let mut result = FileLint::default();
    let mut comments = Vec::new();
    let mut kept = HashMap::new();
    // Errors directly under the root belong to no form.
    if root.is_error() {
        result.syntax_errors.push(root.byte_range());
    }
    let mut cursor = root.walk();
    for chunk in root.children(&mut cursor) {
        if let Some(stopped) = limit.and_then(Limit::check) {
            // Keep what was linted so far for the next try.
            cache.extend(kept);
            return Err(stopped);
        }
        let start = chunk.start_byte();
        let key = chunk_key(&text[chunk.byte_range()], chunk, root.kind_id());
        let linted = match cache.get(&key) {
            Some(linted) => linted.clone(),
            None => Arc::new(lint_chunk(chunk, parsed, relative, project, config)),
        };
        let shift = |range: &TextRange| range.start + start..range.end + start;
        result
            .diagnostics
            .extend(linted.diagnostics.iter().map(|d| Diagnostic {
                range: shift(&d.range),
                fix: d.fix.as_ref().map(|fix| {
                    Fix {
                        title: fix.title.clone(),
                        edits: fix
                            .edits
                            .iter()
                            .map(|e| TextEdit::replace(shift(&e.range), e.new_text.clone()))
                            .collect(),
                    }
                }),
                ..d.clone()
            }));
        comments.extend(linted.comments.iter().map(shift));
        result
            .syntax_errors
            .extend(linted.syntax_errors.iter().map(shift));
        result
            .rule_panics
            .extend(linted.rule_panics.iter().cloned());
        // A function defined in two forms (a module written twice) has the
        // clauses of both, as in a summary of the whole file.
        for (key, facts) in &linted.summary {
            let merged = result.summary.entry(key.clone()).or_default();
            merged.clauses.extend(facts.clauses.iter().cloned());
        }
        kept.insert(key, linted);
    }
    // Keep only the forms of this version: the cache cannot grow without bound.
    *cache = kept;

    let started = timings::start();
    let (suppressions, malformed) = suppress::parse(comments, source);
    let unused = suppress::apply(&mut result.diagnostics, &suppressions, source, |name| {
        rules::by_name(name).is_some_and(|rule| config.rule_severity(rule, relative).is_some())
    });
    if let Some(severity) = config.unused_suppression_severity(relative) {
        let unused = unused
            .into_iter()
            .map(|s| (s.range.clone(), suppress::unused_message(s)));
        let malformed = malformed.into_iter().map(|m| (m.range, m.message));
        for (range, message) in unused.chain(malformed) {
            result.diagnostics.push(Diagnostic {
                rule: UNUSED_SUPPRESSION,
                severity,
                range,
                message,
                fix: None,
            });
        }
    }
    if !config.reports_in(relative) {
        result.not_reported_in_tests = result
            .diagnostics
            .iter()
            .filter(|d| d.rule != UNUSED_SUPPRESSION)
            .count();
        result.diagnostics.clear();
    }
    result.diagnostics.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
    });
    timings::record(Phase::Suppress, started);
    Ok(result)
}

/// A form's cache key: its text, the shape of its parse and what holds it.
/// The same text can parse differently (error recovery depends on what
/// precedes it), and rules see the form's parent: a call at the top of a
/// `source` is a discarded value, at the top of an `ERROR` root it is not
/// judged. With the text alone the cache handed back findings of another tree
/// (found by fuzzing, see tests/incremental_cache.rs). All of it is O(1).
fn chunk_key(text: &str, chunk: Node<'_>, root_kind: u16) -> u64 {
    let mut hasher = DefaultHasher::new();
    root_kind.hash(&mut hasher);
    chunk.kind_id().hash(&mut hasher);
    chunk.descendant_count().hash(&mut hasher);
    chunk.has_error().hash(&mut hasher);
    chunk.child_count().hash(&mut hasher);
    text.hash(&mut hasher);
    hasher.finish()
}

/// Models one top-level form and runs every enabled rule on it.
fn lint_chunk(
    chunk: Node<'_>,
    parsed: &ParsedFile,
    relative: &Path,
    project: &ProjectModel,
    config: &Config,
) -> ChunkLint {
    let source = &parsed.source;
    let start = chunk.start_byte();
    let relative_range = |range: TextRange| range.start - start..range.end - start;
    let started = timings::start();
    let model = FileModel::build_from(chunk, source.text());
    timings::record(Phase::Model, started);
    let started = timings::start();
    let summary = summarize(&model);
    timings::record(Phase::Summary, started);
    let context = RuleContext {
        file: &model,
        source,
        project,
        path: relative,
        summary: &summary,
    };
    let mut linted = ChunkLint {
        comments: model
            .comments
            .iter()
            .map(|n| relative_range(n.byte_range()))
            .collect(),
        syntax_errors: model
            .syntax_errors
            .iter()
            .map(|n| relative_range(n.byte_range()))
            .collect(),
        ..ChunkLint::default()
    };
    for (index, rule) in rules::ALL.iter().enumerate() {
        let Some(severity) = config.rule_severity(rule, relative) else {
            continue;
        };
        let mut findings: Vec<Finding> = Vec::new();
        let started = timings::start();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if crash_injected(rule.name) {
                panic!("crash injected with {CRASH_RULE_VARIABLE}");
            }
            (rule.check)(&context, &mut findings)
        }));
        timings::record_rule(index, started);
        if let Err(payload) = outcome {
            linted.rule_panics.push(RulePanic {
                rule: rule.name,
                message: panic_message(payload.as_ref()),
            });
            continue;
        }
        linted
            .diagnostics
            .extend(findings.into_iter().map(|f| Diagnostic {
                rule: rule.name,
                severity,
                range: relative_range(f.range),
                message: f.message,
                fix: f.fix.map(|fix| {
                    Fix {
                        title: fix.title,
                        edits: fix
                            .edits
                            .into_iter()
                            .map(|e| TextEdit::replace(relative_range(e.range), e.new_text))
                            .collect(),
                    }
                }),
            }));
    }
    linted.summary = summary;
    linted
}

/// Fault injection for testing crash handling end to end (for example in the
/// language server): `DISTLINT_CRASH_RULE=<rule-name>` makes that rule panic.
pub const CRASH_RULE_VARIABLE: &str = "DISTLINT_CRASH_RULE";

fn crash_injected(rule: &str) -> bool {
    static CRASH_RULE: OnceLock<Option<String>> = OnceLock::new();
    CRASH_RULE
        .get_or_init(|| std::env::var(CRASH_RULE_VARIABLE).ok())
        .as_deref()
        == Some(rule)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(text: &str) -> Vec<(&'static str, usize, String)> {
        let config = Config::default_at(Path::new("/p"));
        let (parsed, result) = lint_text(
            text,
            Path::new("lib/a.ex"),
            &ProjectModel::default(),
            &config,
        );
        result
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.rule,
                    parsed.source.line_of(d.range.start) + 1,
                    d.message.clone(),
                )
            })
            .collect()
    }

    fn rules(text: &str) -> Vec<(&'static str, usize)> {
        lint(text)
            .into_iter()
            .map(|(rule, line, _)| (rule, line))
            .collect()
    }

    // `:erpc`, so that only rpc-without-timeout fires (`:rpc` also draws prefer-erpc-over-rpc).
    const RPC: &str = ":erpc.call(n, M, :f, [])";

    #[test]
    fn disable_next_line_silences_only_the_next_line() {
        let text = format!(
            "defmodule A do\n  def f(n) do\n    # distlint:disable-next-line rpc-without-timeout -- reason\n    {RPC}\n    {RPC}\n  end\nend\n"
        );
        assert_eq!(rules(&text), [("rpc-without-timeout", 5)]);
    }

    #[test]
    fn disable_line_and_disable_file() {
        let text = format!("defmodule A do\n  def f(n), do: {RPC} # distlint:disable-line rpc-without-timeout\n  def g(n), do: {RPC}\nend\n");
        assert_eq!(rules(&text), [("rpc-without-timeout", 3)]);
        let text = format!("# distlint:disable-file mod-n-node-hashing, rpc-without-timeout\ndefmodule A do\n  def f(n), do: {RPC}\n  def g(n), do: {RPC}\nend\n");
        // Both calls are silenced; the rule that never fired is an unused part.
        assert_eq!(rules(&text), [("unused-suppression", 1)]);
    }

    #[test]
    fn unused_unknown_and_empty_suppressions_are_reported() {
        let text = "defmodule A do\n  # distlint:disable-next-line rpc-without-timeout\n  def f, do: :ok\n  # distlint:disable-next-line no-such-rule\n  # distlint:disable-next-line\n  # distlint:enable rpc-without-timeout\nend\n";
        let found = lint(text);
        let lines: Vec<(&str, usize)> = found.iter().map(|(r, l, _)| (*r, *l)).collect();
        assert_eq!(
            lines,
            [
                ("unused-suppression", 2),
                ("unused-suppression", 4),
                ("unused-suppression", 5),
                ("unused-suppression", 6)
            ]
        );
        assert!(found[0].2.contains("suppresses nothing"), "{}", found[0].2);
        assert!(found[1].2.contains("`no-such-rule`"), "{}", found[1].2);
        assert!(found[2].2.contains("names no rule"), "{}", found[2].2);
        assert!(found[3].2.contains("unknown directive"), "{}", found[3].2);
    }

    #[test]
    fn suppressions_of_disabled_rules_are_not_unused() {
        let mut config = Config::default_at(Path::new("/p"));
        config
            .override_with(&[], &["rpc-without-timeout".to_string()])
            .unwrap();
        let text = "defmodule A do\n  # distlint:disable-next-line rpc-without-timeout\n  def f, do: :ok\nend\n";
        let (_, result) = lint_text(
            text,
            Path::new("lib/a.ex"),
            &ProjectModel::default(),
            &config,
        );
        assert!(result.diagnostics.is_empty(), "{:?}", result.diagnostics);
    }

    #[test]
    fn the_cache_gives_the_same_findings_as_a_fresh_lint() {
        let config = Arc::new(Config::default_at(Path::new("/p")));
        let project = Arc::new(ProjectModel::default());
        let relative = Path::new("lib/a.ex");
        let mut cache = LintCache::default();
        let module = |name: &str| format!("defmodule {name} do\n  def f(n), do: {RPC}\nend\n");
        let versions = [
            format!("{}{}", module("A"), module("B")),
            // An edit before B shifts its finding; A is new text, B is cached.
            format!(
                "# distlint:disable-file wall-clock-duration\n{}{}",
                module("AA"),
                module("B")
            ),
            // Two identical forms share a cache entry at different offsets.
            format!("{}{}", module("B"), module("B")),
        ];
        for text in versions {
            let parsed = ParsedFile::parse(&text);
            let cached = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
            let fresh = lint_parsed(&parsed, relative, &project, &config);
            let shape = |lint: &FileLint| -> Vec<String> {
                lint.diagnostics
                    .iter()
                    .map(|d| format!("{} {:?} {} {:?}", d.rule, d.range, d.message, d.fix))
                    .collect()
            };
            assert_eq!(shape(&cached), shape(&fresh), "{text}");
            assert!(!fresh.diagnostics.is_empty());
        }
    }

    /// A module shaped like real code: `with`, `case`, pipes, guards,
    /// attributes, remote calls, helpers; some functions have findings.
    fn real_shaped_module(name: &str, functions: usize) -> String {
        let mut text = format!(
            "defmodule {name} do\n  use GenServer\n  require Logger\n  alias Shop.{{Store, Codec}}\n\n  @timeout 5_000\n\n"
        );
        for n in 0..functions {
            let timeout = if n % 3 == 0 { "" } else { ", timeout" };
            text.push_str(&format!(
                "  def fetch{n}(key, opts \\\\ []) do\n    timeout = Keyword.get(opts, :timeout, @timeout)\n    with {{:ok, node}} <- owner(key, Node.list()),\n         {{:ok, raw}} <- :erpc.call(node, Store, :lookup, [key]{timeout}) do\n      raw |> Codec.decode() |> Map.put(:at, System.monotonic_time())\n    else\n      {{:error, reason}} -> Logger.warning(\"fetch{n}: #{{inspect(reason)}}\")\n    end\n  end\n\n  defp check{n}(%{{status: s}} = map) when is_atom(s) do\n    case Map.fetch(map, :items) do\n      {{:ok, items}} -> {{:ok, Enum.map(items, &Codec.item/1)}}\n      :error -> :rpc.call(node(), Store, :reset, [])\n    end\n  end\n\n"
            ));
        }
        text.push_str("  defp owner(key, nodes), do: {:ok, Enum.at(nodes, rem(:erlang.phash2(key), length(nodes)))}\nend\n");
        text
    }

    #[test]
    fn after_random_edits_the_cache_gives_the_same_findings_as_a_fresh_lint() {
        // Typing, deleting and pasting in real-shaped modules, including edits
        // that unbalance the file (an open paren, `do` without `end`, a
        // half-typed string): after every edit, the linted-with-a-cache result
        // equals a fresh lint of the same text (findings, fixes, summaries).
        let config = Arc::new(Config::default_at(Path::new("/p")));
        let project = Arc::new(ProjectModel::default());
        let relative = Path::new("lib/shop.ex");
        let pieces = [
            "x",
            " ",
            "\n",
            "(",
            ")",
            " do\n",
            "end\n",
            "\"",
            "case x do\n",
            ":rpc.call(n, M, :f, [])",
            "|> Enum.map(&f/1)",
            "# distlint:disable-next-line rpc-without-timeout\n",
            "@timeout",
            "defmodule Extra do\n",
            "def g(n), do: :erpc.call(n, M, :f, [])\n",
        ];
        // A small deterministic generator (xorshift), so a failure reproduces.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        let shape = |lint: &FileLint| -> (Vec<String>, Vec<String>) {
            let diagnostics = lint
                .diagnostics
                .iter()
                .map(|d| format!("{} {:?} {} {:?}", d.rule, d.range, d.message, d.fix))
                .collect();
            let mut summary: Vec<String> = lint
                .summary
                .iter()
                .map(|(k, v)| format!("{k:?} {v:?}"))
                .collect();
            summary.sort();
            (diagnostics, summary)
        };
        for round in 0..3 {
            let mut text = format!(
                "{}{}",
                real_shaped_module(&format!("Shop.A{round}"), 12),
                real_shaped_module(&format!("Shop.B{round}"), 4)
            );
            let mut cache = LintCache::default();
            for step in 0..40 {
                let mut at = next(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match next(4) {
                    0 => {
                        // Delete up to 40 bytes.
                        let mut end = (at + next(40)).min(text.len());
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => text.insert_str(at, pieces[next(pieces.len())]),
                }
                let parsed = ParsedFile::parse(&text);
                let cached = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
                let fresh = lint_parsed(&parsed, relative, &project, &config);
                assert_eq!(
                    shape(&cached),
                    shape(&fresh),
                    "round {round} step {step}:\n{text}"
                );
            }
        }
    }

    #[test]
    fn text_in_strings_is_not_a_suppression() {
        let text = format!("defmodule A do\n  def f(n) do\n    _ = \"# distlint:disable-next-line rpc-without-timeout\"\n    {RPC}\n  end\nend\n");
        assert_eq!(rules(&text), [("rpc-without-timeout", 4)]);
    }

    #[test]
    fn test_code_is_counted_not_reported_unless_asked() {
        let text = format!(
            "defmodule PeerTest do\n  # distlint:disable-next-line mod-n-node-hashing\n  def f(n), do: {RPC}\n  def cookie, do: Node.set_cookie(:secret)\nend\n"
        );
        let project = ProjectModel::default();
        let mut config = Config::default_at(Path::new("/p"));
        for path in [
            "test/peer_test.exs",
            "apps/shop/test/support/cluster_case.ex",
            "test/test_helper.exs",
            "lib/shop/cluster_test.exs",
        ] {
            let (_, result) = lint_text(&text, Path::new(path), &project, &config);
            assert!(
                result.diagnostics.is_empty(),
                "{path}: {:?}",
                result.diagnostics
            );
            // The unused suppression is not a finding of the code: not counted.
            assert_eq!(result.not_reported_in_tests, 1, "{path}");
        }
        let (_, result) = lint_text(&text, Path::new("lib/peer.ex"), &project, &config);
        assert_eq!(result.not_reported_in_tests, 0);
        assert_eq!(result.diagnostics.len(), 3, "{:?}", result.diagnostics);

        config.lint_tests = true;
        let (_, result) = lint_text(&text, Path::new("test/peer_test.exs"), &project, &config);
        let found: Vec<&str> = result.diagnostics.iter().map(|d| d.rule).collect();
        // hardcoded-distribution-cookie is (prod): never in test code.
        assert_eq!(found, ["unused-suppression", "rpc-without-timeout"]);
        assert_eq!(result.not_reported_in_tests, 0);
    }
}
