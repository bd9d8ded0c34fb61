//! A small LSP client for tests, over any pair of byte streams: an in-memory
//! duplex to the server library, or the stdio of the real `distlint server`.
//!
//! It answers the server's own requests (progress tokens, capability
//! registration, configuration) so the server never waits on the test, and
//! keeps every notification for the test to inspect.
//!
//! A test that asserts something did *not* happen, or that a message was the
//! last of its kind, must first [`LspClient::settle`]: a read that stops at
//! the first matching message cannot see a wrong one that follows it.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Mutex};

pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How long the server must stay silent, after answering the sentinel, for
/// [`LspClient::settle`] to return. Only a wrong server is slowed or missed by
/// a short window; a correct one never fails because of it.
pub const QUIET: Duration = Duration::from_millis(500);

type Writer = Arc<Mutex<Box<dyn AsyncWrite + Unpin + Send>>>;

pub struct LspClient {
    writer: Writer,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Notifications and responses read but not yet consumed.
    pending: VecDeque<Value>,
    next_id: i64,
    /// Every message from the server that has a method (its notifications and
    /// its own requests) read so far, in order.
    pub notifications: Vec<Value>,
    /// What the client answers to `workspace/configuration`.
    configuration: Arc<std::sync::Mutex<Value>>,
    /// Every byte the server wrote, as read, stray bytes included.
    raw: Arc<std::sync::Mutex<Vec<u8>>>,
}

impl LspClient {
    /// `configuration` is what the client answers to `workspace/configuration`.
    pub fn new<R, W>(reader: R, writer: W, configuration: Value) -> LspClient
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let writer: Writer = Arc::new(Mutex::new(Box::new(writer)));
        let (sender, incoming) = mpsc::unbounded_channel();
        let answer_writer = writer.clone();
        let configuration = Arc::new(std::sync::Mutex::new(configuration));
        let raw = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (answer, record) = (configuration.clone(), raw.clone());
        tokio::spawn(async move {
            let mut reader = reader;
            let mut buffer = Vec::new();
            let mut chunk = vec![0u8; 65536];
            loop {
                while let Some(message) = take_frame(&mut buffer) {
                    if message.get("method").is_some() && message.get("id").is_some() {
                        // A request from the server: answer it right away.
                        let result = match message["method"].as_str() {
                            Some("workspace/configuration") => {
                                json!([answer.lock().unwrap().clone()])
                            }
                            _ => Value::Null,
                        };
                        let response =
                            json!({"jsonrpc": "2.0", "id": message["id"], "result": result});
                        write_frame(&answer_writer, &response.to_string()).await;
                    }
                    if sender.send(message).is_err() {
                        return;
                    }
                }
                match reader.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        record.lock().unwrap().extend_from_slice(&chunk[..n]);
                        buffer.extend_from_slice(&chunk[..n]);
                    }
                }
            }
        });
        LspClient {
            writer,
            incoming,
            pending: VecDeque::new(),
            next_id: 1,
            notifications: Vec::new(),
            configuration,
            raw,
        }
    }

    /// Changes what the client answers to `workspace/configuration` from now on.
    pub fn set_configuration(&self, value: Value) {
        *self.configuration.lock().unwrap() = value;
    }

    pub async fn send_raw(&self, bytes: &[u8]) {
        let mut writer = self.writer.lock().await;
        writer.write_all(bytes).await.unwrap();
        writer.flush().await.unwrap();
    }

    pub async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        write_frame(&self.writer, &message.to_string()).await;
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        write_frame(&self.writer, &message.to_string()).await;
        self.wait_for(|m| m.get("method").is_none() && m["id"] == json!(id))
            .await
            .unwrap_or_else(|| panic!("no response to {method} within {TIMEOUT:?}"))
    }

    /// The first message (not yet consumed) matching `predicate`, waiting up to TIMEOUT.
    pub async fn wait_for(&mut self, predicate: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(index) = self.pending.iter().position(&predicate) {
            return self.pending.remove(index);
        }
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            let message = tokio::time::timeout_at(deadline, self.incoming.recv())
                .await
                .ok()??;
            self.record(&message);
            if predicate(&message) {
                return Some(message);
            }
            self.pending.push_back(message);
        }
    }

    fn record(&mut self, message: &Value) {
        if message.get("method").is_some() {
            self.notifications.push(message.clone());
        }
    }

    /// Reads everything the server still has to say about what the test sent
    /// so far; afterwards `notifications` is complete enough to assert that
    /// something did not happen, or what came last.
    ///
    /// Nothing in the protocol says "no more messages are coming", so this is
    /// a sentinel plus a quiet window. The sentinel is a hover request: the
    /// server answers it from its owner task after handling every event that
    /// arrived before it, so whatever the owner published while handling the
    /// test's earlier messages is already queued for output when the answer is
    /// made (the framework may still write that queued notification right
    /// after the answer, hence the window). Work the owner handed off (lints on
    /// the blocking pool, spawned tasks) can report later: the quiet window
    /// gives it QUIET of silence after the answer. Tests wait for the message
    /// they expect last *before* settling, so for a correct server the window
    /// only ever adds waiting; on a loaded machine a wrong late message could
    /// be missed, never a right one reported as wrong. If the server never
    /// falls silent, this returns after TIMEOUT and the test sees the flood.
    pub async fn settle(&mut self) {
        let sentinel = self
            .request(
                "textDocument/hover",
                json!({
                    "textDocument": {"uri": "file:///distlint-test/sentinel.ex"},
                    "position": {"line": 0, "character": 0},
                }),
            )
            .await;
        assert!(
            sentinel.get("error").is_none(),
            "sentinel failed: {sentinel}"
        );
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while tokio::time::Instant::now() < deadline {
            match tokio::time::timeout(QUIET, self.incoming.recv()).await {
                Ok(Some(message)) => {
                    self.record(&message);
                    self.pending.push_back(message);
                }
                // Quiet for QUIET, or the server closed its output.
                Err(_) | Ok(None) => return,
            }
        }
    }

    /// The params of every `publishDiagnostics` for `uri` read so far, in order.
    pub fn published(&self, uri: &str) -> Vec<&Value> {
        self.notifications
            .iter()
            .filter(|n| n["method"] == "textDocument/publishDiagnostics")
            .map(|n| &n["params"])
            .filter(|p| p["uri"] == uri)
            .collect()
    }

    /// The server's own requests named `method` read so far.
    pub fn server_requests(&self, method: &str) -> Vec<&Value> {
        self.notifications
            .iter()
            .filter(|n| n["method"] == method && n.get("id").is_some())
            .collect()
    }

    /// Every byte the server wrote, once it has closed its output: reads to
    /// the end (waiting up to TIMEOUT) first.
    pub async fn output_after_close(&mut self) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
                Ok(Some(message)) => {
                    self.record(&message);
                    self.pending.push_back(message);
                }
                Ok(None) => break,
                Err(_) => panic!("the server did not close its output within {TIMEOUT:?}"),
            }
        }
        self.raw.lock().unwrap().clone()
    }

    /// The next `publishDiagnostics` for `uri` that satisfies `predicate`.
    pub async fn diagnostics_where(
        &mut self,
        uri: &str,
        predicate: impl Fn(&Value) -> bool,
    ) -> Value {
        let uri = uri.to_string();
        self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && predicate(&m["params"])
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "no matching diagnostics for {uri}; seen: {:#?}",
                self.pending
            )
        })["params"]
            .clone()
    }

    /// Diagnostics published for `uri` at `version`.
    pub async fn diagnostics_for_version(&mut self, uri: &str, version: i64) -> Value {
        self.diagnostics_where(uri, |p| p["version"] == json!(version))
            .await
    }

    pub async fn initialize(
        &mut self,
        root: Option<&str>,
        capabilities: Value,
        options: Value,
    ) -> Value {
        let folders = root
            .map(|uri| json!([{"uri": uri, "name": "workspace"}]))
            .unwrap_or(Value::Null);
        let response = self
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root,
                    "workspaceFolders": folders,
                    "capabilities": capabilities,
                    "initializationOptions": options,
                }),
            )
            .await;
        self.notify("initialized", json!({})).await;
        response
    }

    /// `initialize` with `root` as the workspace folder and work-done
    /// progress, then waits until the workspace scan has ended.
    pub async fn initialize_and_scan(&mut self, root: &str) {
        self.initialize(
            Some(root),
            json!({"window": {"workDoneProgress": true}}),
            Value::Null,
        )
        .await;
        self.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
            .await
            .expect("the workspace scan ends");
    }

    pub async fn open(&self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "elixir", "version": version, "text": text}}),
        )
        .await;
    }

    pub async fn change(&self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    /// An incremental change that inserts `text` at `(line, character)`.
    pub async fn insert(&self, uri: &str, version: i64, (line, character): (u32, u32), text: &str) {
        let at = json!({"line": line, "character": character});
        self.change(
            uri,
            version,
            json!([{"range": {"start": at, "end": at}, "text": text}]),
        )
        .await;
    }

    pub async fn shutdown_and_exit(&mut self) {
        let response = self.request("shutdown", Value::Null).await;
        assert!(response.get("error").is_none(), "{response}");
        self.notify("exit", Value::Null).await;
    }
}

async fn write_frame(writer: &Writer, body: &str) {
    let mut writer = writer.lock().await;
    let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
    // The server may already be gone (after `exit`): ignore write errors.
    let _ = writer.write_all(frame.as_bytes()).await;
    let _ = writer.flush().await;
}

/// Splits `bytes` into LSP frames, strictly: every byte must belong to a frame
/// of header lines (`Content-Length`, optionally `Content-Type`), an empty
/// line, and exactly `Content-Length` bytes of a JSON-RPC 2.0 message.
/// `Err` names the first offset where that fails. (The reader above is
/// lenient on purpose, so that a broken server cannot stall a test.)
pub fn strict_frames(bytes: &[u8]) -> Result<Vec<Value>, String> {
    let mut frames = Vec::new();
    let mut at = 0;
    let context =
        |at: usize| String::from_utf8_lossy(&bytes[at..(at + 60).min(bytes.len())]).into_owned();
    while at < bytes.len() {
        let frame_start = at;
        let mut length = None;
        loop {
            let Some(end) = bytes[at..].windows(2).position(|w| w == b"\r\n") else {
                return Err(format!(
                    "unterminated header at byte {at}: {:?}",
                    context(at)
                ));
            };
            let line = &bytes[at..at + end];
            at += end + 2;
            if line.is_empty() {
                break;
            }
            let line = std::str::from_utf8(line)
                .map_err(|_| format!("non-UTF-8 header at byte {frame_start}"))?;
            match line.split_once(": ") {
                Some(("Content-Length", value)) if length.is_none() => {
                    let value: usize = value.parse().map_err(|_| {
                        format!("bad Content-Length {value:?} at byte {frame_start}")
                    })?;
                    length = Some(value);
                }
                Some(("Content-Type", _)) => {}
                _ => {
                    return Err(format!(
                        "not a frame header at byte {frame_start}: {:?}",
                        context(frame_start)
                    ))
                }
            }
        }
        let length = length.ok_or_else(|| format!("no Content-Length at byte {frame_start}"))?;
        if bytes.len() < at + length {
            return Err(format!("frame at byte {frame_start} is cut short"));
        }
        let message: Value = serde_json::from_slice(&bytes[at..at + length]).map_err(|err| {
            format!(
                "frame at byte {frame_start} is not JSON ({err}): {:?}",
                context(at)
            )
        })?;
        if message["jsonrpc"] != "2.0" {
            return Err(format!(
                "frame at byte {frame_start} is not JSON-RPC 2.0: {message}"
            ));
        }
        frames.push(message);
        at += length;
    }
    Ok(frames)
}

fn take_frame(buffer: &mut Vec<u8>) -> Option<Value> {
    let header_end = buffer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let header = std::str::from_utf8(&buffer[..header_end]).ok()?;
    let length: usize = header
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length:"))
        .and_then(|v| v.trim().parse().ok())?;
    let start = header_end + 4;
    if buffer.len() < start + length {
        return None;
    }
    let body: Vec<u8> = buffer.drain(..start + length).skip(start).collect();
    serde_json::from_slice(&body).ok()
}

/// Applies LSP text edits (UTF-16 positions) to `text`, last first.
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                utf16_offset(text, &e["range"]["start"]),
                utf16_offset(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, &new_text);
    }
    out
}

/// Byte offset of an LSP position (UTF-16 columns, `\n` lines) in `text`.
pub fn utf16_offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (index, ch) in text[line_start..].char_indices() {
        if units >= character || ch == '\n' {
            return line_start + index;
        }
        units += ch.len_utf16();
    }
    text.len()
}

/// The language server library (`distlint_server::serve`) on one end of two
/// in-memory pipes of `buffer` bytes each, a client on the other.
pub fn serve_in_memory(
    configuration: Value,
    buffer: usize,
) -> (LspClient, tokio::task::JoinHandle<i32>) {
    let (client_out, server_in) = tokio::io::duplex(buffer);
    let (server_out, client_in) = tokio::io::duplex(buffer);
    let server = tokio::spawn(distlint_server::serve(server_in, server_out));
    (LspClient::new(client_in, client_out, configuration), server)
}

/// The rule of each diagnostic in a `publishDiagnostics`' params, in order.
pub fn codes(published: &Value) -> Vec<String> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// `file://` URI of a path.
pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}
