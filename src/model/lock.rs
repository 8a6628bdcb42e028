//! The lock that serializes runs of one plan: an S3 object written only if it does not exist
//! (`If-None-Match: *`), as Terraform's S3 backend locks its state since 1.10. Its body says
//! who holds it, so a waiting run can say so and `gtplan force-unlock` can name it.

use serde::{Deserialize, Serialize};

use super::names::{BucketName, NameError, ObjectKey, PlanName, Region};

/// What a lock object holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Chosen by the holder; releasing and force-unlocking name it.
    pub id: String,
    /// `apply` or `destroy`.
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// The holding process, so that a run on the same host can tell a holder that is gone.
    #[serde(default)]
    pub pid: Option<u32>,
    /// When it was taken, RFC 3339.
    pub created: String,
    /// The gtplan version that took it.
    pub version: String,
    pub plan: String,
}

/// A lock as read from S3: who holds it, and which version of the lock object it is (its
/// ETag). A lock is deleted only if it is still that version (a conditional `DeleteObject`),
/// so a run never deletes a lock that was broken and taken by another run meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub info: LockInfo,
    pub version: String,
}

/// What trying to take a lock found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryLock {
    /// This run holds it now, as this version of the lock object.
    Taken { version: String },
    /// Another run holds it.
    Held(Lock),
}

/// Where a plan's lock lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockSpot {
    pub bucket: BucketName,
    pub key: ObjectKey,
}

impl LockSpot {
    /// `s3://gtplan-locks-<account>-<region>/locks/<plan>.json`, or in `bucket` when given.
    /// The lock cannot live in one of the plan's buckets: none exists before the first apply,
    /// and destroy deletes them; so gtplan keeps one bucket per account and region for the
    /// locks of every plan there (docs/reliability.md).
    pub fn for_plan(
        plan: &PlanName,
        account: &str,
        region: &Region,
        bucket: Option<&str>,
    ) -> Result<Self, NameError> {
        let bucket = match bucket {
            Some(b) => BucketName::parse(b)?,
            None => BucketName::parse(&format!("gtplan-locks-{account}-{region}"))?,
        };
        Ok(Self {
            bucket,
            key: ObjectKey::parse(&format!("locks/{plan}.json"))?,
        })
    }
}

impl std::fmt::Display for LockSpot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_bucket_per_account_and_region() {
        let plan = PlanName::parse("quickstart").expect("plan");
        let region = Region::parse("ap-southeast-2").expect("region");
        let spot = LockSpot::for_plan(&plan, "123456789012", &region, None).expect("spot");
        assert_eq!(
            spot.to_string(),
            "s3://gtplan-locks-123456789012-ap-southeast-2/locks/quickstart.json"
        );
        let mine =
            LockSpot::for_plan(&plan, "123456789012", &region, Some("team-locks")).expect("spot");
        assert_eq!(mine.to_string(), "s3://team-locks/locks/quickstart.json");
        assert!(LockSpot::for_plan(&plan, "1", &region, Some("Bad_Bucket")).is_err());
    }
}
