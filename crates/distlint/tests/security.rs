//! The claims of docs/security.md, checked: distlint runs none of the
//! project's code and starts no other program, opens no network connection,
//! follows no link out of the project, and the VS Code extension takes the
//! program it starts only from trusted settings.
//!
//! (Hostile files, including links out of the project and a loop, are in
//! cli.rs: `hostile_files_are_reported_and_the_others_still_linted`.)

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;
mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use lsp_client::{file_uri, LspClient};
use serde_json::{json, Value};
use support::{run, write};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A Mix project whose mix.exs, config and sources would leave marks in
/// `marks` if anything ran them: at module level, in `project/0` and
/// `deps/0`, at compile time, in config and runtime config. Its mix.exs and
/// config also hold a committed cookie, so the run shows it read them.
fn project_with_side_effects(root: &Path, marks: &Path) {
    let mark = |name: &str| marks.join(name).display().to_string();
    write(
        root,
        "mix.exs",
        format!(
            r#"File.write!("{top}", "mix.exs ran")
System.cmd("touch", ["{cmd}"])

defmodule Evil.MixProject do
  use Mix.Project
  File.write!("{body}", "module body ran")

  def project do
    File.write!("{project}", "project/0 ran")
    [app: :evil, version: "0.1.0", deps: deps(), releases: [evil: [cookie: "evil-cookie-in-git"]]]
  end

  defp deps do
    :os.cmd(~c"touch {oscmd}")
    [{{:libcluster, "~> 3.3"}}]
  end
end
"#,
            top = mark("mix_top"),
            cmd = mark("system_cmd"),
            body = mark("module_body"),
            project = mark("project_fun"),
            oscmd = mark("os_cmd"),
        ),
    );
    write(
        root,
        "config/config.exs",
        format!(
            "import Config\nFile.write!(\"{}\", \"config ran\")\nconfig :evil, cookie: :\"config-cookie\"\n",
            mark("config")
        ),
    );
    write(
        root,
        "config/runtime.exs",
        format!(
            "import Config\n{{_, 0}} = System.cmd(\"sh\", [\"-c\", \"touch {}\"])\nconfig :kernel, :inet_dist_listen_min, 9100\n",
            mark("runtime")
        ),
    );
    write(
        root,
        "lib/evil.ex",
        format!(
            "defmodule Evil do\n  @on_load :boom\n  File.write!(\"{}\", \"compiled\")\n  def boom, do: File.write!(\"{}\", \"loaded\")\n  def f(n), do: :rpc.call(n, M, :f, [])\nend\n",
            mark("compile_time"),
            mark("on_load"),
        ),
    );
    write(
        root,
        ".distlint.toml",
        "ignore = [\"prefer-erpc-over-rpc\"]\n",
    );
}

/// A directory of stand-ins for the programs that would run Elixir code:
/// each leaves a mark when started.
fn fake_tools(bin: &Path, marks: &Path) {
    for tool in [
        "mix", "elixir", "elixirc", "iex", "erl", "erlc", "escript", "rebar3",
    ] {
        let path = bin.join(tool);
        write(
            bin,
            tool,
            format!("#!/bin/sh\ntouch '{}/ran-{tool}'\n", marks.display()),
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

fn marks_left(marks: &Path) -> Vec<String> {
    let mut left: Vec<String> = std::fs::read_dir(marks)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    left
}

#[test]
fn project_code_and_configuration_are_read_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("evil");
    let marks = dir.path().join("marks");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&marks).unwrap();
    project_with_side_effects(&root, &marks);
    fake_tools(&bin, &marks);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let check = support::distlint(&root)
        .args(["check", "--format", "json"])
        .env("PATH", &path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    let json: Value = serde_json::from_str(&stdout).unwrap();
    let found: Vec<(String, String)> = json["diagnostics"]
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
    // mix.exs and the sources were read (as data): their findings are there.
    for expected in [
        ("mix.exs", "hardcoded-distribution-cookie"),
        ("lib/evil.ex", "rpc-without-timeout"),
    ] {
        assert!(
            found
                .iter()
                .any(|(p, r)| (p.as_str(), r.as_str()) == expected),
            "{expected:?} not in {found:?}"
        );
    }

    let review = support::distlint(&root)
        .args(["review", "--format", "json"])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(review.status.code(), Some(0));
    // review read the dependencies from mix.exs's deps/0, without running it.
    assert!(
        String::from_utf8_lossy(&review.stdout).contains("libcluster"),
        "{}",
        String::from_utf8_lossy(&review.stdout)
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(server_session(&root, &[("PATH", path.as_str())], None));

    assert_eq!(
        marks_left(&marks),
        Vec::<String>::new(),
        "project code or an Elixir tool ran"
    );
}

/// `distlint server` with `root` as its workspace: the workspace scan, an
/// open document, a hover and a pull of diagnostics, then shutdown. With
/// `wrapper`, the server is started under it (`strace ... -- distlint`).
async fn server_session(root: &Path, env: &[(&str, &str)], wrapper: Option<&[String]>) {
    let binary = env!("CARGO_BIN_EXE_distlint");
    let mut command = match wrapper {
        Some(wrapper) => {
            let mut command = tokio::process::Command::new(&wrapper[0]);
            command.args(&wrapper[1..]).arg(binary);
            command
        }
        None => tokio::process::Command::new(binary),
    };
    command
        .args(["server", "--stdio"])
        .current_dir(root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut client = LspClient::new(stdout, stdin, Value::Null);
    client.initialize_and_scan(&file_uri(root)).await;
    let mix = file_uri(&root.join("mix.exs"));
    let text = std::fs::read_to_string(root.join("mix.exs")).unwrap();
    client.open(&mix, 1, &text).await;
    let published = client.diagnostics_for_version(&mix, 1).await;
    assert!(
        published
            .to_string()
            .contains("hardcoded-distribution-cookie"),
        "{published}"
    );
    client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": mix}, "position": {"line": 0, "character": 2}}),
        )
        .await;
    client.shutdown_and_exit().await;
    let status = tokio::time::timeout(lsp_client::TIMEOUT, child.wait())
        .await
        .expect("the server exits")
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// `.distlint.toml` is data that comes with the code: its `baseline` may
/// name any path, but distlint reads only a regular file there, so a
/// configuration cannot make it read a device forever or wait on a pipe.
#[cfg(unix)]
#[test]
fn a_configuration_cannot_point_distlint_at_a_device_or_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "lib/a.ex",
        "defmodule A do\n  def f(n), do: :erpc.call(n, M, :f, [])\nend\n",
    );
    support::mkfifo(&root.join("baseline.json"));
    for baseline in ["/dev/zero", "baseline.json"] {
        write(
            root,
            ".distlint.toml",
            format!("baseline = \"{baseline}\"\n"),
        );
        let output = support::distlint(root)
            .args(["check"])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{baseline}: {stderr}");
        assert!(
            stderr.contains("not a regular file"),
            "{baseline}: {stderr}"
        );
    }
    // The same configuration with a real baseline works.
    std::fs::remove_file(root.join("baseline.json")).unwrap();
    let written = run(root, &["check", "--write-baseline", "baseline.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert_eq!(run(root, &["check"]).code, 0);
}

/// `strace` on this machine, able to trace a child: `None` (and a line on
/// stderr saying so) when it is missing or not permitted (containers without
/// ptrace).
fn strace() -> Option<PathBuf> {
    let works = std::process::Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        eprintln!(
            "skipped: strace is not installed or cannot trace here; the system calls of distlint were not observed (the dependency check still ran)"
        );
        return None;
    }
    Some(PathBuf::from("strace"))
}

/// The network and process system calls in an strace log, one per line,
/// without the pid; signals and exits left out.
fn traced_calls(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter(|line| !line.contains("+++") && !line.contains("---"))
        .map(|line| {
            line.split_once(' ')
                .map_or(line, |(_pid, rest)| rest)
                .trim()
                .to_string()
        })
        .filter(|line| !line.is_empty())
        .collect()
}

/// Which traced calls break the promise: any socket but a local (AF_UNIX)
/// one, any connect, bind, listen, send or accept, and any program started
/// but distlint itself.
fn violations(calls: &[String], binary: &str) -> Vec<String> {
    calls
        .iter()
        .filter(|call| {
            let name = call.split('(').next().unwrap_or("");
            match name {
                "socket" | "socketpair" => !call.contains("AF_UNIX"),
                "connect" | "bind" | "listen" | "accept" | "accept4" | "sendto" | "sendmsg"
                | "sendmmsg" | "recvfrom" | "recvmsg" | "getsockname" | "getpeername"
                | "setsockopt" | "getsockopt" | "shutdown" => true,
                "execve" | "execveat" => !call.contains(binary),
                _ => false,
            }
        })
        .cloned()
        .collect()
}

const TRACED: &str = "trace=%network,execve,execveat";

#[test]
fn no_network_and_no_other_program_under_strace() {
    let Some(strace) = strace() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("evil");
    let marks = dir.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    project_with_side_effects(&root, &marks);
    let binary = env!("CARGO_BIN_EXE_distlint");
    for args in [
        &["check", "--format", "json"][..],
        &["check", "--diff"],
        &["review"],
        &["rule", "rpc-without-timeout"],
    ] {
        let log = dir.path().join("strace.log");
        let status = std::process::Command::new(&strace)
            .args(["-f", "-qq", "-e", TRACED, "-e", "signal=none", "-o"])
            .arg(&log)
            .arg(binary)
            .args(args)
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(matches!(status.code(), Some(0..=1)), "{args:?}: {status}");
        let calls = traced_calls(&log);
        assert!(
            calls.iter().any(|c| c.starts_with("execve(")),
            "{args:?}: strace saw nothing: {calls:?}"
        );
        assert_eq!(violations(&calls, binary), Vec::<String>::new(), "{args:?}");
    }

    let log = dir.path().join("strace-server.log");
    let wrapper: Vec<String> = [
        strace.display().to_string(),
        "-f".into(),
        "-qq".into(),
        "-e".into(),
        TRACED.into(),
        "-e".into(),
        "signal=none".into(),
        "-o".into(),
        log.display().to_string(),
        "--".into(),
    ]
    .into();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(server_session(&root, &[], Some(&wrapper)));
    let calls = traced_calls(&log);
    assert!(
        calls.iter().any(|c| c.starts_with("execve(")),
        "server: strace saw nothing: {calls:?}"
    );
    assert_eq!(violations(&calls, binary), Vec::<String>::new(), "server");
    assert_eq!(marks_left(&marks), Vec::<String>::new());
}

#[test]
fn the_classifier_of_traced_calls_catches_a_connection() {
    // What `violations` must flag (so the strace test above can fail).
    let calls: Vec<String> = [
        "execve(\"/x/distlint\", [\"distlint\"], 0x7ffd /* 20 vars */) = 0",
        "socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [3, 4]) = 0",
        "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 3",
        "connect(3, {sa_family=AF_INET, sin_port=htons(443)}, 16) = 0",
        "execve(\"/usr/bin/mix\", [\"mix\", \"compile\"], 0x7ffd /* 20 vars */) = 0",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        violations(&calls, "/x/distlint"),
        calls[2..].to_vec(),
        "the AF_UNIX pair and distlint's own start are allowed, nothing else"
    );
}

/// Crates that speak a network protocol, resolve names or do TLS: none may be
/// in the lock file (which holds every dependency of every crate, test-only
/// ones included).
const NETWORK_CRATES: &[&str] = &[
    "reqwest",
    "hyper",
    "hyper-util",
    "h2",
    "h3",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "surf",
    "attohttpc",
    "minreq",
    "ehttp",
    "rustls",
    "native-tls",
    "openssl",
    "openssl-sys",
    "socket2",
    "trust-dns-resolver",
    "hickory-resolver",
    "async-std",
    "tungstenite",
    "tokio-tungstenite",
    "quinn",
    "libssh2-sys",
    "git2",
    "gix",
];

#[test]
fn no_networking_crate_is_a_dependency() {
    let lock = std::fs::read_to_string(repository().join("Cargo.lock")).unwrap();
    let packages: Vec<&str> = lock
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .collect();
    assert!(packages.contains(&"tokio"), "the lock file was read");
    let found: Vec<&&str> = packages
        .iter()
        .filter(|name| NETWORK_CRATES.contains(name))
        .collect();
    assert!(
        found.is_empty(),
        "networking crates in Cargo.lock: {found:?}"
    );
    // tokio without its `net` feature in the server: no sockets there either.
    let server =
        std::fs::read_to_string(repository().join("crates/distlint_server/Cargo.toml")).unwrap();
    let tokio = server
        .lines()
        .find(|line| line.starts_with("tokio"))
        .expect("the server depends on tokio");
    assert!(
        !tokio.contains("\"net\"") && !tokio.contains("\"full\""),
        "{tokio}"
    );
}

#[test]
fn no_source_opens_a_socket_or_starts_a_program() {
    let mut offenders = Vec::new();
    let mut stack = vec![repository().join("crates")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                // Tests may start the binary; only the shipped code counts.
                if path.file_name().is_some_and(|n| n != "tests") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
                for needle in [
                    "std::net",
                    "tokio::net",
                    "TcpStream",
                    "TcpListener",
                    "UdpSocket",
                    "process::Command",
                    "Command::new",
                    "libc::exec",
                    "libc::socket",
                ] {
                    if code.contains(needle) {
                        offenders.push(format!("{}: {needle}", path.display()));
                    }
                }
            }
        }
    }
    assert_eq!(offenders, Vec::<String>::new());
}

/// The extension starts whatever program its settings name, so those
/// settings must not come from an untrusted workspace.
#[test]
fn vscode_extension_takes_the_program_only_from_trusted_settings() {
    let vscode = repository().join("editors/vscode");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(vscode.join("package.json")).unwrap())
            .unwrap();
    let untrusted = &manifest["capabilities"]["untrustedWorkspaces"];
    assert_eq!(untrusted["supported"], "limited", "{untrusted}");
    let restricted: Vec<&str> = untrusted["restrictedConfigurations"]
        .as_array()
        .expect("restrictedConfigurations")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let properties = manifest["contributes"]["configuration"]["properties"]
        .as_object()
        .unwrap();
    for name in &restricted {
        assert!(properties.contains_key(*name), "{name} is not a setting");
    }

    // Every setting read where the program and its arguments are chosen.
    let source = std::fs::read_to_string(vscode.join("src/extension.ts")).unwrap();
    let launch = {
        let start = source
            .find("function resolveBinary(")
            .expect("resolveBinary");
        let end = source[start..]
            .find("const clientOptions")
            .expect("the client options follow the server options")
            + start;
        &source[start..end]
    };
    let mut read = settings_read(launch);
    read.sort();
    read.dedup();
    assert!(
        read.contains(&"distlint.path".to_string()),
        "the launch code reads distlint.path: {read:?}"
    );
    for setting in &read {
        assert!(
            restricted.contains(&setting.as_str()),
            "{setting} chooses what runs, but an untrusted workspace may set it (add it to restrictedConfigurations)"
        );
    }
    // Granting trust applies the workspace's values: the server restarts.
    assert!(
        source.contains("onDidGrantWorkspaceTrust"),
        "the extension restarts the server when the workspace becomes trusted"
    );
}

/// The names of the `distlint.*` settings that `code` reads with
/// `.get("name")` or `.get<T>("name", default)`.
fn settings_read(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices(".get") {
        let mut rest = &code[at + 4..];
        if let Some(generic) = rest.strip_prefix('<') {
            let Some(close) = generic.find('>') else {
                continue;
            };
            rest = &generic[close + 1..];
        }
        if let Some(name) = rest.strip_prefix("(\"") {
            if let Some(end) = name.find('"') {
                names.push(format!("distlint.{}", &name[..end]));
            }
        }
    }
    names
}
