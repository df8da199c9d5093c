//! Responses and their serialisation (status line, headers, body).

use std::time::{SystemTime, UNIX_EPOCH};

/// A response to write.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Close the connection after this response.
    pub close: bool,
}

impl Response {
    /// A plain-text response, as Go's `http.Error` writes it.
    pub(crate) fn text(status: u16, body: impl Into<String>) -> Response {
        let mut body = body.into().into_bytes();
        if !body.ends_with(b"\n") {
            body.push(b'\n');
        }
        Response {
            status,
            headers: vec![
                ("Content-Type", "text/plain; charset=utf-8".into()),
                ("X-Content-Type-Options", "nosniff".into()),
            ],
            body,
            close: false,
        }
    }

    /// `self` with a header added (builder style).
    pub(crate) fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// `self`, closing the connection afterwards.
    pub(crate) fn closing(mut self) -> Response {
        self.close = true;
        self
    }

    /// The head, and the body unless `head_only` (an answer to HEAD). `extra` are
    /// headers every response carries (the web config's).
    pub(crate) fn serialize(
        &self,
        head_only: bool,
        keep_alive_1_0: bool,
        extra: &[(String, String)],
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + if head_only { 0 } else { self.body.len() });
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(self.status.to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(reason(self.status).as_bytes());
        out.extend_from_slice(b"\r\nDate: ");
        out.extend_from_slice(http_date(SystemTime::now()).as_bytes());
        out.extend_from_slice(b"\r\nContent-Length: ");
        out.extend_from_slice(self.body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        let headers = self
            .headers
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (k, v) in headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if self.close {
            out.extend_from_slice(b"Connection: close\r\n");
        } else if keep_alive_1_0 {
            out.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if !head_only {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn http_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(m - 1) as usize % 12],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31), the proleptic Gregorian
/// calendar by the era arithmetic of Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn http_dates() {
        let at = |s| http_date(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(at(1_798_761_599), "Thu, 31 Dec 2026 23:59:59 GMT");
    }

    #[test]
    fn serialization_has_length_and_omits_body_for_head() {
        let r = Response::text(404, "404 page not found").closing();
        let full = String::from_utf8(r.serialize(false, false, &[])).unwrap();
        assert!(
            full.starts_with("HTTP/1.1 404 Not Found\r\nDate: "),
            "{full}"
        );
        assert!(full.contains("\r\nContent-Length: 19\r\n"), "{full}");
        assert!(
            full.contains("\r\nConnection: close\r\n\r\n404 page not found\n"),
            "{full}"
        );
        let head = String::from_utf8(r.serialize(
            true,
            false,
            &[("X-Frame-Options".into(), "deny".into())],
        ))
        .unwrap();
        assert!(
            head.ends_with("X-Frame-Options: deny\r\nConnection: close\r\n\r\n"),
            "{head}"
        );
        assert!(head.contains("Content-Length: 19\r\n"));
    }
}
