//! Wire protocols shared by several services: AWS query (IAM, STS) and JSON 1.1 (SageMaker).
//! S3's REST-XML protocol is handled by the `s3s` crate.

pub mod json;
pub mod query;
pub mod xml;
