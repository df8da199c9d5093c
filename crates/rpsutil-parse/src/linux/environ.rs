//! `/proc/PID/environ` (`man 5 proc`): the initial environment, `KEY=VALUE\0...`.

/// Parses an environment block into `(key, value)` pairs in file order, with psutil's
/// rules (`_common.parse_environ_block`): parsing stops at an empty entry (a double NUL)
/// or when no NUL is left; entries without `=`, or starting with `=`, are skipped; the
/// key ends at the first `=`. Duplicate keys are all returned; the caller keeps the last.
pub fn parse_environ(data: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let Some(len) = data[pos..].iter().position(|&b| b == 0) else {
            break;
        };
        let entry = &data[pos..pos + len];
        if entry.is_empty() {
            break;
        }
        if let Some(eq) = entry.iter().position(|&b| b == b'=') {
            if eq > 0 {
                out.push((entry[..eq].to_vec(), entry[eq + 1..].to_vec()));
            }
        }
        pos += len + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn psutil_rules() {
        let env = parse_environ(b"a=1\0b=x=y\0=skip\0noeq\0c=\0\0d=after-double-nul\0");
        let keys: Vec<_> = env.iter().map(|(k, _)| k.as_slice()).collect();
        assert_eq!(keys, [&b"a"[..], b"b", b"c"]);
        assert_eq!(env[1].1, b"x=y");
        assert_eq!(env[2].1, b"");
        // A last entry without its NUL is dropped, as psutil does.
        assert_eq!(parse_environ(b"a=1\0b=2").len(), 1);
    }

    #[test]
    fn real_file() {
        let data = include_bytes!("../../fixtures/linux/vm-6.18/proc-python-environ");
        let env = parse_environ(data);
        assert_eq!(env.len(), data.iter().filter(|&&b| b == 0).count());
        assert!(env.iter().any(|(k, v)| k == b"HOME" && v == b"/root"));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            for (k, _) in parse_environ(&data) {
                prop_assert!(!k.is_empty());
                prop_assert!(!k.contains(&b'='));
            }
        }
    }
}
