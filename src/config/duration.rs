//! Durations in human units (`30s`, `5m`, `2h`, `1d`, `1h30m`), as plan files write task time
//! limits, and back again for messages.

use std::fmt::Write as _;

/// Why a duration did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("`{0}` is not a duration")]
    Malformed(String),
    #[error("`{0}` is too long")]
    Overflow(String),
}

/// The hint shown with every duration error.
pub const DURATION_HINT: &str =
    "write a number with a unit: `30s`, `5m`, `2h`, `1d`, or a combination such as `1h30m`";

/// Seconds in `text`: one or more `<number><unit>` parts, units `d`, `h`, `m`, `s`, each at
/// most once and largest first.
pub fn parse_seconds(text: &str) -> Result<u64, DurationError> {
    let malformed = || DurationError::Malformed(text.to_owned());
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(malformed());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    // Units must appear in decreasing order, each once: "1h30m", not "30m1h" or "1h1h".
    let mut last_rank = usize::MAX;
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, unit) = match c {
            'd' => (3, 86_400),
            'h' => (2, 3_600),
            'm' => (1, 60),
            's' => (0, 1),
            _ => return Err(malformed()),
        };
        if digits.is_empty() || rank >= last_rank {
            return Err(malformed());
        }
        last_rank = rank;
        let n: u64 = digits
            .parse()
            .map_err(|_| DurationError::Overflow(text.to_owned()))?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| DurationError::Overflow(text.to_owned()))?;
    }
    if !digits.is_empty() {
        // A bare number: say which unit is missing rather than guessing seconds.
        return Err(malformed());
    }
    Ok(total)
}

/// `5400` → `1h30m`; `0` → `0s`.
pub fn format_seconds(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            let _ = write!(out, "{}{unit}", rest / size);
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_combinations() {
        assert_eq!(parse_seconds("30s"), Ok(30));
        assert_eq!(parse_seconds("5m"), Ok(300));
        assert_eq!(parse_seconds("2h"), Ok(7200));
        assert_eq!(parse_seconds("1d"), Ok(86_400));
        assert_eq!(parse_seconds("1h30m"), Ok(5400));
        assert_eq!(parse_seconds("1d2h3m4s"), Ok(93_784));
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in ["", "30", "h", "5 m", "1m1h", "1h1h", "1.5h", "-5m", "5min"] {
            assert!(parse_seconds(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            parse_seconds("99999999999999999999d"),
            Err(DurationError::Overflow(_))
        ));
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_seconds(5400), "1h30m");
        assert_eq!(format_seconds(43_200), "12h");
        assert_eq!(format_seconds(90_061), "1d1h1m1s");
        assert_eq!(format_seconds(0), "0s");
    }
}
