//! Our expositions read by real parsers: Prometheus's `promtool check metrics`
//! (client_golang's text 0.0.4 parser and linter) and the OpenMetrics parser of
//! PyPI `prometheus-client`. Without the tool the test says why and passes, except
//! under CI (`CI=true`), where the tools are installed and missing ones fail.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

const OM_ACCEPT: &str = "application/openmetrics-text;version=1.0.0";

/// Whether to go on without `tool`: false (skip) locally, a failure under CI.
fn missing(tool: &str, how: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{tool} is required under CI: {how}");
    }
    eprintln!("skipped: {tool} not found ({how})");
}

fn run_with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn promtool_accepts_the_text_exposition() {
    if Command::new("promtool").arg("--version").output().is_err() {
        return missing(
            "promtool",
            "apt-get install --no-install-recommends prometheus",
        );
    }
    let addr = start(options(), Fake::new());
    let body = get(addr, "/metrics", &[]).body;
    let out = run_with_stdin(Command::new("promtool").args(["check", "metrics"]), &body);
    assert!(
        out.status.success(),
        "promtool: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&body)
    );
    // And it does reject a broken exposition, so the pass above means something.
    let broken = run_with_stdin(
        Command::new("promtool").args(["check", "metrics"]),
        b"# TYPE x gauge\nx{a=\"unterminated} 1\n",
    );
    assert!(!broken.status.success());
}

/// Parses OpenMetrics from stdin with prometheus_client and prints one line per
/// sample: family, type, help (JSON), sample name, labels (JSON), value (repr).
const PY_PARSE: &str = r#"
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        print("\t".join([f.name, f.type, json.dumps(f.documentation), s.name,
                         json.dumps(sorted(s.labels.items())), repr(s.value)]))
"#;

fn python() -> Option<String> {
    let candidates = [
        std::env::var("RPSUTIL_SERVE_PYTHON").ok(),
        std::env::var("RPSUTIL_PYTHON").ok(),
        Some("python3".to_owned()),
    ];
    candidates.into_iter().flatten().find(|p| {
        Command::new(p)
            .args(["-c", "import prometheus_client.openmetrics.parser"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
fn prometheus_client_parses_the_openmetrics_exposition() {
    let Some(py) = python() else {
        return missing(
            "python3 with prometheus-client",
            "pip install prometheus-client==0.26.0; point RPSUTIL_SERVE_PYTHON or RPSUTIL_PYTHON at that python",
        );
    };
    let addr = start(options(), Fake::new());
    let r = get(addr, "/metrics", &[("Accept", OM_ACCEPT)]);
    assert_eq!(r.status, 200);
    let out = run_with_stdin(Command::new(&py).args(["-c", PY_PARSE]), &r.body);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "parser refused:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        r.text()
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let want = [
        "namedprocess_namegroup_num_procs\tgauge\t\"number of processes in this group\"\tnamedprocess_namegroup_num_procs\t[[\"groupname\", \"sshd \\\"main\\\"\\\\n\"]]\t3.0",
        "node_cpu_seconds\tcounter\t\"Seconds the CPUs spent in each mode.\"\tnode_cpu_seconds_total\t[[\"cpu\", \"0\"], [\"mode\", \"idle\"]]\t12345.5",
        "node_cpu_seconds\tcounter\t\"Seconds the CPUs spent in each mode.\"\tnode_cpu_seconds_total\t[[\"cpu\", \"0\"], [\"mode\", \"user\"]]\t16706502656.0",
        "node_load1\tgauge\t\"1m load average.\"\tnode_load1\t[]\t0.25",
        "rpsutil_weird\tunknown\t\"Help with \\\\ and\\nnewline.\"\trpsutil_weird\t[[\"v\", \"multi\\nline\"]]\tnan",
    ];
    assert_eq!(lines, want, "\n{}", r.text());
}
