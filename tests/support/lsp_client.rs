//! A small LSP client for tests, over any pair of byte streams: an in-memory
//! duplex to the server library, or the stdio of the real `distlint server`.
//!
//! It answers the server's own requests (progress tokens, capability
//! registration, configuration) so the server never waits on the test, and
//! keeps every notification for the test to inspect.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, Mutex};

pub const TIMEOUT: Duration = Duration::from_secs(20);

type Writer = Arc<Mutex<Box<dyn AsyncWrite + Unpin + Send>>>;

pub struct LspClient {
    writer: Writer,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Notifications and responses read but not yet consumed.
    pending: VecDeque<Value>,
    next_id: i64,
    /// Every notification seen so far, in order.
    pub notifications: Vec<Value>,
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
        tokio::spawn(async move {
            let mut reader = reader;
            let mut buffer = Vec::new();
            let mut chunk = vec![0u8; 65536];
            loop {
                while let Some(message) = take_frame(&mut buffer) {
                    if message.get("method").is_some() && message.get("id").is_some() {
                        // A request from the server: answer it right away.
                        let result = match message["method"].as_str() {
                            Some("workspace/configuration") => json!([configuration.clone()]),
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
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
            }
        });
        LspClient {
            writer,
            incoming,
            pending: VecDeque::new(),
            next_id: 1,
            notifications: Vec::new(),
        }
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
            if message.get("method").is_some() {
                self.notifications.push(message.clone());
            }
            if predicate(&message) {
                return Some(message);
            }
            self.pending.push_back(message);
        }
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

/// `file://` URI of a path.
pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}
