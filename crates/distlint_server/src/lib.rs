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

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::jsonrpc::{Error, Request, Response};
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
    let client = service.inner().client().clone();
    tokio::spawn(frames::forward_valid_frames(input, guarded_writer, client));
    Server::new(guarded_reader, output, socket)
        .serve(AnswerDollarRequests(service))
        .await;
    if shutdown_requested.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

/// tower-lsp-server drops its MethodNotFound answer to every unknown method
/// starting with `$/`, requests included, so a client waits forever for the
/// answer; the LSP says such a *request* must be answered with
/// MethodNotFound (only `$/` notifications may be ignored). This answers it.
struct AnswerDollarRequests<S>(S);

impl<S> tower_service::Service<Request> for AnswerDollarRequests<S>
where
    S: tower_service::Service<Request, Response = Option<Response>>,
    S::Future: Send + 'static,
{
    type Response = Option<Response>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Option<Response>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let dollar_request = match (request.method(), request.id()) {
            (method, Some(id)) if method.starts_with("$/") => {
                Some((method.to_string(), id.clone()))
            }
            _ => None,
        };
        let answer = self.0.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(match (response, dollar_request) {
                (None, Some((method, id))) => {
                    let mut error = Error::method_not_found();
                    error.data = Some(method.into());
                    Some(Response::from_error(id, error))
                }
                (response, _) => response,
            })
        })
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
