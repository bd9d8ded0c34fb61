//! `distlint check` in CI and while adopting it: SARIF (validated against the
//! SARIF 2.1.0 schema), GitHub annotations, `--output`, `--exit-zero`,
//! `--statistics`, `--fix` and `--diff` on the rule fixtures, and baselines.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{fixtures, projects, run, write};

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}):\n{text}"))
}

/// Keeps the tests' counts to the rules they are about (`:rpc.call` also
/// draws the information finding prefer-erpc-over-rpc).
const CONFIG: &str = "ignore = [\"prefer-erpc-over-rpc\"]\n";

/// A project in a temporary directory (no `.git` above it: paths are
/// relative to the current directory).
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".distlint.toml", CONFIG);
    write(
        dir.path(),
        "mix.exs",
        "defmodule App.MixProject do\n  use Mix.Project\n  def project, do: [app: :app, version: \"0.1.0\"]\nend\n",
    );
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    dir
}

const INVENTORY: &str = "defmodule App.Inventory do\n  def stock(node, sku), do: :rpc.call(node, App.Stock, :level, [sku])\n\n  def all(node), do: :rpc.call(node, App.Stock, :all, [])\nend\n";

// ---------------------------------------------------------------- SARIF

fn validate_sarif(value: &Value) {
    let schema_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let schema = json(&std::fs::read_to_string(schema_path).unwrap());
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_schema_and_says_what_github_needs() {
    let result = run(&projects().join("shop"), &["check", "--format", "sarif"]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let sarif = json(&result.stdout);
    validate_sarif(&sarif);

    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "distlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let rpc_rule = rules
        .iter()
        .find(|r| r["id"] == "rpc-without-timeout")
        .unwrap();
    assert!(rpc_rule["shortDescription"]["text"].as_str().unwrap().len() > 10);
    assert!(rpc_rule["fullDescription"]["text"].as_str().unwrap().len() > 10);
    assert!(rpc_rule["helpUri"]
        .as_str()
        .unwrap()
        .ends_with("/docs/reference/clustering.md#rpc-without-timeout"));
    assert!(rpc_rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .starts_with("## rpc-without-timeout"));
    assert!(rpc_rule["help"]["text"]
        .as_str()
        .unwrap()
        .contains("How to fix"));
    assert_eq!(rpc_rule["defaultConfiguration"]["level"], "warning");
    assert_eq!(rpc_rule["properties"]["topic"], "clustering");
    assert!(rules.iter().any(|r| r["id"] == "unused-suppression"));

    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at its rule"
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("://"),
            "relative: {uri}"
        );
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(location["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert_eq!(
            result["partialFingerprints"]["distlint/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
    }
    let rpc = results
        .iter()
        .find(|r| r["ruleId"] == "rpc-without-timeout")
        .unwrap();
    let location = &rpc["locations"][0]["physicalLocation"];
    // Relative to the repository root: this repository's, where the test runs.
    assert_eq!(
        location["artifactLocation"]["uri"],
        "tests/projects/shop/lib/shop/inventory.ex"
    );
    // `    label = "📦 stock"; :rpc.call(...)`: the emoji is two UTF-16 code units.
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(location["region"]["startColumn"], 25);
    assert_eq!(rpc["level"], "warning");
    let fix = &rpc["fixes"][0];
    assert_eq!(
        fix["description"]["text"],
        "Add an explicit 5_000 ms timeout"
    );
    assert_eq!(
        fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        ", 5_000"
    );
    let note = results
        .iter()
        .find(|r| r["ruleId"] == "unused-suppression")
        .unwrap();
    assert_eq!(note["level"], "note");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);
}

/// The fingerprint of each result, by rule and message.
fn fingerprints(sarif: &Value) -> Vec<(String, String, u64)> {
    let mut prints: Vec<(String, String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["distlint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    prints.sort();
    prints
}

#[test]
fn sarif_fingerprints_survive_an_unrelated_edit() {
    let dir = project(&[("lib/app/inventory.ex", INVENTORY)]);
    let before = run(dir.path(), &["check", "--format", "sarif"]);
    let before = json(&before.stdout);
    validate_sarif(&before);
    let before = fingerprints(&before);
    assert_eq!(before.len(), 2, "{before:?}");
    assert_ne!(before[0].1, before[1].1);

    // Lines added above, a function added between, the file re-indented.
    let edited = INVENTORY
        .replace(
            "defmodule App.Inventory do\n",
            "# Inventory, asked of the warehouse.\ndefmodule App.Inventory do\n  @moduledoc false\n\n",
        )
        .replace("\n\n  def all", "\n\n  def count(items), do: length(items)\n\n    def all");
    write(dir.path(), "lib/app/inventory.ex", &edited);
    let after = json(&run(dir.path(), &["check", "--format", "sarif"]).stdout);
    let after = fingerprints(&after);
    let prints = |v: &[(String, String, u64)]| {
        let mut p: Vec<String> = v.iter().map(|(_, f, _)| f.clone()).collect();
        p.sort();
        p
    };
    assert_eq!(
        prints(&before),
        prints(&after),
        "fingerprints moved with the lines"
    );
    let lines = |v: &[(String, String, u64)]| {
        let mut l: Vec<u64> = v.iter().map(|(_, _, line)| *line).collect();
        l.sort();
        l
    };
    assert_ne!(lines(&before), lines(&after), "the findings did move");

    // The flagged line itself edited: a new identity.
    write(
        dir.path(),
        "lib/app/inventory.ex",
        INVENTORY.replace("[sku])", "[sku, :now])"),
    );
    let changed = fingerprints(&json(
        &run(dir.path(), &["check", "--format", "sarif"]).stdout,
    ));
    assert_ne!(prints(&before), prints(&changed));
}

#[test]
fn sarif_lists_files_that_could_not_be_linted() {
    let dir = project(&[("lib/ok.ex", INVENTORY)]);
    std::fs::write(
        dir.path().join("lib/latin1.ex"),
        b"defmodule A do\n  @doc \"caf\xe9\"\nend\n",
    )
    .unwrap();
    let result = run(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(result.code, 2);
    let sarif = json(&result.stdout);
    validate_sarif(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert!(note["message"]["text"]
        .as_str()
        .unwrap()
        .contains("not valid UTF-8"));
}

// ---------------------------------------------------------------- GitHub

#[test]
fn github_format_prints_escaped_annotations() {
    let result = run(&projects().join("shop"), &["check", "--format", "github"]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert!(lines.len() >= 4, "{}", result.stdout);
    for line in &lines {
        assert!(
            line.starts_with("::warning file=")
                || line.starts_with("::error file=")
                || line.starts_with("::notice file="),
            "{line}"
        );
        let (properties, message) = line[2..].split_once("::").unwrap();
        assert!(!message.contains('\n') && !message.contains('\r'));
        for key in [
            "file=",
            ",line=",
            ",col=",
            ",endLine=",
            ",endColumn=",
            ",title=",
        ] {
            assert!(properties.contains(key), "{key} in {line}");
        }
    }
    let rpc = lines
        .iter()
        .find(|l| l.contains("title=rpc-without-timeout (distlint)"))
        .unwrap();
    assert!(
        rpc.starts_with(
            "::warning file=tests/projects/shop/lib/shop/inventory.ex,line=5,col=24,endLine=5,endColumn=71,"
        ),
        "{rpc}"
    );
    assert!(
        rpc.contains(
            "%0AQuick fix (`distlint check --fix`): Add an explicit 5_000 ms timeout%0ASee https"
        ),
        "{rpc}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("::error file=tests/projects/shop/mix.exs,")));
    assert!(
        lines.iter().any(|l| l.starts_with("::notice ")),
        "info is a notice"
    );

    // A comma and a colon in a path are escaped in the property.
    let dir = project(&[("lib/a,b:c.ex", INVENTORY)]);
    let result = run(dir.path(), &["check", "--format", "github"]);
    assert!(
        result
            .stdout
            .contains("::warning file=lib/a%2Cb%3Ac.ex,line=2,"),
        "{}",
        result.stdout
    );
}

// ---------------------------------------------------------------- options

#[test]
fn output_file_exit_zero_and_statistics() {
    let shop = projects().join("shop");
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.sarif");
    let result = run(
        &shop,
        &[
            "check",
            "--format",
            "sarif",
            "--output",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(result.code, 1);
    assert!(result.stdout.is_empty(), "{}", result.stdout);
    validate_sarif(&json(&std::fs::read_to_string(&report).unwrap()));

    let result = run(&shop, &["check", "--exit-zero", "--format", "concise"]);
    assert_eq!(result.code, 0, "--exit-zero");
    assert!(result.stdout.contains("rpc-without-timeout"));
    // Errors are still errors.
    let result = run(&shop, &["check", "--exit-zero", "no/such/path"]);
    assert_eq!(result.code, 2);

    let result = run(&shop, &["check", "--statistics"]);
    assert_eq!(result.code, 1);
    assert!(
        !result.stdout.contains("^^^"),
        "no findings, only counts:\n{}",
        result.stdout
    );
    assert!(
        result.stdout.lines().any(|l| l
            .trim_start()
            .starts_with("1  warning  rpc-without-timeout")
            && l.ends_with("(fixable)")),
        "{}",
        result.stdout
    );
    let result = run(&shop, &["check", "--statistics", "--format", "json"]);
    let stats = json(&result.stdout);
    let rows = stats["statistics"].as_array().unwrap();
    let rpc = rows
        .iter()
        .find(|r| r["rule"] == "rpc-without-timeout")
        .unwrap();
    assert_eq!(rpc["count"], 1);
    assert_eq!(rpc["fixable"], 1);
    let total: u64 = rows.iter().map(|r| r["count"].as_u64().unwrap()).sum();
    let full = json(&run(&shop, &["check", "--format", "json"]).stdout);
    assert_eq!(
        total as usize,
        full["diagnostics"].as_array().unwrap().len()
    );

    let result = run(&shop, &["check", "--statistics", "--format", "sarif"]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("--statistics"), "{}", result.stderr);

    let result = run(
        &shop,
        &["check", "--output", "/nonexistent/dir/report.json"],
    );
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("/nonexistent/dir/report.json"),
        "{}",
        result.stderr
    );
}

// ---------------------------------------------------------------- --fix, --diff

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The rules annotated in a fixture (`# ^^^ rule`).
fn annotated_rules(text: &str) -> Vec<String> {
    let mut rules: Vec<String> = text
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix('#')?.trim_start();
            rest.starts_with('^')
                .then(|| rest.trim_start_matches('^').trim().to_string())
        })
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

/// Every fixture with an expected `fixed/` file: `--diff` shows the change
/// and writes nothing, `--fix` writes exactly `fixed/`, and the fixed file
/// parses and has no finding left that a fix could remove.
#[test]
fn fix_and_diff_give_the_fixed_fixtures() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for rule_dir in files_under(&fixtures())
        .iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(fixtures()).ok()?;
            (rel.components().nth(1)?.as_os_str() == "fixed")
                .then(|| fixtures().join(rel.components().next().unwrap().as_os_str()))
        })
        .collect::<std::collections::BTreeSet<_>>()
    {
        let rule = rule_dir.file_name().unwrap().to_str().unwrap().to_string();
        for fixed in files_under(&rule_dir.join("fixed")) {
            let relative = fixed.strip_prefix(rule_dir.join("fixed")).unwrap();
            let relative_str = relative.to_str().unwrap();
            let original = std::fs::read_to_string(rule_dir.join("fires").join(relative)).unwrap();
            let expected = std::fs::read_to_string(&fixed).unwrap();
            let mut select = annotated_rules(&original);
            select.push(rule.clone());
            select.sort();
            select.dedup();
            let select = select.join(",");

            let dir = tempfile::tempdir().unwrap();
            copy_dir(&rule_dir.join("fires"), dir.path());
            let args = ["check", "--lint-tests", "--select", &select, relative_str];

            let diff = run(dir.path(), &[&args[..], &["--diff"]].concat());
            if diff.code != 1 || !diff.stdout.contains(&format!("+++ b/{relative_str}")) {
                failures.push(format!(
                    "{rule}/{relative_str}: --diff exit {}:\n{}{}",
                    diff.code, diff.stdout, diff.stderr
                ));
            }
            if read(dir.path(), relative_str) != original {
                failures.push(format!("{rule}/{relative_str}: --diff wrote the file"));
            }

            let fix = run(
                dir.path(),
                &[&args[..], &["--fix", "--format", "json"]].concat(),
            );
            let got = read(dir.path(), relative_str);
            if got != expected {
                failures.push(format!(
                    "{rule}/{relative_str}: --fix gave other text than fixed/:\n{got}\n{}",
                    fix.stderr
                ));
                continue;
            }
            let report = json(&fix.stdout);
            if report["summary"]["parse_errors"]
                .as_array()
                .is_some_and(|a| !a.is_empty())
            {
                failures.push(format!(
                    "{rule}/{relative_str}: the fixed file does not parse"
                ));
            }
            if report["summary"]["fixed"]["findings"].as_u64().unwrap_or(0) == 0 {
                failures.push(format!(
                    "{rule}/{relative_str}: --fix reports nothing fixed: {}",
                    fix.stdout
                ));
            }
            let left_fixable = report["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| !d["fix"].is_null())
                .count();
            if left_fixable > 0 {
                failures.push(format!(
                    "{rule}/{relative_str}: a fixable finding is left:\n{}",
                    fix.stdout
                ));
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} fixed fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn fix_reports_what_it_fixed_and_what_is_left() {
    let dir = project(&[
        ("lib/app/inventory.ex", INVENTORY),
        (
            "lib/app/placement.ex",
            "defmodule App.Placement do\n  def owner(key), do: Enum.at(Node.list(), :erlang.phash2(key, length(Node.list())))\nend\n",
        ),
    ]);
    let result = run(dir.path(), &["check", "--fix"]);
    assert_eq!(
        result.code, 1,
        "the hashing finding has no fix: {}",
        result.stdout
    );
    assert!(
        result.stdout.contains("\n\nFixed 2 findings in 1 file:\n  2  rpc-without-timeout: Add an explicit 5_000 ms timeout\n"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("mod-n-node-hashing"),
        "{}",
        result.stdout
    );
    assert!(
        !result.stdout.contains("rpc-without-timeout]"),
        "{}",
        result.stdout
    );
    assert_eq!(
        read(dir.path(), "lib/app/inventory.ex")
            .matches(", 5_000)")
            .count(),
        2
    );
    let again = run(dir.path(), &["check", "--fix"]);
    assert!(
        again.stdout.contains("\nNo quick fix to apply.\n"),
        "{}",
        again.stdout
    );
    let diff = run(dir.path(), &["check", "--diff"]);
    assert_eq!(diff.code, 0, "nothing to show");
    assert!(diff.stdout.is_empty());
}

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_round_trip() {
    let dir = project(&[("lib/app/inventory.ex", INVENTORY)]);
    let root = dir.path();

    // Adopting: record today's findings.
    let written = run(
        root,
        &["check", "--write-baseline", "distlint-baseline.json"],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(
        written
            .stderr
            .contains("wrote distlint-baseline.json: 2 findings in 1 file"),
        "{}",
        written.stderr
    );
    let baseline = json(&read(root, "distlint-baseline.json"));
    let entry = &baseline["files"]["lib/app/inventory.ex"]["rpc-without-timeout"];
    assert_eq!(entry["count"], 2);
    assert_eq!(entry["fingerprints"].as_array().unwrap().len(), 2);

    // The same fingerprints as SARIF (the baseline lies at the root).
    let sarif = json(&run(root, &["check", "--format", "sarif"]).stdout);
    let mut sarif_prints: Vec<String> = fingerprints(&sarif)
        .into_iter()
        .map(|(_, f, _)| f)
        .collect();
    sarif_prints.sort();
    let baseline_prints: Vec<String> = entry["fingerprints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    assert_eq!(sarif_prints, baseline_prints);

    // Only new findings are reported.
    let clean = run(root, &["check", "--baseline", "distlint-baseline.json"]);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    assert!(
        clean.stdout.contains("No problems found"),
        "{}",
        clean.stdout
    );
    assert!(
        clean.stdout.contains(
            "2 findings recorded in the baseline (distlint-baseline.json) were not reported."
        ),
        "{}",
        clean.stdout
    );

    // Unrelated lines above do not matter; a new finding does.
    let grown = INVENTORY
        .replace("defmodule", "# stock\n\ndefmodule")
        .replace(
            "end\n",
            "\n  def sync(node), do: :rpc.call(node, App.Stock, :sync, [])\nend\n",
        );
    write(root, "lib/app/inventory.ex", &grown);
    let new = run(
        root,
        &[
            "check",
            "--baseline",
            "distlint-baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(new.code, 1);
    let report = json(&new.stdout);
    let reported = report["diagnostics"].as_array().unwrap();
    assert_eq!(reported.len(), 1, "{}", new.stdout);
    assert_eq!(reported[0]["range"]["start"]["line"], 8);
    assert_eq!(report["summary"]["baseline"]["baselined"], 2);
    assert_eq!(report["summary"]["baseline"]["fixed"], 0);

    // The configuration file names the baseline too; --no-baseline shows everything.
    write(
        root,
        ".distlint.toml",
        format!("{CONFIG}baseline = \"distlint-baseline.json\"\n"),
    );
    let configured = run(root, &["check", "--format", "json"]);
    assert_eq!(
        json(&configured.stdout)["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let everything = run(root, &["check", "--no-baseline", "--format", "json"]);
    assert_eq!(
        json(&everything.stdout)["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Fixing a recorded finding: the entry no longer occurs, and writing again shrinks the file.
    let fixed = grown
        .replace(":level, [sku])", ":level, [sku], 5_000)")
        .replace(":sync, [])", ":sync, [], 60_000)");
    write(root, "lib/app/inventory.ex", &fixed);
    let result = run(root, &["check"]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert!(
        result.stdout.contains("1 baseline entry no longer occurs (fixed): `distlint check --write-baseline distlint-baseline.json` shrinks the baseline."),
        "{}",
        result.stdout
    );
    let rewritten = run(
        root,
        &["check", "--write-baseline", "distlint-baseline.json"],
    );
    assert_eq!(rewritten.code, 0);
    let baseline = json(&read(root, "distlint-baseline.json"));
    assert_eq!(
        baseline["files"]["lib/app/inventory.ex"]["rpc-without-timeout"]["count"],
        1
    );

    // A deleted file's entries are fixed too.
    std::fs::remove_file(root.join("lib/app/inventory.ex")).unwrap();
    let result = run(root, &["check", "--format", "json"]);
    assert_eq!(
        json(&result.stdout)["summary"]["baseline"]["fixed"],
        1,
        "{}",
        result.stdout
    );
}

#[test]
fn fix_leaves_baselined_findings_alone() {
    let dir = project(&[("lib/app/inventory.ex", INVENTORY)]);
    let root = dir.path();
    assert_eq!(run(root, &["check", "--write-baseline", "b.json"]).code, 0);
    let grown = INVENTORY.replace(
        "end\n",
        "\n  def sync(node), do: :rpc.call(node, App.Stock, :sync, [])\nend\n",
    );
    write(root, "lib/app/inventory.ex", &grown);
    let result = run(root, &["check", "--fix", "--baseline", "b.json"]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    let text = read(root, "lib/app/inventory.ex");
    assert_eq!(text.matches(", 5_000)").count(), 1, "{text}");
    assert!(text.contains(":sync, [], 5_000)"), "{text}");
}

#[test]
fn bad_baselines_name_the_file_and_place() {
    let dir = project(&[("lib/app/inventory.ex", INVENTORY)]);
    let root = dir.path();
    write(
        root,
        "broken.json",
        "{\n  \"version\": 1,\n  \"files\": {\n    \"lib/a.ex\": [\n}\n",
    );
    let result = run(root, &["check", "--baseline", "broken.json"]);
    assert_eq!(result.code, 2);
    assert!(result.stdout.is_empty(), "{}", result.stdout);
    let message = result.stderr.trim();
    assert!(message.starts_with("distlint: error: "), "{message}");
    assert!(
        message.contains(
            "distlint: error: broken.json:4:16: this is not a distlint baseline (invalid type: array, expected an object)"
        ),
        "{message}"
    );
    assert!(message.contains("--write-baseline"), "{message}");

    let result = run(root, &["check", "--baseline", "missing.json"]);
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("missing.json: cannot read the baseline"),
        "{}",
        result.stderr
    );

    write(
        root,
        ".distlint.toml",
        format!("{CONFIG}baseline = \"missing.json\"\n"),
    );
    let result = run(root, &["check"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("configured by `baseline` in"),
        "{}",
        result.stderr
    );
    // Writing it is what makes it exist.
    assert_eq!(
        run(root, &["check", "--write-baseline", "missing.json"]).code,
        0
    );
    assert_eq!(run(root, &["check"]).code, 0);

    let result = run(root, &["check", "--write-baseline", "b.json", "--fix"]);
    assert_eq!(result.code, 2, "usage error");
}
