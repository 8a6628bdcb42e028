//! Buckets: create with every setting (tags first), or update exactly the differing settings.

use serde_json::Value;

use crate::model::Step;
use crate::model::desired::{DesiredBucket, DesiredState};
use crate::model::observed::{BucketLookup, ObservedBucket};
use crate::model::{Address, Tags};
use crate::plan::digest;
use crate::plan::model::{Action, Change, FieldChange};
use crate::policy;

use super::{PlanError, change, check_owner, document, field, tag_fields, to_json, update_or_noop};

/// `GetBucketLocation` reports us-east-1 as an empty constraint and old eu-west-1 buckets as `EU`.
pub(super) fn bucket_region(region: &str) -> &str {
    match region {
        "" => "us-east-1",
        "EU" => "eu-west-1",
        other => other,
    }
}

pub(super) fn bucket_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredBucket,
    lookup: &BucketLookup,
) -> Result<Change, PlanError> {
    let name = want.name.as_str();
    let found = match lookup {
        BucketLookup::Missing => return Ok(create_bucket(desired, address, want, lookup)),
        BucketLookup::OwnedElsewhere => {
            return Err(PlanError::new(
                address,
                format!("bucket name `{name}` is owned by another AWS account"),
                format!(
                    "bucket names are global across all AWS accounts: choose another `name` for `{address}`, e.g. one with your account id or a random suffix"
                ),
            ));
        }
        BucketLookup::Found(found) => found,
    };
    let adopting = check_owner(
        address,
        "bucket",
        name,
        &found.tags,
        &desired.plan,
        want.adopt,
    )?;
    let region = bucket_region(&found.region);
    if region != desired.region.as_str() {
        return Err(PlanError::new(
            address,
            format!(
                "bucket `{name}` is in `{region}` but the plan's region is `{}`",
                desired.region
            ),
            "S3 cannot move a bucket to another region: choose another bucket name, or set the plan's `region` to the bucket's",
        ));
    }
    let (fields, steps) = bucket_updates(want, found);
    let digest = digest::bucket(lookup);
    Ok(update_or_noop(
        address, name, digest, adopting, fields, steps,
    ))
}

/// The differing fields of an existing bucket and one write per field, in the same order as
/// a create (tags first, so an adopted bucket is marked as ours before anything else).
pub(super) fn bucket_updates(
    want: &DesiredBucket,
    found: &ObservedBucket,
) -> (Vec<FieldChange>, Vec<Step>) {
    let bucket = want.name.to_string();
    let mut fields = Vec::new();
    let mut steps = Vec::new();

    let tag_changes = tag_fields(&found.tags, &want.tags);
    if !tag_changes.is_empty() {
        fields.extend(tag_changes);
        // PutBucketTagging replaces the whole set, which also drops tags the plan no longer has.
        steps.push(Step::PutBucketTagging {
            bucket: bucket.clone(),
            tags: want.tags.clone(),
        });
    }
    if found.public_access_block != Some(want.public_access_block) {
        fields.push(field(
            "public_access_block",
            found.public_access_block.as_ref().map(to_json),
            Some(to_json(&want.public_access_block)),
        ));
        steps.push(Step::PutPublicAccessBlock {
            bucket: bucket.clone(),
            config: want.public_access_block,
        });
    }
    if found.encryption.as_ref() != Some(&want.encryption) {
        fields.push(field(
            "encryption",
            found.encryption.as_ref().map(to_json),
            Some(to_json(&want.encryption)),
        ));
        steps.push(Step::PutBucketEncryption {
            bucket: bucket.clone(),
            encryption: want.encryption.clone(),
        });
    }
    match (&found.policy, want.policy.is_null()) {
        (Some(policy), true) => {
            fields.push(document("policy", Some(policy.clone()), None));
            steps.push(Step::DeleteBucketPolicy {
                bucket: bucket.clone(),
            });
        }
        (None, true) => {}
        (Some(policy), false) if policy::equivalent(policy, &want.policy) => {}
        (policy, false) => {
            fields.push(document(
                "policy",
                policy.clone(),
                Some(want.policy.clone()),
            ));
            steps.push(Step::PutBucketPolicy {
                bucket: bucket.clone(),
                policy: want.policy.clone(),
            });
        }
    }
    if found.cors != want.cors {
        let before = (!found.cors.is_empty()).then(|| to_json(&found.cors));
        let after = (!want.cors.is_empty()).then(|| to_json(&want.cors));
        fields.push(field("cors", before, after));
        steps.push(if want.cors.is_empty() {
            Step::DeleteBucketCors { bucket }
        } else {
            Step::PutBucketCors {
                bucket,
                rules: want.cors.clone(),
            }
        });
    }
    (fields, steps)
}

pub(super) fn create_bucket(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredBucket,
    lookup: &BucketLookup,
) -> Change {
    let bucket = want.name.to_string();
    let mut c = change(
        address,
        &bucket,
        Action::Create,
        "does not exist",
        digest::bucket(lookup),
    );
    c.fields.push(field(
        "region",
        None,
        Some(Value::String(desired.region.to_string())),
    ));
    c.fields.extend(tag_fields(&Tags::new(), &want.tags));
    c.fields.push(field(
        "public_access_block",
        None,
        Some(to_json(&want.public_access_block)),
    ));
    c.fields
        .push(field("encryption", None, Some(to_json(&want.encryption))));
    c.steps = vec![
        Step::CreateBucket {
            bucket: bucket.clone(),
            region: desired.region.to_string(),
            tags: want.tags.clone(),
        },
        // Again on its own: endpoints that ignore tags on CreateBucket (older S3-compatible
        // servers, moto) still end up with the plan's tags.
        Step::PutBucketTagging {
            bucket: bucket.clone(),
            tags: want.tags.clone(),
        },
        Step::PutPublicAccessBlock {
            bucket: bucket.clone(),
            config: want.public_access_block,
        },
        Step::PutBucketEncryption {
            bucket: bucket.clone(),
            encryption: want.encryption.clone(),
        },
    ];
    if !want.policy.is_null() {
        c.fields
            .push(document("policy", None, Some(want.policy.clone())));
        c.steps.push(Step::PutBucketPolicy {
            bucket: bucket.clone(),
            policy: want.policy.clone(),
        });
    }
    if !want.cors.is_empty() {
        c.fields
            .push(field("cors", None, Some(to_json(&want.cors))));
        c.steps.push(Step::PutBucketCors {
            bucket,
            rules: want.cors.clone(),
        });
    }
    c
}
