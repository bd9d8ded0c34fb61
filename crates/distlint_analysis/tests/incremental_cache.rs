//! Regressions found by fuzz/fuzz_targets/incremental_edits.rs: edits applied
//! as the editor applies them (Tree::edit, incremental reparse, the per-form
//! LintCache) must give the findings of a fresh lint of the same tree.

use std::path::Path;
use std::sync::Arc;

use distlint_analysis::lint::{lint_parsed, lint_parsed_cached, LintCache};
use distlint_analysis::model::ProjectModel;
use distlint_analysis::parse::ParsedFile;
use distlint_analysis::{Config, FileLint, SourceFile};
use tree_sitter::{InputEdit, Point};

struct Edit {
    start: u16,
    removed: u8,
    inserted: String,
}

struct Input {
    text: String,
    edits: Vec<Edit>,
}

fn point(text: &str, offset: usize) -> Point {
    let before = &text.as_bytes()[..offset];
    let row = before.iter().filter(|b| **b == b'\n').count();
    let column = offset
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
    Point::new(row, column)
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
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
