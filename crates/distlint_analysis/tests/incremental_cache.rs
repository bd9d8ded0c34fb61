//! Regressions found by fuzz/fuzz_targets/incremental_edits.rs: edits applied
//! as the editor applies them (Tree::edit, incremental reparse, the per-form
//! LintCache) must give the findings of a fresh lint of the same tree.

use std::path::Path;
use std::sync::Arc;

use distlint_analysis::lint::{lint_parsed, lint_parsed_cached, LintCache};
use distlint_analysis::model::ProjectModel;
use distlint_analysis::parse::ParsedFile;
use distlint_analysis::region::Carried;
use distlint_analysis::{Config, FileLint, SourceFile};
use tree_sitter::InputEdit;

#[path = "support/edits.rs"]
mod edits;
use edits::{floor_boundary, point};

struct Edit {
    start: u16,
    removed: u8,
    inserted: String,
}

struct Input {
    text: String,
    edits: Vec<Edit>,
}

fn findings(lint: &FileLint) -> Vec<String> {
    lint.diagnostics
        .iter()
        .map(|d| format!("{} {:?} {}", d.rule, d.range, d.message))
        .collect()
}

/// The fuzz target's oracle, replayed.
fn replay(input: Input) {
    let config = Arc::new(Config::default_at(Path::new("/project")));
    let project = Arc::new(ProjectModel::default());
    let relative = Path::new("lib/fuzz.ex");
    let mut text = input.text;
    let mut parsed = ParsedFile::parse(&text);
    let mut cache = LintCache::default();
    let _ = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
    for edit in &input.edits {
        let start = floor_boundary(&text, edit.start as usize);
        let end = floor_boundary(&text, start + edit.removed as usize);
        let (start_position, old_end_position) = (point(&text, start), point(&text, end));
        text.replace_range(start..end, &edit.inserted);
        let new_end = start + edit.inserted.len();
        let mut tree = parsed.tree.clone();
        tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position: point(&text, new_end),
        });
        parsed = ParsedFile::reparse(SourceFile::new(text.clone()), Some(&tree));
        let cached = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
        let fresh = lint_parsed(&parsed, relative, &project, &config);
        assert_eq!(findings(&cached), findings(&fresh), "for {text:?}");
    }
}

/// crash-f2316e93: a top-level `:rpc.call` whose text came back unchanged,
/// now under an `ERROR` root instead of a `source` one, kept the
/// prefer-erpc-over-rpc finding ("the result is ignored") of its earlier tree.
#[test]
fn a_form_under_a_root_of_another_kind_is_linted_again() {
    replay(
Input {
    text: "# `:infinity` one step away from the call: a variabLe, an attribute, finity\n\n  def variable(node) do\n    wait = :infinity\n    :rpc.call(node, Fixtures.Worker, :run, [], wait)\n#           ::::::::::::::::::::::::::::::::::::::::::::::::::::::   node) do\n 0  wait = :infinity\n    :rpc.call(node, Fixtures.Worker, :run, [], wait)\n#                                              ^^^^ rpc-without-timeout\n  end\n\n  def attribute(node), do: :erpc.call(node, Fixtures.Worker, :run, [], @forever)\n#                                                                    0  wait = :infinity\n    :rpc.call(node, Fixtures.Worker, :run, [], wait)\n#                                              ^^^^ rpc-without-timeout\n  end\n\n  def attribute(node), do: :erpc.call(node, Fixtures.Worker, :run, []\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0, @forever)\n#                                                                      ^^^^^^^^ rpc-without-timeout\n\n                                 ^^^^ rpc-without-timeout\n  end\n\n  def attribute(node), do: :erpc.call(node, Fixtures.Worker, :run, [], @forever)\n#                                                                 `    ^^^^^^^^ rpc-without-timeout\n\n  def helper(nodes), do: :rpc.multicall(nodes, Fixtures.Worker, :run, [], no_liimt())\n#                                                    ".to_string(),
    edits: vec![
        Edit {
            start: 5920,
            removed: 32,
            inserted: "                  ^^^^^^^^^^ rpc-without-".to_string(),
        },
        Edit {
            start: 28009,
            removed: 101,
            inserted: "oa helper.\ndefmodule Fixtures.BoundTimeouts do\n  @forever :infinity\n\n  def variable(node) do\n    wait = :infinity\n    :rpc.call(node, Fixtures.Worker, :run, [], wait".to_string(),
        },
        Edit {
            start: 8970,
            removed: 32,
            inserted: "                                             ^^^^ rpc-without-timeout\n  end\n\n  def attribute(n    ^^^^^^^^^^    `    ^^^^^^^^ rpc-without-timeout\n\n  def helper(nodes), do: :rpc.multicall(nodes, Fixtures.Worker, :run, [], no_liimt())\n#                                                    ".to_string(),
        },
        Edit {
            start: 5920,
            removed: 32,
            inserted: "                  ^^^^^^^^^^ rpc-without-timeoa helper.\ndefmodule Fixtures.BoundTimeouts do\n  @forever :infinity\n\n  def variable(node) do\n    wait = :infinity\n    :rpc.call(node, Fixtures.Worker, :run, [], wait)\n#                                              ^^^^ rpc-without-timeout\n  end\n\n  def attribute(n    ^^^^^^^^^^ rpc-without-timeout\n\n  d".to_string(),
        },
    ],
}    );
}

// Provisional diagnostics (region.rs): an edit inside one function clause,
// linted from that clause in its module and the findings carried from the
// last full lint, must give what a full lint of the new text gives.

/// A module of `functions` functions; one in four calls another node without
/// a timeout (a finding), the others pass `@timeout`.
fn module(functions: usize) -> String {
    let mut text = String::from(
        "defmodule Shop.Orders do\n  use GenServer\n  alias Shop.Store, as: S\n\n  @timeout 5_000\n  @doc false\n\n",
    );
    for n in 0..functions {
        let timeout = if n % 4 == 0 { "" } else { ", @timeout" };
        text.push_str(&format!(
            "  def fetch{n}(node, key) do\n    value = Map.get(key, :v)\n    :erpc.call(node, S, :lookup, [value]{timeout})\n  end\n\n"
        ));
    }
    text.push_str("end\n");
    text
}

struct Carrying {
    text: String,
    carried: Carried,
    config: Arc<Config>,
    project: Arc<ProjectModel>,
}

impl Carrying {
    fn new(text: &str) -> Carrying {
        let config = Arc::new(Config::default_at(Path::new("/project")));
        let project = Arc::new(ProjectModel::default());
        let parsed = ParsedFile::parse(text);
        let lint = lint_parsed(&parsed, Path::new("lib/orders.ex"), &project, &config);
        Carrying {
            text: text.to_string(),
            carried: Carried::new(parsed.tree.clone(), lint.diagnostics),
            config,
            project,
        }
    }

    /// Replaces `removed` bytes at `start` by `inserted`.
    fn edit(&mut self, start: usize, removed: usize, inserted: &str) {
        let end = start + removed;
        let (start_position, old_end_position) = (point(&self.text, start), point(&self.text, end));
        self.text.replace_range(start..end, inserted);
        let new_end = start + inserted.len();
        self.carried.edit(&InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: new_end,
            start_position,
            old_end_position,
            new_end_position: point(&self.text, new_end),
        });
    }

    fn provisional(&self) -> Option<Vec<String>> {
        let source = SourceFile::new(self.text.clone());
        let relative = Path::new("lib/orders.ex");
        let diagnostics = self
            .carried
            .lint(&source, relative, &self.project, &self.config)?;
        Some(diagnostics.iter().map(finding).collect())
    }

    fn fresh_diagnostics(&self) -> Vec<distlint_analysis::Diagnostic> {
        let parsed = ParsedFile::parse(&self.text);
        let relative = Path::new("lib/orders.ex");
        lint_parsed(&parsed, relative, &self.project, &self.config).diagnostics
    }

    fn fresh(&self) -> Vec<String> {
        self.fresh_diagnostics().iter().map(finding).collect()
    }
}

fn finding(d: &distlint_analysis::Diagnostic) -> String {
    format!("{} {:?} {}", d.rule, d.range, d.message)
}

/// The offset just after `needle`'s `occurrence`-th appearance.
fn after(text: &str, needle: &str, occurrence: usize) -> usize {
    text.match_indices(needle).nth(occurrence).expect(needle).0 + needle.len()
}

#[test]
fn provisional_findings_equal_a_full_lint_while_typing_inside_a_function() {
    let mut doc = Carrying::new(&module(40));
    let findings = doc.fresh().len();
    // Inside fetch21 (a quiet one): type a binding, call without a timeout,
    // then give that call its timeout back character by character.
    let mut at = after(&doc.text, "def fetch21(node, key) do\n", 0);
    for typed in ["    x = 1\n", "    :erpc.call(node, S, :ping, [])\n"] {
        for ch in typed.chars() {
            doc.edit(at, 0, &ch.to_string());
            at += ch.len_utf8();
            let provisional = doc.provisional().expect("an edit inside one clause");
            assert_eq!(provisional, doc.fresh(), "after typing into {:?}", doc.text);
        }
    }
    assert_eq!(
        doc.fresh().len(),
        findings + 1,
        "the call typed is a finding"
    );
    // An edit in another clause as well: the edits no longer lie in one.
    let timeout = after(&doc.text, "def fetch22(node, key) do\n", 0);
    let timeout = timeout + doc.text[timeout..].find(", @timeout").unwrap();
    doc.edit(timeout, ", @timeout".len(), "");
    assert_eq!(
        doc.provisional(),
        None,
        "edits in two clauses need the full lint"
    );
}

#[test]
fn a_finding_made_and_removed_inside_a_clause_matches_the_full_lint() {
    let mut doc = Carrying::new(&module(30));
    let findings = doc.fresh().len();
    // Remove fetch5's timeout: one finding more; put it back: as before.
    let start = after(&doc.text, "def fetch5(node, key) do\n", 0);
    let timeout = start + doc.text[start..].find(", @timeout").unwrap();
    doc.edit(timeout, ", @timeout".len(), "");
    let provisional = doc.provisional().expect("inside fetch5");
    assert_eq!(provisional, doc.fresh());
    assert_eq!(provisional.len(), findings + 1);
    doc.edit(timeout, 0, ", @timeout");
    let provisional = doc.provisional().expect("inside fetch5");
    assert_eq!(provisional, doc.fresh());
    assert_eq!(provisional.len(), findings);
}

#[test]
fn an_unbalanced_clause_leaves_the_other_functions_findings_as_they_were() {
    for unbalanced in [
        "    s = \"abc",
        "    case value do",
        "    Enum.map(",
        "    fn x ->",
    ] {
        let original = module(30);
        let mut doc = Carrying::new(&original);
        let at = after(&doc.text, "def fetch13(node, key) do\n", 0);
        doc.edit(at, 0, &format!("{unbalanced}\n"));
        let provisional = doc
            .provisional()
            .unwrap_or_else(|| panic!("{unbalanced:?} stays within fetch13"));
        // Every finding outside fetch13 is the original one, moved.
        let inserted = unbalanced.len() + 1;
        let end_of_clause = after(&original, "  end\n", 13);
        let expected: Vec<String> = Carrying::new(&original)
            .fresh_diagnostics()
            .into_iter()
            .filter(|d| !(at..end_of_clause).contains(&d.range.start))
            .map(|mut d| {
                if d.range.start >= at {
                    d.range = d.range.start + inserted..d.range.end + inserted;
                }
                finding(&d)
            })
            .collect();
        let clause = at..end_of_clause + inserted;
        let outside: Vec<String> = provisional
            .into_iter()
            .filter(|f| {
                let start = f
                    .split([' ', '.'])
                    .nth(1)
                    .unwrap()
                    .parse::<usize>()
                    .unwrap();
                !clause.contains(&start)
            })
            .collect();
        assert_eq!(outside, expected, "{unbalanced:?}");
    }
}

#[test]
fn edits_outside_a_function_clause_need_the_full_lint() {
    let mut doc = Carrying::new(&module(10));
    let at = after(&doc.text, "@timeout 5_00", 0);
    doc.edit(at, 0, "0");
    assert_eq!(
        doc.provisional(),
        None,
        "a module attribute is read by every clause"
    );
    let mut doc = Carrying::new(&module(10));
    assert_eq!(doc.provisional(), None, "no edit since the full lint");
    let at = after(&doc.text, "  end\n", 3);
    doc.edit(at, 0, "\n");
    assert_eq!(doc.provisional(), None, "between two clauses");
}

/// Random edits inside one function body: whenever the new text parses
/// cleanly, the provisional findings are the full lint's.
#[test]
fn random_edits_inside_a_clause_match_the_full_lint() {
    const SNIPPETS: &[&str] = &[
        "x",
        " ",
        "\n",
        "foo(",
        ")",
        ", @timeout",
        "    :erpc.call(node, S, :f, [])\n",
        "    case key do\n      :a -> :rpc.call(node, S, :g, [])\n    end\n",
        "\"",
        "    @timeout\n",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = |bound: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % bound
    };
    let (mut compared, mut provisional_results) = (0, 0);
    for _ in 0..150 {
        let mut doc = Carrying::new(&module(12));
        let n = next(12);
        let body = after(&doc.text, &format!("def fetch{n}(node, key) do\n"), 0);
        let mut body_end = body + doc.text[body..].find("  end\n").unwrap();
        for _ in 0..1 + next(3) {
            let at = body + next(body_end - body);
            if next(3) == 0 {
                let removed = (1 + next(5)).min(body_end - at);
                doc.edit(at, removed, "");
                body_end -= removed;
            } else {
                let snippet = SNIPPETS[next(SNIPPETS.len())];
                doc.edit(at, 0, snippet);
                body_end += snippet.len();
            }
        }
        let Some(provisional) = doc.provisional() else {
            continue;
        };
        provisional_results += 1;
        if !ParsedFile::parse(&doc.text).tree.root_node().has_error() {
            compared += 1;
            assert_eq!(provisional, doc.fresh(), "for {:?}", doc.text);
        }
    }
    assert!(
        provisional_results >= 140,
        "edits inside a body get provisional findings: {provisional_results}/150"
    );
    assert!(compared >= 30, "enough clean texts compared: {compared}");
}
