//! What the protocol-abuse tests and the flood memory test share: raw frames,
//! a flood of 10,000 small edits, and a reader that can stop reading.

#![allow(dead_code)]

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use serde_json::{json, Value};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::task::JoinHandle;

use crate::lsp_client::LspClient;

/// What the flood types, one character per edit, at line 1, column 16.
pub const TYPED: &str = ":erpc.call(n, W, :r, [])";
pub const FLOOD: usize = 10_000;

/// A frame as the protocol wants it.
pub fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// The flooded document with `typed` at the end of its line 1 and `rest`
/// (whole lines) after that function.
pub fn flood_document(typed: &str, rest: &str) -> String {
    format!("defmodule Demo do\n  def f(n), do: {typed}\n{rest}end\n")
}

/// 10,000 small incremental edits to `uri` (versions 2..=10_001), opened as
/// `flood_document("", rest)`: the call typed and deleted one character at a
/// time, over and over, ending typed. Returns the frames and the final text.
pub fn flood(uri: &str, rest: &str) -> (Vec<u8>, String) {
    let mut bytes = Vec::new();
    let mut typed = 0usize;
    let mut typing = true;
    for edit in 0..FLOOD {
        let remaining = FLOOD - edit;
        if remaining == TYPED.len() - typed {
            typing = true; // From here on, type to the end.
        } else if typing && typed == TYPED.len() {
            typing = false;
        } else if !typing && typed == 0 {
            typing = true;
        }
        let column = 16 + typed;
        let (range, text) = if typing {
            let at = json!({"line": 1, "character": column});
            typed += 1;
            (json!({"start": at, "end": at}), &TYPED[typed - 1..typed])
        } else {
            typed -= 1;
            (
                json!({"start": {"line": 1, "character": column - 1}, "end": {"line": 1, "character": column}}),
                "",
            )
        };
        let message = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": edit + 2},
            "contentChanges": [{"range": range, "text": text}]}});
        bytes.extend(frame(&message.to_string()));
    }
    assert_eq!(typed, TYPED.len());
    (bytes, flood_document(TYPED, rest))
}

/// Holds a [`Gated`] reader back while closed: a client that does not read.
#[derive(Clone, Default)]
pub struct Gate(Arc<Mutex<(bool, Option<Waker>)>>);

impl Gate {
    pub fn set_closed(&self, closed: bool) {
        let mut state = self.0.lock().unwrap();
        state.0 = closed;
        if let Some(waker) = state.1.take() {
            waker.wake();
        }
    }
}

struct Gated<R> {
    inner: R,
    gate: Gate,
}

impl<R: AsyncRead + Unpin> AsyncRead for Gated<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        {
            let mut state = this.gate.0.lock().unwrap();
            if state.0 {
                state.1 = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

/// A server over pipes of 4 KiB (its output fills up within a few messages)
/// and a client whose reading the returned [`Gate`] stops and resumes.
pub fn serve_gated() -> (LspClient, Gate, JoinHandle<i32>) {
    let (client_out, server_in) = tokio::io::duplex(4096);
    let (server_out, client_in) = tokio::io::duplex(4096);
    let server = tokio::spawn(distlint_server::serve(server_in, server_out));
    let gate = Gate::default();
    let reader = Gated {
        inner: client_in,
        gate: gate.clone(),
    };
    let client = LspClient::new(reader, client_out, Value::Null);
    (client, gate, server)
}
