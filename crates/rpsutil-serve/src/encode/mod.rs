//! The two exposition formats a scrape can ask for: Prometheus text 0.0.4 (what
//! node_exporter serves) and OpenMetrics 1.0.0, chosen by the request's `Accept`
//! header ([`negotiate`]).
//!
//! Both writers share the same plan of the input ([`plan`]): families without
//! samples are left out, families of the same name are written under one header,
//! families are sorted by name (as client_golang's registry does, so our output
//! diffs cleanly against node_exporter's), and a family or sample whose name or
//! label names could not be parsed back is skipped rather than written broken.

mod negotiate;
mod number;
mod openmetrics;
mod text;

pub use negotiate::negotiate;
pub(crate) use negotiate::parse_q;

use crate::model::{Family, MetricType, Sample};

/// An exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4 (node_exporter's only format).
    Text004,
    /// OpenMetrics 1.0.0 text.
    OpenMetrics100,
}

impl Format {
    /// The `Content-Type` header value of a body in this format.
    ///
    /// ```
    /// use rpsutil_serve::encode::Format;
    /// assert_eq!(Format::Text004.content_type(), "text/plain; version=0.0.4; charset=utf-8");
    /// ```
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Text004 => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics100 => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Appends the exposition of `families` in `format` to `out`.
///
/// Never fails and never panics: names that do not match
/// `[a-zA-Z_:][a-zA-Z0-9_:]*` (families) or `[a-zA-Z_][a-zA-Z0-9_]*` (labels) are
/// skipped with their samples; help text and label values may hold any character
/// (escaped as each format requires).
///
/// ```
/// use rpsutil_serve::encode::{encode, Format};
/// use rpsutil_serve::model::{Family, MetricType};
/// let load = Family::new("node_load1", "1m load average.", MetricType::Gauge).with(&[], 0.5);
/// let mut out = Vec::new();
/// encode(&[load], Format::Text004, &mut out);
/// assert_eq!(
///     String::from_utf8(out).unwrap(),
///     "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.5\n"
/// );
/// ```
pub fn encode(families: &[Family], format: Format, out: &mut Vec<u8>) {
    let groups = plan(families);
    match format {
        Format::Text004 => text::write(&groups, out),
        Format::OpenMetrics100 => openmetrics::write(&groups, out),
    }
}

/// The families of one name, to be written under one `# HELP`/`# TYPE` header.
pub(crate) struct Group<'a> {
    pub name: &'a str,
    pub help: &'a str,
    pub kind: MetricType,
    pub parts: Vec<&'a Family>,
}

impl<'a> Group<'a> {
    /// The samples to write, in input order, without those with bad label names.
    pub fn samples(&self) -> impl Iterator<Item = &'a Sample> + '_ {
        self.parts
            .iter()
            .flat_map(|f| f.samples.iter())
            .filter(|s| labels_ok(s))
    }
}

/// Groups the writable families by name, sorted by name; a family whose type
/// differs from the first of its name is dropped (the exposition could not say both).
fn plan(families: &[Family]) -> Vec<Group<'_>> {
    let mut order: Vec<&Family> = families
        .iter()
        .filter(|f| is_metric_name(&f.name) && f.samples.iter().any(labels_ok))
        .collect();
    // Stable: samples of same-named families keep their input order.
    order.sort_by(|a, b| a.name.cmp(&b.name));
    let mut groups: Vec<Group<'_>> = Vec::new();
    for f in order {
        match groups.last_mut() {
            Some(g) if g.name == f.name => {
                if g.kind == f.kind {
                    g.parts.push(f);
                }
            }
            _ => groups.push(Group {
                name: &f.name,
                help: &f.help,
                kind: f.kind,
                parts: vec![f],
            }),
        }
    }
    groups
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`, and not reserved (`__` prefix) for Prometheus.
fn is_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with("__")
}

/// Every label name valid and none repeated (Prometheus rejects both).
fn labels_ok(s: &Sample) -> bool {
    s.labels.iter().enumerate().all(|(i, (k, _))| {
        is_label_name(k) && s.labels[..i].iter().all(|(earlier, _)| earlier != k)
    })
}

/// Appends `s` with `\` → `\\`, newline → `\n`, and, when `quote`, `"` → `\"`.
pub(crate) fn write_escaped(out: &mut Vec<u8>, s: &str, quote: bool) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' if quote => out.extend_from_slice(b"\\\""),
            _ => out.push(b),
        }
    }
}

/// Appends `{a="x",b="y"}` (nothing when there are no labels).
pub(crate) fn write_labels(out: &mut Vec<u8>, s: &Sample) {
    if s.labels.is_empty() {
        return;
    }
    out.push(b'{');
    for (i, (k, v)) in s.labels.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"=\"");
        write_escaped(out, v, true);
        out.push(b'"');
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests;
