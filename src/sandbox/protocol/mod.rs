//! Wire protocols shared by several services: AWS query (IAM, STS) and JSON 1.1 (SageMaker).
//! S3's REST-XML protocol is handled by the `s3s` crate.

pub mod json;
pub mod query;
pub mod xml;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986's unreserved characters: what SigV4 canonical strings and IAM's URL-encoded policy
/// documents leave as they are. Everything else is percent-encoded.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
