//! Timestamps in the sandbox: stored as milliseconds since the Unix epoch, rendered per protocol
//! (ISO 8601 for query/XML, epoch seconds for JSON 1.1).

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch.
pub type EpochMillis = i64;

pub fn millis(t: SystemTime) -> EpochMillis {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `2026-11-29T00:12:00Z` (what IAM and STS send).
pub fn iso8601(ms: EpochMillis) -> String {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let dt = dt.replace_millisecond(0).unwrap_or(dt);
    dt.format(&Rfc3339).unwrap_or_default()
}

/// Epoch seconds with a fractional part (what JSON 1.1 services such as SageMaker send).
#[expect(
    clippy::cast_precision_loss,
    reason = "epoch millis fit an f64 mantissa exactly until the year 287396"
)]
pub fn epoch_seconds(ms: EpochMillis) -> f64 {
    ms as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(iso8601(1_764_374_400_123), "2025-11-29T00:00:00Z");
        assert!((epoch_seconds(1_500) - 1.5).abs() < f64::EPSILON);
    }
}
