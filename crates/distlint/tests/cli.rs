//! The `distlint` binary, driven as a user would: output snapshots, exit codes,
//! configuration errors, bad input.

mod support;

use serde_json::Value;
use support::{projects, run, write};

#[test]
fn human_output() {
    let result = run(&projects().join("shop"), &["check"]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    insta::assert_snapshot!("human_output", result.stdout);
}

#[test]
fn concise_output_is_one_line_per_finding() {
    let result = run(&projects().join("shop"), &["check", "--format", "concise"]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    insta::assert_snapshot!("concise_output", result.stdout);
    let json = run(&projects().join("shop"), &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    let findings = json["diagnostics"].as_array().unwrap().len();
    let headlines = result
        .stdout
        .lines()
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>();
    assert_eq!(headlines.len(), findings, "{}", result.stdout);
    for line in headlines {
        let (place, rest) = line.split_once(": ").unwrap();
        assert_eq!(place.matches(':').count(), 2, "path:line:col in {line}");
        assert!(
            rest.contains('[') && rest.contains("] "),
            "severity[rule] in {line}"
        );
    }
}

#[test]
fn json_output_contract() {
    let result = run(&projects().join("shop"), &["check", "--format", "json"]);
    assert_eq!(result.code, 1);
    let json: Value = serde_json::from_str(&result.stdout).expect("one JSON object");
    insta::assert_json_snapshot!("json_output", json);

    // The contract, independent of the snapshot: keys, order, units.
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["version", "diagnostics", "summary"]);
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let rpc = diagnostics
        .iter()
        .find(|d| d["rule"] == "rpc-without-timeout")
        .unwrap();
    assert_eq!(rpc["path"], "lib/shop/inventory.ex");
    // `    label = "📦 stock"; :rpc.call(...)`: the emoji is one character.
    assert_eq!(
        rpc["range"]["start"],
        serde_json::json!({"line": 5, "column": 24})
    );
    assert_eq!(rpc["reference"], "clustering");
    assert!(rpc["url"]
        .as_str()
        .unwrap()
        .ends_with("/docs/reference/clustering.md#rpc-without-timeout"));
    assert_eq!(rpc["fix"]["edits"][0]["new_text"], ", 5_000");
    let cookie = diagnostics
        .iter()
        .find(|d| d["rule"] == "hardcoded-distribution-cookie")
        .unwrap();
    assert_eq!(cookie["severity"], "error");
    assert_eq!(cookie["path"], "mix.exs");
    assert!(cookie["fix"]["title"]
        .as_str()
        .unwrap()
        .starts_with("Remove the cookie"));
    let hashing = diagnostics
        .iter()
        .find(|d| d["rule"] == "mod-n-node-hashing")
        .unwrap();
    assert!(hashing["fix"].is_null(), "no quick fix: null");
    // The prod-only cookie rule stays quiet in test/.
    assert!(!diagnostics
        .iter()
        .any(|d| d["path"].as_str().unwrap().starts_with("test/")));
}

#[test]
fn paths_are_relative_to_the_current_directory() {
    let result = run(&projects(), &["check", "shop/lib", "--format", "json"]);
    let json: Value = serde_json::from_str(&result.stdout).unwrap();
    let paths = field_of_each(&json, "path");
    assert!(paths.contains(&"shop/lib/shop/inventory.ex"), "{paths:?}");
}

#[test]
fn information_findings_alone_exit_zero() {
    let result = run(&projects().join("clean"), &["check", "--format", "json"]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    let json: Value = serde_json::from_str(&result.stdout).unwrap();
    let rules = field_of_each(&json, "rule");
    assert_eq!(rules, ["unused-suppression"]);
    assert_eq!(json["diagnostics"][0]["severity"], "info");
}

#[test]
fn select_and_ignore_on_the_command_line() {
    let shop = projects().join("shop");
    let only = run(
        &shop,
        &[
            "check",
            "--select",
            "consistent-hashing",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&only.stdout).unwrap();
    let rules = field_of_each(&json, "rule");
    assert_eq!(rules, ["mod-n-node-hashing"]);

    // Topics and rule names; what is not ignored must still be reported
    // (ignoring everything would also exit 0).
    let ignored = run(
        &shop,
        &[
            "check",
            "--ignore",
            "clustering,consistent-hashing",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&ignored.stdout).unwrap();
    assert_eq!(
        field_of_each(&json, "rule"),
        ["wall-clock-duration", "unused-suppression"]
    );
    assert_eq!(ignored.code, 1, "a warning remains: {}", ignored.stdout);

    let ignored = run(
        &shop,
        &[
            "check",
            "--ignore",
            "rpc-without-timeout,mod-n-node-hashing,wall-clock-duration",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&ignored.stdout).unwrap();
    assert_eq!(
        field_of_each(&json, "rule"),
        ["hardcoded-distribution-cookie"],
        "a suppression of an ignored rule is not reported as unused"
    );
    assert_eq!(ignored.code, 1, "an error remains: {}", ignored.stdout);

    let ignored = run(
        &shop,
        &[
            "check",
            "--ignore",
            "clustering,consistent-hashing,failure-modes",
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&ignored.stdout).unwrap();
    assert!(
        field_of_each(&json, "rule").is_empty(),
        "{}",
        ignored.stdout
    );
    assert_eq!(ignored.code, 0, "{}", ignored.stdout);

    let unknown = run(&shop, &["check", "--select", "rpc-without-timeot"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("Did you mean `rpc-without-timeout`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn missing_path_exits_two() {
    let result = run(&projects(), &["check", "no/such/dir"]);
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("no/such/dir: no such file or directory"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_missing_path_does_not_stop_the_others() {
    let result = run(
        &projects(),
        &["check", "no/such/dir", "shop", "--format", "json"],
    );
    assert_eq!(result.code, 2, "a path that is not there is an error");
    assert!(
        result
            .stderr
            .contains("no/such/dir: no such file or directory"),
        "{}",
        result.stderr
    );
    let json: Value = serde_json::from_str(&result.stdout).unwrap();
    assert!(
        field_of_each(&json, "rule").contains(&"rpc-without-timeout"),
        "shop was still checked: {}",
        result.stdout
    );
    assert_eq!(json["summary"]["skipped"][0]["path"], "no/such/dir");
}

#[test]
fn usage_error_exits_two() {
    let result = run(&projects(), &["check", "--format", "yaml"]);
    assert_eq!(result.code, 2);
    let result = run(&projects(), &["frobnicate"]);
    assert_eq!(result.code, 2);
}

/// One field of every diagnostic in a JSON report.
fn field_of_each<'j>(json: &'j Value, field: &str) -> Vec<&'j str> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d[field].as_str().unwrap())
        .collect()
}

#[test]
fn broken_config_reports_file_line_and_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib/a.ex", "defmodule A do\nend\n");
    write(
        dir.path(),
        ".distlint.toml",
        "select = [\"clustering\"]\n[severity]\nrpc-without-timeout = \"loud\"\n",
    );
    let result = run(dir.path(), &["check"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains(".distlint.toml:3:23:"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("\"error\", \"warning\" or \"info\""),
        "{}",
        result.stderr
    );
    assert!(result.stdout.is_empty());

    write(dir.path(), ".distlint.toml", "select = [\"clustering\"\n");
    let result = run(dir.path(), &["check"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains(".distlint.toml:"),
        "{}",
        result.stderr
    );
}

#[test]
fn config_file_applies_from_a_subdirectory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mix.exs", "defmodule A.MixProject do\nend\n");
    write(
        dir.path(),
        "lib/a.ex",
        "defmodule A do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    write(
        dir.path(),
        "lib/legacy/b.ex",
        "defmodule B do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    write(
        dir.path(),
        ".distlint.toml",
        "exclude = [\"lib/legacy\"]\n[severity]\nrpc-without-timeout = \"error\"\n",
    );
    let result = run(&dir.path().join("lib"), &["check", "--format", "json"]);
    assert_eq!(result.code, 1);
    let json: Value = serde_json::from_str(&result.stdout).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["path"], "a.ex");
    assert_eq!(diagnostics[0]["severity"], "error");
}

#[test]
fn bad_files_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lib/latin1.ex",
        b"defmodule A do\n  @doc \"caf\xe9\"\nend\n",
    );
    write(dir.path(), "lib/binary.ex", b"\x00\x01\x02\x03");
    write(
        dir.path(),
        "lib/broken.ex",
        "defmodule Broken do\n  def f(n) do :rpc.call(n, M, :f, [])\n",
    );
    write(
        dir.path(),
        "lib/ok.ex",
        "defmodule Ok do\n  def f(n), do: :rpc.call(n, M, :f, [])\nend\n",
    );
    let result = run(dir.path(), &["check", "--format", "json"]);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("lib/latin1.ex: skipped: not valid UTF-8"),
        "{}",
        result.stderr
    );
    assert!(
        result
            .stderr
            .contains("lib/binary.ex: skipped: this looks like a binary file"),
        "{}",
        result.stderr
    );
    let json: Value = serde_json::from_str(&result.stdout).unwrap();
    // The readable files are still checked, the broken one as far as it parses.
    let paths = field_of_each(&json, "path");
    assert!(
        paths.contains(&"lib/ok.ex") && paths.contains(&"lib/broken.ex"),
        "{paths:?}"
    );
    assert_eq!(json["summary"]["parse_errors"][0]["path"], "lib/broken.ex");
    assert_eq!(json["summary"]["skipped"].as_array().unwrap().len(), 2);
}

#[test]
fn rules_lists_every_rule_as_json() {
    let result = run(&projects(), &["rules", "--format", "json"]);
    assert_eq!(result.code, 0);
    let rules: Value = serde_json::from_str(&result.stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), distlint_analysis::rules::ALL.len());
    for rule in rules {
        let keys: Vec<&String> = rule.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "reference", "severity", "summary"]);
    }
    let cookie = rules
        .iter()
        .find(|r| r["name"] == "hardcoded-distribution-cookie")
        .unwrap();
    assert_eq!(cookie["reference"], "clustering");
    assert_eq!(cookie["severity"], "error");
}

#[test]
fn rule_explains_itself() {
    let result = run(&projects(), &["rule", "rpc-without-timeout"]);
    assert_eq!(result.code, 0);
    let out = &result.stdout;
    assert!(out.starts_with("RPC-WITHOUT-TIMEOUT\n"), "{out}");
    assert!(out.contains("\nWhy it matters\n"), "{out}");
    assert!(!out.contains("```"), "code fences are rendered, not shown");
    // Prose is wrapped to the width (100 unless COLUMNS says otherwise).
    assert!(out
        .lines()
        .all(|l| l.chars().count() <= 100 || l.starts_with("    ") || l.contains("https://")));
    assert!(out.contains("clustering.md#rpc-without-timeout"));

    let result = run(&projects(), &["rule", "rpc-without-timeot"]);
    assert_eq!(result.code, 2);
    assert!(result.stderr.contains("distlint rules"));

    let result = run(&projects(), &["rule", "--topic", "production-checklist"]);
    assert_eq!(result.code, 0);
    assert!(
        result.stdout.starts_with("PRODUCTION CHECKLIST\n"),
        "{}",
        result.stdout
    );
    let result = run(&projects(), &["rule", "--topic", "nope"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("leader-election"),
        "{}",
        result.stderr
    );
}

#[test]
fn test_code_is_linted_only_on_request() {
    let shop = projects().join("shop");
    let in_tests = |json: &Value| -> Vec<String> {
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["path"].as_str().unwrap().starts_with("test/"))
            .map(|d| d["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let default = run(&shop, &["check", "--format", "json"]);
    let json: Value = serde_json::from_str(&default.stdout).unwrap();
    assert!(in_tests(&json).is_empty(), "{}", default.stdout);
    assert_eq!(json["summary"]["not_reported_in_tests"], 1);

    let asked = run(&shop, &["check", "--lint-tests", "--format", "json"]);
    let json: Value = serde_json::from_str(&asked.stdout).unwrap();
    assert_eq!(in_tests(&json), ["rpc-without-timeout"]);
    assert_eq!(json["summary"]["not_reported_in_tests"], 0);

    // The same from the configuration file.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lint-tests.toml");
    std::fs::write(&config, "[tests]\nlint = true\n").unwrap();
    let configured = run(
        &shop,
        &[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let json: Value = serde_json::from_str(&configured.stdout).unwrap();
    assert_eq!(in_tests(&json), ["rpc-without-timeout"]);
}

#[test]
fn rule_names_with_a_typo_get_a_suggestion() {
    let result = run(&projects(), &["rule", "rpc-without-timout"]);
    assert_eq!(result.code, 2);
    assert!(
        result
            .stderr
            .contains("Did you mean `rpc-without-timeout`?"),
        "{}",
        result.stderr
    );
    let topic = run(&projects(), &["rule", "clustering"]);
    assert!(
        topic.stderr.contains("distlint rule --topic clustering"),
        "{}",
        topic.stderr
    );
    // The usage line says what is required: a name, or --topic.
    let help = run(&projects(), &["rule", "--help"]);
    assert!(
        help.stdout.contains("distlint rule [OPTIONS] <NAME>"),
        "{}",
        help.stdout
    );
    assert!(help.stdout.contains("--topic <TOPIC>"), "{}", help.stdout);
    let page = run(
        &projects(),
        &["rule", "--topic", "clustering", "--color", "never"],
    );
    assert_eq!(page.code, 0, "{}", page.stderr);
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    // `distlint rules | head -1`: the pipe closes before everything is written.
    for args in [
        &["rules"][..],
        &["rules", "--format", "json"],
        &["rule", "--topic", "clustering", "--color", "never"],
        &["rule", "rpc-without-timeout"],
        &["check", "--format", "concise"],
        &["check", "--format", "sarif"],
        &["check", "--diff"],
        &["review"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_distlint"))
            .args(args)
            .current_dir(projects().join("shop"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(101), "{args:?}: {stderr}");
    }
}

/// Hostile files (issue 16 §3): each is reported or skipped with a reason,
/// never a panic, and the good file next to them is still linted.
#[test]
fn hostile_files_are_reported_and_the_others_still_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "mix.exs", "defmodule H.MixProject do\nend\n");
    write(
        root,
        "lib/good.ex",
        "defmodule Good do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    write(root, "lib/random.ex", &random);
    write(
        root,
        "lib/latin1.ex",
        b"defmodule L do\n  # caf\xe9\nend\n".as_slice(),
    );
    write(root, "lib/empty.ex", "");
    let deep = format!("x = {}1{}\n", "[".repeat(20_000), "]".repeat(20_000));
    write(root, "lib/deep.exs", deep);
    write(root, "lib/huge.ex", vec![b'#'; 11 * 1024 * 1024]);
    // 50 MB of real-looking modules that name effects: neither linted nor
    // read for the project's summaries (which would parse it: a minute and
    // 2 GB in a debug build).
    let module = "defmodule M do\n  def f(x), do: Repo.insert(x) && System.system_time()\nend\n";
    write(
        root,
        "lib/huge50.ex",
        module.repeat(50_000_000 / module.len()),
    );
    // A directory with an Elixir name is walked into, not read.
    std::fs::create_dir_all(root.join("lib/dir.ex")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A named pipe: reading it would wait for a writer forever.
        support::mkfifo(&root.join("lib/pipe.ex"));
        // Unreadable, unless we run as root (who reads it anyway).
        write(root, "lib/locked.ex", "defmodule Locked do\nend\n");
        std::fs::set_permissions(
            root.join("lib/locked.ex"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        let unreadable = std::fs::read(root.join("lib/locked.ex")).is_err();
        if !unreadable {
            eprintln!("lib/locked.ex: mode 000 is still readable here (root?): the unreadable-file case is not checked");
        }
        std::os::unix::fs::symlink(root.join("lib/loop"), root.join("lib/loop")).ok();
        let outside = tempfile::tempdir().unwrap();
        write(
            outside.path(),
            "secret.ex",
            "defmodule S do\n  def f(n), do: :rpc.call(n, M, :f, [])\nend\n",
        );
        std::os::unix::fs::symlink(outside.path(), root.join("lib/outside")).unwrap();
        let started = std::time::Instant::now();
        let output = support::distlint(root)
            .args(["check", "--format", "json"])
            .timeout(std::time::Duration::from_secs(120))
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let result = support::Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        };
        assert!(
            elapsed < std::time::Duration::from_secs(60),
            "the run took {elapsed:?} (a pipe waited on, or the 50 MB file read?): {}",
            result.stderr
        );
        assert!(!result.stderr.contains("panicked"), "{}", result.stderr);
        assert_eq!(
            result.code, 2,
            "skipped files make the run an error: {}",
            result.stderr
        );
        let json: Value = serde_json::from_str(&result.stdout).unwrap();
        let paths: Vec<&str> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap())
            .collect();
        assert!(paths.contains(&"lib/good.ex"), "{paths:?}");
        // A link out of the project is not followed.
        assert!(!paths.iter().any(|p| p.contains("secret")), "{paths:?}");
        let skipped = json["summary"]["skipped"].to_string();
        for name in ["random.ex", "latin1.ex", "huge.ex", "huge50.ex"] {
            assert!(skipped.contains(name), "{name} not in {skipped}");
        }
        if unreadable {
            assert!(skipped.contains("locked.ex"), "locked.ex not in {skipped}");
            assert!(result.stderr.contains("cannot read"), "{}", result.stderr);
        }
        // Neither the pipe nor the directory is a file to lint or to report.
        assert!(!skipped.contains("pipe.ex"), "{skipped}");
        assert!(!skipped.contains("dir.ex"), "{skipped}");
        std::fs::set_permissions(
            root.join("lib/locked.ex"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
}

/// An umbrella whose `apps/b/mix.exs` is a named pipe: reading it would wait
/// forever; `check` and `review` skip it and lint the other app.
#[cfg(unix)]
#[test]
fn a_pipe_named_mix_exs_does_not_hang_check_or_review() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "mix.exs",
        "defmodule U.MixProject do\n  use Mix.Project\n  def project, do: [apps_path: \"apps\"]\nend\n",
    );
    write(root, "apps/a/mix.exs", "defmodule A.MixProject do\nend\n");
    write(
        root,
        "apps/a/lib/a.ex",
        "defmodule A do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    std::fs::create_dir_all(root.join("apps/b")).unwrap();
    support::mkfifo(&root.join("apps/b/mix.exs"));
    for args in [&["check", "--format", "concise"][..], &["review"]] {
        let output = support::distlint(root)
            .args(args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.code().is_some(),
            "{args:?} was stopped after 60 s (waiting on the pipe?)"
        );
        assert!(stdout.contains("apps/a/lib/a.ex"), "{args:?}: {stdout}");
    }
}

/// Files that vanish between the walk and the read: each is reported as
/// unreadable (or linted, if it was read first), never a crash, and the
/// files that stay are linted. The timing is the operating system's: the
/// test counts how often the race was hit, and says so.
#[test]
fn files_that_vanish_during_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    write(&root, "mix.exs", "defmodule V.MixProject do\nend\n");
    write(
        &root,
        "lib/stays.ex",
        "defmodule Stays do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    let text = "defmodule Flicker do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n".repeat(20);
    let mut vanished = 0;
    for round in 0..6 {
        for i in 0..300 {
            write(&root, &format!("lib/flicker/f{i}.ex"), &text);
        }
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_distlint"))
            .args(["check", "--format", "json"])
            .current_dir(&root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Remove them while it walks and reads, a little later each round.
        std::thread::sleep(std::time::Duration::from_millis(5 * round));
        std::fs::remove_dir_all(root.join("lib/flicker")).unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        let code = output.status.code();
        assert!(matches!(code, Some(1 | 2)), "{code:?}: {stderr}");
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            json["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["path"] == "lib/stays.ex"),
            "the file that stayed is linted"
        );
        let skipped = json["summary"]["skipped"].to_string();
        vanished += skipped.matches("flicker/").count();
        // A vanished file is reported as unreadable, nothing else.
        for line in stderr.lines().filter(|l| l.contains("flicker/")) {
            assert!(
                line.contains("No such file") || line.contains("cannot read"),
                "{line}"
            );
        }
    }
    eprintln!("{vanished} files vanished between the walk and their read in 6 rounds");
}

/// A named pipe given on the command line is reported and not read (reading
/// it would wait forever); the other paths are still checked.
#[test]
fn a_named_pipe_named_on_the_command_line_is_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "lib/a.ex",
        "defmodule A do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    support::mkfifo(&root.join("lib/pipe.ex"));
    let output = support::distlint(root)
        .args(["check", "--format", "concise", "lib/pipe.ex", "lib/a.ex"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("pipe.ex") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    assert!(stdout.contains("lib/a.ex"), "{stdout}");
}
