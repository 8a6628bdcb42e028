//! S3 (REST-XML) through the `s3s` crate: s3s parses requests, verifies SigV4 (including
//! aws-chunked streaming uploads) and writes S3's XML and error shapes; [`SandboxS3`] holds the
//! behaviour, one method per operation, over the sandbox [`Store`](crate::sandbox::store::Store).

pub mod state;

use std::sync::Arc;

use http::{Method, Request};
use s3s::S3;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};

pub use self::state::{Bucket, Object, S3State};
use crate::sandbox::Shared;

/// The S3 implementation behind s3s.
#[derive(Clone)]
pub struct SandboxS3 {
    pub shared: Arc<Shared>,
}

#[async_trait::async_trait]
impl S3 for SandboxS3 {}

pub fn service(shared: Arc<Shared>) -> S3Service {
    let auth = SimpleAuth::from_single(
        shared.config.access_key_id.as_str(),
        shared.config.secret_access_key.as_str(),
    );
    let mut builder = S3ServiceBuilder::new(SandboxS3 { shared });
    builder.set_auth(auth);
    builder.build()
}

/// The S3 operation a request is for, for the request log only (s3s does the real routing).
pub fn operation_name<B>(req: &Request<B>) -> String {
    const SUBRESOURCES: [(&str, &str); 7] = [
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
            return format!("{verb}{name}");
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
    format!("{verb}Object")
}
