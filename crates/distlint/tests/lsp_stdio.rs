//! The real `distlint server` binary over stdio: what an editor starts.

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

use std::process::Stdio;

use lsp_client::{file_uri, strict_frames, LspClient, TIMEOUT};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

fn spawn(extra_env: &[(&str, &str)]) -> (LspClient, Child) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_distlint"));
    command
        .args(["server", "--stdio"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in extra_env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("distlint binary starts");
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    (LspClient::new(stdout, stdin, Value::Null), child)
}

async fn exit_code(child: &mut Child) -> i32 {
    tokio::time::timeout(TIMEOUT, child.wait())
        .await
        .expect("the server exits after `exit`")
        .unwrap()
        .code()
        .unwrap_or(-1)
}

/// `shutdown`, `exit`, exit code 0, and then the whole of stdout, byte for
/// byte, must be well-formed frames: the client's reader skips stray lines
/// (so a stray `println!` would not disturb the session), this does not.
async fn finish_with_only_frames_on_stdout(client: &mut LspClient, child: &mut Child) {
    client.shutdown_and_exit().await;
    assert_eq!(exit_code(child).await, 0);
    let stdout = client.output_after_close().await;
    let frames = strict_frames(&stdout).unwrap_or_else(|err| panic!("stdout: {err}"));
    assert!(
        frames
            .iter()
            .any(|f| f["result"]["serverInfo"]["name"] == "distlint"),
        "the initialize answer is among the frames"
    );
}

const TEXT: &str = "defmodule Demo do\n  def f(n), do: :erpc.call(n, W, :r, [])\n\n  def g do\n    t0 = System.system_time(:millisecond)\n    System.system_time(:millisecond) - t0\n  end\nend\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdio_session_survives_bad_input_and_a_crashing_rule() {
    let (mut client, mut child) = spawn(&[("DISTLINT_CRASH_RULE", "wall-clock-duration")]);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, TEXT).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    let codes: Vec<&str> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // The crashing rule is logged; the other rule's finding still arrives.
    assert_eq!(codes, ["rpc-without-timeout"]);
    let log = client
        .wait_for(|m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|s| s.contains("wall-clock-duration crashed"))
        })
        .await;
    assert!(log.is_some(), "no log message about the crashed rule");

    // An emoji before the finding: UTF-16 columns.
    client.insert(uri, 2, (1, 16), "😀 = 1; ").await;
    let published = client.diagnostics_for_version(uri, 2).await;
    assert_eq!(
        published["diagnostics"][0]["range"]["start"],
        json!({"line": 1, "character": 24})
    );

    // A malformed frame, then a valid request that still gets its answer.
    client.send_raw(b"Content-Length: 7\r\n\r\n{oops!}").await;
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 30}}),
        )
        .await;
    assert!(hover["result"]["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("rpc-without-timeout"));

    finish_with_only_frames_on_stdout(&mut client, &mut child).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_without_shutdown_exits_one() {
    let (mut client, mut child) = spawn(&[]);
    client.initialize(None, json!({}), Value::Null).await;
    client.notify("exit", Value::Null).await;
    assert_eq!(exit_code(&mut child).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_but_protocol_on_stdout() {
    let (mut client, mut child) = spawn(&[]);
    client.send_raw(b"Content-Length: 3\r\n\r\n{x}").await;
    let response = client.initialize(None, json!({}), Value::Null).await;
    assert_eq!(response["result"]["serverInfo"]["name"], "distlint");
    // Some of everything the server writes: diagnostics, a hover, code
    // actions, a close; bad settings (logged).
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, TEXT).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    let diagnostic = published["diagnostics"][0].clone();
    let position = json!({"line": 1, "character": 20});
    client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
        .await;
    client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
        )
        .await;
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"distlint": {"ignore": "not-a-list"}}}),
        )
        .await;
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    client.settle().await;
    finish_with_only_frames_on_stdout(&mut client, &mut child).await;
    // The malformed-frame report went to stderr, not into the protocol stream.
    let mut stderr = String::new();
    use tokio::io::AsyncReadExt;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .await
        .unwrap();
    assert!(stderr.contains("skipped a malformed message"), "{stderr}");
}

#[test]
fn the_stdout_check_rejects_anything_but_frames() {
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let body = r#"{"jsonrpc":"2.0","id":1,"result":null}"#;
    let a = frame(body);
    let b = frame(r#"{"jsonrpc":"2.0","method":"window/logMessage","params":{"message":"é"}}"#);
    let typed = format!(
        "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(
        strict_frames(format!("{a}{b}{typed}").as_bytes())
            .unwrap()
            .len(),
        3
    );
    assert_eq!(strict_frames(b"").unwrap().len(), 0);
    let short = format!("Content-Length: {}\r\n\r\n{body}", body.len() - 1);
    for bad in [
        format!("hello\n{a}{b}"),
        format!("{a}hello\n{b}"),
        format!("{a}{b}\n"),
        format!("{a}\r\n{b}"),
        a[..a.len() - 1].to_string(),
        short,
        frame(r#"{"id":1,"result":null}"#),
        frame("{oops}"),
    ] {
        assert!(strict_frames(bad.as_bytes()).is_err(), "accepted {bad:?}");
    }
}

/// `distlint check` and the editor (its workspace scan and its open
/// documents) lint every file with the same configuration and project, in a
/// folder holding two Mix projects (one with its own `.distlint.toml`) and an
/// umbrella whose apps share one project.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_and_the_cli_agree_on_a_folder_of_projects() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/projects/multi")
        .canonicalize()
        .unwrap();
    let expected = [
        ("a/lib/scheduler.ex", "cluster-cron-without-leader"),
        ("umbrella/apps/jobs/lib/jobs.ex", "rpc-without-timeout"),
        (
            "umbrella/apps/web/lib/scheduler.ex",
            "cluster-cron-without-leader",
        ),
    ];

    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_distlint"))
        .args(["check", "--format", "json"])
        .current_dir(&folder)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&cli.stdout).unwrap();
    let mut from_cli: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    from_cli.sort();
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
    assert_eq!(from_cli, expected, "the CLI");
    // The two test files' findings are counted, not reported.
    assert_eq!(json["summary"]["not_reported_in_tests"], 2);

    let (mut client, mut child) = spawn(&[]);
    client.initialize_and_scan(&file_uri(&folder)).await;
    client.settle().await;
    let prefix = format!("{}/", file_uri(&folder));
    let mut from_scan: Vec<(String, String)> = client
        .notifications
        .iter()
        .filter(|n| n["method"] == "textDocument/publishDiagnostics")
        .flat_map(|n| {
            let path = n["params"]["uri"]
                .as_str()
                .unwrap()
                .trim_start_matches(&prefix)
                .to_string();
            n["params"]["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |d| (path.clone(), d["code"].as_str().unwrap().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    from_scan.sort();
    assert_eq!(from_scan, expected, "the workspace scan");

    // Open documents: b's own configuration ignores its remote call; test code is quiet.
    for (path, quiet) in [
        ("b/lib/scheduler.ex", true),
        ("a/test/peer_test.exs", true),
        ("umbrella/apps/web/lib/scheduler.ex", false),
    ] {
        let file = folder.join(path);
        let uri = file_uri(&file);
        client
            .open(&uri, 1, &std::fs::read_to_string(&file).unwrap())
            .await;
        let published = client.diagnostics_for_version(&uri, 1).await;
        let codes: Vec<&str> = published["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        if quiet {
            assert!(codes.is_empty(), "{path}: {codes:?}");
        } else {
            assert_eq!(codes, ["cluster-cron-without-leader"], "{path}");
        }
    }
    finish_with_only_frames_on_stdout(&mut client, &mut child).await;
}

/// The workspace scan skips what `distlint check` skips: a 50 MB file is not
/// read (let alone linted, which would take its whole budget of a minute),
/// a named pipe is not waited on, and the other files get their findings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workspace_scan_skips_huge_files_and_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().canonicalize().unwrap();
    let write = |rel: &str, text: &str| {
        let path = folder.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("mix.exs", "defmodule W.MixProject do\nend\n");
    let module = "defmodule M do\n  def f(n), do: :erpc.call(n, W, :r, [])\nend\n";
    write("lib/good.ex", module);
    write("lib/huge.ex", &module.repeat(50_000_000 / module.len()));
    #[cfg(unix)]
    assert!(std::process::Command::new("mkfifo")
        .arg(folder.join("lib/pipe.ex"))
        .status()
        .unwrap()
        .success());
    let started = std::time::Instant::now();
    let (mut client, mut child) = spawn(&[]);
    client.initialize_and_scan(&file_uri(&folder)).await;
    client.settle().await;
    let elapsed = started.elapsed();
    let published: Vec<&str> = client
        .notifications
        .iter()
        .filter(|n| n["method"] == "textDocument/publishDiagnostics")
        .map(|n| n["params"]["uri"].as_str().unwrap())
        .collect();
    assert!(
        published.iter().any(|uri| uri.ends_with("/lib/good.ex")),
        "{published:?}"
    );
    assert!(
        !published
            .iter()
            .any(|uri| uri.ends_with("/lib/huge.ex") || uri.ends_with("/lib/pipe.ex")),
        "{published:?}"
    );
    assert!(
        elapsed < std::time::Duration::from_secs(15),
        "the scan took {elapsed:?}"
    );
    finish_with_only_frames_on_stdout(&mut client, &mut child).await;
}
