//! (b) Arbitrary edits applied to a document as the editor applies them: the
//! tree edited with `Tree::edit` and reparsed incrementally, the findings
//! linted with the per-form cache. After every edit, the findings must equal
//! those of a fresh lint of the same tree (a differential oracle for the
//! cache); the incremental tree is compared with a fresh parse when the text
//! has no syntax error (tree-sitter does not promise identical error
//! recovery on the two paths). The provisional lint of an edited clause
//! (`region.rs`), from the last full lint and from the first one carried
//! through every edit since, must not panic and must give ranges inside the
//! text on character boundaries (its findings may differ from the full
//! lint's where a rule reads other functions, so they are not compared here;
//! tests/incremental_cache.rs compares them where they must agree).
#![no_main]

use std::path::Path;
use std::sync::Arc;

use distlint_analysis::lint::{lint_parsed, lint_parsed_cached, LintCache};
use distlint_analysis::model::project::SourceFacts;
use distlint_analysis::model::ProjectModel;
use distlint_analysis::parse::ParsedFile;
use distlint_analysis::region::Carried;
use distlint_analysis::{Config, Diagnostic, SourceFile};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tree_sitter::{InputEdit, Point};

#[path = "../../crates/distlint_analysis/tests/support/edits.rs"]
mod edits;
use edits::{floor_boundary, point};

#[derive(Arbitrary, Debug)]
struct Edit {
    start: u16,
    removed: u8,
    inserted: String,
}

#[derive(Arbitrary, Debug)]
struct Input {
    text: String,
    edits: Vec<Edit>,
}


fn findings(lint: &distlint_analysis::FileLint) -> Vec<String> {
    lint.diagnostics
        .iter()
        .map(|d| format!("{} {:?} {}", d.rule, d.range, d.message))
        .collect()
}

fuzz_target!(|input: Input| {
    if input.edits.len() > 16 || input.text.len() > 4096 {
        return;
    }
    let config = Arc::new(Config::default_at(Path::new("/project")));
    let project = Arc::new(ProjectModel::default());
    let relative = Path::new("lib/fuzz.ex");
    let mut text = input.text;
    let mut parsed = ParsedFile::parse(&text);
    let mut cache = LintCache::default();
    let first = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
    // What the editor re-lints everything on (a rule may read the whole file
    // for these, see global_singleton_without_netsplit_handling.rs).
    let mut facts = SourceFacts::of_parsed(&parsed);
    // Carried from the last full lint (the editor between keystrokes), and
    // from the first one through every edit (typing faster than it lints).
    let mut carried = Carried::new(parsed.tree.clone(), first.diagnostics.clone());
    let mut carried_long = Carried::new(parsed.tree.clone(), first.diagnostics);
    for edit in &input.edits {
        let start = floor_boundary(&text, edit.start as usize);
        let end = floor_boundary(&text, start + edit.removed as usize);
        let input_edit = InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: start + edit.inserted.len(),
            start_position: point(&text, start),
            old_end_position: point(&text, end),
            new_end_position: Point::new(0, 0),
        };
        text.replace_range(start..end, &edit.inserted);
        let input_edit = InputEdit {
            new_end_position: point(&text, input_edit.new_end_byte),
            ..input_edit
        };
        let mut tree = parsed.tree.clone();
        tree.edit(&input_edit);
        carried.edit(&input_edit);
        carried_long.edit(&input_edit);
        let source = SourceFile::new(text.clone());
        for carried in [&carried, &carried_long] {
            if let Some(diagnostics) = carried.lint(&source, relative, &project, &config) {
                assert_within(&text, &diagnostics);
            }
        }
        parsed = ParsedFile::reparse(SourceFile::new(text.clone()), Some(&tree));
        let fresh = ParsedFile::parse(&text);
        if !fresh.tree.root_node().has_error() {
            assert_eq!(
                parsed.tree.root_node().to_sexp(),
                fresh.tree.root_node().to_sexp(),
                "incremental and fresh parses differ for {text:?}"
            );
        }
        let now = SourceFacts::of_parsed(&parsed);
        if now != facts {
            cache = LintCache::default();
            facts = now;
        }
        let cached = lint_parsed_cached(&parsed, relative, &project, &config, &mut cache);
        let uncached = lint_parsed(&parsed, relative, &project, &config);
        assert_eq!(
            findings(&cached),
            findings(&uncached),
            "cached and fresh findings differ for {text:?}"
        );
        carried = Carried::new(parsed.tree.clone(), cached.diagnostics);
    }
});

fn assert_within(text: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let ranges = std::iter::once(&d.range)
            .chain(d.fix.iter().flat_map(|f| f.edits.iter().map(|e| &e.range)));
        for range in ranges {
            assert!(
                range.start <= range.end
                    && range.end <= text.len()
                    && text.is_char_boundary(range.start)
                    && text.is_char_boundary(range.end),
                "provisional range {range:?} of {} outside {text:?}",
                d.rule
            );
        }
    }
}
