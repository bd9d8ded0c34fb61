//! The language server over an in-memory duplex: the protocol as an editor
//! speaks it, fast enough to run on every `cargo test`.

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

use std::path::Path;

use lsp_client::{apply_edits, codes as rules, file_uri, serve_in_memory, LspClient};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// A server on one end of two in-memory pipes, a client on the other.
fn start(configuration: Value) -> (LspClient, JoinHandle<i32>) {
    serve_in_memory(configuration, 1 << 20)
}

const RPC_LINE: &str = "  def f(n), do: :erpc.call(n, Worker, :run, [])";

fn module(body: &str) -> String {
    format!("defmodule Demo do\n{body}\nend\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_negotiates_incremental_sync_and_encoding() {
    let (mut client, _server) = start(Value::Null);
    let response = client.initialize(None, json!({}), Value::Null).await;
    let capabilities = &response["result"]["capabilities"];
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["hoverProvider"], true);
    assert!(
        capabilities.get("diagnosticProvider").is_none(),
        "no pull unless the client supports it"
    );

    let (mut client, _server) = start(Value::Null);
    let response = client
        .initialize(None, json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}, "textDocument": {"diagnostic": {}}}), Value::Null)
        .await;
    let capabilities = &response["result"]["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-8");
    assert_eq!(capabilities["diagnosticProvider"]["identifier"], "distlint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_findings_with_code_source_link_and_version() {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    let diagnostic = &published["diagnostics"][0];
    assert_eq!(diagnostic["code"], "rpc-without-timeout");
    assert_eq!(diagnostic["source"], "distlint");
    assert_eq!(diagnostic["severity"], 2);
    assert!(diagnostic["codeDescription"]["href"]
        .as_str()
        .unwrap()
        .ends_with("/docs/reference/clustering.md#rpc-without-timeout"));
    assert_eq!(
        diagnostic["range"]["start"],
        json!({"line": 1, "character": 16})
    );
    assert_eq!(diagnostic["data"]["rule"], "rpc-without-timeout");

    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let cleared = client
        .diagnostics_where(uri, |p| p["diagnostics"] == json!([]))
        .await;
    assert!(cleared["version"].is_null());
    // And nothing brings the closed document's findings back.
    client.settle().await;
    assert_eq!(client.published(uri).last(), Some(&&cleared));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_edits_with_an_emoji_move_utf16_columns() {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    client.diagnostics_for_version(uri, 1).await;
    // Insert "😀 " (two UTF-16 units plus a space) before the call, on the same line.
    client.insert(uri, 2, (1, 16), "😀 = 1; ").await;
    let published = client.diagnostics_for_version(uri, 2).await;
    assert_eq!(
        published["diagnostics"][0]["range"]["start"],
        json!({"line": 1, "character": 24})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_positions_when_negotiated() {
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(
            None,
            json!({"general": {"positionEncodings": ["utf-8"]}}),
            Value::Null,
        )
        .await;
    let uri = "file:///nowhere/lib/demo.ex";
    client
        .open(
            uri,
            1,
            &module("  def f(n), do: (_ = \"é\"; :erpc.call(n, W, :r, []))"),
        )
        .await;
    let published = client.diagnostics_for_version(uri, 1).await;
    // `  def f(n), do: (_ = "é"; ` is 26 characters and 27 bytes.
    assert_eq!(
        published["diagnostics"][0]["range"]["start"]["character"],
        27
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_edits_ends_with_the_last_versions_diagnostics() {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module("  def f(n), do: n")).await;
    client.diagnostics_for_version(uri, 1).await;
    // Type `:erpc.call(n, W, :r, [])` one character at a time, then delete the last `)`.
    let typed = ":erpc.call(n, W, :r, [])";
    let mut version = 1;
    for (index, ch) in typed.chars().enumerate() {
        version += 1;
        let at = json!({"line": 1, "character": 16 + index});
        client
            .change(
                uri,
                version,
                json!([{"range": {"start": at, "end": at}, "text": ch.to_string()}]),
            )
            .await;
    }
    let last = version;
    let published = client.diagnostics_for_version(uri, last).await;
    assert_eq!(rules(&published), ["rpc-without-timeout"]);
    // Nothing older arrives after the last version's diagnostics: read on
    // past them until the server is done (see `settle`), then look.
    client.settle().await;
    let versions: Vec<i64> = client
        .published(uri)
        .iter()
        .map(|p| p["version"].as_i64().expect("an open document's version"))
        .collect();
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "published out of order: {versions:?}"
    );
    assert_eq!(*versions.last().unwrap(), last, "{versions:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_explains_findings_and_primitives() {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    let text = module(&format!(
        "{RPC_LINE}\n  def g(name), do: :global.whereis_name(name)\n  def h, do: :ok"
    ));
    client.open(uri, 1, &text).await;
    client.diagnostics_for_version(uri, 1).await;

    let hover = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let on_finding = client.request("textDocument/hover", hover(1, 20)).await;
    let value = on_finding["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("rpc-without-timeout"), "{value}");
    assert!(value.contains("Why it matters"), "{value}");
    assert!(value.contains("How to fix"), "{value}");
    assert!(
        value.contains("clustering.md#rpc-without-timeout"),
        "{value}"
    );
    assert_eq!(on_finding["result"]["contents"]["kind"], "markdown");

    let on_global = client.request("textDocument/hover", hover(2, 22)).await;
    let value = on_global["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains(":global"), "{value}");

    let elsewhere = client.request("textDocument/hover", hover(3, 10)).await;
    assert!(elsewhere["result"].is_null(), "{elsewhere}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_actions_fix_and_suppress() {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/demo.ex";
    let text = module(RPC_LINE);
    client.open(uri, 1, &text).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    let diagnostic = published["diagnostics"][0].clone();
    let response = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
        )
        .await;
    let actions = response["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Add an explicit 5_000 ms timeout",
            "Suppress rpc-without-timeout for this line",
            "Suppress rpc-without-timeout in this file"
        ]
    );
    assert!(actions.iter().all(|a| a["kind"] == "quickfix"));
    assert_eq!(actions[0]["isPreferred"], true);

    // Apply the fix as an editor would, with the version the edit names.
    let change = &actions[0]["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], 1);
    let fixed = apply_edits(&text, change["edits"].as_array().unwrap());
    assert!(
        fixed.contains(":erpc.call(n, Worker, :run, [], 5_000)"),
        "{fixed}"
    );
    client.change(uri, 2, json!([{"text": fixed}])).await;
    let published = client.diagnostics_for_version(uri, 2).await;
    assert_eq!(rules(&published), Vec::<String>::new());

    // The line suppression keeps the indentation and silences the finding.
    let suppressed = apply_edits(
        &text,
        actions[1]["edit"]["documentChanges"][0]["edits"]
            .as_array()
            .unwrap(),
    );
    assert!(
        suppressed.contains("\n  # distlint:disable-next-line rpc-without-timeout\n  def f(n)"),
        "{suppressed}"
    );
    client.change(uri, 3, json!([{"text": suppressed}])).await;
    assert_eq!(
        rules(&client.diagnostics_for_version(uri, 3).await),
        Vec::<String>::new()
    );

    // Removing the call leaves the suppression unused, with its own quick fix.
    let stale = suppressed.replace(":erpc.call(n, Worker, :run, [])", "n");
    client
        .change(uri, 4, json!([{"text": stale.clone()}]))
        .await;
    let published = client.diagnostics_for_version(uri, 4).await;
    assert_eq!(rules(&published), ["unused-suppression"]);
    let unused = published["diagnostics"][0].clone();
    assert_eq!(unused["tags"], json!([1]));
    let response = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": unused["range"], "context": {"diagnostics": [unused]}}),
        )
        .await;
    let remove = &response["result"][0];
    assert_eq!(remove["title"], "Remove this suppression comment");
    let cleaned = apply_edits(
        &stale,
        remove["edit"]["documentChanges"][0]["edits"]
            .as_array()
            .unwrap(),
    );
    assert_eq!(cleaned, module("  def f(n), do: n"));
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_scan_reports_closed_files_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "mix.exs", "defmodule App.MixProject do\nend\n");
    write(&root, "lib/closed.ex", &module(RPC_LINE));
    write(&root, "lib/clean.ex", &module("  def ok, do: :ok"));
    write(&root, "deps/dep/lib/dep.ex", &module(RPC_LINE));
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(
            Some(&file_uri(&root)),
            json!({"window": {"workDoneProgress": true}}),
            Value::Null,
        )
        .await;
    let closed = file_uri(&root.join("lib/closed.ex"));
    let published = client.diagnostics_where(&closed, |_| true).await;
    assert_eq!(rules(&published), ["rpc-without-timeout"]);
    assert!(published["version"].is_null());
    let end = client
        .wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end")
        .await
        .expect("progress ends");
    // mix.exs is Elixir too.
    assert_eq!(end["params"]["value"]["message"], "3/3 files linted");
    let begin = client
        .notifications
        .iter()
        .find(|n| n["params"]["value"]["kind"] == "begin")
        .unwrap();
    assert_eq!(begin["params"]["value"]["title"], "distlint");
    // The scan's findings reach the client through the owner task, so they may
    // follow the progress end: read everything before saying what never came.
    client.settle().await;
    // deps/ is never linted, and a clean file gets no (empty) publish.
    for never in ["deps/dep/lib/dep.ex", "lib/clean.ex"] {
        let never = file_uri(&root.join(never));
        assert_eq!(client.published(&never), Vec::<&Value>::new(), "{never}");
    }
    assert_eq!(client.published(&closed).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_changes_relint_open_documents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "mix.exs", "defmodule App.MixProject do\nend\n");
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(Some(&file_uri(&root)), json!({}), Value::Null)
        .await;
    let uri = file_uri(&root.join("lib/open.ex"));
    client.open(&uri, 1, &module(RPC_LINE)).await;
    assert_eq!(
        rules(&client.diagnostics_for_version(&uri, 1).await),
        ["rpc-without-timeout"]
    );

    write(&root, ".distlint.toml", "ignore = [\"clustering\"]\n");
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": file_uri(&root.join(".distlint.toml")), "type": 1}]}),
        )
        .await;
    let published = client
        .diagnostics_where(&uri, |p| p["diagnostics"] == json!([]))
        .await;
    assert_eq!(published["version"], 1);
    // Nothing linted under the old configuration arrives after it.
    client.settle().await;
    assert_eq!(client.published(&uri).last(), Some(&&published));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn project_facts_follow_unsaved_edits_of_other_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "mix.exs", "defmodule App.MixProject do\nend\n");
    let store_text = module(
        "  def setup, do: :mnesia.create_table(:carts, disc_copies: [node() | Node.list()])",
    );
    let split_text = module("  def ok, do: :ok");
    write(&root, "lib/store.ex", &store_text);
    write(&root, "lib/split.ex", &split_text);
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(Some(&file_uri(&root)), json!({}), Value::Null)
        .await;
    let store = file_uri(&root.join("lib/store.ex"));
    let split = file_uri(&root.join("lib/split.ex"));
    client.open(&store, 1, &store_text).await;
    assert_eq!(
        rules(&client.diagnostics_for_version(&store, 1).await),
        ["mnesia-partition-unhandled"]
    );
    client.open(&split, 1, &split_text).await;

    // Another file of the project starts handling the event (not saved yet):
    // the project-wide fact changes and the store is linted again.
    let handler = "  def handle_info({:mnesia_system_event, {:inconsistent_database, _, _}}, s),\n    do: {:noreply, s}\n";
    client.insert(&split, 2, (1, 0), handler).await;
    let published = client
        .diagnostics_where(&store, |p| p["diagnostics"] == json!([]))
        .await;
    assert_eq!(published["version"], 1);

    // Taking the handler out again brings the finding back.
    let lines = json!({"start": {"line": 1, "character": 0}, "end": {"line": 3, "character": 0}});
    client
        .change(&split, 3, json!([{"range": lines, "text": ""}]))
        .await;
    let published = client
        .diagnostics_where(&store, |p| {
            p["version"] == 1 && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        })
        .await;
    assert_eq!(rules(&published), ["mnesia-partition-unhandled"]);
    // ... and no result from while the handler was there comes after it.
    client.settle().await;
    assert_eq!(client.published(&store).last(), Some(&&published));
}

/// The project's function summaries follow unsaved buffers: when a helper in
/// another open file starts (or stops) making an HTTP request, the
/// transaction that calls it is linted again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_summaries_follow_unsaved_edits_of_other_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "mix.exs", "defmodule App.MixProject do\nend\n");
    let http_text = "defmodule App.Http do\n  def post_status(order) do\n    order\n  end\nend\n";
    let orders_text = "defmodule App.Orders do\n  def ship(order) do\n    App.Repo.transaction(fn -> App.Http.post_status(order) end)\n  end\nend\n";
    write(&root, "lib/http.ex", http_text);
    write(&root, "lib/orders.ex", orders_text);
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(Some(&file_uri(&root)), json!({}), Value::Null)
        .await;
    let http = file_uri(&root.join("lib/http.ex"));
    let orders = file_uri(&root.join("lib/orders.ex"));
    client.open(&orders, 1, orders_text).await;
    assert_eq!(
        rules(&client.diagnostics_for_version(&orders, 1).await),
        Vec::<String>::new()
    );
    client.open(&http, 1, http_text).await;
    client.diagnostics_for_version(&http, 1).await;

    // The helper now posts (not saved): the transaction that calls it is reported.
    let post = json!({"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": 9}});
    client
        .change(
            &http,
            2,
            json!([{"range": post, "text": "Req.post!(\"https://hooks.test\", json: order)"}]),
        )
        .await;
    let published = client
        .diagnostics_where(&orders, |p| {
            p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        })
        .await;
    assert_eq!(rules(&published), ["side-effect-in-transaction"]);
    let message = published["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("via post_status/1"), "{message}");

    // Back to a pure helper: the finding goes.
    let line = json!({"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": 47}});
    client
        .change(&http, 3, json!([{"range": line, "text": "order"}]))
        .await;
    client
        .diagnostics_where(&orders, |p| p["diagnostics"] == json!([]))
        .await;
    client.settle().await;
    let last = client.published(&orders).last().copied().unwrap();
    assert_eq!(last["diagnostics"], json!([]), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_handling_already_started_follow_unsaved_edits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "mix.exs", "defmodule App.MixProject do\nend\n");
    let singleton_text = "defmodule App.Singleton do\n  def start_link(arg), do: GenServer.start_link(__MODULE__, arg, name: {:global, __MODULE__})\nend\n";
    let watcher_text = "defmodule App.Watcher do\n  def watch(arg) do\n    App.Singleton.start_link(arg)\n  end\nend\n";
    write(&root, "lib/singleton.ex", singleton_text);
    write(&root, "lib/watcher.ex", watcher_text);
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(Some(&file_uri(&root)), json!({}), Value::Null)
        .await;
    let singleton = file_uri(&root.join("lib/singleton.ex"));
    let watcher = file_uri(&root.join("lib/watcher.ex"));
    client.open(&singleton, 1, singleton_text).await;
    assert_eq!(
        rules(&client.diagnostics_for_version(&singleton, 1).await),
        ["global-singleton-without-netsplit-handling"]
    );
    client.open(&watcher, 1, watcher_text).await;

    // The watcher starts handling the conflict (not saved yet): the singleton
    // is linted again, and its finding goes.
    let handled = "    |> case do\n      {:error, {:already_started, pid}} -> Process.monitor(pid)\n      other -> other\n    end\n";
    client.insert(&watcher, 2, (3, 0), handled).await;
    let published = client
        .diagnostics_where(&singleton, |p| p["diagnostics"] == json!([]))
        .await;
    assert_eq!(published["version"], 1);

    // An edit that keeps the fact changes nothing; taking the handling out
    // brings the finding back.
    client
        .insert(&watcher, 3, (1, 0), "  # follows the winner\n")
        .await;
    let lines = json!({"start": {"line": 4, "character": 0}, "end": {"line": 8, "character": 0}});
    client
        .change(&watcher, 4, json!([{"range": lines, "text": ""}]))
        .await;
    let published = client
        .diagnostics_where(&singleton, |p| {
            p["version"] == 1 && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        })
        .await;
    assert_eq!(
        rules(&published),
        ["global-singleton-without-netsplit-handling"]
    );
    client.settle().await;
    assert_eq!(client.published(&singleton).last(), Some(&&published));
}

fn docs_link(published: &Value) -> &str {
    published["diagnostics"][0]["codeDescription"]["href"]
        .as_str()
        .unwrap_or("(no finding)")
}

const INIT_DOCS: &str = "https://init.example.com/distlint";
const CONFIG_DOCS: &str = "https://config.example.com/distlint";
const LINK: &str = "/reference/clustering.md#rpc-without-timeout";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_from_initialization_options_and_configuration() {
    // The client offers workspace/configuration, and its answer differs from
    // the initialization options.
    let (mut client, _server) = start(json!({"docsBaseUrl": CONFIG_DOCS}));
    client
        .initialize(
            None,
            json!({"workspace": {"configuration": true}}),
            json!({"docsBaseUrl": INIT_DOCS}),
        )
        .await;
    let asked = client
        .wait_for(|m| m["method"] == "workspace/configuration")
        .await
        .expect("the server asks for its settings");
    assert_eq!(asked["params"]["items"], json!([{"section": "distlint"}]));
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    // Until the answer is applied the initialization options may show; then
    // the answer replaces them, and stays.
    client
        .diagnostics_where(uri, |p| docs_link(p) == format!("{CONFIG_DOCS}{LINK}"))
        .await;
    client.settle().await;
    let last = client.published(uri).last().copied().unwrap().clone();
    assert_eq!(docs_link(&last), format!("{CONFIG_DOCS}{LINK}"));

    // Pushed settings replace the answer.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"distlint": {"ignore": ["clustering"]}}}),
        )
        .await;
    client
        .diagnostics_where(uri, |p| p["diagnostics"] == json!([]))
        .await;

    // An empty push means "ask me": the server asks again and uses the new answer.
    let new_docs = "https://again.example.com/distlint";
    client.set_configuration(json!({"docsBaseUrl": new_docs}));
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": null}),
        )
        .await;
    client
        .diagnostics_where(uri, |p| docs_link(p) == format!("{new_docs}{LINK}"))
        .await;
    client.settle().await;
    assert_eq!(client.server_requests("workspace/configuration").len(), 2);
    let last = client.published(uri).last().copied().unwrap().clone();
    assert_eq!(docs_link(&last), format!("{new_docs}{LINK}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_configuration_requests_unless_the_client_offers_them() {
    // The client would answer, but does not declare workspace.configuration.
    let (mut client, _server) = start(json!({"docsBaseUrl": CONFIG_DOCS}));
    client
        .initialize(None, json!({}), json!({"docsBaseUrl": INIT_DOCS}))
        .await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    assert_eq!(docs_link(&published), format!("{INIT_DOCS}{LINK}"));
    // An empty push asks only clients that offer workspace/configuration.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({"settings": null}),
        )
        .await;
    client.settle().await;
    assert_eq!(
        client.server_requests("workspace/configuration"),
        Vec::<&Value>::new()
    );
    assert_eq!(client.published(uri).last(), Some(&&published));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_diagnostics_when_the_client_supports_them() {
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(
            None,
            json!({"textDocument": {"diagnostic": {}}}),
            Value::Null,
        )
        .await;
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(report["result"]["kind"], "full");
    assert_eq!(report["result"]["items"][0]["code"], "rpc-without-timeout");
    client
        .change(uri, 2, json!([{"text": module("  def f, do: :ok")}]))
        .await;
    let report = client
        .request(
            "textDocument/diagnostic",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(report["result"]["items"], json!([]));
    // Pull clients get no pushed diagnostics for open documents: not before
    // the answers, and not after them either.
    client.settle().await;
    assert_eq!(client.published(uri), Vec::<&Value>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_then_exit_is_zero_and_requests_after_shutdown_fail() {
    let (mut client, server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let response = client.request("shutdown", Value::Null).await;
    assert!(response["result"].is_null() && response.get("error").is_none());
    let after = client.request("textDocument/hover", json!({"textDocument": {"uri": "file:///a.ex"}, "position": {"line": 0, "character": 0}})).await;
    assert_eq!(after["error"]["code"], -32600, "{after}");
    client.notify("exit", Value::Null).await;
    assert_eq!(server.await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_without_shutdown_is_one() {
    let (mut client, server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    client.notify("exit", Value::Null).await;
    assert_eq!(server.await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_are_skipped_and_serving_goes_on() {
    let (mut client, _server) = start(Value::Null);
    client.send_raw(b"Content-Length: 9\r\n\r\n{garbage}").await;
    client.send_raw(b"Content-Length: twelve\r\n\r\n").await;
    client.send_raw(b"Content-Length: 2\r\n\r\n[]").await;
    let response = client.initialize(None, json!({}), Value::Null).await;
    assert_eq!(response["result"]["serverInfo"]["name"], "distlint");
    // Out-of-range positions are clamped, not a crash.
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    client.diagnostics_for_version(uri, 1).await;
    let far = json!({"line": 999, "character": 999});
    client
        .change(
            uri,
            2,
            json!([{"range": {"start": far, "end": far}, "text": "\n"}]),
        )
        .await;
    client.diagnostics_for_version(uri, 2).await;
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": far}),
        )
        .await;
    assert!(hover.get("error").is_none(), "{hover}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_configuration_answer_keeps_initialization_options() {
    // Editors with nothing configured answer workspace/configuration with null.
    let (mut client, _server) = start(Value::Null);
    client
        .initialize(
            None,
            json!({"workspace": {"configuration": true}}),
            json!({"ignore": ["clustering"]}),
        )
        .await;
    client
        .wait_for(|m| m["method"] == "workspace/configuration")
        .await
        .expect("the server asks for its settings");
    let uri = "file:///nowhere/lib/demo.ex";
    client.open(uri, 1, &module(RPC_LINE)).await;
    let published = client.diagnostics_for_version(uri, 1).await;
    assert_eq!(
        rules(&published),
        Vec::<String>::new(),
        "clustering stays ignored"
    );
    // The null answer may be handled after that publish: it must not bring
    // the finding back later.
    client.settle().await;
    assert_eq!(client.published(uri).last(), Some(&&published));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baselined_findings_are_hints_in_open_and_scanned_files() {
    use distlint_analysis::baseline::{fingerprint, normalise_line};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write(&root, "mix.exs", "defmodule App.MixProject do\nend\n");
    write(
        &root,
        ".distlint.toml",
        "ignore = [\"prefer-erpc-over-rpc\"]\nbaseline = \"distlint-baseline.json\"\n",
    );
    let old = "  def old(n), do: :rpc.call(n, Worker, :run, [])";
    let new = "  def new(n), do: :rpc.call(n, Worker, :go, [])";
    let text = module(&format!("{old}\n{new}"));
    write(&root, "lib/open.ex", &text);
    write(&root, "lib/closed.ex", &module(old));
    // The old call is recorded in both files, the new one nowhere.
    let print = |path: &str| fingerprint("rpc-without-timeout", path, &normalise_line(old), 0);
    let entry =
        |path: &str| json!({"rpc-without-timeout": {"count": 1, "fingerprints": [print(path)]}});
    let baseline = json!({
        "version": 1,
        "files": {"lib/open.ex": entry("lib/open.ex"), "lib/closed.ex": entry("lib/closed.ex")},
    });
    write(&root, "distlint-baseline.json", &baseline.to_string());

    let (mut client, _server) = start(Value::Null);
    client
        .initialize(Some(&file_uri(&root)), json!({}), Value::Null)
        .await;
    let uri = file_uri(&root.join("lib/open.ex"));
    client.open(&uri, 1, &text).await;
    let published = client.diagnostics_for_version(&uri, 1).await;
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 2, "{published}");
    let (hint, warning) = (&diagnostics[0], &diagnostics[1]);
    assert_eq!(hint["range"]["start"]["line"], 1);
    assert_eq!(hint["severity"], 4, "a hint: {hint}");
    assert!(hint["message"].as_str().unwrap().ends_with(
        "(recorded in the baseline distlint-baseline.json: not reported by `distlint check`)"
    ));
    assert_eq!(hint["data"]["baselined"], true);
    assert_eq!(warning["severity"], 2, "{warning}");
    assert_eq!(warning["data"]["baselined"], false);

    let closed = file_uri(&root.join("lib/closed.ex"));
    let scanned = client.diagnostics_where(&closed, |_| true).await;
    assert_eq!(scanned["diagnostics"][0]["severity"], 4, "{scanned}");

    // A broken baseline: said once, and findings show as without one.
    write(&root, "distlint-baseline.json", "{\"version\": 1,");
    client.change(&uri, 2, json!([{"text": text}])).await;
    let published = client.diagnostics_for_version(&uri, 2).await;
    let severities: Vec<&Value> = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["severity"])
        .collect();
    assert_eq!(severities, [&json!(2), &json!(2)], "{published}");
    let logged = client
        .wait_for(|m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("distlint-baseline.json:1:"))
        })
        .await;
    assert!(logged.is_some(), "the broken baseline is reported");
}

/// A module of 400 functions (about 40 KB: large enough for provisional
/// diagnostics), one in ten calling another node without a timeout.
fn large_module() -> String {
    let mut text =
        String::from("defmodule Shop.Orders do\n  alias Shop.Store\n  @timeout 5_000\n\n");
    for n in 0..400 {
        let timeout = if n % 10 == 0 { "" } else { ", @timeout" };
        text.push_str(&format!(
            "  def fetch{n}(node, key) do\n    value = Map.get(key, :v)\n    :erpc.call(node, Store, :lookup, [value]{timeout})\n  end\n\n"
        ));
    }
    text.push_str("end\n");
    text
}

/// `text` with `inserted` at `line`, `column` (ASCII).
fn insert(text: &str, line: usize, column: usize, inserted: &str) -> String {
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut text = text.to_string();
    text.insert_str(start + column, inserted);
    text
}

/// Each diagnostic of a publication as `rule line:character message`.
fn findings(published: &Value) -> Vec<String> {
    let diagnostics = published["diagnostics"].as_array().unwrap();
    diagnostics
        .iter()
        .map(|d| {
            let start = &d["range"]["start"];
            format!(
                "{} {}:{} {}",
                d["code"], start["line"], start["character"], d["message"]
            )
        })
        .collect()
}

/// What a server that only ever saw `text` publishes for it.
async fn fresh_findings(text: &str) -> Vec<String> {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/orders.ex";
    client.open(uri, 1, text).await;
    findings(&client.diagnostics_for_version(uri, 1).await)
}

/// Edits inside one function of a large module are published twice: first
/// from that function alone with the others' findings carried over, then
/// from the full lint. Both must be the full lint's findings; and while the
/// function is left unbalanced, the other functions keep their findings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_inside_a_function_of_a_large_module() {
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, json!({}), Value::Null).await;
    let uri = "file:///nowhere/lib/orders.ex";
    let mut text = large_module();
    client.open(uri, 1, &text).await;
    let opened = client.diagnostics_for_version(uri, 1).await;
    assert_eq!(rules(&opened).len(), 40);

    // fetch200's body starts on line 4 + 200 * 5 + 1.
    let body = 4 + 200 * 5 + 1;
    let edits = [
        (2, "    x = 1\n"),
        (3, "    :erpc.call(node, Store, :ping, [])\n"), // a finding more
    ];
    for (version, inserted) in edits {
        let at = json!({"line": body, "character": 0});
        let change = json!([{"range": {"start": at, "end": at}, "text": inserted}]);
        text = insert(&text, body, 0, inserted);
        client.change(uri, version, change).await;
        client.diagnostics_for_version(uri, version).await;
        client.settle().await;
        let expected = fresh_findings(&text).await;
        for published in client.published(uri) {
            if published["version"] == json!(version) {
                assert_eq!(findings(published), expected, "version {version}");
            }
        }
    }
    assert_eq!(rules(client.published(uri).last().unwrap()).len(), 41);

    // A half-typed string in fetch200: a fresh parse turns the functions
    // after it into strings, but here they keep their findings.
    let at = json!({"line": body, "character": 0});
    let change = json!([{"range": {"start": at, "end": at}, "text": "    s = \"abc\n"}]);
    text = insert(&text, body, 0, "    s = \"abc\n");
    client.change(uri, 4, change).await;
    client.diagnostics_for_version(uri, 4).await;
    client.settle().await;
    let unbalanced = client.published(uri).last().copied().unwrap().clone();
    assert_eq!(unbalanced["version"], json!(4));
    // All but fetch200's own two calls, which the open string swallows.
    assert_eq!(rules(&unbalanced).len(), 39, "{unbalanced:#}");
    let fresh = fresh_findings(&text).await;
    assert!(fresh.len() < 30, "a fresh parse loses the rest: {fresh:#?}");

    // Closing the string: the full lint again, as a fresh server sees it.
    let close = json!({"line": body, "character": 12});
    let change = json!([{"range": {"start": close, "end": close}, "text": "\""}]);
    text = insert(&text, body, 12, "\"");
    client.change(uri, 5, change).await;
    client.diagnostics_for_version(uri, 5).await;
    client.settle().await;
    let last = client.published(uri).last().copied().unwrap().clone();
    assert_eq!(last["version"], json!(5));
    assert_eq!(findings(&last), fresh_findings(&text).await);
}

/// A pull client that takes refreshes gets provisional diagnostics when it
/// pulls before the full lint is done; when the full lint differs (here a
/// rule reads another function of the module, which the provisional lint of
/// one clause does not see), it is asked to pull again and then gets the
/// full lint's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_clients_with_refresh_get_provisional_diagnostics_then_a_refresh() {
    let capabilities = json!({
        "textDocument": {"diagnostic": {}},
        "workspace": {"diagnostics": {"refreshSupport": true}}
    });
    let pull = |uri: &str| json!({"textDocument": {"uri": uri}});
    let (mut client, _server) = start(Value::Null);
    client.initialize(None, capabilities, Value::Null).await;
    let uri = "file:///nowhere/lib/orders.ex";
    let mut text = large_module().replace(
        "  @timeout 5_000\n",
        "  @timeout 5_000\n\n  defp forever, do: :infinity\n",
    );
    client.open(uri, 1, &text).await;
    client.request("textDocument/diagnostic", pull(uri)).await;

    // fetch200's body starts on line 6 + 200 * 5 + 1: a call whose timeout
    // is `forever()`, :infinity one function away.
    let body = 6 + 200 * 5 + 1;
    let call = "    :erpc.call(node, Store, :ping, [], forever())\n";
    let at = json!({"line": body, "character": 0});
    text = insert(&text, body, 0, call);
    let change = json!([{"range": {"start": at, "end": at}, "text": call}]);
    client.change(uri, 2, change).await;
    let first = client.request("textDocument/diagnostic", pull(uri)).await;
    let first = findings(&json!({"diagnostics": first["result"]["items"]}));
    client.settle().await;
    let expected = fresh_findings(&text).await;
    assert!(
        expected
            .iter()
            .any(|f| f.contains("waits with `:infinity`")),
        "the full lint sees :infinity through forever/0: {expected:#?}"
    );
    let refreshed = !client
        .server_requests("workspace/diagnostic/refresh")
        .is_empty();
    assert!(
        first == expected || refreshed,
        "a pull answered with other findings than the full lint's is followed by a refresh"
    );
    let last = client.request("textDocument/diagnostic", pull(uri)).await;
    assert_eq!(
        findings(&json!({"diagnostics": last["result"]["items"]})),
        expected
    );
    assert_eq!(
        client.published(uri),
        Vec::<&Value>::new(),
        "nothing pushed to a pull client"
    );
}
