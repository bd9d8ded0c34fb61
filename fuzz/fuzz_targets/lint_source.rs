//! (a) Arbitrary bytes linted as an Elixir source file, as `mix.exs` and as
//! `config/*.exs`: no panic (a rule's panic is caught and reported by the
//! pipeline, so it is turned into a crash here), no hang past the budget.
#![no_main]

use std::path::Path;

use distlint_analysis::lint::lint_text;
use distlint_analysis::model::ProjectModel;
use distlint_analysis::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // The CLI and the editor only ever lint UTF-8.
    };
    let config = Config::default_at(Path::new("/project"));
    let project = ProjectModel::default();
    for relative in [
        "lib/fuzz.ex",
        "mix.exs",
        "config/runtime.exs",
        "test/fuzz_test.exs",
    ] {
        let (parsed, lint) = lint_text(text, Path::new(relative), &project, &config);
        assert!(
            lint.rule_panics.is_empty(),
            "a rule panicked on {relative}: {:?}",
            lint.rule_panics
        );
        for diagnostic in &lint.diagnostics {
            let range = &diagnostic.range;
            assert!(range.start <= range.end && range.end <= text.len());
            assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            if let Some(fix) = &diagnostic.fix {
                for edit in &fix.edits {
                    assert!(edit.range.end <= text.len());
                    assert!(text.is_char_boundary(edit.range.start));
                    assert!(text.is_char_boundary(edit.range.end));
                }
            }
        }
        drop(parsed);
    }
});
