//! distlint's language server: LSP over stdio (or any byte streams), built on
//! tower-lsp-server, over the analysis library.
//!
//! Map: `server.rs` (capabilities, handlers) → `owner.rs` (documents, ordering,
//! scheduling) → `document.rs` (rope + incremental tree) and `position.rs` (all
//! position conversions); `diagnostics.rs`, `hover.rs`, `code_actions.rs`,
//! `scan.rs` (workspace scan), `settings.rs`, `frames.rs` (malformed input guard).

mod baseline;
mod code_actions;
mod diagnostics;
mod document;
mod frames;
mod hover;
mod owner;
pub mod position;
mod scan;
mod server;
mod settings;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

pub use frames::MAX_FRAME_BYTES;

/// Serves LSP on `input`/`output` until `exit` (or the input ends). Returns
/// the process exit code: 0 after `shutdown` then `exit`, 1 otherwise.
pub async fn serve<I, O>(input: I, output: O) -> i32
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let shutdown_requested = Arc::new(AtomicBool::new(false));
    let flag = shutdown_requested.clone();
    let (service, socket) = LspService::new(move |client| server::Backend::new(client, flag));
    // The framework sees only well-formed frames (see frames.rs).
    let (guarded_writer, guarded_reader) = tokio::io::duplex(1 << 20);
    tokio::spawn(frames::forward_valid_frames(input, guarded_writer));
    Server::new(guarded_reader, output, socket)
        .serve(service)
        .await;
    if shutdown_requested.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

/// `distlint server`: a tokio runtime, stdio, and the exit code.
pub fn run_stdio() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("distlint: cannot start the language server runtime: {err}");
            return 2;
        }
    };
    let code = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    // Lints still running on the blocking pool must not hold the process open.
    runtime.shutdown_background();
    code
}
