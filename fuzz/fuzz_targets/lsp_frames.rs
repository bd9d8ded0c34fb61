//! (d) Arbitrary bytes as the client's side of the stream: the frame reader
//! and every handler behind it. The server must not panic, must stop when its
//! input ends (no hang), and must write only well-formed frames.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, mut client_in) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(distlint_server::serve(server_in, server_out));
        let reader = tokio::spawn(async move {
            let mut output = Vec::new();
            let _ = client_in.read_to_end(&mut output).await;
            output
        });
        let _ = client_out.write_all(data).await;
        let _ = client_out.shutdown().await;
        drop(client_out);
        let code = tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server did not stop within 10 s after its input ended")
            .expect("the server task panicked");
        assert!(code == 0 || code == 1, "exit code {code}");
        let output = tokio::time::timeout(Duration::from_secs(10), reader)
            .await
            .expect("the server did not close its output")
            .unwrap();
        check_frames(&output);
    });
});

/// Every byte written belongs to a `Content-Length` frame of JSON.
fn check_frames(mut bytes: &[u8]) {
    while !bytes.is_empty() {
        let end = bytes
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a frame header ends with an empty line");
        let header = std::str::from_utf8(&bytes[..end]).expect("header is text");
        let length: usize = header
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .expect("Content-Length")
            .trim()
            .parse()
            .expect("a number");
        let body = &bytes[end + 4..end + 4 + length];
        let _: serde_json::Value = serde_json::from_slice(body).expect("JSON body");
        bytes = &bytes[end + 4 + length..];
    }
}
