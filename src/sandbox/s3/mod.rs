//! S3 (REST-XML) through the `s3s` crate: s3s parses requests, verifies SigV4 (including
//! aws-chunked streaming uploads) and writes S3's XML and error shapes; [`SandboxS3`] holds the
//! behaviour, one method per operation, over the sandbox [`Store`](crate::sandbox::store::Store).
//!
//! Every request to an existing bucket is first checked against the bucket's policy for an
//! explicit `Deny` (the caller is the account owner, so without one it is allowed), with
//! `aws:SecureTransport` from the sandbox's TLS setting: this is how a TLS-only statement
//! behaves on AWS's HTTPS endpoints.

mod buckets;
mod config;
mod create_route;
mod errors;
mod list;
mod multipart;
mod objects;
pub mod state;
pub mod wire;

use std::collections::BTreeMap;
use std::sync::Arc;

use http::{Method, Request};
use s3s::auth::{S3Auth, SecretKey};
use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, CompleteMultipartUploadInput,
    CompleteMultipartUploadOutput, CreateMultipartUploadInput, CreateMultipartUploadOutput,
    UploadPartInput, UploadPartOutput,
};
use s3s::dto::{
    CreateBucketInput, CreateBucketOutput, DeleteBucketCorsInput, DeleteBucketCorsOutput,
    DeleteBucketEncryptionInput, DeleteBucketEncryptionOutput, DeleteBucketInput,
    DeleteBucketOutput, DeleteBucketPolicyInput, DeleteBucketPolicyOutput,
    DeleteBucketTaggingInput, DeleteBucketTaggingOutput, DeleteObjectInput, DeleteObjectOutput,
    DeleteObjectsInput, DeleteObjectsOutput, DeletePublicAccessBlockInput,
    DeletePublicAccessBlockOutput, GetBucketCorsInput, GetBucketCorsOutput,
    GetBucketEncryptionInput, GetBucketEncryptionOutput, GetBucketLocationInput,
    GetBucketLocationOutput, GetBucketPolicyInput, GetBucketPolicyOutput, GetBucketTaggingInput,
    GetBucketTaggingOutput, GetObjectInput, GetObjectOutput, GetPublicAccessBlockInput,
    GetPublicAccessBlockOutput, HeadBucketInput, HeadBucketOutput, HeadObjectInput,
    HeadObjectOutput, ListBucketsInput, ListBucketsOutput, ListObjectsV2Input, ListObjectsV2Output,
    PutBucketCorsInput, PutBucketCorsOutput, PutBucketEncryptionInput, PutBucketEncryptionOutput,
    PutBucketPolicyInput, PutBucketPolicyOutput, PutBucketTaggingInput, PutBucketTaggingOutput,
    PutObjectInput, PutObjectOutput, PutPublicAccessBlockInput, PutPublicAccessBlockOutput,
};
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s::{S3, S3Request, S3Response, S3Result, s3_error};

pub use self::state::{Bucket, Object, S3State, split_s3_uri};
use crate::policy_eval::{self, AuthzRequest, Decision, PolicyKind, Principal};
use crate::sandbox::Shared;
use crate::sandbox::store::World;

/// The S3 implementation behind s3s.
#[derive(Clone)]
pub struct SandboxS3 {
    pub shared: Arc<Shared>,
}

impl SandboxS3 {
    /// The bucket, after checking its policy does not deny `action` on `key` (or the bucket).
    fn authorized<'w>(
        &self,
        world: &'w World,
        bucket: &str,
        action: &str,
        key: Option<&str>,
    ) -> S3Result<&'w Bucket> {
        let b = world
            .s3
            .buckets
            .get(bucket)
            .ok_or_else(|| errors::no_such_bucket(bucket))?;
        if let Some(text) = &b.policy
            && let Ok(policy) = policy_eval::parse(text, PolicyKind::Resource)
        {
            let resource = match key {
                Some(k) => format!("arn:aws:s3:::{bucket}/{k}"),
                None => format!("arn:aws:s3:::{bucket}"),
            };
            let config = &self.shared.config;
            let root = format!("arn:aws:iam::{}:root", config.account_id);
            let context = BTreeMap::from([
                (
                    "aws:SecureTransport".to_owned(),
                    vec![config.assume_tls.to_string()],
                ),
                (
                    "aws:PrincipalAccount".to_owned(),
                    vec![config.account_id.clone()],
                ),
                ("aws:PrincipalArn".to_owned(), vec![root.clone()]),
            ]);
            let request = AuthzRequest {
                action,
                resource: &resource,
                principal: Principal::Aws(&root),
                context,
            };
            if policy_eval::evaluate(&[], &[&policy], &request) == Decision::ExplicitDeny {
                return Err(s3_error!(AccessDenied, "Access Denied"));
            }
        }
        Ok(b)
    }
}

#[async_trait::async_trait]
impl S3 for SandboxS3 {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        buckets::create(self, &req)
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        buckets::head(self, &req.input)
    }

    async fn list_buckets(
        &self,
        _req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        Ok(buckets::list(self))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        buckets::delete(self, &req.input.bucket)
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        buckets::location(self, &req.input.bucket)
    }

    async fn get_bucket_policy(
        &self,
        req: S3Request<GetBucketPolicyInput>,
    ) -> S3Result<S3Response<GetBucketPolicyOutput>> {
        config::get_policy(self, &req.input.bucket)
    }

    async fn put_bucket_policy(
        &self,
        req: S3Request<PutBucketPolicyInput>,
    ) -> S3Result<S3Response<PutBucketPolicyOutput>> {
        config::put_policy(self, &req.input.bucket, &req.input.policy)
    }

    async fn delete_bucket_policy(
        &self,
        req: S3Request<DeleteBucketPolicyInput>,
    ) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
        config::delete_policy(self, &req.input.bucket)
    }

    async fn get_bucket_cors(
        &self,
        req: S3Request<GetBucketCorsInput>,
    ) -> S3Result<S3Response<GetBucketCorsOutput>> {
        config::get_cors(self, &req.input.bucket)
    }

    async fn put_bucket_cors(
        &self,
        req: S3Request<PutBucketCorsInput>,
    ) -> S3Result<S3Response<PutBucketCorsOutput>> {
        config::put_cors(self, req.input)
    }

    async fn delete_bucket_cors(
        &self,
        req: S3Request<DeleteBucketCorsInput>,
    ) -> S3Result<S3Response<DeleteBucketCorsOutput>> {
        config::delete_cors(self, &req.input.bucket)
    }

    async fn get_public_access_block(
        &self,
        req: S3Request<GetPublicAccessBlockInput>,
    ) -> S3Result<S3Response<GetPublicAccessBlockOutput>> {
        config::get_public_access_block(self, &req.input.bucket)
    }

    async fn put_public_access_block(
        &self,
        req: S3Request<PutPublicAccessBlockInput>,
    ) -> S3Result<S3Response<PutPublicAccessBlockOutput>> {
        config::put_public_access_block(self, req.input)
    }

    async fn delete_public_access_block(
        &self,
        req: S3Request<DeletePublicAccessBlockInput>,
    ) -> S3Result<S3Response<DeletePublicAccessBlockOutput>> {
        config::delete_public_access_block(self, &req.input.bucket)
    }

    async fn get_bucket_encryption(
        &self,
        req: S3Request<GetBucketEncryptionInput>,
    ) -> S3Result<S3Response<GetBucketEncryptionOutput>> {
        config::get_encryption(self, &req.input.bucket)
    }

    async fn put_bucket_encryption(
        &self,
        req: S3Request<PutBucketEncryptionInput>,
    ) -> S3Result<S3Response<PutBucketEncryptionOutput>> {
        config::put_encryption(self, req.input)
    }

    async fn delete_bucket_encryption(
        &self,
        req: S3Request<DeleteBucketEncryptionInput>,
    ) -> S3Result<S3Response<DeleteBucketEncryptionOutput>> {
        config::delete_encryption(self, &req.input.bucket)
    }

    async fn get_bucket_tagging(
        &self,
        req: S3Request<GetBucketTaggingInput>,
    ) -> S3Result<S3Response<GetBucketTaggingOutput>> {
        config::get_tagging(self, &req.input.bucket)
    }

    async fn put_bucket_tagging(
        &self,
        req: S3Request<PutBucketTaggingInput>,
    ) -> S3Result<S3Response<PutBucketTaggingOutput>> {
        config::put_tagging(self, &req.input)
    }

    async fn delete_bucket_tagging(
        &self,
        req: S3Request<DeleteBucketTaggingInput>,
    ) -> S3Result<S3Response<DeleteBucketTaggingOutput>> {
        config::delete_tagging(self, &req.input.bucket)
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        objects::put(self, req.input).await
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        objects::get(self, &req.input)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        objects::head(self, &req.input)
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        objects::delete(self, &req.input)
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        multipart::create(self, req.input)
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        multipart::upload_part(self, req.input).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        multipart::complete(self, req.input)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        multipart::abort(self, &req.input)
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        objects::delete_many(self, &req.input)
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        list::list_v2(self, &req.input)
    }
}

/// The sandbox's one key pair. An unknown key is `InvalidAccessKeyId`, as S3 says.
struct Credentials {
    access_key_id: String,
    secret: SecretKey,
}

#[async_trait::async_trait]
impl S3Auth for Credentials {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        if access_key == self.access_key_id {
            return Ok(self.secret.clone());
        }
        Err(s3_error!(
            InvalidAccessKeyId,
            "The AWS Access Key Id you provided does not exist in our records."
        ))
    }
}

pub fn service(shared: Arc<Shared>) -> S3Service {
    let auth = Credentials {
        access_key_id: shared.config.access_key_id.clone(),
        secret: SecretKey::from(shared.config.secret_access_key.as_str()),
    };
    let s3 = SandboxS3 { shared };
    let mut builder = S3ServiceBuilder::new(s3.clone());
    builder.set_auth(auth);
    builder.set_route(create_route::CreateBucketRoute(s3));
    builder.build()
}

/// The S3 operation a request is for, for the request log and the write gate only (s3s does
/// the real routing).
pub fn operation_name<B>(req: &Request<B>) -> String {
    const SUBRESOURCES: [(&str, &str); 8] = [
        ("delete", "DeleteObjects"),
        ("policy", "BucketPolicy"),
        ("cors", "BucketCors"),
        ("encryption", "BucketEncryption"),
        ("publicAccessBlock", "PublicAccessBlock"),
        ("tagging", "BucketTagging"),
        ("location", "BucketLocation"),
        ("uploads", "MultipartUploads"),
    ];
    let path = req.uri().path().trim_start_matches('/');
    let has_key = path.split_once('/').is_some_and(|(_, k)| !k.is_empty());
    let query = req.uri().query().unwrap_or("");
    let keys: Vec<String> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect();
    let verb = match *req.method() {
        Method::GET => "Get",
        Method::PUT => "Put",
        Method::DELETE => "Delete",
        Method::HEAD => "Head",
        Method::POST => "Post",
        _ => "Other",
    };
    if path.is_empty() {
        return "ListBuckets".to_owned();
    }
    if !has_key {
        if let Some((_, name)) = SUBRESOURCES
            .iter()
            .find(|(q, _)| keys.iter().any(|k| k == q))
        {
            return if *name == "DeleteObjects" {
                (*name).to_owned()
            } else {
                format!("{verb}{name}")
            };
        }
        return match *req.method() {
            Method::GET if keys.iter().any(|k| k == "list-type") => "ListObjectsV2".to_owned(),
            Method::GET => "ListObjects".to_owned(),
            Method::PUT => "CreateBucket".to_owned(),
            Method::DELETE => "DeleteBucket".to_owned(),
            Method::HEAD => "HeadBucket".to_owned(),
            _ => format!("{verb}Bucket"),
        };
    }
    let multipart = keys.iter().any(|k| k == "uploadId");
    match *req.method() {
        Method::POST if keys.iter().any(|k| k == "uploads") => "CreateMultipartUpload".to_owned(),
        Method::PUT if multipart => "UploadPart".to_owned(),
        Method::POST if multipart => "CompleteMultipartUpload".to_owned(),
        Method::DELETE if multipart => "AbortMultipartUpload".to_owned(),
        _ => format!("{verb}Object"),
    }
}
