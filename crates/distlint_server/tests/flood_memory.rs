//! Memory stays bounded under a flood of edits (issue 16 §3): 10,000 small
//! incremental edits to a 30 KB document, first with a client that reads, then
//! with one that stops reading while it floods (the server's output fills up).
//!
//! A test binary of its own, with one test, so that nothing else runs in the
//! process while its resident memory is measured (`/proc/self/status`: VmRSS
//! before, VmHWM, the peak, after). The bound is generous, 200 MB of peak
//! growth, because the figures depend on the allocator and the build (a debug
//! build peaked about 30 MB above the start): not a benchmark but a guard against
//! memory that grows with the number of edits. Keeping a copy of the text
//! per edit would need 10,000 × 30 KB = 300 MB, and fails it. Linux only (it
//! says so and passes elsewhere).

#[path = "../../../tests/support/lsp_client.rs"]
mod lsp_client;

#[path = "support/flood.rs"]
mod flood;

use flood::{flood, flood_document, serve_gated, Gate, FLOOD};
use lsp_client::LspClient;
use serde_json::{json, Value};

const BOUND_KB: u64 = 200 * 1024;

/// A `/proc/self/status` figure in kB.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// About 30 KB of ordinary functions after the edited line.
fn filler() -> String {
    (0..700)
        .map(|n| format!("  def g{n}(x), do: x + {n} * 2 # filler filler\n"))
        .collect()
}

/// Floods `uri` (open at version 1) and waits for the final version's findings.
async fn flood_and_wait(client: &mut LspClient, uri: &str, bytes: &[u8], gate: &Gate) {
    let reopen = async {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        gate.set_closed(false);
    };
    let (_, ()) = tokio::join!(client.send_raw(bytes), reopen);
    let published = client.diagnostics_for_version(uri, FLOOD as i64 + 1).await;
    assert_eq!(
        published["diagnostics"][0]["code"], "rpc-without-timeout",
        "{published}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peak_memory_stays_bounded_under_a_flood_of_edits() {
    let Some(start_kb) = status_kb("VmRSS:") else {
        eprintln!("no /proc/self/status here: memory not measured");
        return;
    };
    let (mut client, gate, _server) = serve_gated();
    client.initialize(None, json!({}), Value::Null).await;
    let rest = filler();
    assert!(rest.len() > 30_000, "{}", rest.len());

    let mut figures = Vec::new();
    for (index, reading) in [true, false].into_iter().enumerate() {
        let uri = format!("file:///nowhere/lib/flood{index}.ex");
        client.open(&uri, 1, &flood_document("", &rest)).await;
        client.diagnostics_for_version(&uri, 1).await;
        let (bytes, _) = flood(&uri, &rest);
        let before = status_kb("VmRSS:").unwrap();
        gate.set_closed(!reading);
        flood_and_wait(&mut client, &uri, &bytes, &gate).await;
        client.settle().await;
        let (peak, after) = (status_kb("VmHWM:").unwrap(), status_kb("VmRSS:").unwrap());
        figures.push(format!(
            "{}: RSS {before} kB before, {after} kB after, peak {peak} kB",
            if reading {
                "reading client"
            } else {
                "client not reading for 2 s"
            }
        ));
        client
            .notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            )
            .await;
    }
    let peak = status_kb("VmHWM:").unwrap();
    eprintln!(
        "flood of {FLOOD} edits, 30 KB document: RSS {start_kb} kB at start; {}",
        figures.join("; ")
    );
    assert!(
        peak.saturating_sub(start_kb) < BOUND_KB,
        "peak RSS grew by {} kB under the flood (bound {BOUND_KB} kB): {figures:#?}",
        peak - start_kb
    );
}
