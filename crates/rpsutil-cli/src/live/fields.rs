//! What a row of the viewer is, for the filter and the sort: something that answers
//! a value for a field name.
//!
//! Field names are the lower-case column names: `pid ppid user name cmdline status
//! cpu mem rss vms shr nice pr threads time`, and any other a row chooses to answer.
//! Units: `cpu` and `mem` are percents, `rss vms shr` bytes, `time` CPU seconds
//! (user + system).

/// A value a row has for a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number (a pid, a percent, bytes, seconds...).
    Num(f64),
    /// A text (a user or process name, a command line, a status).
    Text(String),
    /// The field could not be read (access denied, the process is gone), or the row
    /// has no such field.
    Missing,
}

/// Something with named fields (one process row of top).
///
/// ```ignore
/// struct Row { pid: u32, name: String }
/// impl Fields for Row {
///     fn field(&self, name: &str) -> Value {
///         match name {
///             "pid" => Value::Num(f64::from(self.pid)),
///             "name" => Value::Text(self.name.clone()),
///             _ => Value::Missing,
///         }
///     }
/// }
/// ```
pub trait Fields {
    /// The value of the field `name` (a lower-case column name); [`Value::Missing`]
    /// for a field the row could not read or does not know.
    fn field(&self, name: &str) -> Value;
}

/// The fields known to hold numbers: a comparison of one of them with a literal
/// that is not a number is an error when the query is parsed, not a silent "no
/// match" on every row.
pub const NUMERIC_FIELDS: &[&str] = &[
    "pid", "ppid", "cpu", "mem", "rss", "vms", "shr", "nice", "pr", "threads", "time",
];

/// Whether `name` is one of [`NUMERIC_FIELDS`].
pub fn is_numeric_field(name: &str) -> bool {
    NUMERIC_FIELDS.contains(&name)
}

#[cfg(test)]
pub(crate) mod test_row {
    //! A row made by hand for the tests of the filter and the sort.

    use std::collections::HashMap;

    use super::{Fields, Value};

    /// A row holding exactly the fields it was given.
    #[derive(Debug, Clone, Default)]
    pub struct Row(pub HashMap<String, Value>);

    impl Row {
        /// A row with only a pid.
        pub fn pid(pid: u32) -> Row {
            Row::default().num("pid", f64::from(pid))
        }
        /// This row with the number field `name` set.
        pub fn num(mut self, name: &str, v: f64) -> Row {
            self.0.insert(name.to_string(), Value::Num(v));
            self
        }
        /// This row with the text field `name` set.
        pub fn text(mut self, name: &str, v: &str) -> Row {
            self.0.insert(name.to_string(), Value::Text(v.to_string()));
            self
        }
        /// This row with the field `name` Missing (as a field access denied).
        pub fn missing(mut self, name: &str) -> Row {
            self.0.insert(name.to_string(), Value::Missing);
            self
        }
    }

    impl Fields for Row {
        fn field(&self, name: &str) -> Value {
            self.0.get(name).cloned().unwrap_or(Value::Missing)
        }
    }
}
