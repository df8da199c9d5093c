//! Request targets: the path and the `collect[]`/`exclude[]`/`format` query.

/// `/path?query` → (path, query). An absolute-form target (`http://host/path`)
/// is reduced to its path.
pub(crate) fn split_target(target: &str) -> (&str, &str) {
    let target = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    target.split_once('?').unwrap_or((target, ""))
}

/// Percent-decodes `s` (`+` as a space when `plus_is_space`, as in queries).
/// `None` for a bad escape or bytes that are not UTF-8.
pub(crate) fn decode(s: &str, plus_is_space: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hi = (hex[0] as char).to_digit(16)?;
                let lo = (hex[1] as char).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The decoded `key=value` pairs of a query, in order; `None` if any is badly
/// encoded. Empty pieces (`a=1&&b=2`) are skipped.
pub(crate) fn pairs(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode(k, true)?, decode(v, true)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn targets_split_into_path_and_query() {
        assert_eq!(split_target("/metrics?a=1"), ("/metrics", "a=1"));
        assert_eq!(split_target("/metrics"), ("/metrics", ""));
        assert_eq!(split_target("http://h:9100/metrics?x"), ("/metrics", "x"));
        assert_eq!(split_target("http://h:9100"), ("/", ""));
    }

    #[test]
    fn query_pairs_are_decoded_and_repeated_keys_kept() {
        assert_eq!(
            pairs("collect%5B%5D=cpu&collect[]=mem+info&&format=text&flag").unwrap(),
            vec![
                ("collect[]".into(), "cpu".into()),
                ("collect[]".into(), "mem info".into()),
                ("format".into(), "text".into()),
                ("flag".into(), "".into()),
            ]
        );
        assert_eq!(pairs("a=%zz"), None);
        assert_eq!(pairs("a=%4"), None);
        assert_eq!(pairs("a=%ff"), None);
        assert_eq!(decode("%C3%A9", false).as_deref(), Some("é"));
        assert_eq!(decode("a+b", false).as_deref(), Some("a+b"));
    }

    proptest! {
        #[test]
        fn decoding_never_panics(s in "[%+a-f0-9=&\\[\\]é]{0,40}") {
            let _ = pairs(&s);
            let _ = split_target(&s);
        }
    }
}
