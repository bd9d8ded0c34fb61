//! A guard in front of the protocol framework: it reads `Content-Length`
//! frames from the editor and passes on only well-formed JSON-RPC messages.
//!
//! tower-lsp-server stops serving after one undecodable frame (bad header,
//! bad JSON); a language server that dies on one bad byte makes the editor
//! restart it and lose its state. Malformed frames are logged and skipped.
//!
//! Logged to stderr and as `window/logMessage` (a warning), never answered:
//! JSON-RPC answers a message it cannot parse with a parse error whose id is
//! `null`, but such a response matches no request, and Neovim's client
//! asserts that every response id is a number.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower_lsp_server::ls_types::MessageType;
use tower_lsp_server::Client;

/// Frames larger than this are treated as malformed (and skipped).
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// Copies valid frames from `input` to `output` until `input` ends; tells
/// `client` about the frames it skips.
pub async fn forward_valid_frames<R, W>(mut input: R, mut output: W, client: Client)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buffer: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        loop {
            match next_frame(&mut buffer) {
                Frame::Complete(body) => {
                    let header = format!("Content-Length: {}\r\n\r\n", body.len());
                    if output.write_all(header.as_bytes()).await.is_err()
                        || output.write_all(&body).await.is_err()
                        || output.flush().await.is_err()
                    {
                        return;
                    }
                }
                Frame::Malformed(reason) => {
                    let message = format!("distlint: skipped a malformed message: {reason}");
                    eprintln!("{message}");
                    client.log_message(MessageType::WARNING, message).await;
                }
                Frame::Incomplete => break,
            }
        }
        match input.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

#[derive(Debug, PartialEq)]
enum Frame {
    Complete(Vec<u8>),
    Malformed(String),
    Incomplete,
}

/// Takes the next frame off the front of `buffer`.
fn next_frame(buffer: &mut Vec<u8>) -> Frame {
    let Some(header_end) = find(buffer, b"\r\n\r\n") else {
        if buffer.len() > 8 * 1024 {
            // No header end in sight: garbage. Resynchronise on the next header.
            let skip = find(&buffer[1..], b"Content-Length").map_or(buffer.len(), |i| i + 1);
            buffer.drain(..skip);
            return Frame::Malformed("a header without an end".to_string());
        }
        return Frame::Incomplete;
    };
    let header = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let length = header.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    });
    let Some(length) = length.filter(|l| *l <= MAX_FRAME_BYTES) else {
        // Bytes in front of a header (the tail of a body whose Content-Length
        // was too short, or of a frame whose header an overlong one ate):
        // drop them alone, so that the whole frame after them is served.
        if let Some(at) = buffer
            .get(1..header_end)
            .and_then(|header| find(header, b"Content-Length"))
        {
            buffer.drain(..at + 1);
            return Frame::Malformed("stray bytes before a header".to_string());
        }
        // Drop the header, and anything up to the next one.
        let rest = header_end + 4;
        let skip = find(&buffer[rest..], b"Content-Length").map_or(buffer.len(), |i| rest + i);
        buffer.drain(..skip);
        return Frame::Malformed(format!("bad header {header:?}"));
    };
    let body_start = header_end + 4;
    if buffer.len() < body_start + length {
        return Frame::Incomplete;
    }
    let body: Vec<u8> = buffer[body_start..body_start + length].to_vec();
    buffer.drain(..body_start + length);
    match validate(&body) {
        Ok(()) => Frame::Complete(body),
        Err(reason) => Frame::Malformed(reason),
    }
}

/// A JSON-RPC 2.0 request, notification or response.
fn validate(body: &[u8]) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|err| format!("not JSON ({err})"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    if object.get("jsonrpc").and_then(|v| v.as_str()) != Some("2.0") {
        return Err("no \"jsonrpc\": \"2.0\"".to_string());
    }
    let is_request = object.get("method").is_some_and(|m| m.is_string());
    let is_response = object.contains_key("id")
        && (object.contains_key("result") || object.contains_key("error"));
    if !(is_request || is_response) {
        return Err("neither a request nor a response".to_string());
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    #[test]
    fn passes_good_frames_and_skips_bad_ones() {
        let good = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut buffer = Vec::new();
        buffer.extend(frame("{not json"));
        buffer.extend(b"Content-Length: nope\r\n\r\n{}");
        buffer.extend(frame(r#"{"id":2}"#));
        buffer.extend(frame(good));
        let mut frames = Vec::new();
        loop {
            match next_frame(&mut buffer) {
                Frame::Incomplete => break,
                other => frames.push(other),
            }
        }
        assert!(matches!(frames[0], Frame::Malformed(_)));
        assert!(matches!(frames[1], Frame::Malformed(_)));
        assert!(matches!(frames[2], Frame::Malformed(_)));
        assert_eq!(frames[3], Frame::Complete(good.as_bytes().to_vec()));
        assert_eq!(frames.len(), 4);
    }

    #[test]
    fn waits_for_the_rest_of_a_frame() {
        let mut buffer = frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#);
        let tail = buffer.split_off(30);
        assert_eq!(next_frame(&mut buffer), Frame::Incomplete);
        buffer.extend(tail);
        assert!(matches!(next_frame(&mut buffer), Frame::Complete(_)));
    }

    #[test]
    fn stray_bytes_before_a_header_cost_no_frame() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        // The tail of a body cut short by a Content-Length too small.
        let mut buffer = br#"d":1,"method":"x"}"#.to_vec();
        buffer.extend(frame(good));
        assert!(matches!(next_frame(&mut buffer), Frame::Malformed(_)));
        assert_eq!(
            next_frame(&mut buffer),
            Frame::Complete(good.as_bytes().to_vec())
        );
    }

    #[test]
    fn oversized_frames_are_dropped() {
        let mut buffer = format!("Content-Length: {}\r\n\r\n", MAX_FRAME_BYTES + 1).into_bytes();
        buffer.extend(frame(r#"{"jsonrpc":"2.0","method":"exit"}"#));
        assert!(matches!(next_frame(&mut buffer), Frame::Malformed(_)));
        assert!(matches!(next_frame(&mut buffer), Frame::Complete(_)));
    }
}
