//! The sandbox's clock and its timestamps. Time in the sandbox is the system clock plus an
//! offset, or, with `--clock manual`, stands still until someone advances it
//! (`PUT /_gtplan/clock?advance=SECONDS`): tests move a labeling job from `Initializing` to
//! `Completed` in one call instead of sleeping, and never race a busy machine. Either way the
//! clock only moves forward, and its setting is persisted with the state so a restarted
//! sandbox continues where it was.
//!
//! Timestamps are stored as milliseconds since the Unix epoch and rendered per protocol (ISO
//! 8601 for query/XML, epoch seconds for JSON 1.1). SigV4 checks use the real time instead:
//! that is what clients sign with.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the Unix epoch.
pub type EpochMillis = i64;

pub fn millis(t: SystemTime) -> EpochMillis {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// How the sandbox's time passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// With the system clock (plus whatever it was advanced by).
    #[default]
    System,
    /// Only when advanced.
    Manual,
}

/// What is persisted of the clock: how far it was advanced, and where a manual clock stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClockState {
    /// Added to the system clock in `System` mode.
    pub offset_ms: i64,
    /// The time of a manual clock, once there has been one.
    pub manual_ms: Option<EpochMillis>,
}

pub struct Clock {
    mode: ClockMode,
    /// `System`: the offset from the system clock; `Manual`: the time itself.
    value: AtomicI64,
}

impl Clock {
    /// A clock in `mode`, continuing from `state`. A new manual clock starts at the system
    /// time.
    pub fn new(mode: ClockMode, state: ClockState) -> Self {
        let value = match mode {
            ClockMode::System => state.offset_ms,
            ClockMode::Manual => state
                .manual_ms
                .unwrap_or_else(|| millis(SystemTime::now()) + state.offset_ms),
        };
        Self {
            mode,
            value: AtomicI64::new(value),
        }
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The sandbox's current time.
    pub fn now(&self) -> EpochMillis {
        let value = self.value.load(Ordering::SeqCst);
        match self.mode {
            ClockMode::System => millis(SystemTime::now()).saturating_add(value),
            ClockMode::Manual => value,
        }
    }

    /// Moves the clock forward by `ms` (negative values are ignored: time never runs back).
    /// Returns the new time.
    pub fn advance(&self, ms: i64) -> EpochMillis {
        self.value.fetch_add(ms.max(0), Ordering::SeqCst);
        self.now()
    }

    /// What to persist so that a restart continues from here.
    pub fn state(&self, previous: ClockState) -> ClockState {
        let value = self.value.load(Ordering::SeqCst);
        match self.mode {
            ClockMode::System => ClockState {
                offset_ms: value,
                ..previous
            },
            ClockMode::Manual => ClockState {
                manual_ms: Some(value),
                ..previous
            },
        }
    }
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
    fn a_manual_clock_moves_only_when_advanced_and_never_back() {
        let clock = Clock::new(ClockMode::Manual, ClockState::default());
        let start = clock.now();
        assert_eq!(clock.now(), start);
        assert_eq!(clock.advance(1_500), start + 1_500);
        assert_eq!(clock.advance(-10_000), start + 1_500);
        let state = clock.state(ClockState::default());
        assert_eq!(state.manual_ms, Some(start + 1_500));
        assert_eq!(Clock::new(ClockMode::Manual, state).now(), start + 1_500);
    }

    #[test]
    fn a_system_clock_keeps_its_offset_across_restarts() {
        let clock = Clock::new(ClockMode::System, ClockState::default());
        clock.advance(3_600_000);
        let state = clock.state(ClockState::default());
        assert_eq!(state.offset_ms, 3_600_000);
        let again = Clock::new(ClockMode::System, state);
        assert!(again.now() >= millis(SystemTime::now()) + 3_599_000);
    }

    #[test]
    fn formats() {
        assert_eq!(iso8601(1_764_374_400_123), "2025-11-29T00:00:00Z");
        assert!((epoch_seconds(1_500) - 1.5).abs() < f64::EPSILON);
    }
}
