//! Bounded work per document (issue 16), over the protocol: a document over
//! its budget shows one information diagnostic at its top, and its slow parse
//! holds up no other document and no request.
//!
//! A test binary of its own: the budget is set through the environment, which
//! every test here sets to the same value.

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

use lsp_client::LspClient;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// Long enough that the small document is done well before the slow one is
/// given up on; short enough to keep the tests fast.
const BUDGET_MS: &str = "1500";

fn start() -> (LspClient, JoinHandle<i32>) {
    std::env::set_var("DISTLINT_FILE_BUDGET_MS", BUDGET_MS);
    let (client_out, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, client_in) = tokio::io::duplex(1 << 20);
    let server = tokio::spawn(distlint_server::serve(server_in, server_out));
    (LspClient::new(client_in, client_out, Value::Null), server)
}

/// The shape that makes tree-sitter-elixir 0.3.5 quadratic: at 1,600
/// functions it takes seconds and hundreds of MB to parse.
fn pathological(functions: usize) -> String {
    let mut text = String::from("defmodule P do\n");
    for n in 0..functions {
        text.push_str(&format!(
            "  def c{n}(x) do\n    y = x\n    case y do\n      :a -> 1\n    end\n  end\n"
        ));
    }
    text.push_str("end\n");
    text
}

const SMALL: &str = "defmodule Small do\n  def f(n), do: :erpc.call(n, Worker, :run, [])\nend\n";

fn codes(published: &Value) -> Vec<&str> {
    published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_over_its_budget_gets_one_information_diagnostic_at_its_top() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/generated.ex";
    client.open(uri, 1, &pathological(1600)).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    assert_eq!(codes(&published), ["skipped"], "{published}");
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["severity"], 3, "information");
    assert_eq!(
        diagnostic["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}})
    );
    let message = diagnostic["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("per-file budget of {BUDGET_MS} ms")),
        "{message}"
    );
    // Hover on it answers (with nothing to say).
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 8}}),
        )
        .await;
    assert!(hover.get("error").is_none(), "{hover}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_document_holds_up_no_other_document_or_request() {
    let (mut client, _server) = start();
    client.initialize(None, json!({}), Value::Null).await;
    let slow = "file:///nowhere/lib/generated.ex";
    let small = "file:///nowhere/lib/small.ex";
    client.open(slow, 1, &pathological(1600)).await;
    client.open(small, 1, SMALL).await;

    // The small document, opened second, is linted while the slow one is
    // still being parsed: its findings come first.
    let published = client.diagnostics_for_version(small, 1).await;
    assert_eq!(codes(&published), ["rpc-without-timeout"], "{published}");
    assert!(
        client.published(slow).is_empty(),
        "the slow document was done first: {:?}",
        client.published(slow)
    );
    // Requests are answered meanwhile.
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": small}, "position": {"line": 1, "character": 20}}),
        )
        .await;
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .is_some_and(|text| text.contains("rpc-without-timeout")),
        "{hover}"
    );
    let on_slow = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": slow}, "position": {"line": 1, "character": 8}}),
        )
        .await;
    assert!(on_slow.get("error").is_none(), "{on_slow}");
    assert!(client.published(slow).is_empty());
    // Edits to the small document are linted too.
    client.insert(small, 2, (0, 0), "# edited\n").await;
    let published = client.diagnostics_for_version(small, 2).await;
    assert_eq!(codes(&published), ["rpc-without-timeout"], "{published}");

    // The slow one is given up on at its budget, with one diagnostic.
    let published = client.diagnostics_for_version(slow, 1).await;
    assert_eq!(codes(&published), ["skipped"], "{published}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_for_a_document_over_its_budget_answers_with_the_reason() {
    let (mut client, _server) = start();
    client
        .initialize(
            None,
            json!({"textDocument": {"diagnostic": {}}}),
            Value::Null,
        )
        .await;
    let uri = "file:///nowhere/lib/generated.ex";
    client.open(uri, 1, &pathological(1600)).await;
    let params = json!({"textDocument": {"uri": uri}});
    for _ in 0..2 {
        // Waits for the budget the first time; answered at once the second.
        let report = client
            .request("textDocument/diagnostic", params.clone())
            .await;
        let items = &report["result"]["items"];
        assert_eq!(items.as_array().map(Vec::len), Some(1), "{report}");
        assert_eq!(items[0]["code"], "skipped");
        assert!(items[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("per-file budget of {BUDGET_MS} ms")));
    }
}
