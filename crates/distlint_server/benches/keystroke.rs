//! Keystroke-to-diagnostics latency on a 10,000-line file, through the whole
//! server (framing, owner task, incremental reparse, rules, publish), in process.
//!
//!     cargo bench -p distlint_server --bench keystroke
//!
//! Prints p50/p90/p99/max over the measured keystrokes. This is a benchmark,
//! not a test: the numbers depend on the machine and its load, so compare runs
//! on the same machine and read the spread, not one figure.

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

use std::time::{Duration, Instant};

use lsp_client::LspClient;
use serde_json::{json, Value};

const LINES: usize = 10_000;
const WARMUP: usize = 20;
const KEYSTROKES: usize = 300;

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

/// The same amount of code as one 10,000-line module: the worst case for the
/// per-form cache, since every edit changes the only form.
fn one_module() -> String {
    let mut text = String::from("defmodule Bench.Huge do\n  @timeout 5_000\n\n");
    let mut function = 0;
    while text.lines().count() < LINES {
        function += 1;
        let timeout = if function % 100 == 0 {
            ""
        } else {
            ", @timeout"
        };
        text.push_str(&format!(
            "  def fetch{function}(node, key) do\n    value = :erpc.call(node, Bench.Store, :lookup, [key]{timeout})\n    Enum.at([value], :erlang.phash2(key, 64))\n  end\n\n"
        ));
    }
    text.push_str("end\n");
    text
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        measure("many modules", &many_modules()).await;
        measure("one module", &one_module()).await;
    });
}

async fn measure(shape: &str, text: &str) {
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
    println!(
        "{shape}: {lines} lines, {} bytes, {} findings; open to first diagnostics: {:?}",
        text.len(),
        first["diagnostics"].as_array().map_or(0, Vec::len),
        started.elapsed()
    );

    // Type into the middle of the file: a comment line grows one character at a time.
    let line = (lines / 2) as u32;
    client.insert(uri, 2, (line, 0), "# \n").await;
    client.diagnostics_for_version(uri, 2).await;
    let mut samples = Vec::with_capacity(KEYSTROKES);
    for i in 0..WARMUP + KEYSTROKES {
        let version = 3 + i as i64;
        let started = Instant::now();
        client.insert(uri, version, (line, 2 + i as u32), "x").await;
        client.diagnostics_for_version(uri, version).await;
        if i >= WARMUP {
            samples.push(started.elapsed());
        }
    }
    samples.sort();
    println!(
        "{shape}: keystroke to diagnostics over {KEYSTROKES} edits: p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        percentile(&samples, 0.50),
        percentile(&samples, 0.90),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
    client.shutdown_and_exit().await;
}
