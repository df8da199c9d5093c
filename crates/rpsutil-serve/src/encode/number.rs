//! Sample values written as Go's `strconv.FormatFloat(v, 'g', -1, 64)`, which is what
//! client_golang (node_exporter, process-exporter) writes, so that our output is
//! byte-for-byte comparable with theirs: the shortest digits that read back to the
//! same `f64`, in `%e` form when the decimal exponent is below -4 or at least 6
//! (`1.6706502656e+10`, `1e-05`), in `%f` form otherwise (`123456`, `0.25`).

/// Appends `v` as text 0.0.4 writes it: `NaN`, `+Inf`, `-Inf`, `0` for both zeros,
/// otherwise Go's shortest `'g'` form.
pub(crate) fn write_text(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v == 0.0 {
        // client_golang tests `f == 0`, which -0 passes too.
        out.push(b'0');
    } else {
        write_go_g(out, v);
    }
}

/// Appends `v` as client_golang's OpenMetrics writer does: as [`write_text`], plus
/// `.0` when the text has neither `.` nor an exponent, so every value reads as a
/// float (`5.0`, `0.0`).
pub(crate) fn write_openmetrics(out: &mut Vec<u8>, v: f64) {
    let start = out.len();
    write_text(out, v);
    let written = &out[start..];
    let is_word = written
        .first()
        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'+')
        || written.starts_with(b"-I");
    if !is_word && !written.iter().any(|b| *b == b'.' || *b == b'e') {
        out.extend_from_slice(b".0");
    }
}

/// Go's `'g'` with precision -1 for a finite, non-zero `v`.
fn write_go_g(out: &mut Vec<u8>, v: f64) {
    // Rust's `{:e}` gives the same shortest round-trip digits as Go (both pick the
    // shortest string that parses back, closest to the exact value): `d[.ddd]eN`.
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    if v < 0.0 {
        out.push(b'-');
    }
    if !(-4..6).contains(&exp) {
        // %e: first digit, the rest after a point, then e±XX (at least two digits).
        out.push(digits.first().copied().unwrap_or(b'0'));
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(e.to_string().as_bytes());
    } else if exp >= 0 {
        // %f with the point after exp+1 digits, zero-padded if the digits run out.
        let int_len = exp as usize + 1;
        for i in 0..int_len {
            out.push(digits.get(i).copied().unwrap_or(b'0'));
        }
        if digits.len() > int_len {
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..]);
        }
    } else {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(&digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(v: f64) -> String {
        let mut out = Vec::new();
        write_text(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn om(v: f64) -> String {
        let mut out = Vec::new();
        write_openmetrics(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn matches_go_format_float_g_shortest() {
        // Expected strings are what Go's strconv.FormatFloat(v, 'g', -1, 64) prints
        // (and what node_exporter shows for such values).
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (-1.0, "-1"),
            (0.0, "0"),
            (-0.0, "0"),
            (0.25, "0.25"),
            (123456.0, "123456"),
            (999999.0, "999999"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (16706502656.0, "1.6706502656e+10"),
            (1.7e10, "1.7e+10"),
            (1.6e9, "1.6e+09"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e21, "1e+21"),
            (1e100, "1e+100"),
            (-2.5e-300, "-2.5e-300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (0.1, "0.1"),
            (100.5, "100.5"),
            (12345.678, "12345.678"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for &(v, want) in cases {
            assert_eq!(text(v), want, "value {v:?}");
        }
    }

    #[test]
    fn openmetrics_values_always_read_as_floats() {
        assert_eq!(om(5.0), "5.0");
        assert_eq!(om(0.0), "0.0");
        assert_eq!(om(-1.0), "-1.0");
        assert_eq!(om(0.5), "0.5");
        assert_eq!(om(1e6), "1e+06");
        assert_eq!(om(f64::NAN), "NaN");
        assert_eq!(om(f64::INFINITY), "+Inf");
        assert_eq!(om(f64::NEG_INFINITY), "-Inf");
    }

    proptest! {
        #[test]
        fn every_finite_value_reads_back_exactly(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            prop_assume!(v.is_finite());
            let s = text(v);
            let back: f64 = s.parse().unwrap();
            prop_assert!(back == v || (back == 0.0 && v == 0.0), "{} -> {}", v, s);
            let o = om(v);
            prop_assert_eq!(o.parse::<f64>().unwrap(), back);
        }
    }
}
