//! Uploads: an object is identified by the SHA-256 of its content, kept in its metadata.

use serde_json::Value;

use crate::model::Step;
use crate::model::desired::{DesiredState, DesiredUpload};
use crate::model::observed::ObservedObject;
use crate::model::{Address, upload_metadata};
use crate::plan::digest;
use crate::plan::model::{Action, Change};

use super::{change, field};

pub(super) fn upload_change(
    desired: &DesiredState,
    address: &Address,
    want: &DesiredUpload,
    found: Option<&ObservedObject>,
) -> Change {
    let name = format!("s3://{}/{}", want.bucket, want.key);
    let digest = digest::object(found);
    let (action, reason) = match found {
        None => (Action::Create, "does not exist"),
        Some(o) if o.sha256.as_deref() == Some(want.sha256.as_str()) => {
            return with_bucket_dependency(
                desired,
                want,
                change(address, name, Action::NoOp, "matches the plan", digest),
            );
        }
        Some(o) if o.sha256.is_none() => (
            Action::Update,
            "exists without gtplan's content hash and will be overwritten",
        ),
        Some(_) => (Action::Update, "content changed"),
    };
    let mut c = change(address, name, action, reason, digest);
    if action == Action::Create {
        c.fields.push(field(
            "source",
            None,
            Some(Value::String(want.origin.clone())),
        ));
        c.fields.push(field(
            "content_type",
            None,
            Some(Value::String(want.content_type.clone())),
        ));
    }
    c.fields.push(field(
        "sha256",
        found.and_then(|o| o.sha256.clone()).map(Value::String),
        Some(Value::String(want.sha256.clone())),
    ));
    let metadata = upload_metadata(&want.sha256, &desired.plan, address);
    c.steps.push(Step::PutObject {
        bucket: want.bucket.to_string(),
        key: want.key.to_string(),
        content_type: want.content_type.clone(),
        sha256: want.sha256.clone(),
        metadata,
        body: want.body.clone(),
    });
    with_bucket_dependency(desired, want, c)
}

/// An upload needs its bucket when the plan manages that bucket.
pub(super) fn with_bucket_dependency(
    desired: &DesiredState,
    want: &DesiredUpload,
    mut c: Change,
) -> Change {
    c.depends_on = desired
        .buckets
        .iter()
        .filter(|(_, b)| b.name == want.bucket)
        .map(|(a, _)| a.clone())
        .collect();
    c
}
