//! Uploading a large file in parts (S3 multipart upload), reading it block by block so that
//! memory does not grow with the file. The file is hashed as it is read: if it is not the file
//! the plan hashed (it changed since), the upload is aborted and nothing is written.

use std::collections::HashMap;
use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use super::{AwsCloud, cloud_error, code_of, malformed};
use crate::cloud::CloudError;
use crate::model::META_SHA256;

/// The size of each part: S3 takes parts of 5 MiB to 5 GiB and at most 10,000 of them, so
/// 16 MiB parts carry files up to about 160 GB.
pub const PART_SIZE: usize = 16 << 20;

/// The object a file becomes.
pub struct Object<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub content_type: &'a str,
    /// User metadata, with the SHA-256 the plan expects under `gtplan-sha256`.
    pub metadata: HashMap<String, String>,
    pub sha256: &'a str,
}

impl AwsCloud {
    pub(super) async fn put_file(
        &self,
        object: &Object<'_>,
        path: &Path,
    ) -> Result<(), CloudError> {
        let (bucket, key) = (object.bucket, object.key);
        let action = || format!("upload `{}` to `s3://{bucket}/{key}`", path.display());
        let created = self
            .services()
            .s3
            .create_multipart_upload()
            .bucket(bucket)
            .key(key)
            .content_type(object.content_type)
            .set_metadata(Some(object.metadata.clone()))
            .send()
            .await
            .map_err(|e| cloud_error(action(), e))?;
        let Some(upload_id) = created.upload_id() else {
            return Err(malformed(
                action(),
                "CreateMultipartUpload returned no upload id",
            ));
        };
        let result = self.upload_parts(object, path, upload_id).await;
        if result.is_err() {
            // Best effort: S3 keeps the parts of an abandoned upload (and bills them) until
            // it is aborted or a lifecycle rule removes it.
            let _ = self
                .services()
                .s3
                .abort_multipart_upload()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .send()
                .await;
        }
        result
    }

    async fn upload_parts(
        &self,
        object: &Object<'_>,
        path: &Path,
        upload_id: &str,
    ) -> Result<(), CloudError> {
        let (bucket, key) = (object.bucket, object.key);
        let action = || format!("upload `{}` to `s3://{bucket}/{key}`", path.display());
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(|e| malformed(action(), format!("the file cannot be read: {e}")))?;
        let mut hasher = Sha256::new();
        let mut parts = Vec::new();
        let mut block = vec![0; PART_SIZE];
        for number in 1.. {
            let n = read_block(&mut file, &mut block)
                .await
                .map_err(|e| malformed(action(), format!("the file cannot be read: {e}")))?;
            if n == 0 {
                break;
            }
            hasher.update(&block[..n]);
            let out = self
                .services()
                .s3
                .upload_part()
                .bucket(bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(block[..n].to_vec()))
                .send()
                .await
                .map_err(|e| cloud_error(action(), e))?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag().map(ToOwned::to_owned))
                    .build(),
            );
        }
        if hex::encode(hasher.finalize()) != object.sha256 {
            return Err(malformed(
                action(),
                "the file changed since the plan was made; make the plan again",
            ));
        }
        let completed = self
            .services()
            .s3
            .complete_multipart_upload()
            .bucket(bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await;
        match completed {
            Ok(_) => Ok(()),
            // Completed by an attempt whose answer was lost: the object is there, with the
            // planned content.
            Err(err)
                if code_of(&err) == Some("NoSuchUpload")
                    && self
                        .read_object(bucket, key)
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|o| {
                            o.metadata.get(META_SHA256).map(String::as_str) == Some(object.sha256)
                        }) =>
            {
                Ok(())
            }
            Err(err) => Err(cloud_error(action(), err)),
        }
    }
}

/// Fills `block` from `file` as far as it goes; fewer bytes only at the end of the file.
async fn read_block(file: &mut tokio::fs::File, block: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < block.len() {
        let n = file.read(&mut block[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}
