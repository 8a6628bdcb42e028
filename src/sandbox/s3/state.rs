//! S3 state: buckets and object metadata (bodies live in the blob store).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::sandbox::clock::EpochMillis;
use crate::sandbox::consistency::Indexing;
use crate::sandbox::store::BlobId;
use crate::sandbox::tracked::Tracked;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct S3State {
    pub buckets: Tracked<Bucket>,
    /// Object metadata keyed by `<bucket>/<key>` (bucket names hold no `/`), apart from the
    /// buckets so that writing one object persists only that object.
    pub objects: Tracked<Object>,
    /// Multipart uploads in progress, by upload id.
    pub uploads: Tracked<super::multipart::Upload>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    /// The bucket's region (its `LocationConstraint`, `us-east-1` when none was given).
    pub region: String,
    pub created: EpochMillis,
    /// The bucket policy exactly as it was put (S3 returns it verbatim).
    pub policy: Option<String>,
    pub cors: Option<Vec<CorsRule>>,
    pub encryption: Option<Vec<EncryptionRule>>,
    pub public_access_block: Option<PublicAccessBlock>,
    pub tags: Option<BTreeMap<String, String>>,
    /// What the tag index shows while it lags behind a tag change (`--tag-index-seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_index: Option<Indexing>,
}

impl Bucket {
    /// Records a change of the tags at `now`, before it is made.
    pub fn tags_changing(&mut self, now: EpochMillis, window_ms: i64) {
        let before = self
            .tags
            .as_ref()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        self.tag_index = Indexing::after_change(now, window_ms, self.tag_index.as_ref(), before);
    }

    pub fn new(name: &str, region: &str, created: EpochMillis) -> Self {
        Self {
            name: name.to_owned(),
            region: region.to_owned(),
            created,
            policy: None,
            cors: None,
            encryption: None,
            // Since April 2023 S3 turns Block Public Access on for every new bucket.
            public_access_block: Some(PublicAccessBlock {
                block_public_acls: true,
                ignore_public_acls: true,
                block_public_policy: true,
                restrict_public_buckets: true,
            }),
            tags: None,
            tag_index: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CorsRule {
    pub id: Option<String>,
    pub allowed_headers: Vec<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EncryptionRule {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub sse_algorithm: String,
    pub kms_master_key_id: Option<String>,
    pub bucket_key_enabled: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors S3's PublicAccessBlockConfiguration: four independent switches"
)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

/// Splits `s3://bucket/key` (or `https://host/bucket/key`, path style) into bucket and key.
pub fn split_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://").or_else(|| {
        let after_scheme = uri.strip_prefix("https://")?;
        after_scheme.split_once('/').map(|(_host, path)| path)
    })?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, key))
}

impl S3State {
    pub fn object(&self, bucket: &str, key: &str) -> Option<&Object> {
        self.objects.get(&object_key(bucket, key))
    }

    /// The objects of `bucket` in key order, with their keys.
    pub fn objects_in<'a>(&'a self, bucket: &str) -> impl Iterator<Item = (&'a str, &'a Object)> {
        let prefix = format!("{bucket}/");
        self.objects
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(move |(k, o)| (&k[bucket.len() + 1..], o))
    }

    pub fn has_objects(&self, bucket: &str) -> bool {
        self.objects_in(bucket).next().is_some()
    }

    pub fn put_object(&mut self, bucket: &str, key: &str, object: Object) {
        self.objects.insert(object_key(bucket, key), object);
    }

    pub fn remove_object(&mut self, bucket: &str, key: &str) {
        self.objects.remove(&object_key(bucket, key));
    }
}

fn object_key(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Object {
    pub blob: BlobId,
    pub size: u64,
    /// The quoted hex MD5 of the body, as S3 sends it for single-part uploads.
    pub etag: String,
    pub last_modified: EpochMillis,
    pub content_type: Option<String>,
    /// User metadata (`x-amz-meta-*`), keys lowercased without the prefix.
    pub metadata: BTreeMap<String, String>,
}

impl Object {
    /// Metadata for a body already stored as `blob`.
    pub fn new(blob: BlobId, body: &[u8], now: EpochMillis, content_type: Option<String>) -> Self {
        use md5::Digest;
        Self {
            blob,
            size: body.len() as u64,
            etag: format!("\"{}\"", hex::encode(md5::Md5::digest(body))),
            last_modified: now,
            content_type,
            metadata: BTreeMap::new(),
        }
    }
}
