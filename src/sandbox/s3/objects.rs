//! Objects: PutObject (including conditional writes), GetObject, HeadObject and DeleteObject
//! (listings are in `list`). Bodies go to the content-addressed blob store before the metadata that
//! refers to them.

use std::collections::HashMap;

use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use s3s::dto::{
    DeleteObjectInput, DeleteObjectOutput, DeleteObjectsInput, DeleteObjectsOutput, DeletedObject,
    ETag, ETagCondition, Error, GetObjectInput, GetObjectOutput, HeadObjectInput, HeadObjectOutput,
    PutObjectInput, PutObjectOutput, StreamingBlob,
};
use s3s::{Body, S3Error, S3Response, S3Result, s3_error};

use super::buckets::timestamp;
use super::state::Object;
use super::{SandboxS3, errors};

pub(super) fn etag(object: &Object) -> ETag {
    ETag::Strong(object.etag.trim_matches('"').to_owned())
}

/// `If-Match` on a write or a delete: the object must exist (else `404 NoSuchKey`) and, unless
/// the condition is `*`, carry that ETag (else `412 PreconditionFailed`).
fn if_match(
    condition: Option<&ETagCondition>,
    existing: Option<&Object>,
    key: &str,
) -> S3Result<()> {
    match (condition, existing) {
        (Some(_), None) => Err(errors::no_such_key(key)),
        (Some(ETagCondition::ETag(want)), Some(o)) if want.value() != etag(o).value() => {
            Err(s3_error!(
                PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold"
            ))
        }
        _ => Ok(()),
    }
}

pub(super) async fn read_body(body: Option<StreamingBlob>) -> S3Result<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(mut stream) = body {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| s3_error!(IncompleteBody, "{e}"))?;
            out.extend_from_slice(&chunk);
        }
    }
    Ok(out)
}

pub async fn put(s3: &SandboxS3, input: PutObjectInput) -> S3Result<S3Response<PutObjectOutput>> {
    let bucket = input.bucket.clone();
    let key = input.key.clone();
    // Fail fast on a missing bucket before reading a large body.
    s3.shared.store.read(|w| {
        s3.authorized(w, &bucket, "s3:PutObject", Some(&key))
            .map(|_| ())
    })?;
    let body = read_body(input.body).await?;
    let blob = s3
        .shared
        .store
        .put_blob(&body)
        .map_err(|e| errors::internal(&e))?;
    let mut object = Object::new(
        blob,
        &body,
        s3.shared.clock.now(),
        input.content_type.clone(),
    );
    object.metadata = input
        .metadata
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let tag = etag(&object);
    s3.shared.store.write(|w| {
        s3.authorized(w, &bucket, "s3:PutObject", Some(&key))?;
        let existing = w.s3.object(&bucket, &key);
        // Conditional writes: `If-None-Match: *` creates only (locks), `If-Match` replaces only
        // the version the caller saw.
        match (&input.if_none_match, existing) {
            (Some(ETagCondition::Any), Some(_)) => {
                return Err(s3_error!(
                    PreconditionFailed,
                    "At least one of the pre-conditions you specified did not hold"
                ));
            }
            (Some(ETagCondition::ETag(_)), _) => {
                return Err(s3_error!(
                    NotImplemented,
                    "If-None-Match on PutObject only supports `*`"
                ));
            }
            _ => {}
        }
        if_match(input.if_match.as_ref(), existing, &key)?;
        w.s3.put_object(&bucket, &key, object);
        Ok::<_, S3Error>(())
    })?;
    Ok(S3Response::new(PutObjectOutput {
        e_tag: Some(tag),
        ..Default::default()
    }))
}

fn found(s3: &SandboxS3, bucket: &str, key: &str, action: &str) -> S3Result<Object> {
    s3.shared.store.read(|w| {
        s3.authorized(w, bucket, action, Some(key))?;
        w.s3.object(bucket, key)
            .cloned()
            .ok_or_else(|| errors::no_such_key(key))
    })
}

fn metadata(object: &Object) -> Option<HashMap<String, String>> {
    (!object.metadata.is_empty()).then(|| {
        object
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    })
}

pub fn get(s3: &SandboxS3, input: &GetObjectInput) -> S3Result<S3Response<GetObjectOutput>> {
    let object = found(s3, &input.bucket, &input.key, "s3:GetObject")?;
    let body = s3
        .shared
        .store
        .get_blob(&object.blob)
        .map_err(|e| errors::internal(&e))?;
    let (body, content_range, status) = match &input.range {
        Some(range) => {
            let r = range.check(object.size)?;
            let slice = body
                .get(
                    usize::try_from(r.start).unwrap_or(usize::MAX)
                        ..usize::try_from(r.end).unwrap_or(usize::MAX),
                )
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            let content_range = format!(
                "bytes {}-{}/{}",
                r.start,
                r.end.saturating_sub(1),
                object.size
            );
            (slice, Some(content_range), StatusCode::PARTIAL_CONTENT)
        }
        None => (body, None, StatusCode::OK),
    };
    let length = i64::try_from(body.len()).unwrap_or(i64::MAX);
    let output = GetObjectOutput {
        body: Some(StreamingBlob::from(Body::from(Bytes::from(body)))),
        content_length: Some(length),
        content_range,
        content_type: object.content_type.clone(),
        e_tag: Some(etag(&object)),
        last_modified: Some(timestamp(object.last_modified)),
        metadata: metadata(&object),
        accept_ranges: Some("bytes".to_owned()),
        ..Default::default()
    };
    Ok(S3Response::with_status(output, status))
}

pub fn head(s3: &SandboxS3, input: &HeadObjectInput) -> S3Result<S3Response<HeadObjectOutput>> {
    let object = found(s3, &input.bucket, &input.key, "s3:GetObject")?;
    Ok(S3Response::new(HeadObjectOutput {
        content_length: Some(i64::try_from(object.size).unwrap_or(i64::MAX)),
        content_type: object.content_type.clone(),
        e_tag: Some(etag(&object)),
        last_modified: Some(timestamp(object.last_modified)),
        metadata: metadata(&object),
        accept_ranges: Some("bytes".to_owned()),
        ..Default::default()
    }))
}

pub fn delete(
    s3: &SandboxS3,
    input: &DeleteObjectInput,
) -> S3Result<S3Response<DeleteObjectOutput>> {
    // Deleting a key that does not exist succeeds, as on S3, unless `If-Match` asks for it
    // (a conditional delete, which S3 serves since 2025; gtplan releases its lock with one).
    s3.shared.store.write(|w| {
        s3.authorized(w, &input.bucket, "s3:DeleteObject", Some(&input.key))?;
        // Comparing an ETag reads the object: S3 asks for `s3:GetObject` too.
        if let Some(ETagCondition::ETag(_)) = &input.if_match {
            s3.authorized(w, &input.bucket, "s3:GetObject", Some(&input.key))?;
        }
        if_match(
            input.if_match.as_ref(),
            w.s3.object(&input.bucket, &input.key),
            &input.key,
        )?;
        w.s3.remove_object(&input.bucket, &input.key);
        Ok::<_, S3Error>(())
    })?;
    Ok(S3Response::with_status(
        DeleteObjectOutput::default(),
        StatusCode::NO_CONTENT,
    ))
}

/// `DeleteObjects`: up to 1000 keys in one request, each authorized on its own; a key the
/// bucket policy denies is reported in `Errors` and the others are deleted, as S3 does. Quiet
/// mode answers with the errors only.
pub fn delete_many(
    s3: &SandboxS3,
    input: &DeleteObjectsInput,
) -> S3Result<S3Response<DeleteObjectsOutput>> {
    const MAX_KEYS: usize = 1000;
    let keys: Vec<String> = input.delete.objects.iter().map(|o| o.key.clone()).collect();
    if keys.is_empty() || keys.len() > MAX_KEYS {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    }
    let quiet = input.delete.quiet == Some(true);
    let (deleted, errors) = s3.shared.store.write(|w| {
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for key in keys {
            match s3.authorized(w, &input.bucket, "s3:DeleteObject", Some(&key)) {
                Ok(_) => {
                    w.s3.remove_object(&input.bucket, &key);
                    deleted.push(DeletedObject {
                        key: Some(key),
                        ..Default::default()
                    });
                }
                Err(e) if e.code() == &s3s::S3ErrorCode::NoSuchBucket => return Err(e),
                Err(e) => errors.push(Error {
                    code: Some(e.code().as_str().to_owned()),
                    key: Some(key),
                    message: e.message().map(ToOwned::to_owned),
                    ..Default::default()
                }),
            }
        }
        Ok::<_, S3Error>((deleted, errors))
    })?;
    Ok(S3Response::new(DeleteObjectsOutput {
        deleted: (!quiet).then_some(deleted),
        errors: (!errors.is_empty()).then_some(errors),
        ..Default::default()
    }))
}
