//! `rpsutil serve`: one Prometheus exporter for a fleet, in place of node_exporter
//! (system metrics, with its metric names and labels) and process-exporter (the
//! `namedprocess_namegroup_*` metrics, with its YAML grouping), collected by the
//! rpsutil library at scrape time.
//!
//! The crate is split by concern:
//! - [`model`]: the metric families every collector returns and every encoder
//!   writes (the one interface between the two halves);
//! - [`collect`]: the collectors (system, process groups) and the scrape that runs
//!   them in parallel;
//! - [`encode`]: Prometheus text 0.0.4 and OpenMetrics 1.0.0;
//! - [`http`], [`web_config`]: the server, its limits, TLS and basic auth.

#![deny(missing_docs)]

pub mod collect;
pub mod encode;
pub mod http;
pub mod model;
pub mod web_config;
