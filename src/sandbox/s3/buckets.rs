//! Bucket lifecycle: CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation.

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use http::StatusCode;
use s3s::dto::{
    Bucket as BucketDto, BucketLocationConstraint, CreateBucketInput, CreateBucketOutput,
    DeleteBucketOutput, GetBucketLocationOutput, HeadBucketInput, HeadBucketOutput,
    ListBucketsOutput, Owner, Timestamp,
};
use s3s::{S3Error, S3Request, S3Response, S3Result, s3_error};

use super::SandboxS3;
use super::state::Bucket;
use crate::sandbox::clock::EpochMillis;

/// The region a request was signed for; S3's default endpoint region otherwise.
fn request_region(req: &S3Request<CreateBucketInput>) -> String {
    req.region
        .as_ref()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.as_str().to_owned())
}

/// The bucket's region from its `LocationConstraint`, checked against the endpoint's region
/// the way S3 does. A regional endpoint creates buckets in its own region only
/// (`IllegalLocationConstraintException`, also when the constraint is left out); the us-east-1
/// endpoint is the global one and creates a bucket in whichever region the constraint names.
/// `us-east-1` itself is never a valid constraint: it is expressed by leaving it out.
fn bucket_region(constraint: Option<&str>, endpoint: &str) -> S3Result<String> {
    let region = match constraint {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some("us-east-1") => {
            return Err(s3_error!(
                InvalidLocationConstraint,
                "The specified location-constraint is not valid"
            ));
        }
        Some(other) if is_region_name(other) => other,
        Some(_) => {
            return Err(s3_error!(
                InvalidLocationConstraint,
                "The specified location-constraint is not valid"
            ));
        }
    };
    if region == endpoint || endpoint == "us-east-1" {
        Ok(region.to_owned())
    } else if constraint.is_none() {
        Err(s3_error!(
            IllegalLocationConstraintException,
            "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to."
        ))
    } else {
        Err(s3_error!(
            IllegalLocationConstraintException,
            "The {region} location constraint is incompatible for the region specific endpoint this request was sent to."
        ))
    }
}

/// The shape of an AWS region name (`eu-west-1`, `us-gov-west-1`, `ap-southeast-2`).
fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

pub fn timestamp(ms: EpochMillis) -> Timestamp {
    let ms = u64::try_from(ms).unwrap_or_default();
    Timestamp::from(UNIX_EPOCH + Duration::from_millis(ms))
}

pub fn create(
    s3: &SandboxS3,
    req: &S3Request<CreateBucketInput>,
) -> S3Result<S3Response<CreateBucketOutput>> {
    let endpoint = request_region(req);
    let name = req.input.bucket.clone();
    let constraint = req
        .input
        .create_bucket_configuration
        .as_ref()
        .and_then(|c| c.location_constraint.as_ref())
        .map(BucketLocationConstraint::as_str);
    create_bucket(s3, &name, &endpoint, constraint, BTreeMap::new())?;
    Ok(S3Response::new(CreateBucketOutput {
        location: Some(format!("/{name}")),
    }))
}

/// Creates a bucket in the region its constraint names, with its tags in the same write (S3
/// accepts tags in CreateBucketConfiguration, so a new bucket is never seen untagged).
pub fn create_bucket(
    s3: &SandboxS3,
    name: &str,
    endpoint: &str,
    constraint: Option<&str>,
    tags: BTreeMap<String, String>,
) -> S3Result<()> {
    let region = bucket_region(constraint, endpoint)?;
    let now = s3.shared.clock.now();
    s3.shared.store.write(|w| {
        if let Some(existing) = w.s3.buckets.get(name) {
            // S3 keeps a legacy answer in us-east-1: re-creating your own bucket there is a
            // success; everywhere else it is `BucketAlreadyOwnedByYou`.
            if existing.region == "us-east-1" && region == "us-east-1" {
                return Ok(());
            }
            return Err(s3_error!(
                BucketAlreadyOwnedByYou,
                "Your previous request to create the named bucket succeeded and you already own it."
            ));
        }
        let mut bucket = Bucket::new(name, &region, now);
        if !tags.is_empty() {
            bucket.tags_changing(now, s3.shared.consistency.tag_index_ms());
        }
        bucket.tags = (!tags.is_empty()).then_some(tags);
        w.s3.buckets.insert(name.to_owned(), bucket);
        Ok::<_, S3Error>(())
    })
}

pub fn head(s3: &SandboxS3, input: &HeadBucketInput) -> S3Result<S3Response<HeadBucketOutput>> {
    let region = s3.shared.store.read(|w| {
        s3.authorized(w, &input.bucket, "s3:ListBucket", None)
            .map(|b| b.region.clone())
    })?;
    Ok(S3Response::new(HeadBucketOutput {
        bucket_region: Some(region),
        ..Default::default()
    }))
}

pub fn list(s3: &SandboxS3) -> S3Response<ListBucketsOutput> {
    let buckets = s3.shared.store.read(|w| {
        w.s3.buckets
            .values()
            .map(|b| BucketDto {
                name: Some(b.name.clone()),
                creation_date: Some(timestamp(b.created)),
                bucket_region: Some(b.region.clone()),
            })
            .collect::<Vec<_>>()
    });
    let account = &s3.shared.config.account_id;
    S3Response::new(ListBucketsOutput {
        buckets: Some(buckets),
        owner: Some(Owner {
            display_name: Some("sandbox".to_owned()),
            id: Some(account.clone()),
        }),
        ..Default::default()
    })
}

pub fn delete(s3: &SandboxS3, bucket: &str) -> S3Result<S3Response<DeleteBucketOutput>> {
    s3.shared.store.write(|w| {
        s3.authorized(w, bucket, "s3:DeleteBucket", None)?;
        if w.s3.has_objects(bucket) {
            return Err(s3_error!(
                BucketNotEmpty,
                "The bucket you tried to delete is not empty"
            ));
        }
        w.s3.buckets.remove(bucket);
        Ok::<_, S3Error>(())
    })?;
    Ok(S3Response::with_status(
        DeleteBucketOutput::default(),
        StatusCode::NO_CONTENT,
    ))
}

pub fn location(s3: &SandboxS3, bucket: &str) -> S3Result<S3Response<GetBucketLocationOutput>> {
    let region = s3.shared.store.read(|w| {
        s3.authorized(w, bucket, "s3:GetBucketLocation", None)
            .map(|b| b.region.clone())
    })?;
    // us-east-1 is the one region S3 reports as an empty constraint.
    let constraint = (region != "us-east-1").then(|| BucketLocationConstraint::from(region));
    Ok(S3Response::new(GetBucketLocationOutput {
        location_constraint: constraint,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::errors;
    use super::*;

    #[test]
    fn location_constraints_follow_s3() {
        assert_eq!(bucket_region(None, "us-east-1").expect("ok"), "us-east-1");
        assert_eq!(
            bucket_region(Some("EU"), "eu-west-1").expect("ok"),
            "eu-west-1"
        );
        assert!(bucket_region(Some("us-east-1"), "us-east-1").is_err());
        assert!(bucket_region(Some("mars-1"), "us-east-1").is_err());
        assert!(bucket_region(Some("us-gov-west-1"), "us-east-1").is_ok());
        assert!(bucket_region(None, "eu-west-1").is_err());
        assert!(bucket_region(Some("us-west-2"), "eu-west-1").is_err());
        // The global endpoint creates buckets anywhere.
        assert_eq!(
            bucket_region(Some("eu-west-1"), "us-east-1").expect("ok"),
            "eu-west-1"
        );
    }

    #[test]
    fn errors_have_s3_codes() {
        assert_eq!(errors::no_such_bucket("b").code().as_str(), "NoSuchBucket");
    }
}
