//! Digests of observed resources. The planner records one per change; apply re-reads the
//! resource before writing and refuses when the digest moved (someone changed it since the plan
//! was made). Both sides call these functions, so they always hash the same view.
//!
//! A digest covers what the plan's decisions depend on and nothing that moves by itself: a
//! running job's label counters grow every second, so a job is hashed by its request and
//! whether it is still running.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::observed::{BucketLookup, ObservedJob, ObservedObject, ObservedRole};

fn hash<T: Serialize>(value: &T) -> String {
    // Serializing our own plain data types cannot fail; fall back to a constant that never
    // matches a real digest rather than panicking.
    let json = serde_json::to_vec(value).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

pub fn bucket(observed: &BucketLookup) -> String {
    hash(observed)
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
}
