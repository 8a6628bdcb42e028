//! Digests of observed resources. The planner records one per change; apply re-reads the
//! resource before writing and refuses when the digest moved (someone changed it since the plan
//! was made). Both sides call these functions, so they always hash the same view.
//!
//! A digest covers what the plan's decisions depend on and nothing that moves by itself or by
//! apply's own hand: a running job's label counters grow every second, so a job is hashed by
//! its request and whether it is still running; whether a bucket holds objects changes when
//! apply deletes the plan's uploads before the bucket, or when a job writes its output, so it
//! is left out (S3 refuses to delete a bucket that holds objects, and a `force_destroy` bucket
//! is emptied at apply time, so nothing depends on the planner's view of it).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::observed::{BucketLookup, ObservedJob, ObservedObject, ObservedRole};
use crate::model::workforce::{ObservedTeam, ObservedWorkforce};

fn hash<T: Serialize>(value: &T) -> String {
    // Serializing our own plain data types cannot fail; fall back to a constant that never
    // matches a real digest rather than panicking.
    let json = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

pub fn bucket(observed: &BucketLookup) -> String {
    match observed {
        BucketLookup::Found(b) => {
            let mut b = b.as_ref().clone();
            b.has_objects = false;
            hash(&BucketLookup::Found(Box::new(b)))
        }
        other => hash(other),
    }
}

pub fn role(observed: Option<&ObservedRole>) -> String {
    hash(&observed)
}

pub fn object(observed: Option<&ObservedObject>) -> String {
    hash(&observed)
}

pub fn job(observed: Option<&ObservedJob>) -> String {
    hash(&observed.map(|j| (&j.spec, j.status.is_running())))
}

/// The region's workforce, whoever made it.
pub fn workforce(observed: Option<&ObservedWorkforce>) -> String {
    hash(&observed)
}

/// A team with its members: a worker added or removed by hand since the plan moves it.
/// Which jobs use it is read only for destroy, and is not part of the team.
pub fn team(observed: Option<&ObservedTeam>) -> String {
    hash(&observed.map(|t| ObservedTeam {
        running_jobs: Vec::new(),
        ..t.clone()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_present_differ() {
        assert_ne!(
            bucket(&BucketLookup::Missing),
            bucket(&BucketLookup::OwnedElsewhere)
        );
        assert_eq!(role(None), role(None));
    }

    #[test]
    fn a_bucket_emptied_or_filled_keeps_its_digest() {
        use crate::plan::diff::fixture::{addr, desired, observed_bucket};
        let full = observed_bucket(&desired().buckets[&addr("bucket.data")]);
        let mut empty = full.clone();
        empty.has_objects = false;
        assert_eq!(
            bucket(&BucketLookup::Found(Box::new(full.clone()))),
            bucket(&BucketLookup::Found(Box::new(empty)))
        );
        let mut retagged = full.clone();
        retagged
            .tags
            .insert("added-by-hand".to_owned(), "yes".to_owned());
        assert_ne!(
            bucket(&BucketLookup::Found(Box::new(full))),
            bucket(&BucketLookup::Found(Box::new(retagged)))
        );
    }
}
