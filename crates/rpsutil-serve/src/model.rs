//! The metric families collectors produce and encoders write.
//!
//! A family is named as in Prometheus text 0.0.4: a counter's name keeps its
//! `_total` suffix (`node_cpu_seconds_total`), as node_exporter exposes it. The
//! OpenMetrics encoder strips that suffix from the family's `# TYPE`/`# HELP`
//! lines and keeps it on the samples, as OpenMetrics 1.0 requires.

use std::borrow::Cow;

/// A metric family's type (`# TYPE` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// A value that only goes up (reset to 0 when its source restarts).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// No declared type (`untyped` in 0.0.4, `unknown` in OpenMetrics).
    Untyped,
}

/// One sample: its labels (name, value) in the order they are written, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Label names and values, in the order they are written.
    pub labels: Vec<(Cow<'static, str>, String)>,
    /// The value.
    pub value: f64,
}

/// One metric family: every sample of one metric name, written together.
///
/// `name` must match `[a-zA-Z_:][a-zA-Z0-9_:]*`; label names
/// `[a-zA-Z_][a-zA-Z0-9_]*`. Within a family, label sets are unique.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// The family's name (a counter's with `_total`).
    pub name: Cow<'static, str>,
    /// The `# HELP` text.
    pub help: Cow<'static, str>,
    /// The `# TYPE`.
    pub kind: MetricType,
    /// The samples, in the order they are written.
    pub samples: Vec<Sample>,
}

impl Family {
    /// An empty family.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        help: impl Into<Cow<'static, str>>,
        kind: MetricType,
    ) -> Self {
        Family {
            name: name.into(),
            help: help.into(),
            kind,
            samples: Vec::new(),
        }
    }

    /// Adds a sample with these labels (builder style).
    pub fn with(mut self, labels: &[(&'static str, &str)], value: f64) -> Self {
        self.push(labels, value);
        self
    }

    /// Adds a sample with these labels.
    pub fn push(&mut self, labels: &[(&'static str, &str)], value: f64) {
        let labels = labels
            .iter()
            .map(|&(k, v)| (Cow::Borrowed(k), v.to_owned()))
            .collect();
        self.samples.push(Sample { labels, value });
    }
}

/// Why a scrape could not be answered with metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatherError {
    /// `collect[]` or `exclude[]` named a collector that does not exist or is
    /// disabled (node_exporter answers 400 "missing collector: NAME").
    UnknownCollector(String),
}

impl std::fmt::Display for GatherError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatherError::UnknownCollector(name) => write!(f, "missing collector: {name}"),
        }
    }
}

impl std::error::Error for GatherError {}

/// What the HTTP server asks for at each scrape: the families of the enabled
/// collectors, restricted by the request's `collect[]` (only these, if any) and
/// `exclude[]` (all but these) query parameters. Called from several threads at
/// once (one per concurrent scrape).
pub trait MetricsSource: Send + Sync {
    /// The families of one scrape.
    ///
    /// Errors: [`GatherError::UnknownCollector`] for a `collect[]`/`exclude[]`
    /// name that is not an enabled collector.
    fn gather(&self, include: &[String], exclude: &[String]) -> Result<Vec<Family>, GatherError>;
}
