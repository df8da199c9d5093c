//! What each request gets: the web config in force, authentication, then the landing page, the metrics, or
//! an error.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::exporter_metrics;
use super::query;
use super::request::Request;
use super::response::Response;
use super::web_state::Active;
use super::Shared;
use crate::encode::{self, Format};

/// The response to `req` (the connection layer adds `Connection`, `Date`, and
/// drops the body for HEAD).
pub(crate) fn respond(shared: &Shared, web: Option<&Active>, req: &Request) -> Response {
    // No config in force: the file no longer loads (exporter-toolkit answers 500).
    let Some(web) = web else {
        return Response::text(500, "Internal Server Error");
    };
    if let Some(auth) = &web.auth {
        if !auth.allows(req.header("authorization")) {
            return Response::text(401, "Unauthorized").with("WWW-Authenticate", "Basic");
        }
    }
    let (raw_path, raw_query) = query::split_target(&req.target);
    let Some(path) = query::decode(raw_path, false) else {
        return Response::text(400, "bad percent-encoding in the path");
    };
    let telemetry = path == shared.opts.telemetry_path;
    if !telemetry && path != "/" {
        return Response::text(404, "404 page not found");
    }
    if req.method != "GET" && req.method != "HEAD" {
        return Response::text(405, "Method Not Allowed").with("Allow", "GET, HEAD");
    }
    if telemetry {
        let response = metrics(shared, req, raw_query);
        shared.counters.finished(response.status);
        response
    } else {
        landing_page(&shared.opts.telemetry_path)
    }
}

/// A scrape: gather (within the `max_requests` limit), encode, maybe gzip.
fn metrics(shared: &Shared, req: &Request, raw_query: &str) -> Response {
    let Some(pairs) = query::pairs(raw_query) else {
        return Response::text(400, "bad percent-encoding in the query");
    };
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    let mut forced = None;
    for (k, v) in pairs {
        match k.as_str() {
            "collect[]" => include.push(v),
            "exclude[]" => exclude.push(v),
            "format" => {
                forced = Some(match v.as_str() {
                    "text" => Format::Text004,
                    "openmetrics" => Format::OpenMetrics100,
                    _ => {
                        return Response::text(
                            400,
                            format!("unknown format {v:?} (text or openmetrics)"),
                        )
                    }
                })
            }
            _ => {}
        }
    }
    let max = shared.opts.max_requests;
    let Some(_slot) = Slot::take(&shared.in_flight, max) else {
        return Response::text(
            503,
            format!("Limit of concurrent requests reached ({max}), try again later."),
        );
    };
    // A collector that panics costs this scrape, not the server.
    let gathered = catch_unwind(AssertUnwindSafe(|| {
        shared.source.gather(&include, &exclude)
    }));
    let mut families = match gathered {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return Response::text(400, e.to_string()),
        Err(_) => {
            shared.counters.gathering_failed();
            return Response::text(500, "a collector failed; see the server's log");
        }
    };
    if shared.opts.exporter_metrics {
        if let Some(me) = &shared.me {
            families.extend(exporter_metrics::own_process_families(me));
        }
        families.extend(
            shared
                .counters
                .families(shared.in_flight.load(Ordering::Acquire)),
        );
    }
    let format = forced.unwrap_or_else(|| encode::negotiate(req.header("accept")));
    let mut body = Vec::with_capacity(64 * 1024);
    encode::encode(&families, format, &mut body);
    drop(families);
    let mut response = Response {
        status: 200,
        headers: vec![
            ("Content-Type", format.content_type().into()),
            ("Vary", "Accept, Accept-Encoding".into()),
        ],
        body,
        close: false,
    };
    if accepts_gzip(req.header("accept-encoding")) {
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(response.body.len() / 4),
            // The fastest level: an exposition is repetitive text that level 1
            // already shrinks about 6x; the default level costs twice the CPU per
            // scrape for a few percent fewer bytes.
            flate2::Compression::fast(),
        );
        // Writing into a Vec cannot fail; if it somehow did, send it uncompressed.
        if let Ok(compressed) = gz.write_all(&response.body).and_then(|()| gz.finish()) {
            response.body = compressed;
            response.headers.push(("Content-Encoding", "gzip".into()));
        }
    }
    response
}

/// One of the `max` concurrent scrapes (0: unlimited), given back on drop (also
/// when a collector panics).
struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    fn take(counter: &'a AtomicUsize, max: usize) -> Option<Slot<'a>> {
        let before = counter.fetch_add(1, Ordering::AcqRel);
        let slot = Slot(counter);
        (max == 0 || before < max).then_some(slot)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// `Accept-Encoding` allows gzip (`gzip`, `x-gzip` or `*` with q > 0; an explicit
/// `gzip;q=0` refuses it).
fn accepts_gzip(header: Option<&str>) -> bool {
    let Some(header) = header else {
        return false;
    };
    let mut gzip = None;
    let mut any = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let mut q = Some(1000);
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = encode::parse_q(v.trim());
                }
            }
        }
        let q = q.unwrap_or(0);
        match coding.as_str() {
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    gzip.or(any).is_some_and(|q| q > 0)
}

/// node_exporter-style landing page: a title and a link to the metrics.
fn landing_page(telemetry_path: &str) -> Response {
    let mut href = String::new();
    for c in telemetry_path.chars() {
        match c {
            '&' => href.push_str("&amp;"),
            '<' => href.push_str("&lt;"),
            '>' => href.push_str("&gt;"),
            '"' => href.push_str("&quot;"),
            '\'' => href.push_str("&#39;"),
            c => href.push(c),
        }
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>rpsutil exporter</title>\n</head>\n<body>\n<h1>rpsutil exporter</h1>\n\
         <p>System and process metrics for Prometheus, in the names of node_exporter \
         and process-exporter.</p>\n<ul>\n<li><a href=\"{href}\">Metrics</a></li>\n</ul>\n\
         </body>\n</html>\n"
    );
    Response {
        status: 200,
        headers: vec![("Content-Type", "text/html; charset=utf-8".into())],
        body: html.into_bytes(),
        close: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_acceptance_follows_q_values() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("*")));
        assert!(accepts_gzip(Some("x-gzip")));
        assert!(!accepts_gzip(None));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("gzip;q=bogus")));
    }

    #[test]
    fn slots_are_limited_and_given_back() {
        let n = AtomicUsize::new(0);
        let a = Slot::take(&n, 2).unwrap();
        let b = Slot::take(&n, 2).unwrap();
        assert!(Slot::take(&n, 2).is_none());
        assert_eq!(n.load(Ordering::Relaxed), 2);
        drop(a);
        let c = Slot::take(&n, 2).unwrap();
        drop((b, c));
        assert_eq!(n.load(Ordering::Relaxed), 0);
        let many: Vec<_> = (0..100).filter_map(|_| Slot::take(&n, 0)).collect();
        assert_eq!(many.len(), 100);
    }

    #[test]
    fn landing_page_links_to_the_escaped_path() {
        let r = landing_page("/m\"<x>");
        let html = String::from_utf8(r.body).unwrap();
        assert!(
            html.contains("<a href=\"/m&quot;&lt;x&gt;\">Metrics</a>"),
            "{html}"
        );
    }
}
