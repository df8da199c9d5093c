//! Metrics about the exporter itself, as every Go exporter built on
//! client_golang has them (node_exporter 1.5 shows them unless
//! `--web.disable-exporter-metrics`): the scrape handler's counters
//! (`promhttp_metric_handler_*`) and the process collector's `process_*`
//! families, read for this process with the rpsutil library. Names, HELP texts,
//! types and labels are client_golang's; `go_*` (the Go runtime's) has no
//! equivalent here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::model::{Family, MetricType};

/// The scrape handler's counters (client_golang's `InstrumentMetricHandler`).
#[derive(Debug, Default)]
pub(crate) struct HandlerCounters {
    /// Finished scrapes by HTTP status code.
    by_code: Mutex<BTreeMap<u16, u64>>,
    /// Scrapes whose gathering failed (a collector panicked).
    gathering_errors: AtomicU64,
}

impl HandlerCounters {
    /// Counts a finished scrape; called after its response is made, so a scrape
    /// does not count itself (as client_golang, which counts when the handler
    /// returns).
    pub(crate) fn finished(&self, code: u16) {
        *self
            .by_code
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(code)
            .or_default() += 1;
    }

    /// Counts a gathering error.
    pub(crate) fn gathering_failed(&self) {
        self.gathering_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The `promhttp_metric_handler_*` families; `in_flight` is the number of
    /// scrapes being served, this one included.
    pub(crate) fn families(&self, in_flight: usize) -> Vec<Family> {
        let errors = Family::new(
            "promhttp_metric_handler_errors_total",
            "Total number of internal errors encountered by the promhttp metric handler.",
            MetricType::Counter,
        )
        // Encoding into memory cannot fail here; the series exists, as in Go.
        .with(&[("cause", "encoding")], 0.0)
        .with(
            &[("cause", "gathering")],
            self.gathering_errors.load(Ordering::Relaxed) as f64,
        );
        let in_flight = Family::new(
            "promhttp_metric_handler_requests_in_flight",
            "Current number of scrapes being served.",
            MetricType::Gauge,
        )
        .with(&[], in_flight as f64);
        let mut requests = Family::new(
            "promhttp_metric_handler_requests_total",
            "Total number of scrapes by HTTP status code.",
            MetricType::Counter,
        );
        let mut by_code = self
            .by_code
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        // client_golang creates these three series up front.
        for code in [200, 500, 503] {
            by_code.entry(code).or_default();
        }
        for (code, n) in by_code {
            requests.push(&[("code", &code.to_string())], n as f64);
        }
        vec![errors, in_flight, requests]
    }
}

/// client_golang's "unlimited" for `process_virtual_memory_max_bytes`: the
/// kernel's `RLIM_INFINITY` read as an unsigned 64-bit number.
const UNLIMITED: f64 = u64::MAX as f64;

/// A limit as client_golang reports it (unlimited: [`UNLIMITED`]).
fn limit(soft: i64) -> f64 {
    if soft == rpsutil::RLIM_INFINITY {
        UNLIMITED
    } else {
        soft as f64
    }
}

/// The process collector's families for `me`, this process (a handle made once,
/// when the server binds). A value the OS does not give (an rlimit outside Linux
/// and FreeBSD) leaves its family out, as the Go collector does for what it
/// cannot read.
pub(crate) fn own_process_families(me: &rpsutil::Process) -> Vec<Family> {
    let mut out = Vec::new();
    let mut gauge = |name: &'static str, help: &'static str, kind, value: Option<f64>| {
        if let Some(v) = value {
            out.push(Family::new(name, help, kind).with(&[], v));
        }
    };
    me.oneshot(|| {
        gauge(
            "process_cpu_seconds_total",
            "Total user and system CPU time spent in seconds.",
            MetricType::Counter,
            me.cpu_times().ok().map(|t| t.user + t.system),
        );
        gauge(
            "process_max_fds",
            "Maximum number of open file descriptors.",
            MetricType::Gauge,
            me.rlimit(rpsutil::Resource::Nofile)
                .ok()
                .map(|l| limit(l.soft())),
        );
        gauge(
            "process_open_fds",
            "Number of open file descriptors.",
            MetricType::Gauge,
            me.num_fds().ok().map(f64::from),
        );
        let memory = me.memory_info().ok();
        gauge(
            "process_resident_memory_bytes",
            "Resident memory size in bytes.",
            MetricType::Gauge,
            memory.as_ref().map(|m| m.rss as f64),
        );
        gauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            MetricType::Gauge,
            me.create_time().ok(),
        );
        gauge(
            "process_virtual_memory_bytes",
            "Virtual memory size in bytes.",
            MetricType::Gauge,
            memory.as_ref().map(|m| m.vms as f64),
        );
        gauge(
            "process_virtual_memory_max_bytes",
            "Maximum amount of virtual memory available in bytes.",
            MetricType::Gauge,
            me.rlimit(rpsutil::Resource::As)
                .ok()
                .map(|l| limit(l.soft())),
        );
    });
    out
}
