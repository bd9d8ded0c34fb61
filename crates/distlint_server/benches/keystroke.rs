//! Keystroke-to-diagnostics latency through the whole server (framing, owner
//! task, incremental reparse, rules, publish), in process.
//!
//!     cargo bench -p distlint_server --bench keystroke
//!     DISTLINT_BENCH_FILE=path/to/large.ex cargo bench -p distlint_server --bench keystroke
//!
//! Shapes: about 10,000 lines in many small modules; one real-shaped module of
//! about 7,000 lines (generated here, or the file named by
//! `DISTLINT_BENCH_FILE` for local runs on real code), typed into in the body
//! of a function in its middle, then while the file is unbalanced (an open `(`
//! at the start of a function body, a `do` without `end`, a half-typed string).
//!
//! Prints the time from opening to the first diagnostics, and p50/p90/p99/max
//! over the measured keystrokes, each timed to the first diagnostics published
//! for its version: in these large documents, for an edit inside a function,
//! the provisional ones (see `distlint_analysis::region`), which the full lint
//! replaces when the typing pauses. This is a benchmark, not a test: the numbers
//! depend on the machine and its load, so compare runs on the same machine and
//! read the spread, not one figure.

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::LspClient;
use serde_json::{json, Value};

const LINES: usize = 10_000;
const MODULE_LINES: usize = 7_000;
const WARMUP: usize = 20;
const KEYSTROKES: usize = 200;

/// About 10,000 lines of ordinary Elixir in many modules, one in twenty
/// with a finding (an `:erpc.call` without a timeout).
fn many_modules() -> String {
    let mut text = String::new();
    let mut module = 0;
    while text.lines().count() < LINES {
        module += 1;
        let timeout = if module % 20 == 0 { "" } else { ", @timeout" };
        text.push_str(&format!(
            "defmodule Bench.Module{module} do\n  use GenServer\n  alias Bench.Helpers, as: H\n\n  @timeout 5_000\n\n  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)\n\n  def init(opts), do: {{:ok, %{{count: 0, opts: opts}}}}\n\n  def fetch(node, key) do\n    :erpc.call(node, __MODULE__, :lookup, [key]{timeout})\n  end\n\n  def handle_call(:count, _from, state) do\n    value = state |> Map.get(:count) |> H.decode()\n    {{:reply, value, state}}\n  end\n\n  def handle_cast(:bump, state), do: {{:noreply, Map.update!(state, :count, &(&1 + 1))}}\n\n  defp owner(key, nodes), do: Enum.at(nodes, :erlang.phash2(key, 64))\nend\n\n"
        ));
    }
    text
}

/// About 7,000 lines in one module, shaped like real code: docs, specs,
/// `with`, `case`, pipes, guards, remote calls, module attributes; one
/// function in fifty has a finding (an `:erpc.call` without a timeout).
fn large_module() -> String {
    let mut text = String::from(
        "defmodule Bench.Large do\n  @moduledoc \"\"\"\n  A large module.\n  \"\"\"\n\n  use GenServer\n  require Logger\n  alias Bench.{Store, Codec}\n  alias Bench.Cluster.Members, as: Members\n\n  @timeout 5_000\n  @statuses [:active, :idle, :gone]\n\n",
    );
    let mut n = 0;
    while text.lines().count() < MODULE_LINES {
        n += 1;
        let timeout = if n % 50 == 0 { "" } else { ", timeout" };
        text.push_str(&format!(
            r#"  @doc """
  Fetches item {n} from the node that owns `key`.
  """
  @spec fetch{n}(term(), keyword()) :: {{:ok, map()}} | {{:error, term()}}
  def fetch{n}(key, opts \\ []) do
    timeout = Keyword.get(opts, :timeout, @timeout)

    with {{:ok, node}} <- Members.owner(key),
         {{:ok, raw}} <- :erpc.call(node, Store, :lookup, [key]{timeout}),
         {{:ok, value}} <- Codec.decode(raw) do
      value
      |> Map.new()
      |> Map.put(:fetched_at, System.monotonic_time())
      |> normalize{n}()
    else
      {{:error, reason}} ->
        Logger.warning("fetch{n} failed for #{{inspect(key)}}: #{{inspect(reason)}}")
        {{:error, {{reason, key}}}}
    end
  end

  defp normalize{n}(%{{status: status}} = map) when status in @statuses do
    case Map.fetch(map, :items) do
      {{:ok, items}} when is_list(items) ->
        {{:ok, %{{map | items: Enum.map(items, &Codec.item/1)}}}}

      {{:ok, other}} ->
        {{:error, {{:bad_items, other}}}}

      :error ->
        {{:ok, Map.put(map, :items, [])}}
    end
  end

  defp normalize{n}(map), do: {{:error, {{:bad_status, Map.get(map, :status)}}}}

"#
        ));
    }
    text.push_str("end\n");
    text
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// A place to type: what to insert at the start of a line, and where the
/// cursor is afterwards.
struct Scenario {
    name: &'static str,
    /// Inserted at the start of `line`.
    prefix: &'static str,
}

const TYPING: Scenario = Scenario {
    name: "typing in a function body",
    prefix: "    x = ",
};
const UNBALANCED: [Scenario; 3] = [
    Scenario {
        name: "unbalanced: open ( at the start of a body",
        prefix: "    Enum.map(",
    },
    Scenario {
        name: "unbalanced: do without end",
        prefix: "    case x do\n      ",
    },
    Scenario {
        name: "unbalanced: half-typed string",
        prefix: "    s = \"",
    },
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (large_name, large) = match std::env::var("DISTLINT_BENCH_FILE") {
        Ok(path) => (
            path.clone(),
            std::fs::read_to_string(&path).expect("DISTLINT_BENCH_FILE"),
        ),
        Err(_) => ("generated module".to_string(), large_module()),
    };
    runtime.block_on(async {
        measure("many modules", &many_modules(), &[&TYPING]).await;
        let scenarios: Vec<&Scenario> = std::iter::once(&TYPING).chain(&UNBALANCED).collect();
        measure(&large_name, &large, &scenarios).await;
    });
}

/// The first line of a function body near the middle of the file: the line
/// after a `def ... do` line.
fn body_line(text: &str) -> u32 {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    (middle..lines.len())
        .chain(0..middle)
        .find(|&i| {
            let line = lines[i].trim_start();
            (line.starts_with("def ") || line.starts_with("defp "))
                && line.trim_end().ends_with(" do")
        })
        .map_or(middle as u32, |i| i as u32 + 1)
}

async fn measure(shape: &str, text: &str, scenarios: &[&Scenario]) {
    let (client_out, server_in) = tokio::io::duplex(1 << 22);
    let (server_out, client_in) = tokio::io::duplex(1 << 22);
    tokio::spawn(distlint_server::serve(server_in, server_out));
    let mut client = LspClient::new(client_in, client_out, Value::Null);
    client.initialize(None, json!({}), Value::Null).await;

    let lines = text.lines().count();
    let uri = "file:///bench/lib/large.ex";
    let started = Instant::now();
    client.open(uri, 1, text).await;
    let first = client.diagnostics_for_version(uri, 1).await;
    let findings = first["diagnostics"].as_array().map_or(0, Vec::len);
    println!(
        "{shape}: {lines} lines, {} bytes, {findings} findings; open to first diagnostics: {:?}",
        text.len(),
        started.elapsed()
    );

    let mut version = 1;
    let line = body_line(text);
    for scenario in scenarios {
        // Put the scenario's text at the start of the body, then type after it.
        version += 1;
        client
            .insert(uri, version, (line, 0), scenario.prefix)
            .await;
        client.diagnostics_for_version(uri, version).await;
        let last = scenario.prefix.rsplit('\n').next().unwrap_or_default();
        let (row, column) = (
            line + scenario.prefix.matches('\n').count() as u32,
            last.len() as u32,
        );
        let mut samples = Vec::with_capacity(KEYSTROKES);
        for i in 0..WARMUP + KEYSTROKES {
            version += 1;
            let started = Instant::now();
            client
                .insert(uri, version, (row, column + i as u32), "x")
                .await;
            client.diagnostics_for_version(uri, version).await;
            if i >= WARMUP {
                samples.push(started.elapsed());
            }
        }
        samples.sort();
        println!(
            "{shape}: {}: keystroke to diagnostics over {KEYSTROKES} edits: p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
            scenario.name,
            percentile(&samples, 0.50),
            percentile(&samples, 0.90),
            percentile(&samples, 0.99),
            samples[samples.len() - 1]
        );
        // Undo: the typed characters, then the prefix.
        version += 1;
        let typed = (WARMUP + KEYSTROKES) as u32;
        client
            .change(
                uri,
                version,
                json!([{
                    "range": {
                        "start": {"line": line, "character": 0},
                        "end": {"line": row, "character": column + typed}
                    },
                    "text": ""
                }]),
            )
            .await;
        let back = client.diagnostics_for_version(uri, version).await;
        let again = back["diagnostics"].as_array().map_or(0, Vec::len);
        assert_eq!(
            again, findings,
            "{shape}: undoing the edit restores the findings"
        );
    }
    client.shutdown_and_exit().await;
}
