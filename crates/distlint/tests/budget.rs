//! Bounded work per file (issue 16): a file that takes longer than its budget
//! to parse and lint is skipped with the reason, and the others are linted.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The shape that makes tree-sitter-elixir 0.3.5 quadratic: at 1,600
/// functions it parses in seconds and hundreds of MB.
fn pathological(functions: usize) -> String {
    let mut text = String::from("defmodule P do\n");
    for n in 0..functions {
        text.push_str(&format!(
            "  def c{n}(x) do\n    y = x\n    case y do\n      :a -> 1\n    end\n  end\n"
        ));
    }
    text.push_str("end\n");
    text
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_file_over_its_budget_is_skipped_and_the_others_are_linted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib/generated.ex", &pathological(1600));
    write(
        dir.path(),
        "lib/ok.ex",
        "defmodule Ok do\n  def f(n), do: :rpc.call(n, M, :f, [])\nend\n",
    );
    let output = Command::cargo_bin("distlint")
        .unwrap()
        .current_dir(dir.path())
        // Small, so the test stays fast; the small file needs a few ms.
        .env("DISTLINT_FILE_BUDGET_MS", "300")
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "lib/generated.ex: skipped: parsing and linting it took longer than the per-file budget of 300 ms"
        ),
        "{stderr}"
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let skipped = json["summary"]["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["path"], "lib/generated.ex");
    assert_eq!(json["summary"]["files_checked"], 1);
    let paths: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"lib/ok.ex"), "{paths:?}");
}
