//! Prometheus text format 0.0.4 (`docs/instrumenting/exposition_formats.md`).

use super::{number, write_escaped, write_labels, Group};
use crate::model::MetricType;

/// Writes every group: `# HELP` (when there is help text), `# TYPE`, then samples.
pub(super) fn write(groups: &[Group<'_>], out: &mut Vec<u8>) {
    for g in groups {
        if !g.help.is_empty() {
            out.extend_from_slice(b"# HELP ");
            out.extend_from_slice(g.name.as_bytes());
            out.push(b' ');
            // 0.0.4 escapes only backslash and newline in help text.
            write_escaped(out, g.help, false);
            out.push(b'\n');
        }
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(g.name.as_bytes());
        out.extend_from_slice(match g.kind {
            MetricType::Counter => b" counter\n",
            MetricType::Gauge => b" gauge\n",
            MetricType::Untyped => b" untyped\n",
        });
        for s in g.samples() {
            out.extend_from_slice(g.name.as_bytes());
            write_labels(out, s);
            out.push(b' ');
            number::write_text(out, s.value);
            out.push(b'\n');
        }
    }
}
