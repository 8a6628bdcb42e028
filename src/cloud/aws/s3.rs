//! S3 through the SDK: a bucket with all its settings, an object's metadata, the plan's
//! buckets by tag, and the bucket and object writes.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CorsConfiguration, CorsRule as SdkCorsRule,
    CreateBucketConfiguration, Delete, ObjectIdentifier, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging,
};
use serde_json::Value;

use super::multipart;
use super::{AwsCloud, build_error, cloud_error, code_of, deleted, malformed, status_of, written};
use crate::cloud::CloudError;
use crate::model::Step;
use crate::model::desired::{CorsRule, Encryption, PublicAccessBlock};
use crate::model::observed::{
    BucketLookup, BucketRegion, ListedObject, ObjectListing, ObservedBucket, ObservedObject,
};
use crate::model::step::UploadBody;
use crate::model::{META_SHA256, Tags};
use crate::policy;

/// The header S3 names a bucket's region in, also on a 301 from the wrong region.
const REGION_HEADER: &str = "x-amz-bucket-region";

impl AwsCloud {
    /// `HeadBucket` alone: S3 names the region even on a 403 for another account's bucket or a
    /// 301 from the wrong regional endpoint.
    pub(super) async fn read_bucket_region(&self, name: &str) -> Result<BucketRegion, CloudError> {
        let head = self.services().s3.head_bucket().bucket(name).send().await;
        match head {
            Ok(out) => Ok(match out.bucket_region() {
                Some(region) => BucketRegion::In(region.to_owned()),
                None => BucketRegion::In(self.bucket_location(name).await?),
            }),
            Err(err) => {
                let header = err
                    .raw_response()
                    .and_then(|r| r.headers().get(REGION_HEADER))
                    .map(|r| BucketRegion::In(r.to_owned()));
                match status_of(&err) {
                    Some(404) => Ok(BucketRegion::Missing),
                    Some(301 | 403) => Ok(header.unwrap_or(BucketRegion::Hidden)),
                    _ => Err(cloud_error(
                        format!("find the region of bucket `{name}`"),
                        err,
                    )),
                }
            }
        }
    }

    /// `HeadBucket` (does it exist, is it ours, where) and the reads of its settings, all at
    /// once in the plan's region; the settings are read again in the bucket's own region if it
    /// lives elsewhere, and ignored if it does not exist. With `list`, also the first page of
    /// its objects under that prefix.
    pub(super) async fn read_bucket(
        &self,
        name: &str,
        list: Option<&str>,
    ) -> Result<(BucketLookup, Option<ObjectListing>), CloudError> {
        let action = format!("find bucket `{name}`");
        let (head, settings) = futures::join!(
            self.services().s3.head_bucket().bucket(name).send(),
            BucketSettings::read(&self.services().s3, name, list),
        );
        let region = match head {
            Ok(out) => match out.bucket_region() {
                Some(region) => region.to_owned(),
                None => self.bucket_location(name).await?,
            },
            Err(err) => match status_of(&err) {
                Some(404) => return Ok((BucketLookup::Missing, None)),
                // The name exists but these credentials may not see it: another account's.
                Some(403) => return Ok((BucketLookup::OwnedElsewhere, None)),
                Some(301) => err
                    .raw_response()
                    .and_then(|r| r.headers().get(REGION_HEADER))
                    .map(ToOwned::to_owned)
                    .ok_or_else(|| cloud_error(action, err))?,
                _ => return Err(cloud_error(action, err)),
            },
        };
        let settings = if region == self.region {
            settings?
        } else {
            // Boxed: the settings read is a large future, and this branch is rare.
            Box::pin(BucketSettings::read(&self.s3_in(&region), name, list)).await?
        };
        let found = BucketLookup::Found(Box::new(ObservedBucket {
            name: name.to_owned(),
            region,
            policy: settings.policy,
            cors: settings.cors,
            encryption: settings.encryption,
            public_access_block: settings.public_access_block,
            tags: settings.tags,
            has_objects: settings.has_objects,
        }));
        Ok((found, settings.listing))
    }

    /// `GetBucketLocation`: a bucket's region when `HeadBucket` or `ListBuckets` did not say.
    async fn bucket_location(&self, name: &str) -> Result<String, CloudError> {
        let out = self
            .services()
            .s3
            .get_bucket_location()
            .bucket(name)
            .send()
            .await
            .map_err(|e| cloud_error(format!("find the region of bucket `{name}`"), e))?;
        // us-east-1 is reported as an empty constraint, old eu-west-1 buckets as `EU`.
        Ok(
            match out
                .location_constraint()
                .map(BucketLocationConstraint::as_str)
            {
                None | Some("") => "us-east-1".to_owned(),
                Some("EU") => "eu-west-1".to_owned(),
                Some(other) => other.to_owned(),
            },
        )
    }

    pub(super) async fn read_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<ObservedObject>, CloudError> {
        let head = self
            .services()
            .s3
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await;
        let out = match head {
            Ok(out) => out,
            Err(err) if status_of(&err) == Some(404) => return Ok(None),
            Err(err) => {
                return Err(cloud_error(
                    format!("read object `s3://{bucket}/{key}`"),
                    err,
                ));
            }
        };
        let metadata: BTreeMap<String, String> = out
            .metadata()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(ObservedObject {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            sha256: metadata.get(META_SHA256).cloned(),
            size: out
                .content_length()
                .and_then(|n| u64::try_from(n).ok())
                .unwrap_or_default(),
            metadata,
        }))
    }

    /// `GetObject`, its body streamed; `None` when the object (or its bucket) is missing.
    pub(super) async fn read_object_body(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<crate::cloud::ObjectBody>, CloudError> {
        match self
            .services()
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(Box::new(out.body.into_async_read()))),
            Err(err) if status_of(&err) == Some(404) => Ok(None),
            Err(err) => Err(cloud_error(format!("read `s3://{bucket}/{key}`"), err)),
        }
    }

    /// A presigned `GetObject` URL, valid for an hour.
    pub(super) async fn presign_get(&self, bucket: &str, key: &str) -> Result<String, CloudError> {
        let action = || format!("presign a GET of `s3://{bucket}/{key}`");
        let config = aws_sdk_s3::presigning::PresigningConfig::expires_in(
            std::time::Duration::from_hours(1),
        )
        .map_err(|e| CloudError::Transport {
            action: action(),
            source: Box::new(e),
        })?;
        let request = self
            .services()
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .presigned(config)
            .await
            .map_err(|e| cloud_error(action(), e))?;
        Ok(request.uri().to_owned())
    }

    pub(super) async fn execute_s3(&self, step: &Step) -> Result<(), CloudError> {
        let s3 = &self.services().s3;
        match step {
            Step::CreateBucket {
                bucket,
                region,
                tags,
            } => self.create_bucket(bucket, region, tags).await,
            Step::PutBucketTagging { .. }
            | Step::PutPublicAccessBlock { .. }
            | Step::PutBucketEncryption { .. }
            | Step::PutBucketCors { .. } => self.put_bucket_setting(step).await,
            Step::PutBucketPolicy { bucket, policy } => {
                let text = policy.to_string();
                written(
                    s3.put_bucket_policy()
                        .bucket(bucket)
                        .policy(&text)
                        .send()
                        .await,
                    || format!("write bucket policy of `{bucket}`"),
                )
            }
            Step::DeleteBucketPolicy { bucket } => written(
                s3.delete_bucket_policy().bucket(bucket).send().await,
                || format!("delete bucket policy of `{bucket}`"),
            ),
            Step::DeleteBucketCors { bucket } => {
                written(s3.delete_bucket_cors().bucket(bucket).send().await, || {
                    format!("delete the CORS rules of bucket `{bucket}`")
                })
            }
            Step::DeleteBucket {
                bucket,
                with_objects,
            } => self.delete_bucket(bucket, *with_objects).await,
            Step::PutObject {
                bucket,
                key,
                content_type,
                sha256,
                metadata,
                body,
            } => {
                // The hash is the upload's identity; it goes in even if the plan's metadata
                // somehow lacks it.
                let mut metadata = metadata.clone();
                metadata.insert(META_SHA256.to_owned(), sha256.clone());
                let metadata: std::collections::HashMap<String, String> =
                    metadata.into_iter().collect();
                match body {
                    UploadBody::Inline { bytes } => written(
                        s3.put_object()
                            .bucket(bucket)
                            .key(key)
                            .content_type(content_type)
                            .set_metadata(Some(metadata))
                            .body(ByteStream::from(bytes.clone()))
                            .send()
                            .await,
                        || format!("upload `s3://{bucket}/{key}`"),
                    ),
                    UploadBody::File { path, .. } => {
                        let object = multipart::Object {
                            bucket,
                            key,
                            content_type,
                            metadata,
                            sha256,
                        };
                        Box::pin(self.put_file(&object, path)).await
                    }
                }
            }
            Step::DeleteObject { bucket, key } => written(
                s3.delete_object().bucket(bucket).key(key).send().await,
                || format!("delete `s3://{bucket}/{key}`"),
            ),
            _ => unreachable!("execute_s3 is only called with S3 steps"),
        }
    }

    /// The bucket settings that replace a whole configuration document.
    async fn put_bucket_setting(&self, step: &Step) -> Result<(), CloudError> {
        let s3 = &self.services().s3;
        match step {
            Step::PutBucketTagging { bucket, tags } => {
                let action = || format!("tag bucket `{bucket}`");
                let tagging = tagging(tags).map_err(|e| build_error(&action(), e))?;
                written(
                    s3.put_bucket_tagging()
                        .bucket(bucket)
                        .tagging(tagging.clone())
                        .send()
                        .await,
                    action,
                )
            }
            Step::PutPublicAccessBlock { bucket, config } => {
                let config = PublicAccessBlockConfiguration::builder()
                    .block_public_acls(config.block_public_acls)
                    .ignore_public_acls(config.ignore_public_acls)
                    .block_public_policy(config.block_public_policy)
                    .restrict_public_buckets(config.restrict_public_buckets)
                    .build();
                written(
                    s3.put_public_access_block()
                        .bucket(bucket)
                        .public_access_block_configuration(config.clone())
                        .send()
                        .await,
                    || format!("set the public access block of bucket `{bucket}`"),
                )
            }
            Step::PutBucketEncryption { bucket, encryption } => {
                let action = || format!("set the default encryption of bucket `{bucket}`");
                let config =
                    encryption_config(encryption).map_err(|e| build_error(&action(), e))?;
                written(
                    s3.put_bucket_encryption()
                        .bucket(bucket)
                        .server_side_encryption_configuration(config.clone())
                        .send()
                        .await,
                    action,
                )
            }
            Step::PutBucketCors { bucket, rules } => {
                let action = || format!("set the CORS rules of bucket `{bucket}`");
                let config = cors_config(rules).map_err(|e| build_error(&action(), e))?;
                written(
                    s3.put_bucket_cors()
                        .bucket(bucket)
                        .cors_configuration(config.clone())
                        .send()
                        .await,
                    action,
                )
            }
            _ => unreachable!("put_bucket_setting is only called with bucket settings"),
        }
    }

    async fn create_bucket(
        &self,
        bucket: &str,
        region: &str,
        tags: &Tags,
    ) -> Result<(), CloudError> {
        // us-east-1 is the one region S3 refuses as an explicit location constraint.
        let constraint = (region != "us-east-1").then(|| BucketLocationConstraint::from(region));
        let tag_set = tagging(tags)
            .map_err(|e| build_error(&format!("create bucket `{bucket}`"), e))?
            .tag_set
            .clone();
        let config = (constraint.is_some() || !tags.is_empty()).then(|| {
            CreateBucketConfiguration::builder()
                .set_location_constraint(constraint)
                .set_tags((!tag_set.is_empty()).then_some(tag_set))
                .build()
        });
        let s3 = self.s3_in(region);
        match s3
            .create_bucket()
            .bucket(bucket)
            .set_create_bucket_configuration(config.clone())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Created by an earlier, interrupted apply: the goal is reached.
            Err(err) if code_of(&err) == Some("BucketAlreadyOwnedByYou") => Ok(()),
            Err(err) => Err(cloud_error(format!("create bucket `{bucket}`"), err)),
        }
    }

    /// Deletes a bucket, and with `with_objects` every object in it first. A job may write its
    /// output between the last listing and the delete (S3 then answers `BucketNotEmpty`), so
    /// the bucket is emptied again a few times before that is an error.
    async fn delete_bucket(&self, bucket: &str, with_objects: bool) -> Result<(), CloudError> {
        const ROUNDS: usize = 5;
        let action = || format!("delete bucket `{bucket}`");
        for round in 1..=ROUNDS {
            if with_objects {
                self.empty_bucket(bucket).await?;
            }
            match self
                .services()
                .s3
                .delete_bucket()
                .bucket(bucket)
                .send()
                .await
            {
                Err(err)
                    if with_objects
                        && round < ROUNDS
                        && code_of(&err) == Some("BucketNotEmpty") => {}
                result => return deleted(result, &["NoSuchBucket"], action),
            }
        }
        unreachable!("the last round returns")
    }

    /// Deletes every object, 1000 keys per `DeleteObjects` (S3's limit), listing from the start
    /// again until a listing comes back empty, so objects written meanwhile go too.
    async fn empty_bucket(&self, bucket: &str) -> Result<(), CloudError> {
        let s3 = &self.services().s3;
        loop {
            let out = s3.list_objects_v2().bucket(bucket).send().await;
            let out = match out {
                Err(err) if code_of(&err) == Some("NoSuchBucket") => return Ok(()),
                other => other.map_err(|e| {
                    cloud_error(format!("list the objects of bucket `{bucket}`"), e)
                })?,
            };
            let keys: Vec<ObjectIdentifier> = out
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .filter_map(|key| ObjectIdentifier::builder().key(key).build().ok())
                .collect();
            if keys.is_empty() {
                return Ok(());
            }
            let action = || format!("delete the objects of bucket `{bucket}`");
            let delete = Delete::builder()
                .set_objects(Some(keys))
                .quiet(true)
                .build()
                .map_err(|e| build_error(&action(), e))?;
            let answer = s3
                .delete_objects()
                .bucket(bucket)
                .delete(delete)
                .send()
                .await
                .map_err(|e| cloud_error(action(), e))?;
            if let Some(failed) = answer.errors().first() {
                return Err(CloudError::Service {
                    action: action(),
                    code: failed.code().unwrap_or("Error").to_owned(),
                    message: format!(
                        "`{}`: {}",
                        failed.key().unwrap_or_default(),
                        failed.message().unwrap_or_default()
                    ),
                });
            }
        }
    }
}

/// What a bucket has set, each from its own call.
struct BucketSettings {
    policy: Option<Value>,
    cors: Vec<CorsRule>,
    encryption: Option<Encryption>,
    public_access_block: Option<PublicAccessBlock>,
    tags: Tags,
    has_objects: bool,
    listing: Option<ObjectListing>,
}

impl BucketSettings {
    /// A listing of the whole bucket also says whether it holds objects: one call less.
    async fn read(
        s3: &aws_sdk_s3::Client,
        name: &str,
        list: Option<&str>,
    ) -> Result<Self, CloudError> {
        let whole_bucket = list == Some("");
        let (policy, cors, encryption, public_access_block, tags, has_objects, listing) = futures::join!(
            bucket_policy(s3, name),
            bucket_cors(s3, name),
            bucket_encryption(s3, name),
            public_access_block(s3, name),
            bucket_tags(s3, name),
            async {
                if whole_bucket {
                    Ok(None)
                } else {
                    has_objects(s3, name).await.map(Some)
                }
            },
            async {
                match list {
                    Some(prefix) => list_objects(s3, name, prefix).await.map(Some),
                    None => Ok(None),
                }
            },
        );
        let listing = listing?;
        let has_objects = match has_objects? {
            Some(has) => has,
            None => listing.as_ref().is_some_and(|l| !l.objects.is_empty()),
        };
        Ok(Self {
            policy: policy?,
            cors: cors?,
            encryption: encryption?,
            public_access_block: public_access_block?,
            tags: tags?,
            has_objects,
            listing,
        })
    }
}

async fn bucket_policy(s3: &aws_sdk_s3::Client, name: &str) -> Result<Option<Value>, CloudError> {
    let action = || format!("read bucket policy of `{name}`");
    match s3.get_bucket_policy().bucket(name).send().await {
        Ok(out) => out
            .policy()
            .map(|text| {
                policy::parse_document(text)
                    .map_err(|e| malformed(action(), format!("the policy is not JSON: {e}")))
            })
            .transpose(),
        Err(err) if code_of(&err) == Some("NoSuchBucketPolicy") => Ok(None),
        Err(err) => Err(cloud_error(action(), err)),
    }
}

async fn bucket_cors(s3: &aws_sdk_s3::Client, name: &str) -> Result<Vec<CorsRule>, CloudError> {
    match s3.get_bucket_cors().bucket(name).send().await {
        Ok(out) => Ok(out
            .cors_rules()
            .iter()
            .map(|r| CorsRule {
                allowed_headers: r.allowed_headers().to_vec(),
                allowed_methods: r.allowed_methods().to_vec(),
                allowed_origins: r.allowed_origins().to_vec(),
                expose_headers: r.expose_headers().to_vec(),
                max_age_seconds: r.max_age_seconds(),
            })
            .collect()),
        Err(err) if code_of(&err) == Some("NoSuchCORSConfiguration") => Ok(Vec::new()),
        Err(err) => Err(cloud_error(
            format!("read the CORS rules of bucket `{name}`"),
            err,
        )),
    }
}

async fn bucket_encryption(
    s3: &aws_sdk_s3::Client,
    name: &str,
) -> Result<Option<Encryption>, CloudError> {
    let out = match s3.get_bucket_encryption().bucket(name).send().await {
        Ok(out) => out,
        // Buckets made before 2023 (and some emulators) may have no default encryption.
        Err(err) if code_of(&err) == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            return Ok(None);
        }
        Err(err) => {
            return Err(cloud_error(
                format!("read the default encryption of bucket `{name}`"),
                err,
            ));
        }
    };
    let Some(rule) = out
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
    else {
        return Ok(None);
    };
    let Some(default) = rule.apply_server_side_encryption_by_default() else {
        return Ok(None);
    };
    Ok(match default.sse_algorithm() {
        ServerSideEncryption::Aes256 => Some(Encryption::S3Managed),
        ServerSideEncryption::AwsKms => Some(Encryption::Kms {
            key_id: default
                .kms_master_key_id()
                .filter(|k| !k.is_empty())
                .map(ToOwned::to_owned),
            bucket_key: rule.bucket_key_enabled().unwrap_or(false),
        }),
        // DSSE-KMS and future algorithms are not something a plan can ask for: reported as
        // "not what the plan wants", so the plan sets its own.
        _ => None,
    })
}

async fn public_access_block(
    s3: &aws_sdk_s3::Client,
    name: &str,
) -> Result<Option<PublicAccessBlock>, CloudError> {
    match s3.get_public_access_block().bucket(name).send().await {
        Ok(out) => Ok(out
            .public_access_block_configuration()
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            })),
        Err(err) if code_of(&err) == Some("NoSuchPublicAccessBlockConfiguration") => Ok(None),
        Err(err) => Err(cloud_error(
            format!("read the public access block of bucket `{name}`"),
            err,
        )),
    }
}

async fn bucket_tags(s3: &aws_sdk_s3::Client, name: &str) -> Result<Tags, CloudError> {
    match s3.get_bucket_tagging().bucket(name).send().await {
        Ok(out) => Ok(out
            .tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()),
        Err(err) if code_of(&err) == Some("NoSuchTagSet") => Ok(Tags::new()),
        Err(err) => Err(cloud_error(
            format!("read the tags of bucket `{name}`"),
            err,
        )),
    }
}

async fn has_objects(s3: &aws_sdk_s3::Client, name: &str) -> Result<bool, CloudError> {
    let out = s3
        .list_objects_v2()
        .bucket(name)
        .max_keys(1)
        .send()
        .await
        .map_err(|e| cloud_error(format!("list the objects of bucket `{name}`"), e))?;
    Ok(out.key_count().unwrap_or(0) > 0 || !out.contents().is_empty())
}

/// The first page (up to 1000 keys) of the objects under `prefix`.
async fn list_objects(
    s3: &aws_sdk_s3::Client,
    name: &str,
    prefix: &str,
) -> Result<ObjectListing, CloudError> {
    let out = s3
        .list_objects_v2()
        .bucket(name)
        .prefix(prefix)
        .send()
        .await
        .map_err(|e| cloud_error(format!("list the objects of bucket `{name}`"), e))?;
    let objects = out
        .contents()
        .iter()
        .filter_map(|o| {
            let object = ListedObject {
                etag: o.e_tag()?.trim_matches('"').to_owned(),
                size: o.size().and_then(|n| u64::try_from(n).ok())?,
            };
            Some((o.key()?.to_owned(), object))
        })
        .collect();
    Ok(ObjectListing {
        objects,
        complete: !out.is_truncated().unwrap_or(false),
    })
}

fn tagging(tags: &Tags) -> Result<Tagging, aws_sdk_s3::error::BuildError> {
    let set = tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()?;
    Tagging::builder().set_tag_set(Some(set)).build()
}

fn encryption_config(
    encryption: &Encryption,
) -> Result<ServerSideEncryptionConfiguration, aws_sdk_s3::error::BuildError> {
    let (default, bucket_key) = match encryption {
        Encryption::S3Managed => (
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::Aes256)
                .build()?,
            None,
        ),
        Encryption::Kms { key_id, bucket_key } => (
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .set_kms_master_key_id(key_id.clone())
                .build()?,
            Some(*bucket_key),
        ),
    };
    ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .set_bucket_key_enabled(bucket_key)
                .build(),
        )
        .build()
}

fn cors_config(rules: &[CorsRule]) -> Result<CorsConfiguration, aws_sdk_s3::error::BuildError> {
    let rules = rules
        .iter()
        .map(|r| {
            SdkCorsRule::builder()
                .set_allowed_headers(non_empty(&r.allowed_headers))
                .set_allowed_methods(Some(r.allowed_methods.clone()))
                .set_allowed_origins(Some(r.allowed_origins.clone()))
                .set_expose_headers(non_empty(&r.expose_headers))
                .set_max_age_seconds(r.max_age_seconds)
                .build()
        })
        .collect::<Result<Vec<_>, _>>()?;
    CorsConfiguration::builder()
        .set_cors_rules(Some(rules))
        .build()
}

/// An optional list member: absent rather than empty, as S3 returns it.
fn non_empty(items: &[String]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| items.to_vec())
}
