//! S3 errors in s3s's type, with the messages S3 sends. Codes s3s does not know
//! (`NoSuchPublicAccessBlockConfiguration`) are custom codes with their real HTTP status.

use http::StatusCode;
use s3s::{S3Error, S3ErrorCode, s3_error};

pub fn no_such_bucket(bucket: &str) -> S3Error {
    s3_error!(
        NoSuchBucket,
        "The specified bucket does not exist: {bucket}"
    )
}

pub fn no_such_key(key: &str) -> S3Error {
    s3_error!(NoSuchKey, "The specified key does not exist: {key}")
}

pub fn custom(code: &'static str, status: StatusCode, message: &str) -> S3Error {
    let mut e = S3Error::with_message(S3ErrorCode::Custom(code.into()), message.to_owned());
    e.set_status_code(status);
    e
}

pub fn internal(e: &impl std::fmt::Display) -> S3Error {
    s3_error!(InternalError, "sandbox store: {e}")
}

impl From<crate::sandbox::store::StoreError> for S3Error {
    fn from(e: crate::sandbox::store::StoreError) -> Self {
        internal(&e)
    }
}
