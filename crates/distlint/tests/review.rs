//! `distlint review` on the projects under tests/projects/review/, one per
//! rung it should find: snapshots of the three formats, the JSON contract,
//! exit codes.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{run, Run};

fn projects() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/projects/review")
}

fn review(cwd: &Path, args: &[&str]) -> Run {
    let mut all = vec!["review"];
    all.extend_from_slice(args);
    run(cwd, &all)
}

fn text_of(project: &str) -> String {
    let run = review(&projects().join(project), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run.stdout
}

fn json_of(cwd: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = review(cwd, &all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("one JSON object")
}

fn level_of(json: &Value) -> u64 {
    json["projects"][0]["level"]["level"].as_u64().unwrap()
}

#[test]
fn review_single_node_app_is_level_0() {
    let text = text_of("single");
    assert!(text.contains("ESCALATION LEVEL: 0 of 5, One node (looks justified)"));
    insta::assert_snapshot!("single_text", text);
}

#[test]
fn review_libcluster_pubsub_app_is_level_1() {
    let text = text_of("pubsub");
    // A GenServer cache on level 1 is questioned.
    assert!(text.contains("(worth questioning)"), "{text}");
    insta::assert_snapshot!("pubsub_text", text);
}

#[test]
fn review_horde_app_is_level_2_and_questions_static_horde() {
    let text = text_of("horde");
    assert!(
        text.contains("nothing starts processes at run time"),
        "{text}"
    );
    insta::assert_snapshot!("horde_text", text);
}

#[test]
fn review_mnesia_app_is_level_4() {
    let text = text_of("mnesia");
    insta::assert_snapshot!("mnesia_text", text);
}

#[test]
fn review_umbrella_is_one_project_at_level_3() {
    let text = text_of("umbrella");
    assert_eq!(text.matches("DISTRIBUTION REVIEW").count(), 1, "{text}");
    insta::assert_snapshot!("umbrella_text", text);
}

#[test]
fn review_markdown_output() {
    let run = review(&projects().join("umbrella"), &["--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stdout
        .starts_with("# Distribution review: `umbrella`\n"));
    insta::assert_snapshot!("umbrella_markdown", run.stdout);
}

#[test]
fn review_json_contract() {
    let json = json_of(&projects().join("horde"), &[]);
    insta::assert_json_snapshot!("horde_json", json);

    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["version", "projects", "test_projects", "problems"]);
    let project = &json["projects"][0];
    let keys: Vec<&String> = project.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "root",
            "umbrella",
            "files",
            "level",
            "inventory",
            "uses_in_tests",
            "partition_behaviour",
            "findings",
            "findings_not_reported_in_tests",
            "checklist"
        ]
    );
    assert_eq!(project["root"], ".");
    assert_eq!(level_of(&json), 2);
    assert_eq!(project["level"]["justified"], false);
    for item in project["level"]["evidence"].as_array().unwrap() {
        assert_eq!(item["primitive"], "horde");
        assert_eq!(item["level"], 2);
    }
    let inventory = project["inventory"].as_array().unwrap();
    let topology = inventory
        .iter()
        .find(|i| i["what"] == "topology `gossip`: `Cluster.Strategy.Gossip`")
        .unwrap();
    assert_eq!(topology["category"], "clustering");
    assert_eq!(topology["path"], "config/config.exs");
    assert_eq!(topology["lines"], serde_json::json!([6]));
    assert_eq!(topology["origin"], "config");
    let behaviour = &project["partition_behaviour"];
    assert!(behaviour
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["primitive"] == "horde"
            && b["reference"]
                .as_str()
                .unwrap()
                .ends_with("/docs/reference/leader-election.md#horde-already-started-unhandled")));
    let finding = &project["findings"][0];
    assert_eq!(finding["rule"], "horde-already-started-unhandled");
    assert_eq!(finding["topic"], "leader-election");
    assert_eq!(finding["path"], "lib/fleet/dispatcher.ex");
}

#[test]
fn review_every_fixture_at_its_level() {
    for (project, level) in [
        ("single", 0),
        ("pubsub", 1),
        ("horde", 2),
        ("umbrella", 3),
        ("mnesia", 4),
    ] {
        let json = json_of(&projects().join(project), &[]);
        assert_eq!(level_of(&json), level, "{project}");
        assert_eq!(json["projects"].as_array().unwrap().len(), 1, "{project}");
    }
}

#[test]
fn review_of_an_umbrella_app_counts_its_own_dependencies_only() {
    // apps/ledger depends on :ra; reviewing apps/web alone must not place it on level 3.
    let json = json_of(&projects().join("umbrella"), &["apps/web"]);
    assert_eq!(level_of(&json), 2);
    let project = &json["projects"][0];
    assert_eq!(project["umbrella"], true);
    let paths: Vec<&str> = project["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"config/config.exs"), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.starts_with("apps/ledger")),
        "{paths:?}"
    );
}

#[test]
fn review_test_code_is_not_counted() {
    let json = json_of(&projects().join("umbrella"), &[]);
    let project = &json["projects"][0];
    assert_eq!(project["uses_in_tests"], 2);
    assert!(!project["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["path"].as_str().unwrap().contains("/test/")));
}

#[test]
fn review_skips_projects_in_test_code() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "mix.exs",
        "defmodule App.MixProject do\n  use Mix.Project\nend\n",
    );
    write(
        "lib/app.ex",
        "defmodule App do\n  def go(node), do: :erpc.call(node, App, :x, [], 5_000)\nend\n",
    );
    write(
        "test/fixtures/other/mix.exs",
        "defmodule Other.MixProject do\n  use Mix.Project\nend\n",
    );
    write(
        "test/fixtures/other/lib/other.ex",
        "defmodule Other do\n  def go, do: Node.list()\nend\n",
    );
    let json = json_of(root, &[]);
    assert_eq!(json["projects"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(
        json["test_projects"],
        serde_json::json!(["test/fixtures/other"])
    );
    let run = review(root, &[]);
    assert!(run
        .stdout
        .contains("Not reviewed: 1 Mix project in test code (fixtures): test/fixtures/other."));
}

#[test]
fn review_exit_codes() {
    let missing = review(&projects(), &["no-such-project"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stdout.is_empty());
    assert!(
        missing
            .stderr
            .contains("no-such-project: no such file or directory"),
        "{}",
        missing.stderr
    );

    let usage = review(&projects(), &["--format", "yaml"]);
    assert_eq!(usage.code, 2);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".distlint.toml"), "selct = []\n").unwrap();
    std::fs::write(dir.path().join("a.ex"), "defmodule A do\nend\n").unwrap();
    let broken = review(dir.path(), &[]);
    assert_eq!(broken.code, 2);
    assert!(broken.stderr.contains("selct"), "{}", broken.stderr);

    let unreadable = dir.path().join("bad.ex");
    std::fs::write(dir.path().join(".distlint.toml"), "").unwrap();
    std::fs::write(&unreadable, [0xff, 0xfe, b'\n']).unwrap();
    let io = review(dir.path(), &[]);
    assert_eq!(
        io.code, 2,
        "the report, then the file that could not be read"
    );
    assert!(io.stdout.contains("DISTRIBUTION REVIEW"), "{}", io.stdout);
    assert!(io.stderr.contains("bad.ex"), "{}", io.stderr);
}
