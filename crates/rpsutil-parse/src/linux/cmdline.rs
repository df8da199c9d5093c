//! `/proc/PID/cmdline` (`man 5 proc`): the argument vector, NUL-separated.
//!
//! A process may overwrite its argument area (`setproctitle`, nginx, postgres...), and
//! then the text is usually space-separated with no trailing NUL. psutil's rule (its
//! issue #1179), kept here for compatibility:
//! * the separator is NUL if the data ends with NUL, else a space;
//! * one trailing separator is stripped, then the data is split on the separator
//!   (empty arguments survive: `foo\0bar\0\0` gives `foo`, `bar`, ``);
//! * if the separator is NUL and that gave a single argument containing a space, it is
//!   re-split on spaces (so a program started with the single argument `"my prog"` is
//!   reported as `my`, `prog`; psutil does the same).

/// Splits `/proc/PID/cmdline` into arguments (raw bytes). Empty input gives no
/// arguments (kernel threads, zombies). Never fails.
pub fn parse_cmdline(data: &[u8]) -> Vec<Vec<u8>> {
    if data.is_empty() {
        return Vec::new();
    }
    let sep = if data.last() == Some(&0) { 0u8 } else { b' ' };
    let body = data.strip_suffix(&[sep]).unwrap_or(data);
    let args: Vec<&[u8]> = body.split(|&b| b == sep).collect();
    if sep == 0 && args.len() == 1 && args[0].contains(&b' ') {
        return args[0].split(|&b| b == b' ').map(<[u8]>::to_vec).collect();
    }
    args.into_iter().map(<[u8]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strs(v: Vec<Vec<u8>>) -> Vec<String> {
        v.into_iter()
            .map(|a| String::from_utf8(a).unwrap())
            .collect()
    }

    #[test]
    fn psutil_cases() {
        // tests/test_linux.py::TestProcess::test_cmdline_* of psutil 7.2.2.
        assert_eq!(strs(parse_cmdline(b"foo\0bar\0")), ["foo", "bar"]);
        assert_eq!(strs(parse_cmdline(b"foo\0bar\0\0")), ["foo", "bar", ""]);
        assert_eq!(strs(parse_cmdline(b"foo bar ")), ["foo", "bar"]);
        assert_eq!(strs(parse_cmdline(b"foo bar  ")), ["foo", "bar", ""]);
        assert_eq!(strs(parse_cmdline(b"foo bar\0")), ["foo", "bar"]);
        assert_eq!(strs(parse_cmdline(b"my prog\0")), ["my", "prog"]);
        assert_eq!(strs(parse_cmdline(b"a b\0c\0")), ["a b", "c"]);
        assert!(parse_cmdline(b"").is_empty());
        assert_eq!(strs(parse_cmdline(b"\0")), [""]);
    }

    #[test]
    fn real_file() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-1-cmdline");
        let args = strs(parse_cmdline(data));
        assert_eq!(args[0], "/process_api");
        assert_eq!(args[1], "--firecracker-init");
        assert_eq!(args.len(), data.iter().filter(|&&b| b == 0).count());
    }

    proptest! {
        #[test]
        fn nul_separated_round_trip(args in proptest::collection::vec(
            proptest::collection::vec(any::<u8>().prop_filter("no NUL or space", |b| *b != 0 && *b != b' '), 0..10), 2..6)) {
            let mut data = Vec::new();
            for a in &args { data.extend_from_slice(a); data.push(0); }
            prop_assert_eq!(parse_cmdline(&data), args);
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_cmdline(&data);
        }
    }
}
