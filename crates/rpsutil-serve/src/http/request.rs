//! The request head parser: request line and header fields (RFC 9112 §2-5), over
//! bytes from anyone, so every malformed input is an `Err`, never a panic.

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub method: String,
    /// The request target as sent (origin form `/path?query` normally).
    pub target: String,
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    pub minor: u8,
    pub headers: Vec<(String, String)>,
}

/// Why a head was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// Not HTTP/1.x syntax (400).
    Malformed(&'static str),
    /// HTTP, but a major version other than 1 (505).
    Version,
}

/// The length of the head at the start of `buf` (through the empty line), if it
/// is all there. Bare LF line ends are accepted, as by most servers.
pub(crate) fn head_len(buf: &[u8]) -> Option<usize> {
    let start = leading_blank_lines(buf);
    let mut i = start;
    while let Some(pos) = buf[i..].iter().position(|&b| b == b'\n') {
        let nl = i + pos;
        let rest = &buf[nl + 1..];
        if rest.starts_with(b"\n") {
            return Some(nl + 2);
        }
        if rest.starts_with(b"\r\n") {
            return Some(nl + 3);
        }
        i = nl + 1;
    }
    None
}

/// Empty lines before a request line are skipped (RFC 9112 §2.2): some clients
/// send a stray CRLF after a body.
fn leading_blank_lines(buf: &[u8]) -> usize {
    let mut i = 0;
    loop {
        if buf[i..].starts_with(b"\r\n") {
            i += 2;
        } else if buf[i..].starts_with(b"\n") {
            i += 1;
        } else {
            return i;
        }
    }
}

/// Parses a whole head (as delimited by [`head_len`]).
pub(crate) fn parse(head: &[u8]) -> Result<Request, HeadError> {
    let head = &head[leading_blank_lines(head)..];
    let text = std::str::from_utf8(head).map_err(|_| HeadError::Malformed("not UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().ok_or(HeadError::Malformed("empty"))?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed("bad request line"));
    };
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(HeadError::Malformed("bad method"));
    }
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(HeadError::Malformed("bad request target"));
    }
    let minor = match version {
        "HTTP/1.1" => 1,
        "HTTP/1.0" => 0,
        v if is_http_version(v) => return Err(HeadError::Version),
        _ => return Err(HeadError::Malformed("bad HTTP version")),
    };
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        // Line folding (obsolete) and whitespace before the colon are refused,
        // as RFC 9112 §5.1-5.2 require of servers.
        let (name, value) = line
            .split_once(':')
            .ok_or(HeadError::Malformed("header without colon"))?;
        if name.is_empty() || !name.bytes().all(is_tchar) {
            return Err(HeadError::Malformed("bad header name"));
        }
        let value = value.trim_matches([' ', '\t']);
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(HeadError::Malformed("control character in header"));
        }
        headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(Request {
        method: method.to_owned(),
        target: target.to_owned(),
        minor,
        headers,
    })
}

fn is_http_version(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 8
        && v.starts_with("HTTP/")
        && b[5].is_ascii_digit()
        && b[6] == b'.'
        && b[7].is_ascii_digit()
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl Request {
    /// The first value of a header (names are case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client wants the connection kept after this exchange.
    pub(crate) fn keep_alive(&self) -> bool {
        let has = |token: &str| {
            self.headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("connection"))
                .flat_map(|(_, v)| v.split(','))
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.minor == 0 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }

    /// Whether a body follows the head. `Err` for conflicting or bad lengths.
    /// Bodies are never read: the connection is closed after the answer instead.
    pub(crate) fn has_body(&self) -> Result<bool, HeadError> {
        if self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
        {
            return Ok(true);
        }
        let mut length: Option<u64> = None;
        for (_, v) in self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        {
            for part in v.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(HeadError::Malformed("bad Content-Length"));
                }
                let n: u64 = part
                    .parse()
                    .map_err(|_| HeadError::Malformed("bad Content-Length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(HeadError::Malformed("conflicting Content-Length"));
                }
                length = Some(n);
            }
        }
        Ok(length.unwrap_or(0) > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_a_prometheus_scrape() {
        let raw = b"GET /metrics?collect[]=cpu HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nUser-Agent: Prometheus/2.42.0\r\nAccept: text/plain;version=0.0.4\r\nAccept-Encoding: gzip\r\n\r\nNEXT";
        let n = head_len(raw).unwrap();
        assert_eq!(&raw[n..], b"NEXT");
        let r = parse(&raw[..n]).unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/metrics?collect[]=cpu");
        assert_eq!(r.minor, 1);
        assert_eq!(r.header("accept-encoding"), Some("gzip"));
        assert_eq!(r.header("HOST"), Some("127.0.0.1:9100"));
        assert!(r.keep_alive());
        assert_eq!(r.has_body(), Ok(false));
    }

    #[test]
    fn head_end_with_bare_lf_and_leading_blank_lines() {
        assert_eq!(head_len(b"GET / HTTP/1.0\n\n"), Some(16));
        assert_eq!(head_len(b"\r\nGET / HTTP/1.0\r\n\r\n"), Some(20));
        assert_eq!(head_len(b"GET / HTTP/1.0\r\nA: b\r\n"), None);
        assert_eq!(head_len(b""), None);
        assert_eq!(head_len(b"\r\n\r\n"), None);
        let r = parse(b"\r\nGET / HTTP/1.0\r\n\r\n").unwrap();
        assert_eq!((r.method.as_str(), r.minor), ("GET", 0));
        assert!(!r.keep_alive());
    }

    #[test]
    fn keep_alive_rules_per_version() {
        let r = parse(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert!(r.keep_alive());
        let r = parse(b"GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n").unwrap();
        assert!(!r.keep_alive());
    }

    #[test]
    fn bodies_are_detected_and_bad_lengths_refused() {
        let body = |h: &str| {
            parse(format!("POST / HTTP/1.1\r\n{h}\r\n\r\n").as_bytes())
                .unwrap()
                .has_body()
        };
        assert_eq!(body("Content-Length: 5"), Ok(true));
        assert_eq!(body("Content-Length: 0"), Ok(false));
        assert_eq!(body("Transfer-Encoding: chunked"), Ok(true));
        assert!(body("Content-Length: -1").is_err());
        assert!(body("Content-Length: 5\r\nContent-Length: 6").is_err());
        assert!(body("Content-Length: 99999999999999999999999").is_err());
    }

    #[test]
    fn malformed_heads_are_refused() {
        for raw in [
            &b"GET /\r\n\r\n"[..],
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 x\r\n\r\n",
            b"GET / FTP/1.1\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: x\x01y\r\n\r\n",
            b"GET /\xff HTTP/1.1\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
        ] {
            assert!(
                matches!(parse(raw), Err(HeadError::Malformed(_))),
                "{raw:?}"
            );
        }
        assert_eq!(parse(b"GET / HTTP/2.0\r\n\r\n"), Err(HeadError::Version));
        assert_eq!(parse(b"PRI * HTTP/2.0\r\n\r\n"), Err(HeadError::Version));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Some(n) = head_len(&bytes) {
                prop_assert!(n <= bytes.len());
                if let Ok(r) = parse(&bytes[..n]) {
                    let _ = (r.keep_alive(), r.has_body(), r.header("host"));
                }
            }
            let _ = parse(&bytes);
        }

        #[test]
        fn mutated_requests_never_panic(
            prefix in "[A-Z]{1,7} /[ -~]{0,20} HTTP/1\\.[01]\r\n",
            headers in proptest::collection::vec("[ -~\t\r\n]{0,30}", 0..6),
        ) {
            let raw = format!("{prefix}{}\r\n\r\n", headers.join("\r\n"));
            if let Some(n) = head_len(raw.as_bytes()) {
                if let Ok(r) = parse(&raw.as_bytes()[..n]) {
                    prop_assert!(r.minor <= 1);
                    let _ = (r.keep_alive(), r.has_body());
                }
            }
        }
    }
}
