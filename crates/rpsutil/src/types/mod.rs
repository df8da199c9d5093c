//! Every value the library returns: one struct per psutil namedtuple and one enum per
//! psutil enum or constant group (psutil's `_ntuples.py`), with psutil's field names
//! and units. This layer holds data and pure conversions only: it imports nothing
//! from the backends (`sys`), so the backends, the public facades and the Python
//! binding all depend on it and not on each other.
//!
//! A field that exists only on some OSes is an `Option`, left out of the JSON when
//! `None`; [`fields`] lists each namedtuple's fields per OS, in psutil's order.

pub mod conn_kind;
pub mod cpu;
pub mod disk;
pub mod fields;
pub mod host;
pub mod memory;
pub mod net;
pub mod process;
pub mod sensors;
pub mod winservice;

pub use conn_kind::ConnKind;

/// Serialises a path as text (JSON has no bytes): bytes that are not UTF-8 become
/// U+FFFD. The value itself keeps them (`PathBuf`).
pub(crate) fn lossy_path<S: serde::Serializer>(
    p: &std::path::Path,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}
