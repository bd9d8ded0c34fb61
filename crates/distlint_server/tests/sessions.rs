//! Many sessions served in one process (as the `lsp_frames` fuzz target and
//! the tests do): each must leave nothing behind when it ends. The owner task
//! kept a sender of its own channel, so it never saw the channel close and
//! lived on with its documents and projects after every session (the fuzz
//! target grew to 4 GB in five minutes); the `Backend` now stops it.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn frame(body: &str) -> Vec<u8> {
    let mut bytes = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    bytes
}

/// A whole session: initialize, open, change, hover, pull, close, shutdown,
/// exit; or only its first `messages` messages (the input then just ends).
fn session(messages: usize) -> Vec<u8> {
    let uri = "file:///nowhere/lib/a.ex";
    let text = r#"defmodule A do\n  def f(n), do: :erpc.call(n, W, :run, [])\nend\n"#;
    [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#
            .to_string(),
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#.to_string(),
        format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"elixir","version":1,"text":"{text}"}}}}}}"#
        ),
        format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"textDocument":{{"uri":"{uri}","version":2}},"contentChanges":[{{"range":{{"start":{{"line":1,"character":2}},"end":{{"line":1,"character":5}}}},"text":"defp"}}]}}}}"#
        ),
        format!(
            r#"{{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{{"textDocument":{{"uri":"{uri}"}},"position":{{"line":1,"character":20}}}}}}"#
        ),
        format!(
            r#"{{"jsonrpc":"2.0","id":3,"method":"textDocument/diagnostic","params":{{"textDocument":{{"uri":"{uri}"}}}}}}"#
        ),
        format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didClose","params":{{"textDocument":{{"uri":"{uri}"}}}}}}"#
        ),
        r#"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#.to_string(),
        r#"{"jsonrpc":"2.0","method":"exit"}"#.to_string(),
    ]
    .iter()
    .take(messages)
    .flat_map(|m| frame(m))
    .collect()
}

async fn serve_once(input: &[u8]) {
    let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, mut client_in) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(distlint_server::serve(server_in, server_out));
    let reader = tokio::spawn(async move {
        let mut output = Vec::new();
        let _ = client_in.read_to_end(&mut output).await;
        output
    });
    client_out.write_all(input).await.unwrap();
    client_out.shutdown().await.unwrap();
    drop(client_out);
    tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("the server stops once its input ends")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(20), reader)
        .await
        .expect("the server closes its output")
        .unwrap();
}

#[test]
fn ended_sessions_leave_no_task_behind() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sessions = 60;
    for i in 0..sessions {
        // Whole sessions, and sessions whose input ends midway.
        let input = session(if i % 2 == 0 { 9 } else { 1 + i % 8 });
        runtime.block_on(serve_once(&input));
    }
    // Tasks the sessions started (logging, lint jobs) may take a moment to
    // end; the owner tasks of ended sessions must not stay.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut alive = runtime.metrics().num_alive_tasks();
    while alive > 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        alive = runtime.metrics().num_alive_tasks();
    }
    assert!(
        alive <= 4,
        "{alive} tasks still alive after {sessions} ended sessions"
    );
}
