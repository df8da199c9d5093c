//! OpenMetrics 1.0.0 text (`docs/specs/om/open_metrics_spec.md`).
//!
//! A counter family is named without `_total` and its samples with it, whatever
//! the input name had; no `_created` samples are written (Prometheus 2.x would make
//! them series of their own). The exposition ends with `# EOF`.

use std::collections::HashSet;

use super::{number, write_escaped, write_labels, Group};
use crate::model::MetricType;

/// Writes every group, then `# EOF`.
pub(super) fn write(groups: &[Group<'_>], out: &mut Vec<u8>) {
    // Two input names can map to one OpenMetrics family (`x_total` counter and `x`
    // gauge); a second family of a name would make the exposition invalid.
    let mut written: HashSet<&str> = HashSet::new();
    for g in groups {
        let (family, suffix) = match g.kind {
            MetricType::Counter => match g.name.strip_suffix("_total") {
                Some(base) if !base.is_empty() => (base, "_total"),
                _ => (g.name, "_total"),
            },
            _ => (g.name, ""),
        };
        if !written.insert(family) {
            continue;
        }
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(family.as_bytes());
        out.extend_from_slice(match g.kind {
            MetricType::Counter => b" counter\n",
            MetricType::Gauge => b" gauge\n",
            MetricType::Untyped => b" unknown\n",
        });
        if !g.help.is_empty() {
            out.extend_from_slice(b"# HELP ");
            out.extend_from_slice(family.as_bytes());
            out.push(b' ');
            // OpenMetrics escapes the double quote in help text too.
            write_escaped(out, g.help, true);
            out.push(b'\n');
        }
        for s in g.samples() {
            out.extend_from_slice(family.as_bytes());
            out.extend_from_slice(suffix.as_bytes());
            write_labels(out, s);
            out.push(b' ');
            number::write_openmetrics(out, s.value);
            out.push(b'\n');
        }
    }
    out.extend_from_slice(b"# EOF\n");
}
