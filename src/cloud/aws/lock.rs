//! The plan lock in S3: a conditional `PutObject` (`If-None-Match: *`) takes it, `GetObject`
//! says who holds it, `DeleteObject` releases it. The bucket is created on first use.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
};

use super::{AwsCloud, cloud_error, code_of, deleted, malformed, status_of, written};
use crate::cloud::CloudError;
use crate::model::lock::{LockInfo, LockSpot};
use crate::model::names::BucketName;

impl AwsCloud {
    pub(super) async fn create_lock_bucket(&self, bucket: &BucketName) -> Result<(), CloudError> {
        let action = || format!("create the lock bucket `{bucket}`");
        let s3 = &self.s3;
        match s3.head_bucket().bucket(bucket.as_str()).send().await {
            Ok(_) => return Ok(()),
            Err(err) if status_of(&err) == Some(404) => {}
            Err(err) if status_of(&err) == Some(403) => {
                return Err(CloudError::Service {
                    action: action(),
                    code: "AccessDenied".to_owned(),
                    message: format!(
                        "bucket `{bucket}` exists and these credentials may not use it (another account may own the name); pass `--lock-bucket NAME` to keep locks in a bucket of yours"
                    ),
                });
            }
            Err(err) => return Err(cloud_error(action(), err)),
        }
        let region = self.region.as_str();
        let config = (region != "us-east-1").then(|| {
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build()
        });
        match s3
            .create_bucket()
            .bucket(bucket.as_str())
            .set_create_bucket_configuration(config)
            .send()
            .await
        {
            Err(err) if code_of(&err) == Some("BucketAlreadyOwnedByYou") => {}
            other => written(other, action)?,
        }
        written(
            s3.put_public_access_block()
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
    ) -> Result<Option<LockInfo>, CloudError> {
        let action = || format!("take the lock `{spot}`");
        let body = serde_json::to_vec_pretty(info)
            .map_err(|e| malformed(action(), format!("the lock does not encode: {e}")))?;
        // A lock released between a refused write and the read that names its holder is
        // taken again; more than a few such races in a row is not plausible.
        for _ in 0..5 {
            let put = self
                .s3
                .put_object()
                .bucket(spot.bucket.as_str())
                .key(spot.key.as_str())
                .if_none_match("*")
                .content_type("application/json")
                .body(ByteStream::from(body.clone()))
                .send()
                .await;
            match put {
                Ok(_) => return Ok(None),
                // 412: a lock exists. 409: another conditional write to it is in flight.
                Err(err) if matches!(status_of(&err), Some(412 | 409)) => {}
                Err(err) => return Err(cloud_error(action(), err)),
            }
            match self.get_lock(spot).await? {
                // This run's own lock, written by an attempt whose answer was lost.
                Some(holder) if holder.id == info.id => return Ok(None),
                Some(holder) => return Ok(Some(holder)),
                None => {}
            }
        }
        Err(malformed(
            action(),
            "the lock was taken and released five times while this run tried to take it",
        ))
    }

    pub(super) async fn get_lock(&self, spot: &LockSpot) -> Result<Option<LockInfo>, CloudError> {
        let action = || format!("read the lock `{spot}`");
        let got = self
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
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| malformed(action(), format!("the lock could not be read: {e}")))?
            .into_bytes();
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            malformed(
                action(),
                format!("`{spot}` is not a gtplan lock ({e}); if nothing holds it, delete it"),
            )
        })
    }

    pub(super) async fn remove_lock(&self, spot: &LockSpot) -> Result<(), CloudError> {
        deleted(
            self.s3
                .delete_object()
                .bucket(spot.bucket.as_str())
                .key(spot.key.as_str())
                .send()
                .await,
            &["NoSuchBucket"],
            || format!("release the lock `{spot}`"),
        )
    }
}
