//! Eventual consistency where AWS has it, off by default, so that gtplan's waiting is tested:
//!
//! - **IAM propagation** (`--iam-propagation-seconds N`): for N seconds after `CreateRole` or
//!   `UpdateAssumeRolePolicy`, SageMaker cannot assume the role (`CreateLabelingJob` answers
//!   the `ValidationException` it gives for a role it cannot assume); for N seconds after
//!   `PutRolePolicy` or `DeleteRolePolicy`, a job started with the role still gets the inline
//!   policies it had before, and fails if those deny it its data. IAM documents that changes
//!   are not visible everywhere at once; new roles are observed to fail `AssumeRole` for 10 to
//!   30 seconds (`shared/ground-truth-facts-2.md` §5.1).
//! - **Tag index lag** (`--tag-index-seconds N`): for N seconds after a bucket's or a job's
//!   tags change, the Resource Groups Tagging API's `GetResources` still reports the tags it
//!   had before (a new resource: not at all). AWS documents the tag index as eventually
//!   consistent (§5.2).
//!
//! Both are measured on the sandbox's clock, so tests advance it instead of sleeping, and both
//! can be changed at runtime: `PUT /_gtplan/consistency?iam-propagation-seconds=N&tag-index-seconds=N`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};

use serde::{Deserialize, Serialize};

use super::clock::EpochMillis;

/// The windows, in milliseconds of the sandbox's clock; 0 is off.
#[derive(Debug, Default)]
pub struct Consistency {
    iam_propagation_ms: AtomicI64,
    tag_index_ms: AtomicI64,
}

/// The windows as set, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Windows {
    pub iam_propagation_seconds: f64,
    pub tag_index_seconds: f64,
}

fn millis(seconds: f64) -> i64 {
    // Seconds are checked non-negative and finite where they are parsed.
    #[expect(clippy::cast_possible_truncation, reason = "a window of a few minutes")]
    let ms = (seconds * 1000.0).round() as i64;
    ms.max(0)
}

impl Consistency {
    pub fn new(windows: Windows) -> Self {
        let c = Self::default();
        c.set(windows);
        c
    }

    pub fn set(&self, windows: Windows) {
        self.iam_propagation_ms
            .store(millis(windows.iam_propagation_seconds), Ordering::Relaxed);
        self.tag_index_ms
            .store(millis(windows.tag_index_seconds), Ordering::Relaxed);
    }

    pub fn windows(&self) -> Windows {
        #[expect(clippy::cast_precision_loss, reason = "milliseconds of a few minutes")]
        let seconds = |a: &AtomicI64| a.load(Ordering::Relaxed) as f64 / 1000.0;
        Windows {
            iam_propagation_seconds: seconds(&self.iam_propagation_ms),
            tag_index_seconds: seconds(&self.tag_index_ms),
        }
    }

    pub fn iam_propagation_ms(&self) -> i64 {
        self.iam_propagation_ms.load(Ordering::Relaxed)
    }

    pub fn tag_index_ms(&self) -> i64 {
        self.tag_index_ms.load(Ordering::Relaxed)
    }
}

/// What SageMaker still sees of a role whose last change has not propagated yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Propagating {
    /// When the change has propagated (sandbox clock).
    pub until: EpochMillis,
    /// Whether SageMaker can assume the role meanwhile: not after a new role or trust policy.
    pub assumable: bool,
    /// The inline policies SageMaker's session gets meanwhile: those before the change.
    pub inline_policies: BTreeMap<String, String>,
}

/// Tags the tag index has not caught up with yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indexing {
    /// When the index shows the current tags (sandbox clock).
    pub until: EpochMillis,
    /// What the index shows meanwhile: the tags before the change (`None`: not indexed at all).
    pub shown: Option<Vec<(String, String)>>,
}

impl Indexing {
    /// The index's view of tags that changed at `now`, from what it showed before (`before`:
    /// the previous view, or the tags the resource had).
    pub fn after_change(
        now: EpochMillis,
        window_ms: i64,
        pending: Option<&Indexing>,
        before: Option<Vec<(String, String)>>,
    ) -> Option<Indexing> {
        if window_ms == 0 {
            return None;
        }
        // A change while the index still lags keeps showing what it showed.
        let shown = match pending {
            Some(p) if now < p.until => p.shown.clone(),
            _ => before,
        };
        Some(Indexing {
            until: now + window_ms,
            shown,
        })
    }
}

impl Propagating {
    /// What SageMaker sees after a change at `now` to a role whose inline policies were
    /// `current` (before the change); `trust_changed` for a new role or trust policy.
    pub fn after_change(
        now: EpochMillis,
        window_ms: i64,
        pending: Option<&Propagating>,
        current: &BTreeMap<String, String>,
        trust_changed: bool,
    ) -> Option<Propagating> {
        if window_ms == 0 {
            return None;
        }
        // A change while an earlier one still propagates: SageMaker keeps its older view.
        let (assumable, inline_policies) = match pending {
            Some(p) if now < p.until => (p.assumable && !trust_changed, p.inline_policies.clone()),
            _ => (!trust_changed, current.clone()),
        };
        Some(Propagating {
            until: now + window_ms,
            assumable,
            inline_policies,
        })
    }

    pub fn active(&self, now: EpochMillis) -> bool {
        now < self.until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_change_keeps_sagemakers_older_view_until_it_has_propagated() {
        let old = BTreeMap::from([("p".to_owned(), "old".to_owned())]);
        // Off: nothing to remember.
        assert_eq!(Propagating::after_change(0, 0, None, &old, true), None);
        // A new policy on an old role: assumable, with the old policies.
        let put = Propagating::after_change(1000, 8000, None, &old, false).expect("on");
        assert!(put.assumable && put.inline_policies == old && put.until == 9000);
        // A trust change meanwhile: not assumable, still the oldest policies.
        let newer = BTreeMap::new();
        let trust = Propagating::after_change(2000, 8000, Some(&put), &newer, true).expect("on");
        assert!(!trust.assumable && trust.inline_policies == old && trust.until == 10_000);
        // After the window a change starts from the current view.
        let later = Propagating::after_change(20_000, 8000, Some(&trust), &newer, false);
        assert_eq!(
            later.map(|p| (p.assumable, p.inline_policies)),
            Some((true, newer))
        );
    }

    #[test]
    fn the_tag_index_shows_the_tags_before_a_change_until_it_catches_up() {
        let tags = vec![("k".to_owned(), "v".to_owned())];
        assert_eq!(Indexing::after_change(0, 0, None, Some(tags.clone())), None);
        let new = Indexing::after_change(0, 5000, None, None).expect("on");
        assert_eq!(new.shown, None);
        let again = Indexing::after_change(1000, 5000, Some(&new), Some(tags.clone()));
        assert_eq!(again.map(|i| (i.until, i.shown)), Some((6000, None)));
        let settled = Indexing::after_change(9000, 5000, Some(&new), Some(tags.clone()));
        assert_eq!(settled.and_then(|i| i.shown), Some(tags));
    }
}
