//! Broken input never crashes a rule: every fixture, cut and spliced at many
//! places (the states a file passes through while someone types), is linted
//! without a single rule panic.

use std::path::{Path, PathBuf};

use distlint_analysis::model::ProjectModel;
use distlint_analysis::{lint_text, Config};

fn fixtures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "ex" || e == "exs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Byte offsets spread over the text, moved to character boundaries.
fn cut_points(text: &str, count: usize) -> Vec<usize> {
    (1..count)
        .map(|i| {
            let mut at = text.len() * i / count;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        })
        .collect()
}

#[test]
fn no_rule_panics_on_half_typed_code() {
    let config = Config::default_at(Path::new("/p"));
    let project = ProjectModel::default();
    let mut linted = 0;
    for file in fixtures() {
        let text = std::fs::read_to_string(&file).unwrap();
        for at in cut_points(&text, 8) {
            let variants = [
                text[..at].to_string(),
                format!("{}{}", &text[..at], &text[(at + 7).min(text.len())..]),
                format!("{}(do \"#{{{}", &text[..at], &text[at..]),
            ];
            for variant in variants {
                let (_, result) = lint_text(&variant, Path::new("lib/a.ex"), &project, &config);
                assert!(
                    result.rule_panics.is_empty(),
                    "{} cut at {at}: {:?}",
                    file.display(),
                    result.rule_panics
                );
                linted += 1;
            }
        }
    }
    assert!(linted > 1000, "only {linted} variants linted");
}
