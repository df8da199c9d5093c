//! Encoder tests: exact output for fixtures, and a property test that parses the
//! output back (a small parser of the line grammar, written here for the test) and
//! finds every help text, label value and value unchanged.

use super::*;
use proptest::prelude::*;
use std::borrow::Cow;

fn encoded(families: &[Family], format: Format) -> String {
    let mut out = Vec::new();
    encode(families, format, &mut out);
    String::from_utf8(out).expect("the encoders write UTF-8")
}

fn fixture() -> Vec<Family> {
    vec![
        Family::new(
            "node_cpu_seconds_total",
            "Seconds the CPUs spent in each mode.",
            MetricType::Counter,
        )
        .with(&[("cpu", "0"), ("mode", "idle")], 12345.67)
        .with(&[("cpu", "0"), ("mode", "user")], 1.6706502656e10),
        Family::new("node_load1", "1m load average.", MetricType::Gauge).with(&[], 0.0),
        Family::new("empty_family", "Never written.", MetricType::Gauge),
        Family::new(
            "weird_help",
            "back\\slash \"quoted\"\nnext line",
            MetricType::Untyped,
        )
        .with(&[("path", "C:\\x \"y\"\nz")], f64::NAN),
        Family::new("node_forks", "Forks.", MetricType::Counter).with(&[], 1e6),
    ]
}

#[test]
fn text_004_exact_output() {
    let want = "\
# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12345.67
node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1.6706502656e+10
# HELP node_forks Forks.
# TYPE node_forks counter
node_forks 1e+06
# HELP node_load1 1m load average.
# TYPE node_load1 gauge
node_load1 0
# HELP weird_help back\\\\slash \"quoted\"\\nnext line
# TYPE weird_help untyped
weird_help{path=\"C:\\\\x \\\"y\\\"\\nz\"} NaN
";
    assert_eq!(encoded(&fixture(), Format::Text004), want);
}

#[test]
fn openmetrics_100_exact_output() {
    let want = "\
# TYPE node_cpu_seconds counter
# HELP node_cpu_seconds Seconds the CPUs spent in each mode.
node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 12345.67
node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1.6706502656e+10
# TYPE node_forks counter
# HELP node_forks Forks.
node_forks_total 1e+06
# TYPE node_load1 gauge
# HELP node_load1 1m load average.
node_load1 0.0
# TYPE weird_help unknown
# HELP weird_help back\\\\slash \\\"quoted\\\"\\nnext line
weird_help{path=\"C:\\\\x \\\"y\\\"\\nz\"} NaN
# EOF
";
    assert_eq!(encoded(&fixture(), Format::OpenMetrics100), want);
}

#[test]
fn empty_input_gives_empty_text_and_bare_eof() {
    assert_eq!(encoded(&[], Format::Text004), "");
    assert_eq!(encoded(&[], Format::OpenMetrics100), "# EOF\n");
}

#[test]
fn same_name_families_share_one_header_and_other_types_are_dropped() {
    let families = vec![
        Family::new("x", "first", MetricType::Gauge).with(&[("a", "1")], 1.0),
        Family::new("x", "second", MetricType::Gauge).with(&[("a", "2")], 2.0),
        Family::new("x", "third", MetricType::Counter).with(&[("a", "3")], 3.0),
    ];
    assert_eq!(
        encoded(&families, Format::Text004),
        "# HELP x first\n# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"2\"} 2\n"
    );
}

#[test]
fn bad_names_are_skipped_not_written_broken() {
    let mut bad_label = Sample {
        labels: vec![(Cow::Borrowed("bad label"), "v".into())],
        value: 1.0,
    };
    let mut fam = Family::new("ok", "h", MetricType::Gauge).with(&[("good", "v")], 2.0);
    fam.samples.push(bad_label.clone());
    bad_label.labels = vec![
        (Cow::Borrowed("a"), "1".into()),
        (Cow::Borrowed("a"), "2".into()),
    ];
    fam.samples.push(bad_label);
    let families = vec![
        Family::new("bad name", "h", MetricType::Gauge).with(&[], 1.0),
        Family::new("", "h", MetricType::Gauge).with(&[], 1.0),
        Family::new("9lives", "h", MetricType::Gauge).with(&[], 1.0),
        fam,
    ];
    assert_eq!(
        encoded(&families, Format::Text004),
        "# HELP ok h\n# TYPE ok gauge\nok{good=\"v\"} 2\n"
    );
}

#[test]
fn openmetrics_never_writes_one_family_twice() {
    let families = vec![
        Family::new("x", "gauge", MetricType::Gauge).with(&[], 1.0),
        Family::new("x_total", "counter", MetricType::Counter).with(&[], 2.0),
    ];
    let out = encoded(&families, Format::OpenMetrics100);
    assert_eq!(out, "# TYPE x gauge\n# HELP x gauge\nx 1.0\n# EOF\n");
}

/// What the parser below reads back: (family, help, type, samples as (name, labels, value)).
type Parsed = Vec<(String, String, String, Vec<ParsedSample>)>;

/// (sample name, labels, value as written)
type ParsedSample = (String, Vec<(String, String)>, String);

/// Reads an exposition by the line grammar of both formats; `Err` on any line
/// that does not follow it.
fn parse(text: &str, om: bool) -> Result<Parsed, String> {
    let body = if om {
        text.strip_suffix("# EOF\n").ok_or("no # EOF")?
    } else {
        text
    };
    if !body.is_empty() && !body.ends_with('\n') {
        return Err("no final newline".into());
    }
    let mut out: Parsed = Vec::new();
    for line in body.split_terminator('\n') {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').ok_or("help without text")?;
            let help = unescape(help, om)?;
            match out.last_mut() {
                Some(f) if f.0 == name => f.1 = help,
                _ => out.push((name.into(), help, String::new(), vec![])),
            }
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, ty) = rest.split_once(' ').ok_or("type without type")?;
            match out.last_mut() {
                Some(f) if f.0 == name => f.2 = ty.into(),
                _ => out.push((name.into(), String::new(), ty.into(), vec![])),
            }
        } else if line.starts_with('#') {
            return Err(format!("unexpected comment {line:?}"));
        } else {
            let f = out.last_mut().ok_or("sample before header")?;
            f.3.push(parse_sample(line)?);
        }
    }
    Ok(out)
}

fn parse_sample(line: &str) -> Result<ParsedSample, String> {
    let name_end = line.find(['{', ' ']).ok_or("no value")?;
    let name = &line[..name_end];
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let (k, r) = rest.split_once("=\"").ok_or("label without value")?;
            // The value runs to the first unescaped quote.
            let mut value = String::new();
            let mut chars = r.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => return Err(format!("bad escape {other:?}")),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => return Err("unterminated label value".into()),
                }
            };
            labels.push((k.to_owned(), value));
            rest = &r[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }
    let value = rest.strip_prefix(' ').ok_or("no space before value")?;
    if value.contains(' ') {
        return Err(format!("extra field in {line:?}"));
    }
    Ok((name.to_owned(), labels, value.to_owned()))
}

fn unescape(s: &str, om: bool) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if om && c == '"' {
                return Err("unescaped quote in OpenMetrics help".into());
            }
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if om => out.push('"'),
            other => return Err(format!("bad escape {other:?}")),
        }
    }
    Ok(out)
}

fn value_matches(written: &str, v: f64) -> bool {
    match written.parse::<f64>() {
        Ok(back) => back == v || (back.is_nan() && v.is_nan()),
        Err(_) => match written {
            "+Inf" => v == f64::INFINITY,
            "-Inf" => v == f64::NEG_INFINITY,
            _ => false,
        },
    }
}

fn family_strategy() -> impl Strategy<Value = Family> {
    let kind = prop_oneof![
        Just(MetricType::Counter),
        Just(MetricType::Gauge),
        Just(MetricType::Untyped)
    ];
    let sample = (
        proptest::option::of(any::<String>()),
        proptest::option::of("[ -~\n\"\\\\é]{0,12}"),
        any::<f64>(),
    );
    (
        "[a-z_][a-z0-9_]{0,8}",
        any::<String>(),
        kind,
        proptest::collection::vec(sample, 0..4),
    )
        .prop_map(|(name, help, kind, samples)| {
            let mut f = Family::new(name, help, kind);
            for (a, b, v) in samples {
                let mut labels: Vec<(&'static str, &str)> = Vec::new();
                if let Some(a) = &a {
                    labels.push(("a", a));
                }
                if let Some(b) = &b {
                    labels.push(("le_b", b));
                }
                f.push(&labels, v);
            }
            f
        })
}

proptest! {
    #[test]
    fn output_parses_back_to_the_input(families in proptest::collection::vec(family_strategy(), 0..5)) {
        let groups = plan(&families);
        for om in [false, true] {
            let format = if om { Format::OpenMetrics100 } else { Format::Text004 };
            let text = encoded(&families, format);
            let parsed = parse(&text, om).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            // In OpenMetrics a family may be dropped as a duplicate of another's
            // name; compare those written, in order.
            let mut written = parsed.iter();
            for g in &groups {
                let family = if om && g.kind == MetricType::Counter {
                    g.name.strip_suffix("_total").filter(|b| !b.is_empty()).unwrap_or(g.name)
                } else {
                    g.name
                };
                let Some(p) = written.clone().next() else { break };
                if p.0 != family {
                    prop_assert!(om, "text 0.0.4 lost family {}", g.name);
                    continue;
                }
                written.next();
                prop_assert_eq!(&p.1, g.help);
                let samples: Vec<_> = g.samples().collect();
                prop_assert_eq!(p.3.len(), samples.len());
                for (got, want) in p.3.iter().zip(samples) {
                    let labels: Vec<(String, String)> = want
                        .labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone()))
                        .collect();
                    prop_assert_eq!(&got.1, &labels);
                    prop_assert!(value_matches(&got.2, want.value), "{} vs {}", got.2, want.value);
                    if om && g.kind == MetricType::Counter {
                        prop_assert_eq!(&got.0, &format!("{family}_total"));
                    } else {
                        prop_assert_eq!(&got.0, g.name);
                    }
                }
            }
            prop_assert!(written.next().is_none(), "extra families written");
        }
    }
}
