//! A labeling job's progress as a pure function of time: no background thread, so every request
//! (and every separate CLI run against the same state) sees the same world.
//!
//! `Initializing` for `init_seconds`, then `InProgress` while labels arrive at `rate` per
//! second, then `Completed` once the target (all objects, or fewer when stopping conditions
//! say so) is labeled. A job that SageMaker would fail after start is `Failed` once it leaves
//! `Initializing`. After `StopLabelingJob` it is `Stopping` for a moment, then `Stopped`, with
//! the labels it had when the stop arrived.

use serde::Serialize;

use crate::sandbox::clock::EpochMillis;

/// How long a stopped job shows `Stopping` before `Stopped`.
pub const STOPPING_MILLIS: EpochMillis = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    Initializing,
    InProgress,
    Completed,
    Failed,
    Stopping,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Initializing => "Initializing",
            Status::InProgress => "InProgress",
            Status::Completed => "Completed",
            Status::Failed => "Failed",
            Status::Stopping => "Stopping",
            Status::Stopped => "Stopped",
        }
    }

    /// Output is final: the output manifest can be written.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Completed | Status::Stopped)
    }
}

/// What a job's progress depends on.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    pub created: EpochMillis,
    pub init_seconds: f64,
    /// Labels per second.
    pub rate: f64,
    /// Objects the job will label before completing (after stopping conditions).
    pub target: u64,
    /// Objects in the input (for `Unlabeled`).
    pub total: u64,
    /// Streaming jobs never complete on their own.
    pub streaming: bool,
    pub fails: bool,
    pub stopped_at: Option<EpochMillis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub status: Status,
    pub labeled: u64,
    pub unlabeled: u64,
    /// When the status last changed.
    pub last_modified: EpochMillis,
}

#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "times and counts are small non-negative numbers; labels are whole"
)]
pub fn progress(t: &Timeline, now: EpochMillis) -> Progress {
    let init_ms = (t.init_seconds * 1000.0) as EpochMillis;
    let started = t.created + init_ms;
    let labeled_at = |at: EpochMillis| -> u64 {
        if at <= started || t.fails {
            return 0;
        }
        let n = ((at - started) as f64 / 1000.0 * t.rate).floor() as u64;
        n.min(t.target)
    };
    let done_at = if t.rate > 0.0 {
        started + (t.target as f64 / t.rate * 1000.0).ceil() as EpochMillis
    } else {
        EpochMillis::MAX
    };
    let finish = |status, labeled: u64, last_modified| Progress {
        status,
        labeled,
        unlabeled: t.total.saturating_sub(labeled),
        last_modified,
    };
    if let Some(stop) = t.stopped_at {
        // A stop that arrived after completion changes nothing.
        if t.streaming || stop < done_at {
            let labeled = labeled_at(stop);
            return if now < stop + STOPPING_MILLIS {
                finish(Status::Stopping, labeled, stop)
            } else {
                finish(Status::Stopped, labeled, stop + STOPPING_MILLIS)
            };
        }
    }
    if now < started {
        return finish(Status::Initializing, 0, t.created);
    }
    if t.fails {
        return finish(Status::Failed, 0, started);
    }
    if !t.streaming && now >= done_at {
        return finish(Status::Completed, t.target, done_at);
    }
    finish(Status::InProgress, labeled_at(now), started)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline() -> Timeline {
        Timeline {
            created: 10_000,
            init_seconds: 2.0,
            rate: 2.0,
            target: 10,
            total: 10,
            streaming: false,
            fails: false,
            stopped_at: None,
        }
    }

    #[test]
    fn runs_to_completion() {
        let t = timeline();
        assert_eq!(progress(&t, 11_000).status, Status::Initializing);
        let mid = progress(&t, 14_500);
        assert_eq!(
            (mid.status, mid.labeled, mid.unlabeled),
            (Status::InProgress, 5, 5)
        );
        let done = progress(&t, 17_000);
        assert_eq!(
            (done.status, done.labeled, done.last_modified),
            (Status::Completed, 10, 17_000)
        );
        assert_eq!(progress(&t, 99_000), done);
    }

    #[test]
    fn stopping_conditions_lower_the_target() {
        let t = Timeline {
            target: 4,
            ..timeline()
        };
        let done = progress(&t, 15_000);
        assert_eq!(
            (done.status, done.labeled, done.unlabeled),
            (Status::Completed, 4, 6)
        );
    }

    #[test]
    fn fails_after_initializing() {
        let t = Timeline {
            fails: true,
            ..timeline()
        };
        assert_eq!(progress(&t, 11_000).status, Status::Initializing);
        assert_eq!(progress(&t, 12_000).status, Status::Failed);
    }

    #[test]
    fn stop_keeps_the_labels_it_had() {
        let t = Timeline {
            stopped_at: Some(14_000),
            ..timeline()
        };
        let stopping = progress(&t, 14_500);
        assert_eq!((stopping.status, stopping.labeled), (Status::Stopping, 4));
        let stopped = progress(&t, 20_000);
        assert_eq!((stopped.status, stopped.labeled), (Status::Stopped, 4));
    }

    #[test]
    fn streaming_jobs_run_until_stopped() {
        let t = Timeline {
            streaming: true,
            ..timeline()
        };
        assert_eq!(progress(&t, 1_000_000).status, Status::InProgress);
    }
}
