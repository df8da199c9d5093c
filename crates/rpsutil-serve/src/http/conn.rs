//! One connection: read request heads within their deadline and size limit, answer
//! each, keep the connection while the client wants it and sends no body.
//!
//! Timeouts follow Go's server: the head of the first request must arrive within
//! `header_timeout` of the accept, and a later one within `header_timeout` of its
//! first byte, after at most `idle_timeout` of silence. A client sending a byte a
//! second is cut off at the deadline; it only ever holds its own thread.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use super::handler;
use super::request::{self, HeadError};
use super::response::Response;
use super::web_state::Active;
use super::Shared;

/// A byte stream the connection loop can read with a deadline.
pub(crate) trait Transport: Read + Write {
    fn tcp(&self) -> &TcpStream;
    /// Ends the stream politely (TLS: `close_notify`).
    fn finish(&mut self) {}
}

impl Transport for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

#[cfg(target_os = "linux")]
impl Transport for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
    fn finish(&mut self) {
        self.conn.send_close_notify();
        let _ = self.flush();
    }
}

/// Serves one accepted connection until it closes, fails or times out.
pub(crate) fn serve(stream: &mut dyn Transport, shared: &Shared, accepted: Instant) {
    let opts = &shared.opts;
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut deadline = accepted + opts.header_timeout;
    loop {
        let head_len = match read_head(stream, &mut buf, deadline, opts.max_head_bytes) {
            Ok(Some(n)) => n,
            Ok(None) => {
                send(
                    stream,
                    Response::text(431, "Request Header Fields Too Large").closing(),
                    false,
                    false,
                    shared.web.current().ok().as_deref(),
                );
                return linger(stream);
            }
            // Closed, timed out, or reset: nothing to answer.
            Err(_) => return,
        };
        let parsed = request::parse(&buf[..head_len]);
        buf.drain(..head_len);
        let req = match parsed {
            Ok(r) => r,
            Err(e) => {
                let r = match e {
                    HeadError::Version => Response::text(505, "HTTP Version Not Supported"),
                    HeadError::Malformed(why) => Response::text(400, format!("Bad Request: {why}")),
                };
                send(
                    stream,
                    r.closing(),
                    false,
                    false,
                    shared.web.current().ok().as_deref(),
                );
                return linger(stream);
            }
        };
        // One config for the whole exchange, even if the file changes meanwhile.
        let web = shared.web.current().ok();
        let mut response = match req.has_body() {
            Err(HeadError::Malformed(why)) => Response::text(400, format!("Bad Request: {why}")),
            Err(HeadError::Version) => Response::text(505, "HTTP Version Not Supported"),
            Ok(has_body) => {
                let mut r = handler::respond(shared, web.as_deref(), &req);
                // The body is never read: after the answer the connection goes.
                r.close |= has_body;
                r
            }
        };
        response.close |= !req.keep_alive() || response.status == 400;
        let keep_alive_1_0 = req.minor == 0 && !response.close;
        let close = response.close;
        let head_only = req.method == "HEAD";
        if !send(stream, response, head_only, keep_alive_1_0, web.as_deref()) {
            return;
        }
        if close {
            return linger(stream);
        }
        // Wait for the next request's first byte (it may be in `buf` already).
        if buf.is_empty() && wait_readable(stream, &mut buf, opts.idle_timeout).is_err() {
            return;
        }
        deadline = Instant::now() + opts.header_timeout;
    }
}

/// Writes a response; false if the client is gone.
fn send(
    stream: &mut dyn Transport,
    response: Response,
    head_only: bool,
    keep_alive_1_0: bool,
    web: Option<&Active>,
) -> bool {
    let headers = web.map(|w| w.headers.as_slice()).unwrap_or_default();
    let bytes = response.serialize(head_only, keep_alive_1_0, headers);
    stream
        .write_all(&bytes)
        .and_then(|()| stream.flush())
        .is_ok()
}

/// Reads until `buf` holds a whole head; `Ok(None)` if it would exceed `max`.
fn read_head(
    stream: &mut dyn Transport,
    buf: &mut Vec<u8>,
    deadline: Instant,
    max: usize,
) -> io::Result<Option<usize>> {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(n) = request::head_len(buf) {
            return Ok((n <= max).then_some(n));
        }
        if buf.len() >= max {
            return Ok(None);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        stream.tcp().set_read_timeout(Some(left))?;
        let want = chunk.len().min(max + 4 - buf.len());
        let n = stream.read(&mut chunk[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Waits up to `idle` for the next request's first bytes.
fn wait_readable(stream: &mut dyn Transport, buf: &mut Vec<u8>, idle: Duration) -> io::Result<()> {
    stream
        .tcp()
        .set_read_timeout(Some(idle.max(Duration::from_millis(1))))?;
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk)?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

/// Closes after an error answer without losing it: stop writing, then read and drop
/// what the client is still sending for a short while (closing a socket with
/// unread data resets it, and the client might never see the answer).
fn linger(stream: &mut dyn Transport) {
    stream.finish();
    let tcp = stream.tcp();
    let _ = tcp.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_millis(500);
    let mut sink = [0u8; 8192];
    let mut budget = 1usize << 20;
    let mut tcp_ref = tcp;
    while budget > 0 {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || tcp_ref.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match tcp_ref.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => budget = budget.saturating_sub(n),
        }
    }
}
