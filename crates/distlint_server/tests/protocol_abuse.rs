//! Protocol abuse (issue 16 §3): the real server over in-memory pipes, fed
//! what a broken or hostile client sends. For each case the test asserts what
//! the protocol asks for (an error response, a log line, or silence) and then
//! that the server still serves: a fresh document gets its findings and a
//! hover on one of them answers.
//!
//! What the protocol asks for, case by case:
//! - A frame whose body is not a JSON-RPC message (bad JSON, a cut body, no
//!   `jsonrpc`, neither request nor response): JSON-RPC would answer a parse
//!   error with a `null` id, but such a response matches no request and
//!   Neovim's client asserts that every response id is a number, so the server
//!   logs it (`window/logMessage`, warning) and answers nothing (see
//!   `frames.rs`).
//! - A wrong or missing `Content-Length`: the transport, not a message, is
//!   broken; nothing to answer. The damaged frame is logged and skipped, and
//!   the first whole frame after it is served.
//! - Unknown requests: error -32601 (MethodNotFound), `$/` ones included.
//!   Unknown notifications: ignored, no answer.
//! - Requests about documents never opened: hover `null`, code actions `[]`,
//!   pulled diagnostics an empty full report; document symbols are not offered,
//!   so -32601.
//! - Positions past the end of a line default back to the line's end (LSP
//!   3.17, `Position`); past the last line, to the end of the document; inside
//!   a UTF-16 surrogate pair, to the start of that character.
//! - A reversed edit range (start after end) is not a range: applied as an
//!   insertion at its start, and logged, since the editor's text may now
//!   differ from the server's.
//! - A version not newer than the document's: ignored and logged.
//! - Changes to documents not open: ignored. Closing twice: harmless.

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

#[path = "support/flood.rs"]
mod flood;

use flood::{flood, flood_document, frame, serve_gated, FLOOD};
use lsp_client::{codes as rules, serve_in_memory, strict_frames, LspClient};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

fn start() -> (LspClient, JoinHandle<i32>) {
    serve_in_memory(Value::Null, 1 << 20)
}

const RPC_LINE: &str = "  def f(n), do: :erpc.call(n, Worker, :run, [])";

fn module(body: &str) -> String {
    format!("defmodule Demo do\n{body}\nend\n")
}

fn hover_body(id: i64, uri: &str, line: u32, character: u32) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": {
        "textDocument": {"uri": uri}, "position": {"line": line, "character": character}}})
    .to_string()
}

/// The server still serves: a document opened now gets its finding, and a
/// hover on the finding explains it. `n` keeps the documents apart.
async fn assert_serves(client: &mut LspClient, n: u32) {
    let uri = format!("file:///nowhere/lib/check{n}.ex");
    client.open(&uri, 1, &module(RPC_LINE)).await;
    let published = client.diagnostics_for_version(&uri, 1).await;
    assert_eq!(rules(&published), ["rpc-without-timeout"]);
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 20}}),
        )
        .await;
    let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(value.contains("rpc-without-timeout"), "{hover}");
}

/// Ends the session and returns every frame the server wrote, checked to be
/// well-formed JSON-RPC frames (nothing stray on the wire).
async fn transcript(mut client: LspClient) -> Vec<Value> {
    client.shutdown_and_exit().await;
    let raw = client.output_after_close().await;
    strict_frames(&raw).unwrap_or_else(|err| panic!("the server wrote a bad frame: {err}"))
}

/// The responses (messages with an id and no method) in a transcript.
fn responses(frames: &[Value]) -> Vec<&Value> {
    frames
        .iter()
        .filter(|f| f.get("method").is_none())
        .collect()
}

fn answered(frames: &[Value], id: i64) -> bool {
    responses(frames).iter().any(|r| r["id"] == json!(id))
}

/// The `window/logMessage` texts of the given type (2 = warning) read so far.
fn logged(client: &LspClient, typ: i64) -> Vec<String> {
    client
        .notifications
        .iter()
        .filter(|n| n["method"] == "window/logMessage" && n["params"]["type"] == typ)
        .map(|n| n["params"]["message"].as_str().unwrap().to_string())
        .collect()
}

/// Every response answers a request the client made, once; none has a null id.
fn assert_one_answer_per_request(frames: &[Value]) {
    let ids: Vec<&Value> = responses(frames).iter().map(|r| &r["id"]).collect();
    assert!(ids.iter().all(|id| id.is_i64()), "responses: {ids:?}");
    let mut unique = ids.clone();
    unique.sort_by_key(|id| id.as_i64());
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "answered twice: {ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_in_a_well_formed_frame_is_logged_and_not_answered() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/never.ex";
    let hover = hover_body(900, uri, 0, 0);
    let bad_bodies = [
        // Cut in the middle.
        hover[..hover.len() / 2].to_string(),
        "{garbage}".to_string(),
        // JSON, but no JSON-RPC message.
        "[]".to_string(),
        r#"{"jsonrpc":"2.0","id":901}"#.to_string(),
        hover_body(902, uri, 0, 0).replace(r#""jsonrpc":"2.0","#, ""),
    ];
    for body in &bad_bodies {
        client.send_raw(&frame(body)).await;
    }
    assert_serves(&mut client, 1).await;
    client.settle().await;
    let warnings = logged(&client, 2);
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("malformed message"))
            .count(),
        bad_bodies.len(),
        "one warning per bad frame: {warnings:#?}"
    );
    let frames = transcript(client).await;
    assert_one_answer_per_request(&frames);
    for id in [900, 901, 902] {
        assert!(!answered(&frames, id), "{id} was not a request");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_content_length_loses_only_the_frame_it_damages() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/never.ex";

    // Too short (a client counting characters instead of bytes, say): the
    // body is cut, its tail sits in front of the next frame, which is served.
    let body = hover_body(910, uri, 0, 0);
    let mut bytes = format!("Content-Length: {}\r\n\r\n{body}", body.len() - 7).into_bytes();
    bytes.extend(frame(&hover_body(911, uri, 0, 0)));
    client.send_raw(&bytes).await;

    // Too long, ending inside the next frame's body: that frame is lost with
    // its header, the one after it is served.
    let (first, second) = (hover_body(912, uri, 0, 0), hover_body(913, uri, 0, 0));
    let second_frame = frame(&second);
    let overlong = first.len() + second_frame.len() - 10;
    let mut bytes = format!("Content-Length: {overlong}\r\n\r\n{first}").into_bytes();
    bytes.extend(second_frame);
    bytes.extend(frame(&hover_body(914, uri, 0, 0)));
    client.send_raw(&bytes).await;

    // Too long by a few bytes: it eats the start of the next header.
    let first = hover_body(915, uri, 0, 0);
    let mut bytes = format!("Content-Length: {}\r\n\r\n{first}", first.len() + 5).into_bytes();
    bytes.extend(frame(&hover_body(916, uri, 0, 0)));
    bytes.extend(frame(&hover_body(917, uri, 0, 0)));
    client.send_raw(&bytes).await;

    // No Content-Length at all: the frame cannot be delimited, and is skipped.
    let mut bytes = format!(
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}",
        hover_body(918, uri, 0, 0)
    )
    .into_bytes();
    bytes.extend(frame(&hover_body(919, uri, 0, 0)));
    client.send_raw(&bytes).await;

    for id in [911, 914, 917, 919] {
        client
            .wait_for(|m| m["id"] == json!(id) && m.get("method").is_none())
            .await
            .unwrap_or_else(|| panic!("no answer to {id}, the whole frame after a damaged one"));
    }
    assert_serves(&mut client, 1).await;
    client.settle().await;
    let warnings = logged(&client, 2);
    assert!(
        warnings.iter().any(|w| w.contains("malformed message")),
        "{warnings:#?}"
    );
    let frames = transcript(client).await;
    assert_one_answer_per_request(&frames);
    // The damaged frames themselves (913 and 916 lost their headers) get no
    // answer: none of them was delimited as sent.
    for id in [910, 912, 913, 915, 916, 918] {
        assert!(!answered(&frames, id), "{id} answered from a damaged frame");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_requests_get_method_not_found_and_unknown_notifications_nothing() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    for method in [
        "distlint/noSuchRequest",
        "$/noSuchRequest",
        "textDocument/documentSymbol",
    ] {
        let response = client
            .request(
                method,
                json!({"textDocument": {"uri": "file:///nowhere/lib/a.ex"}}),
            )
            .await;
        assert_eq!(response["error"]["code"], -32601, "{method}: {response}");
        assert!(response.get("result").is_none(), "{response}");
    }
    client
        .notify("distlint/noSuchNotification", json!({"x": 1}))
        .await;
    client.notify("$/noSuchNotification", json!({})).await;
    client.notify("$/cancelRequest", json!({"id": 4242})).await;
    assert_serves(&mut client, 1).await;
    client.settle().await;
    let frames = transcript(client).await;
    assert_one_answer_per_request(&frames);
    // initialize, three unknown requests, the hover, the sentinel, shutdown:
    // notifications are never answered.
    assert_eq!(responses(&frames).len(), 7, "{frames:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_about_documents_never_opened_answer_empty() {
    let (mut client, _server) = start();
    client
        .initialize(
            None,
            json!({"textDocument": {"diagnostic": {}}}),
            Value::Null,
        )
        .await;
    let uri = "file:///nowhere/lib/never_opened.ex";
    let document = json!({"uri": uri});
    let at = json!({"line": 3, "character": 4});
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": document, "position": at}),
        )
        .await;
    assert_eq!(hover["result"], Value::Null, "{hover}");
    assert!(hover.get("error").is_none(), "{hover}");
    let range = json!({"start": at, "end": at});
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": document, "range": range, "context": {"diagnostics": []}}),
        )
        .await;
    assert_eq!(actions["result"], json!([]), "{actions}");
    let pulled = client
        .request("textDocument/diagnostic", json!({"textDocument": document}))
        .await;
    assert_eq!(
        pulled["result"],
        json!({"kind": "full", "items": []}),
        "{pulled}"
    );
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": document}),
        )
        .await;
    assert_eq!(symbols["error"]["code"], -32601, "{symbols}");
    // Pull mode: the check reads pulled diagnostics instead of pushed ones.
    let check = "file:///nowhere/lib/check.ex";
    client.open(check, 1, &module(RPC_LINE)).await;
    let pulled = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": check}}),
        )
        .await;
    assert_eq!(pulled["result"]["items"][0]["code"], "rpc-without-timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_past_the_end_default_back_to_the_end() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    let text = module(RPC_LINE);
    client.open(uri, 1, &text).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    let finding = published["diagnostics"][0].clone();
    let line_end = RPC_LINE.len() as u32;
    assert_eq!(
        finding["range"]["end"],
        json!({"line": 1, "character": line_end})
    );
    let hover_at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    // Past the end of the line: the line's end, which is the finding's end.
    let past_line = client
        .request("textDocument/hover", hover_at(1, 10_000))
        .await;
    let at_end = client
        .request("textDocument/hover", hover_at(1, line_end))
        .await;
    assert!(past_line["result"]["contents"]["value"]
        .as_str()
        .is_some_and(|v| v.contains("rpc-without-timeout")));
    assert_eq!(past_line["result"], at_end["result"]);
    // Past the last line: the end of the document, where nothing is.
    let past_end = client
        .request("textDocument/hover", hover_at(u32::MAX, u32::MAX))
        .await;
    assert!(past_end.get("error").is_none(), "{past_end}");
    assert_eq!(past_end["result"], Value::Null);
    // A code action range running past the end is the range to the end.
    let actions = |end: Value| {
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 1, "character": 16}, "end": end},
               "context": {"diagnostics": [finding.clone()]}})
    };
    let far = client
        .request(
            "textDocument/codeAction",
            actions(json!({"line": 999, "character": 999})),
        )
        .await;
    let clamped = client
        .request(
            "textDocument/codeAction",
            actions(json!({"line": 3, "character": 0})),
        )
        .await;
    assert!(
        !far["result"].as_array().unwrap().is_empty(),
        "the fix is offered: {far}"
    );
    assert_eq!(far["result"], clamped["result"]);
    assert_serves(&mut client, 1).await;
}

/// The diagnostics a server that was never abused publishes for `text` at
/// `uri`, without the version they carry.
async fn fresh_diagnostics(uri: &str, text: &str) -> Value {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    client.open(uri, 1, text).await;
    without_versions(&client.diagnostics_for_version(uri, 1).await)
}

fn without_versions(published: &Value) -> Value {
    let mut diagnostics = published["diagnostics"].clone();
    for d in diagnostics.as_array_mut().unwrap() {
        d["data"].as_object_mut().unwrap().remove("version");
    }
    diagnostics
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_edit_ranges_are_clamped_and_diagnostics_follow_the_text() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    let text = module("  def g(n), do: (_ = \"😀\"; n)");
    client.open(uri, 1, &text).await;
    client.diagnostics_for_version(uri, 1).await;
    let call = "\"; :erpc.call(n, W, :r, []); _ = \"";
    let range = |a: (u32, u32), b: (u32, u32)| json!({"start": {"line": a.0, "character": a.1}, "end": {"line": b.0, "character": b.1}});
    // (the edit, the text it must leave, whether the server must log it)
    let cases = [
        // Inside the emoji's surrogate pair (columns 22-23): before the emoji.
        (
            json!([{"range": range((1, 23), (1, 23)), "text": call}]),
            module("  def g(n), do: (_ = \"\"; :erpc.call(n, W, :r, []); _ = \"😀\"; n)"),
            false,
        ),
        // Lines beyond the end: at the end of the document.
        (
            json!([{"range": range((50, 3), (60, 0)), "text": "# tail\n"}]),
            module("  def g(n), do: (_ = \"\"; :erpc.call(n, W, :r, []); _ = \"😀\"; n)")
                + "# tail\n",
            false,
        ),
        // Start after end: an insertion at the start (here: the start of `n)`).
        (
            json!([{"range": range((1, 61), (1, 2)), "text": ":rpc.call(n, W, :r, []); "}]),
            module("  def g(n), do: (_ = \"\"; :erpc.call(n, W, :r, []); _ = \"😀\"; :rpc.call(n, W, :r, []); n)")
                + "# tail\n",
            true,
        ),
        // Past the end of a line, with an emoji before: the line's end.
        (
            json!([{"range": range((1, 500), (1, 900)), "text": " # 😀 end"}]),
            module("  def g(n), do: (_ = \"\"; :erpc.call(n, W, :r, []); _ = \"😀\"; :rpc.call(n, W, :r, []); n) # 😀 end")
                + "# tail\n",
            false,
        ),
    ];
    for (index, (changes, expected, logs)) in cases.into_iter().enumerate() {
        let version = index as i64 + 2;
        let warnings_before = logged(&client, 2).len();
        client.change(uri, version, changes.clone()).await;
        let published = client.diagnostics_for_version(uri, version).await;
        assert_eq!(
            without_versions(&published),
            fresh_diagnostics(uri, &expected).await,
            "after {changes}, the text must be {expected:?}"
        );
        assert!(!rules(&published).is_empty(), "the calls are found");
        client.settle().await;
        let warnings = logged(&client, 2)[warnings_before..].to_vec();
        assert_eq!(
            warnings.iter().any(|w| w.contains("start after its end")),
            logs,
            "{changes}: {warnings:#?}"
        );
    }
    assert_serves(&mut client, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_version_after_a_newer_one_is_ignored_and_logged() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module("  def f(n), do: n")).await;
    client.diagnostics_for_version(uri, 1).await;
    client
        .change(uri, 3, json!([{"text": module(RPC_LINE)}]))
        .await;
    let newest = client.diagnostics_for_version(uri, 3).await;
    assert_eq!(rules(&newest), ["rpc-without-timeout"]);
    // Version 2 arrives late, and version 3 again: neither is applied.
    let late = module("  def f(n), do: :rpc.call(n, W, :r, [], 5_000)");
    client.change(uri, 2, json!([{"text": late.clone()}])).await;
    client.change(uri, 3, json!([{"text": late}])).await;
    client.settle().await;
    let warnings = logged(&client, 2);
    for version in [2, 3] {
        assert!(
            warnings.iter().any(|w| w
                .contains(&format!("ignoring change to version {version} of {uri}"))
                && w.contains("already at version 3")),
            "{warnings:#?}"
        );
    }
    assert_eq!(client.published(uri).last(), Some(&&newest));
    // Version 3's text is still the document: its finding hovers, and the
    // next version applies to it.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 20}}),
        )
        .await;
    assert!(hover["result"]["contents"]["value"]
        .as_str()
        .is_some_and(|v| v.contains("rpc-without-timeout")));
    client.insert(uri, 4, (1, 0), "  # v4\n").await;
    let published = client.diagnostics_for_version(uri, 4).await;
    assert_eq!(
        without_versions(&published),
        fresh_diagnostics(uri, &module(&format!("  # v4\n{RPC_LINE}"))).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_to_documents_not_open_are_ignored_and_closing_twice_is_harmless() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let never = "file:///nowhere/lib/never.ex";
    client.insert(never, 2, (0, 0), RPC_LINE).await;
    client
        .change(never, 3, json!([{"text": module(RPC_LINE)}]))
        .await;
    let closed = "file:///nowhere/lib/closed.ex";
    client.open(closed, 1, &module(RPC_LINE)).await;
    client.diagnostics_for_version(closed, 1).await;
    let close = json!({"textDocument": {"uri": closed}});
    client.notify("textDocument/didClose", close.clone()).await;
    client
        .change(closed, 2, json!([{"text": module(RPC_LINE)}]))
        .await;
    client.notify("textDocument/didClose", close.clone()).await;
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": never}}),
        )
        .await;
    client.settle().await;
    assert!(
        client
            .published(never)
            .iter()
            .all(|p| p["diagnostics"] == json!([])),
        "{:#?}",
        client.published(never)
    );
    let after_close: Vec<&Value> = client
        .published(closed)
        .into_iter()
        .skip_while(|p| p["version"] == json!(1))
        .collect();
    assert!(!after_close.is_empty(), "the close clears the findings");
    assert!(
        after_close.iter().all(|p| p["diagnostics"] == json!([])),
        "{after_close:#?}"
    );
    // Opened again, it is a document like any other.
    client.open(closed, 1, &module(RPC_LINE)).await;
    let published = client.diagnostics_for_version(closed, 1).await;
    assert_eq!(rules(&published), ["rpc-without-timeout"]);
    assert_serves(&mut client, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_ten_thousand_edits_ends_with_the_final_texts_diagnostics() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &flood_document("", "")).await;
    client.diagnostics_for_version(uri, 1).await;
    let (bytes, final_text) = flood(uri, "");
    client.send_raw(&bytes).await;
    let last = FLOOD as i64 + 1;
    let published = client.diagnostics_for_version(uri, last).await;
    assert_eq!(rules(&published), ["rpc-without-timeout"]);
    assert_eq!(
        without_versions(&published),
        fresh_diagnostics(uri, &final_text).await
    );
    client.settle().await;
    let versions: Vec<i64> = client
        .published(uri)
        .iter()
        .map(|p| p["version"].as_i64().unwrap())
        .collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert_eq!(versions.last(), Some(&last));
    assert_serves(&mut client, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_holds_up_nothing_once_it_reads_again() {
    let (mut client, gate, _server) = serve_gated();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &flood_document("", "")).await;
    client.diagnostics_for_version(uri, 1).await;

    gate.set_closed(true);
    // Ten documents' findings fill the server's output while nobody reads...
    for n in 0..10 {
        let other = format!("file:///nowhere/lib/other{n}.ex");
        client.open(&other, 1, &module(RPC_LINE)).await;
    }
    // ...and the flood goes on meanwhile. Whether the server keeps reading
    // (and queues) or stops (back-pressure) is its choice: the writes run
    // alongside, and the client reads again after a while.
    let (bytes, final_text) = flood(uri, "");
    let reopen = async {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        gate.set_closed(false);
    };
    let (_, ()) = tokio::join!(client.send_raw(&bytes), reopen);

    let last = FLOOD as i64 + 1;
    let published = client.diagnostics_for_version(uri, last).await;
    assert_eq!(
        without_versions(&published),
        fresh_diagnostics(uri, &final_text).await
    );
    for n in 0..10 {
        let other = format!("file:///nowhere/lib/other{n}.ex");
        let published = client.diagnostics_for_version(&other, 1).await;
        assert_eq!(rules(&published), ["rpc-without-timeout"]);
    }
    assert_serves(&mut client, 1).await;
}
