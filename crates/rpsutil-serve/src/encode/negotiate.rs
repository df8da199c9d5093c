//! `Accept` header negotiation between text 0.0.4 and OpenMetrics 1.0.0.

use super::Format;

/// The format to answer a request with `Accept: accept` (RFC 9110 §12.5.1).
///
/// OpenMetrics 1.0.0 is chosen only when the header rates
/// `application/openmetrics-text` (with `version=1.0.0` or no version) above every
/// range that text 0.0.4 matches (`text/plain` with version 0.0.4 or none,
/// `text/*`, `*/*`); at equal weight the more specific range wins, then the one
/// listed first. Anything else (no header, a malformed one, other versions only)
/// gives text 0.0.4, as client_golang falls back to it.
///
/// ```
/// use rpsutil_serve::encode::{negotiate, Format};
/// let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
///     version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
/// assert_eq!(negotiate(Some(prometheus)), Format::OpenMetrics100);
/// assert_eq!(negotiate(Some("text/plain")), Format::Text004);
/// assert_eq!(negotiate(None), Format::Text004);
/// ```
pub fn negotiate(accept: Option<&str>) -> Format {
    let Some(accept) = accept else {
        return Format::Text004;
    };
    // Best (q, specificity, -position) seen for each format.
    let mut best_om: Option<(u32, u8, isize)> = None;
    let mut best_text: Option<(u32, u8, isize)> = None;
    for (pos, range) in accept.split(',').enumerate() {
        let Some(r) = Range::parse(range) else {
            continue;
        };
        if r.q == 0 {
            continue;
        }
        let rank = (r.q, r.specificity(), -(pos as isize));
        let (ty, sub) = (r.ty.as_str(), r.subtype.as_str());
        let version = r.version.as_deref();
        let om = ty == "application"
            && sub == "openmetrics-text"
            && matches!(version, None | Some("1.0.0"));
        let text = match (ty, sub) {
            ("text", "plain") => matches!(version, None | Some("0.0.4")),
            ("text", "*") | ("*", "*") => true,
            _ => false,
        };
        if om && best_om.is_none_or(|b| rank > b) {
            best_om = Some(rank);
        }
        if text && best_text.is_none_or(|b| rank > b) {
            best_text = Some(rank);
        }
    }
    match (best_om, best_text) {
        (Some(om), Some(text)) if om > text => Format::OpenMetrics100,
        (Some(_), None) => Format::OpenMetrics100,
        _ => Format::Text004,
    }
}

/// One media range of an `Accept` header.
struct Range {
    ty: String,
    subtype: String,
    version: Option<String>,
    /// The weight in thousandths (q=0.5 → 500), as RFC 9110 allows 3 decimals.
    q: u32,
}

impl Range {
    fn parse(s: &str) -> Option<Range> {
        let mut parts = s.split(';');
        let (ty, subtype) = parts.next()?.trim().split_once('/')?;
        let (ty, subtype) = (ty.trim(), subtype.trim());
        if ty.is_empty() || subtype.is_empty() || (ty == "*" && subtype != "*") {
            return None;
        }
        let mut range = Range {
            ty: ty.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            version: None,
            q: 1000,
        };
        for param in parts {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "q" => range.q = parse_q(v)?,
                "version" => range.version = Some(v.to_owned()),
                _ => {}
            }
        }
        Some(range)
    }

    /// `*/*` < `type/*` < `type/subtype` < with a version.
    fn specificity(&self) -> u8 {
        match (self.ty.as_str(), self.subtype.as_str()) {
            ("*", _) => 0,
            (_, "*") => 1,
            _ if self.version.is_some() => 3,
            _ => 2,
        }
    }
}

/// `0`, `0.5`, `1`, `1.000` → thousandths; anything else is malformed.
pub(crate) fn parse_q(v: &str) -> Option<u32> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths = match int {
        "0" => 0,
        "1" => 1000,
        _ => return None,
    };
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u32::from(b - b'0') * [100, 10, 1][i];
    }
    (thousandths <= 1000).then_some(thousandths)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMETHEUS_2: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    #[test]
    fn prometheus_scrape_header_gets_openmetrics() {
        assert_eq!(negotiate(Some(PROMETHEUS_2)), Format::OpenMetrics100);
        assert_eq!(
            negotiate(Some(
                "application/openmetrics-text; q=0.9, text/plain; q=0.5"
            )),
            Format::OpenMetrics100
        );
        assert_eq!(
            negotiate(Some("Application/OpenMetrics-Text; version=\"1.0.0\"")),
            Format::OpenMetrics100
        );
    }

    #[test]
    fn text_wins_when_preferred_equal_or_openmetrics_unusable() {
        assert_eq!(negotiate(None), Format::Text004);
        assert_eq!(negotiate(Some("")), Format::Text004);
        assert_eq!(negotiate(Some("*/*")), Format::Text004);
        assert_eq!(negotiate(Some("text/plain")), Format::Text004);
        assert_eq!(negotiate(Some("application/json")), Format::Text004);
        // Only an OpenMetrics version we do not write.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;version=0.0.1")),
            Format::Text004
        );
        // Text rated higher.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0.4,text/plain;q=0.5")),
            Format::Text004
        );
        // Refused outright.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=0,*/*")),
            Format::Text004
        );
        // Equal weight and specificity: the one listed first.
        assert_eq!(
            negotiate(Some("text/plain, application/openmetrics-text")),
            Format::Text004
        );
        assert_eq!(
            negotiate(Some("application/openmetrics-text, text/plain")),
            Format::OpenMetrics100
        );
        // A malformed q makes its range count for nothing.
        assert_eq!(
            negotiate(Some("application/openmetrics-text;q=2")),
            Format::Text004
        );
    }

    #[test]
    fn specific_range_beats_wildcard_at_equal_weight() {
        assert_eq!(
            negotiate(Some("*/*, application/openmetrics-text")),
            Format::OpenMetrics100
        );
    }

    #[test]
    fn q_values_parse_to_thousandths() {
        assert_eq!(parse_q("0"), Some(0));
        assert_eq!(parse_q("0.5"), Some(500));
        assert_eq!(parse_q("0.125"), Some(125));
        assert_eq!(parse_q("1.000"), Some(1000));
        assert_eq!(parse_q("1.5"), None);
        assert_eq!(parse_q("0.1234"), None);
        assert_eq!(parse_q("x"), None);
    }
}
