//! Broken input never crashes a rule: every fixture, cut and spliced at many
//! places (the states a file passes through while someone types), is linted
//! without a single rule panic, in every place a file can be: an ordinary
//! source file, a `mix.exs`, a `config/*.exs`, a file of a project whose
//! dependencies switch on the project-gated rules, and the fixture's own path
//! in its own fixture project.

use std::path::{Path, PathBuf};

use distlint_analysis::model::project::{find_project_root, Dependency};
use distlint_analysis::model::ProjectModel;
use distlint_analysis::{lint_text, Config};
use rayon::prelude::*;

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

/// A project that clusters its nodes and schedules with Quantum: the rules
/// that read dependencies do all their work in it (with no dependencies they
/// return at once).
fn clustered_project() -> ProjectModel {
    let mut project = ProjectModel {
        root: Some(PathBuf::from("/p")),
        ..ProjectModel::default()
    };
    for name in [
        "libcluster",
        "horde",
        "swarm",
        "quantum",
        "oban",
        "delta_crdt",
    ] {
        project.dependencies.push(Dependency {
            name: name.to_string(),
            declared_in: PathBuf::from("/p/mix.exs"),
        });
    }
    project
}

/// Where a variant of `fixture` is linted: the paths that switch rules on or
/// off, and the fixture's own place in its own project (as the fixture
/// harness lints it).
fn places(fixture: &Path, clustered: &ProjectModel) -> Vec<(PathBuf, ProjectModel)> {
    let mut places: Vec<(PathBuf, ProjectModel)> = ["lib/a.ex", "mix.exs", "config/runtime.exs"]
        .into_iter()
        .map(|path| (PathBuf::from(path), clustered.clone()))
        .collect();
    places.push((PathBuf::from("lib/a.ex"), ProjectModel::default()));
    let kind_dir = fixture
        .ancestors()
        .find(|dir| dir.ends_with("fires") || dir.ends_with("quiet"));
    if let Some(kind_dir) = kind_dir {
        let relative = fixture.strip_prefix(kind_dir).unwrap().to_path_buf();
        let project = match find_project_root(fixture) {
            Some(root) if root.starts_with(kind_dir) => ProjectModel::load(&root),
            _ => ProjectModel::default(),
        };
        places.push((relative, project));
    }
    places
}

#[test]
fn no_rule_panics_on_half_typed_code() {
    let config = Config::default_at(Path::new("/p"));
    let clustered = clustered_project();
    // Files in parallel: this is the slowest test of the suite.
    let linted: usize = fixtures()
        .par_iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            let places = places(file, &clustered);
            let mut linted = 0;
            for at in cut_points(&text, 8) {
                let variants = [
                    text[..at].to_string(),
                    format!("{}{}", &text[..at], &text[(at + 7).min(text.len())..]),
                    format!("{}(do \"#{{{}", &text[..at], &text[at..]),
                ];
                for variant in &variants {
                    for (path, project) in &places {
                        let (_, result) = lint_text(variant, path, project, &config);
                        assert!(
                            result.rule_panics.is_empty(),
                            "{} cut at {at}, linted as {}: {:?}",
                            file.display(),
                            path.display(),
                            result.rule_panics
                        );
                        linted += 1;
                    }
                }
            }
            linted
        })
        .sum();
    assert!(linted > 5000, "only {linted} variants linted");
}

#[test]
fn the_clustered_project_switches_on_the_project_gated_rules() {
    // Without this, the places above could silently stop reaching the rules
    // that read dependencies.
    let source = "defmodule Jobs.Scheduler do\n  use Quantum, otp_app: :jobs\nend\n";
    let config = Config::default_at(Path::new("/p"));
    let (_, gated) = lint_text(source, Path::new("lib/a.ex"), &clustered_project(), &config);
    assert!(
        gated
            .diagnostics
            .iter()
            .any(|d| d.rule == "cluster-cron-without-leader"),
        "{:?}",
        gated.diagnostics
    );
    let (_, ungated) = lint_text(
        source,
        Path::new("lib/a.ex"),
        &ProjectModel::default(),
        &config,
    );
    assert!(ungated.diagnostics.is_empty(), "{:?}", ungated.diagnostics);
}
