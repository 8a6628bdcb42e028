//! Bucket configuration: policy, CORS, public access block, default encryption, tags. Each is
//! stored as sent and returned as stored; S3's validation rules are applied on the way in.

use std::collections::BTreeMap;

use http::StatusCode;
use s3s::dto::{
    CORSRule, DeleteBucketCorsOutput, DeleteBucketEncryptionOutput, DeleteBucketPolicyOutput,
    DeleteBucketTaggingOutput, DeletePublicAccessBlockOutput, GetBucketCorsOutput,
    GetBucketEncryptionOutput, GetBucketPolicyOutput, GetBucketTaggingOutput,
    GetPublicAccessBlockOutput, PublicAccessBlockConfiguration, PutBucketCorsInput,
    PutBucketCorsOutput, PutBucketEncryptionInput, PutBucketEncryptionOutput,
    PutBucketPolicyOutput, PutBucketTaggingInput, PutBucketTaggingOutput,
    PutPublicAccessBlockInput, PutPublicAccessBlockOutput, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    Tag,
};
use s3s::{S3Error, S3Response, S3Result, s3_error};

use super::state::{Bucket, CorsRule, EncryptionRule, PublicAccessBlock};
use super::{SandboxS3, errors};
use crate::policy_eval::{self, PolicyKind};

/// Runs `f` on the bucket under the write lock, after the policy check, and persists.
fn update<R>(
    s3: &SandboxS3,
    bucket: &str,
    action: &str,
    f: impl FnOnce(&mut Bucket) -> S3Result<R>,
) -> S3Result<R> {
    s3.shared.store.write(|w| {
        s3.authorized(w, bucket, action, None)?;
        let b =
            w.s3.buckets
                .get_mut(bucket)
                .ok_or_else(|| errors::no_such_bucket(bucket))?;
        f(b)
    })
}

/// Reads from the bucket under the read lock, after the policy check.
fn read<R>(
    s3: &SandboxS3,
    bucket: &str,
    action: &str,
    f: impl FnOnce(&Bucket) -> S3Result<R>,
) -> S3Result<R> {
    s3.shared
        .store
        .read(|w| s3.authorized(w, bucket, action, None).and_then(f))
}

fn no_content<T: Default>() -> S3Response<T> {
    S3Response::with_status(T::default(), StatusCode::NO_CONTENT)
}

// ---- policy -------------------------------------------------------------------------------

/// S3's checks of a bucket policy: JSON whose first byte is `{`, a valid resource policy, only
/// S3 actions, and every resource inside this bucket.
fn check_policy(bucket: &str, text: &str) -> S3Result<()> {
    if !text.trim_start().starts_with('{')
        || serde_json::from_str::<serde_json::Value>(text).is_err()
    {
        return Err(s3_error!(
            MalformedPolicy,
            "Policies must be valid JSON and the first byte must be '{{'"
        ));
    }
    let doc = policy_eval::parse(text, PolicyKind::Resource)
        .map_err(|e| s3_error!(MalformedPolicy, "{e}"))?;
    let bucket_arn = format!("arn:aws:s3:::{bucket}");
    for statement in doc.statements() {
        let foreign_action = statement.action.patterns.iter().any(|a| {
            a != "*"
                && !a
                    .split_once(':')
                    .is_some_and(|(service, _)| service.eq_ignore_ascii_case("s3"))
        });
        if foreign_action {
            return Err(s3_error!(MalformedPolicy, "Policy has invalid action"));
        }
        for resource in statement.resource.iter().flat_map(|r| &r.patterns) {
            let inside = resource == &bucket_arn
                || resource.starts_with(&format!("{bucket_arn}/"))
                || resource == "*";
            if !inside {
                return Err(s3_error!(MalformedPolicy, "Policy has invalid resource"));
            }
        }
    }
    Ok(())
}

pub fn get_policy(s3: &SandboxS3, bucket: &str) -> S3Result<S3Response<GetBucketPolicyOutput>> {
    // The account owner can always read and change the policy, even one that denies it.
    let policy = s3.shared.store.read(|w| {
        let b =
            w.s3.buckets
                .get(bucket)
                .ok_or_else(|| errors::no_such_bucket(bucket))?;
        b.policy
            .clone()
            .ok_or_else(|| s3_error!(NoSuchBucketPolicy, "The bucket policy does not exist"))
    })?;
    Ok(S3Response::new(GetBucketPolicyOutput {
        policy: Some(policy),
    }))
}

pub fn put_policy(
    s3: &SandboxS3,
    bucket: &str,
    policy: &str,
) -> S3Result<S3Response<PutBucketPolicyOutput>> {
    s3.shared.store.write(|w| {
        let b =
            w.s3.buckets
                .get_mut(bucket)
                .ok_or_else(|| errors::no_such_bucket(bucket))?;
        check_policy(bucket, policy)?;
        b.policy = Some(policy.to_owned());
        Ok::<_, S3Error>(())
    })?;
    Ok(no_content())
}

pub fn delete_policy(
    s3: &SandboxS3,
    bucket: &str,
) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
    s3.shared.store.write(|w| {
        let b =
            w.s3.buckets
                .get_mut(bucket)
                .ok_or_else(|| errors::no_such_bucket(bucket))?;
        b.policy = None;
        Ok::<_, S3Error>(())
    })?;
    Ok(no_content())
}

// ---- CORS ---------------------------------------------------------------------------------

pub fn get_cors(s3: &SandboxS3, bucket: &str) -> S3Result<S3Response<GetBucketCorsOutput>> {
    let rules = read(s3, bucket, "s3:GetBucketCORS", |b| {
        b.cors.clone().ok_or_else(|| {
            s3_error!(
                NoSuchCORSConfiguration,
                "The CORS configuration does not exist"
            )
        })
    })?;
    let rules = rules
        .into_iter()
        .map(|r| CORSRule {
            allowed_headers: (!r.allowed_headers.is_empty()).then_some(r.allowed_headers),
            allowed_methods: r.allowed_methods,
            allowed_origins: r.allowed_origins,
            expose_headers: (!r.expose_headers.is_empty()).then_some(r.expose_headers),
            id: r.id,
            max_age_seconds: r.max_age_seconds,
        })
        .collect();
    Ok(S3Response::new(GetBucketCorsOutput {
        cors_rules: Some(rules),
    }))
}

pub fn put_cors(
    s3: &SandboxS3,
    input: PutBucketCorsInput,
) -> S3Result<S3Response<PutBucketCorsOutput>> {
    const METHODS: [&str; 5] = ["GET", "PUT", "HEAD", "POST", "DELETE"];
    let rules = input.cors_configuration.cors_rules;
    if rules.is_empty() || rules.len() > 100 {
        return Err(s3_error!(
            MalformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema"
        ));
    }
    for rule in &rules {
        if let Some(bad) = rule
            .allowed_methods
            .iter()
            .find(|m| !METHODS.contains(&m.as_str()))
        {
            return Err(s3_error!(
                InvalidRequest,
                "Found unsupported HTTP method in CORS config. Unsupported method is {bad}"
            ));
        }
    }
    let stored: Vec<CorsRule> = rules
        .into_iter()
        .map(|r| CorsRule {
            id: r.id,
            allowed_headers: r.allowed_headers.unwrap_or_default(),
            allowed_methods: r.allowed_methods,
            allowed_origins: r.allowed_origins,
            expose_headers: r.expose_headers.unwrap_or_default(),
            max_age_seconds: r.max_age_seconds,
        })
        .collect();
    update(s3, &input.bucket, "s3:PutBucketCORS", |b| {
        b.cors = Some(stored);
        Ok(())
    })?;
    Ok(S3Response::new(PutBucketCorsOutput::default()))
}

pub fn delete_cors(s3: &SandboxS3, bucket: &str) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
    update(s3, bucket, "s3:PutBucketCORS", |b| {
        b.cors = None;
        Ok(())
    })?;
    Ok(no_content())
}

// ---- public access block ------------------------------------------------------------------

fn no_public_access_block() -> S3Error {
    errors::custom(
        "NoSuchPublicAccessBlockConfiguration",
        StatusCode::NOT_FOUND,
        "The public access block configuration was not found",
    )
}

pub fn get_public_access_block(
    s3: &SandboxS3,
    bucket: &str,
) -> S3Result<S3Response<GetPublicAccessBlockOutput>> {
    let pab = read(s3, bucket, "s3:GetBucketPublicAccessBlock", |b| {
        b.public_access_block.ok_or_else(no_public_access_block)
    })?;
    Ok(S3Response::new(GetPublicAccessBlockOutput {
        public_access_block_configuration: Some(PublicAccessBlockConfiguration {
            block_public_acls: Some(pab.block_public_acls),
            block_public_policy: Some(pab.block_public_policy),
            ignore_public_acls: Some(pab.ignore_public_acls),
            restrict_public_buckets: Some(pab.restrict_public_buckets),
        }),
    }))
}

pub fn put_public_access_block(
    s3: &SandboxS3,
    input: PutPublicAccessBlockInput,
) -> S3Result<S3Response<PutPublicAccessBlockOutput>> {
    let c = input.public_access_block_configuration;
    // Absent switches are off, as S3 stores them.
    let pab = PublicAccessBlock {
        block_public_acls: c.block_public_acls.unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls.unwrap_or(false),
        block_public_policy: c.block_public_policy.unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets.unwrap_or(false),
    };
    update(s3, &input.bucket, "s3:PutBucketPublicAccessBlock", |b| {
        b.public_access_block = Some(pab);
        Ok(())
    })?;
    Ok(S3Response::new(PutPublicAccessBlockOutput::default()))
}

pub fn delete_public_access_block(
    s3: &SandboxS3,
    bucket: &str,
) -> S3Result<S3Response<DeletePublicAccessBlockOutput>> {
    update(s3, bucket, "s3:PutBucketPublicAccessBlock", |b| {
        b.public_access_block = None;
        Ok(())
    })?;
    Ok(no_content())
}

// ---- default encryption -------------------------------------------------------------------

/// Since January 2023 every bucket without a configuration of its own encrypts with SSE-S3, and
/// GetBucketEncryption reports that default.
fn default_encryption() -> Vec<EncryptionRule> {
    vec![EncryptionRule {
        sse_algorithm: ServerSideEncryption::AES256.to_owned(),
        kms_master_key_id: None,
        bucket_key_enabled: Some(false),
    }]
}

pub fn get_encryption(
    s3: &SandboxS3,
    bucket: &str,
) -> S3Result<S3Response<GetBucketEncryptionOutput>> {
    let rules = read(s3, bucket, "s3:GetEncryptionConfiguration", |b| {
        Ok(b.encryption.clone().unwrap_or_else(default_encryption))
    })?;
    let rules = rules
        .into_iter()
        .map(|r| ServerSideEncryptionRule {
            apply_server_side_encryption_by_default: Some(ServerSideEncryptionByDefault {
                kms_master_key_id: r.kms_master_key_id,
                sse_algorithm: ServerSideEncryption::from(r.sse_algorithm),
            }),
            bucket_key_enabled: r.bucket_key_enabled,
        })
        .collect();
    Ok(S3Response::new(GetBucketEncryptionOutput {
        server_side_encryption_configuration: Some(ServerSideEncryptionConfiguration { rules }),
    }))
}

pub fn put_encryption(
    s3: &SandboxS3,
    input: PutBucketEncryptionInput,
) -> S3Result<S3Response<PutBucketEncryptionOutput>> {
    const ALGORITHMS: [&str; 3] = [
        ServerSideEncryption::AES256,
        ServerSideEncryption::AWS_KMS,
        ServerSideEncryption::AWS_KMS_DSSE,
    ];
    let mut rules = Vec::new();
    for rule in input.server_side_encryption_configuration.rules {
        let Some(default) = rule.apply_server_side_encryption_by_default else {
            return Err(s3_error!(
                MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema"
            ));
        };
        let algorithm = default.sse_algorithm.as_str().to_owned();
        if !ALGORITHMS.contains(&algorithm.as_str()) {
            return Err(s3_error!(
                MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema"
            ));
        }
        if algorithm == ServerSideEncryption::AES256 && default.kms_master_key_id.is_some() {
            return Err(s3_error!(
                InvalidArgument,
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse"
            ));
        }
        rules.push(EncryptionRule {
            sse_algorithm: algorithm,
            kms_master_key_id: default.kms_master_key_id,
            bucket_key_enabled: rule.bucket_key_enabled,
        });
    }
    update(s3, &input.bucket, "s3:PutEncryptionConfiguration", |b| {
        b.encryption = Some(rules);
        Ok(())
    })?;
    Ok(S3Response::new(PutBucketEncryptionOutput::default()))
}

pub fn delete_encryption(
    s3: &SandboxS3,
    bucket: &str,
) -> S3Result<S3Response<DeleteBucketEncryptionOutput>> {
    update(s3, bucket, "s3:PutEncryptionConfiguration", |b| {
        b.encryption = None;
        Ok(())
    })?;
    Ok(no_content())
}

// ---- tags ---------------------------------------------------------------------------------

/// S3's tag rules: at most 50, unique keys of 1-128 characters, values up to 256, no `aws:`.
pub(super) fn check_tags(tags: &[Tag]) -> S3Result<BTreeMap<String, String>> {
    if tags.len() > 50 {
        return Err(s3_error!(
            InvalidTag,
            "Object tags cannot be greater than 50"
        ));
    }
    let mut out = BTreeMap::new();
    for tag in tags {
        let key = tag.key.clone().unwrap_or_default();
        let value = tag.value.clone().unwrap_or_default();
        if key.is_empty() || key.chars().count() > 128 {
            return Err(s3_error!(
                InvalidTag,
                "The TagKey you have provided is invalid"
            ));
        }
        if value.chars().count() > 256 {
            return Err(s3_error!(
                InvalidTag,
                "The TagValue you have provided is invalid"
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(s3_error!(
                InvalidTag,
                "Your TagKey cannot be prefixed with aws:"
            ));
        }
        if out.insert(key, value).is_some() {
            return Err(s3_error!(
                InvalidTag,
                "Cannot provide multiple Tags with the same key"
            ));
        }
    }
    Ok(out)
}

pub fn get_tagging(s3: &SandboxS3, bucket: &str) -> S3Result<S3Response<GetBucketTaggingOutput>> {
    let tags = read(s3, bucket, "s3:GetBucketTagging", |b| {
        b.tags
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| s3_error!(NoSuchTagSet, "The TagSet does not exist"))
    })?;
    Ok(S3Response::new(GetBucketTaggingOutput {
        tag_set: tags
            .into_iter()
            .map(|(k, v)| Tag {
                key: Some(k),
                value: Some(v),
            })
            .collect(),
    }))
}

pub fn put_tagging(
    s3: &SandboxS3,
    input: &PutBucketTaggingInput,
) -> S3Result<S3Response<PutBucketTaggingOutput>> {
    let tags = check_tags(&input.tagging.tag_set)?;
    let (now, window) = (s3.shared.clock.now(), s3.shared.consistency.tag_index_ms());
    update(s3, &input.bucket, "s3:PutBucketTagging", |b| {
        b.tags_changing(now, window);
        b.tags = Some(tags);
        Ok(())
    })?;
    Ok(no_content())
}

pub fn delete_tagging(
    s3: &SandboxS3,
    bucket: &str,
) -> S3Result<S3Response<DeleteBucketTaggingOutput>> {
    let (now, window) = (s3.shared.clock.now(), s3.shared.consistency.tag_index_ms());
    update(s3, bucket, "s3:PutBucketTagging", |b| {
        b.tags_changing(now, window);
        b.tags = None;
        Ok(())
    })?;
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_policy_checks() {
        assert!(check_policy("b", "not json").is_err());
        let outside = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}]}"#;
        assert_eq!(
            check_policy("b", outside).expect_err("outside").message(),
            Some("Policy has invalid resource")
        );
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}"#;
        assert!(check_policy("b", ok).is_ok());
        let foreign = ok.replace("s3:*", "iam:PassRole");
        assert_eq!(
            check_policy("b", &foreign).expect_err("iam").message(),
            Some("Policy has invalid action")
        );
    }

    #[test]
    fn tag_rules() {
        let tag = |k: &str| Tag {
            key: Some(k.to_owned()),
            value: Some("v".to_owned()),
        };
        assert!(check_tags(&[tag("a"), tag("b")]).is_ok());
        assert!(check_tags(&[tag("a"), tag("a")]).is_err());
        assert!(check_tags(&[tag("aws:x")]).is_err());
    }
}
