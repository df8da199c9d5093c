//! Small byte-level helpers shared by the parsers.

use crate::{ParseError, Result};

/// Parses an unsigned decimal integer made only of ASCII digits.
pub(crate) fn parse_u64(field: &[u8], what: &str) -> Result<u64> {
    if field.is_empty() {
        return Err(ParseError::new(format!("{what}: empty number")));
    }
    let mut value: u64 = 0;
    for &b in field {
        if !b.is_ascii_digit() {
            return Err(ParseError::new(format!(
                "{what}: not a decimal number: {:?}",
                String::from_utf8_lossy(field)
            )));
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| ParseError::new(format!("{what}: number overflows u64")))?;
    }
    Ok(value)
}

/// Parses a signed decimal integer (optional leading `-`).
pub(crate) fn parse_i64(field: &[u8], what: &str) -> Result<i64> {
    let (neg, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    let magnitude = parse_u64(digits, what)?;
    if neg {
        // -(2^63) is the one value whose magnitude does not fit i64.
        if magnitude == 1u64 << 63 {
            return Ok(i64::MIN);
        }
        i64::try_from(magnitude)
            .map(|v| -v)
            .map_err(|_| ParseError::new(format!("{what}: number out of range")))
    } else {
        i64::try_from(magnitude)
            .map_err(|_| ParseError::new(format!("{what}: number out of range")))
    }
}

/// Parses a hexadecimal number (no `0x` prefix).
pub(crate) fn parse_hex_u64(field: &[u8], what: &str) -> Result<u64> {
    if field.is_empty() || field.len() > 16 {
        return Err(ParseError::new(format!("{what}: bad hex number length")));
    }
    let mut value: u64 = 0;
    for &b in field {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => {
                return Err(ParseError::new(format!(
                    "{what}: not a hex number: {:?}",
                    String::from_utf8_lossy(field)
                )))
            }
        };
        value = (value << 4) | u64::from(digit);
    }
    Ok(value)
}

/// Splits on ASCII whitespace runs, like Python's `bytes.split()`.
pub(crate) fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| b.is_ascii_whitespace())
        .filter(|f| !f.is_empty())
}

/// Strips ASCII whitespace at both ends.
pub(crate) fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &bytes[start..end.max(start)]
}

/// Parses a `Key:   1234 kB` style value (the number, in the unit given).
/// Returns the number of kibibytes (the unit /proc uses for these lines).
pub(crate) fn parse_kb_value(rest: &[u8], what: &str) -> Result<u64> {
    let mut it = fields(rest);
    let number = it
        .next()
        .ok_or_else(|| ParseError::new(format!("{what}: missing value")))?;
    parse_u64(number, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(b"123", "x").unwrap(), 123);
        assert!(parse_u64(b"", "x").is_err());
        assert!(parse_u64(b"12a", "x").is_err());
        assert!(parse_u64(b"99999999999999999999999", "x").is_err());
        assert_eq!(parse_i64(b"-5", "x").unwrap(), -5);
        assert_eq!(parse_i64(b"-9223372036854775808", "x").unwrap(), i64::MIN);
        assert!(parse_i64(b"9223372036854775808", "x").is_err());
        assert_eq!(parse_hex_u64(b"0A", "x").unwrap(), 10);
        assert!(parse_hex_u64(b"0G", "x").is_err());
        assert_eq!(trim(b"  a b \n"), b"a b");
        assert_eq!(trim(b"   "), b"");
    }
}
