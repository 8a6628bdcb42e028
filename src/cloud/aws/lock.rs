//! The plan lock in S3: a conditional `PutObject` (`If-None-Match: *`) takes it, `GetObject`
//! says who holds it, a conditional `DeleteObject` (`If-Match: <ETag>`) releases exactly the
//! lock that was taken. The bucket is created when the first lock finds it missing, so taking a
//! lock and releasing it are one call each.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
};

use super::{AwsCloud, cloud_error, code_of, malformed, status_of, written};
use crate::cloud::CloudError;
use crate::model::lock::{Lock, LockInfo, LockSpot, TryLock};
use crate::model::names::BucketName;

impl AwsCloud {
    /// Creates the lock bucket. Another account owning the name is an error that says how to
    /// pick another bucket.
    async fn create_lock_bucket(&self, bucket: &BucketName) -> Result<(), CloudError> {
        let action = || format!("create the lock bucket `{bucket}`");
        let region = self.region.as_str();
        let config = (region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build()
        });
        match self
            .services()
            .s3
            .create_bucket()
            .bucket(bucket.as_str())
            .set_create_bucket_configuration(config)
            .send()
            .await
        {
            Err(err) if code_of(&err) == Some("BucketAlreadyOwnedByYou") => Ok(()),
            Err(err) if code_of(&err) == Some("BucketAlreadyExists") => {
                Err(not_usable(action(), bucket))
            }
            other => written(other, action),
        }
    }

    /// Blocks public access to the lock bucket. S3 blocks it on new buckets by default since
    /// 2023; gtplan says so explicitly, at the same time as it writes the first lock.
    async fn block_public_access(&self, bucket: &BucketName) -> Result<(), CloudError> {
        written(
            self.services()
                .s3
                .put_public_access_block()
                .bucket(bucket.as_str())
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await,
            || format!("block public access to the lock bucket `{bucket}`"),
        )
    }

    pub(super) async fn put_lock(
        &self,
        spot: &LockSpot,
        info: &LockInfo,
    ) -> Result<TryLock, CloudError> {
        let action = || format!("take the lock `{spot}`");
        let body = serde_json::to_vec_pretty(info)
            .map_err(|e| malformed(action(), format!("the lock does not encode: {e}")))?;
        // A lock released between a refused write and the read that names its holder is
        // taken again; more than a few such races in a row is not plausible.
        let mut new_bucket = false;
        for _ in 0..5 {
            let put = self
                .services()
                .s3
                .put_object()
                .bucket(spot.bucket.as_str())
                .key(spot.key.as_str())
                .if_none_match("*")
                .content_type("application/json")
                .body(ByteStream::from(body.clone()))
                .send();
            let (put, blocked) = futures::join!(put, async {
                if std::mem::take(&mut new_bucket) {
                    self.block_public_access(&spot.bucket).await
                } else {
                    Ok(())
                }
            });
            blocked?;
            match put {
                Ok(out) => {
                    let version = out
                        .e_tag()
                        .ok_or_else(|| malformed(action(), "PutObject returned no ETag"))?;
                    return Ok(TryLock::Taken {
                        version: version.to_owned(),
                    });
                }
                // 412: a lock exists. 409: another conditional write to it is in flight.
                Err(err) if matches!(status_of(&err), Some(412 | 409)) => {}
                // The first lock of this account and region: make its bucket, then try again.
                Err(err) if code_of(&err) == Some("NoSuchBucket") => {
                    self.create_lock_bucket(&spot.bucket).await?;
                    new_bucket = true;
                    continue;
                }
                Err(err) if status_of(&err) == Some(403) => {
                    return Err(not_usable(action(), &spot.bucket));
                }
                Err(err) => return Err(cloud_error(action(), err)),
            }
            match self.get_lock(spot).await? {
                // This run's own lock, written by an attempt whose answer was lost.
                Some(lock) if lock.info.id == info.id => {
                    return Ok(TryLock::Taken {
                        version: lock.version,
                    });
                }
                Some(lock) => return Ok(TryLock::Held(lock)),
                None => {}
            }
        }
        Err(malformed(
            action(),
            "the lock was taken and released five times while this run tried to take it",
        ))
    }

    pub(super) async fn get_lock(&self, spot: &LockSpot) -> Result<Option<Lock>, CloudError> {
        let action = || format!("read the lock `{spot}`");
        let got = self
            .services()
            .s3
            .get_object()
            .bucket(spot.bucket.as_str())
            .key(spot.key.as_str())
            .send()
            .await;
        let out = match got {
            Ok(out) => out,
            Err(err) if matches!(code_of(&err), Some("NoSuchKey" | "NoSuchBucket")) => {
                return Ok(None);
            }
            Err(err) => return Err(cloud_error(action(), err)),
        };
        let version = out
            .e_tag()
            .ok_or_else(|| malformed(action(), "GetObject returned no ETag"))?
            .to_owned();
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| malformed(action(), format!("the lock could not be read: {e}")))?
            .into_bytes();
        let info = serde_json::from_slice(&bytes).map_err(|e| {
            malformed(
                action(),
                format!("`{spot}` is not a gtplan lock ({e}); if nothing holds it, delete it"),
            )
        })?;
        Ok(Some(Lock { info, version }))
    }

    /// `DeleteObject` with `If-Match`: `412` means the lock object is another lock now, `404`
    /// that it is gone (also when this delete was sent again after its answer was lost).
    pub(super) async fn remove_lock(
        &self,
        spot: &LockSpot,
        version: &str,
    ) -> Result<bool, CloudError> {
        let deleted = self
            .services()
            .s3
            .delete_object()
            .bucket(spot.bucket.as_str())
            .key(spot.key.as_str())
            .if_match(version)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(true),
            Err(err) if matches!(status_of(&err), Some(412 | 404)) => Ok(false),
            Err(err) => Err(cloud_error(format!("release the lock `{spot}`"), err)),
        }
    }
}

/// The lock bucket's name belongs to another account, or these credentials may not write to it.
fn not_usable(action: String, bucket: &BucketName) -> CloudError {
    CloudError::Service {
        action,
        code: "AccessDenied".to_owned(),
        message: format!(
            "bucket `{bucket}` exists and these credentials may not write to it (another account may own the name); pass `--lock-bucket NAME` to keep locks in a bucket of yours"
        ),
    }
}
