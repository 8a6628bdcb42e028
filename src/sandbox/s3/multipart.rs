//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload. Parts are stored as blobs as they arrive; completing joins them into
//! the object, with S3's multipart ETag (the MD5 of the parts' MD5s, then `-N`).

use std::collections::BTreeMap;

use md5::Digest;
use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, CompleteMultipartUploadInput,
    CompleteMultipartUploadOutput, CreateMultipartUploadInput, CreateMultipartUploadOutput, ETag,
    UploadPartInput, UploadPartOutput,
};
use s3s::{S3Error, S3Response, S3Result, s3_error};
use serde::{Deserialize, Serialize};

use super::objects::{etag, read_body};
use super::state::Object;
use super::{SandboxS3, errors};
use crate::sandbox::store::BlobId;

/// S3's smallest part, except the last.
const MIN_PART_BYTES: u64 = 5 << 20;

/// An upload in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Upload {
    pub bucket: String,
    pub key: String,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
    /// Part number → the part's blob, size and quoted MD5.
    pub parts: BTreeMap<i32, Part>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    pub blob: BlobId,
    pub size: u64,
    pub etag: String,
}

fn no_such_upload() -> S3Error {
    s3_error!(
        NoSuchUpload,
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."
    )
}

pub fn create(
    s3: &SandboxS3,
    input: CreateMultipartUploadInput,
) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    s3.shared.store.write(|w| {
        s3.authorized(w, &input.bucket, "s3:PutObject", Some(&input.key))?;
        w.s3.uploads.insert(
            id.clone(),
            Upload {
                bucket: input.bucket.clone(),
                key: input.key.clone(),
                content_type: input.content_type.clone(),
                metadata: input
                    .metadata
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .collect(),
                parts: BTreeMap::new(),
            },
        );
        Ok::<_, S3Error>(())
    })?;
    Ok(S3Response::new(CreateMultipartUploadOutput {
        bucket: Some(input.bucket),
        key: Some(input.key),
        upload_id: Some(id),
        ..Default::default()
    }))
}

pub async fn upload_part(
    s3: &SandboxS3,
    input: UploadPartInput,
) -> S3Result<S3Response<UploadPartOutput>> {
    if !(1..=10_000).contains(&input.part_number) {
        return Err(s3_error!(
            InvalidArgument,
            "Part number must be an integer between 1 and 10000, inclusive"
        ));
    }
    let known = s3.shared.store.read(|w| {
        w.s3.uploads
            .get(&input.upload_id)
            .is_some_and(|u| u.bucket == input.bucket && u.key == input.key)
    });
    if !known {
        return Err(no_such_upload());
    }
    let body = read_body(input.body).await?;
    let blob = s3
        .shared
        .store
        .put_blob(&body)
        .map_err(|e| errors::internal(&e))?;
    let tag = format!("\"{}\"", hex::encode(md5::Md5::digest(&body)));
    s3.shared.store.write(|w| {
        let upload =
            w.s3.uploads
                .get_mut(&input.upload_id)
                .ok_or_else(no_such_upload)?;
        upload.parts.insert(
            input.part_number,
            Part {
                blob,
                size: body.len() as u64,
                etag: tag.clone(),
            },
        );
        Ok::<_, S3Error>(())
    })?;
    Ok(S3Response::new(UploadPartOutput {
        e_tag: Some(ETag::Strong(tag.trim_matches('"').to_owned())),
        ..Default::default()
    }))
}

pub fn complete(
    s3: &SandboxS3,
    input: CompleteMultipartUploadInput,
) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
    let upload = s3
        .shared
        .store
        .read(|w| w.s3.uploads.get(&input.upload_id).cloned())
        .filter(|u| u.bucket == input.bucket && u.key == input.key)
        .ok_or_else(no_such_upload)?;
    let named: Vec<(i32, Option<String>)> = input
        .multipart_upload
        .and_then(|m| m.parts)
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            (
                p.part_number.unwrap_or_default(),
                p.e_tag.map(|t| t.value().to_owned()),
            )
        })
        .collect();
    if named.is_empty() {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    }
    if named.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(s3_error!(
            InvalidPartOrder,
            "The list of parts was not in ascending order. The parts list must be specified in order by part number."
        ));
    }
    let mut body = Vec::new();
    let mut digests = Vec::new();
    for (i, (number, tag)) in named.iter().enumerate() {
        let part = upload
            .parts
            .get(number)
            .filter(|p| tag.as_deref().is_none_or(|t| p.etag.trim_matches('"') == t))
            .ok_or_else(|| {
                s3_error!(
                    InvalidPart,
                    "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag."
                )
            })?;
        if i + 1 < named.len() && part.size < MIN_PART_BYTES {
            return Err(s3_error!(
                EntityTooSmall,
                "Your proposed upload is smaller than the minimum allowed object size."
            ));
        }
        let bytes = s3
            .shared
            .store
            .get_blob(&part.blob)
            .map_err(|e| errors::internal(&e))?;
        digests.extend(md5::Md5::digest(&bytes));
        body.extend(bytes);
    }
    let blob = s3
        .shared
        .store
        .put_blob(&body)
        .map_err(|e| errors::internal(&e))?;
    let mut object = Object::new(blob, &body, s3.shared.clock.now(), upload.content_type);
    object.etag = format!(
        "\"{}-{}\"",
        hex::encode(md5::Md5::digest(&digests)),
        named.len()
    );
    object.metadata = upload.metadata;
    let tag = etag(&object);
    s3.shared.store.write(|w| {
        s3.authorized(w, &input.bucket, "s3:PutObject", Some(&input.key))?;
        if w.s3.uploads.remove(&input.upload_id).is_none() {
            return Err(no_such_upload());
        }
        w.s3.put_object(&input.bucket, &input.key, object);
        Ok::<_, S3Error>(())
    })?;
    Ok(S3Response::new(CompleteMultipartUploadOutput {
        bucket: Some(input.bucket.clone()),
        key: Some(input.key.clone()),
        e_tag: Some(tag),
        location: Some(format!("/{}/{}", input.bucket, input.key)),
        ..Default::default()
    }))
}

pub fn abort(
    s3: &SandboxS3,
    input: &AbortMultipartUploadInput,
) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
    s3.shared
        .store
        .write(|w| match w.s3.uploads.get(&input.upload_id) {
            Some(u) if u.bucket == input.bucket && u.key == input.key => {
                w.s3.uploads.remove(&input.upload_id);
                Ok(())
            }
            _ => Err(no_such_upload()),
        })?;
    Ok(S3Response::with_status(
        AbortMultipartUploadOutput::default(),
        http::StatusCode::NO_CONTENT,
    ))
}
