//! What S3 puts on the wire that s3s leaves out, added around it by the router: a request id
//! on every answer (and in error bodies), the S3 namespace on the root element of XML bodies,
//! the statuses where S3 answers 204 and s3s 200, and the `301 PermanentRedirect` for a bucket
//! addressed in the wrong region, which S3 sends before anything else is looked at.

use std::fmt::Write as _;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use s3s::Body;

use crate::sandbox::Shared;

/// The namespace of S3's XML documents.
pub const NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The headers S3 names a request by: `x-amz-request-id` (16 hex digits) and `x-amz-id-2`.
pub struct RequestIds {
    pub request_id: String,
    pub host_id: String,
}

impl RequestIds {
    /// Fresh ids for one request.
    pub fn fresh() -> Self {
        let id = uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase();
        let host = uuid::Uuid::new_v4().simple().to_string();
        Self {
            request_id: id[..16].to_owned(),
            host_id: host,
        }
    }

    pub fn insert(&self, headers: &mut http::HeaderMap) {
        for (name, value) in [
            ("x-amz-request-id", &self.request_id),
            ("x-amz-id-2", &self.host_id),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert(name, v);
            }
        }
    }
}

/// Operations S3 serves for a bucket in any region: listing buckets, creating one (its own
/// region rules apply), and `GetBucketLocation`, which is how a client finds the region.
const ANY_REGION: [&str; 3] = ["ListBuckets", "CreateBucket", "GetBucketLocation"];

/// The bucket a path-style request names.
pub fn bucket_of<B>(req: &Request<B>) -> Option<&str> {
    let path = req.uri().path().trim_start_matches('/');
    let bucket = path.split('/').next().unwrap_or_default();
    (!bucket.is_empty()).then_some(bucket)
}

/// `301 PermanentRedirect` when the request was signed for another region than the bucket's.
/// HEAD answers carry no body, only the region header.
pub fn wrong_region<B>(
    shared: &Shared,
    req: &Request<B>,
    operation: &str,
    signed_for: &str,
    ids: &RequestIds,
) -> Option<Response<Body>> {
    if ANY_REGION.contains(&operation) {
        return None;
    }
    let bucket = bucket_of(req)?;
    let region = shared
        .store
        .read(|w| w.s3.buckets.get(bucket).map(|b| b.region.clone()))?;
    if region == signed_for {
        return None;
    }
    let body = if req.method() == Method::HEAD {
        Body::empty()
    } else {
        Body::from(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.</Message><Endpoint>{bucket}.s3.{region}.amazonaws.com</Endpoint><Bucket>{bucket}</Bucket><RequestId>{}</RequestId><HostId>{}</HostId></Error>",
            ids.request_id, ids.host_id
        ))
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&region) {
        headers.insert("x-amz-bucket-region", v);
    }
    if req.method() != Method::HEAD {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml"),
        );
    }
    ids.insert(headers);
    Some(response)
}

/// The answer s3s produced, completed: request ids, error bodies naming them, the S3
/// namespace on XML documents of bucket operations, and S3's status where s3s differs.
pub async fn finish(
    operation: &str,
    response: Response<Body>,
    ids: &RequestIds,
    access_key_id: Option<&str>,
) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    ids.insert(&mut parts.headers);
    // S3 answers PutBucketTagging with 204 No Content (the API reference's example response).
    if operation == "PutBucketTagging" && parts.status == StatusCode::OK {
        parts.status = StatusCode::NO_CONTENT;
    }
    let is_xml = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("xml"));
    // Object bodies are the user's bytes, whatever their content type.
    if !is_xml || operation.ends_with("Object") {
        return Response::from_parts(parts, body);
    }
    let Ok(collected) = body.collect().await else {
        return Response::from_parts(parts, Body::empty());
    };
    let text = String::from_utf8_lossy(&collected.to_bytes()).into_owned();
    let text = if parts.status.is_success() {
        with_namespace(&text)
    } else {
        complete_error(&text, ids, access_key_id)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(Bytes::from(text)))
}

/// `xml` with `xmlns` on its root element when it has none.
fn with_namespace(xml: &str) -> String {
    let mut from = 0;
    while let Some(at) = xml[from..].find('<').map(|i| from + i) {
        let rest = &xml[at + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            from = at + 1;
            continue;
        }
        let Some(end) = rest.find('>') else {
            return xml.to_owned();
        };
        let tag = &rest[..end];
        if tag.contains("xmlns=") {
            return xml.to_owned();
        }
        let name_len = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let insert_at = at + 1 + name_len;
        return format!(
            "{} xmlns=\"{NAMESPACE}\"{}",
            &xml[..insert_at],
            &xml[insert_at..]
        );
    }
    xml.to_owned()
}

/// An `<Error>` body with what S3 adds to it: the `AWSAccessKeyId` that was not recognised,
/// and the `RequestId` and `HostId`.
fn complete_error(xml: &str, ids: &RequestIds, access_key_id: Option<&str>) -> String {
    let Some(at) = xml.rfind("</Error>") else {
        return xml.to_owned();
    };
    let mut extra = String::new();
    if let Some(key) = access_key_id
        && xml.contains("<Code>InvalidAccessKeyId</Code>")
    {
        let _ = write!(extra, "<AWSAccessKeyId>{key}</AWSAccessKeyId>");
    }
    if !xml.contains("<RequestId>") {
        let _ = write!(
            extra,
            "<RequestId>{}</RequestId><HostId>{}</HostId>",
            ids.request_id, ids.host_id
        );
    }
    format!("{}{extra}{}", &xml[..at], &xml[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_namespace_to_the_root_only() {
        assert_eq!(
            with_namespace(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ServerSideEncryptionConfiguration><Rule/></ServerSideEncryptionConfiguration>"
            ),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ServerSideEncryptionConfiguration xmlns=\"{NAMESPACE}\"><Rule/></ServerSideEncryptionConfiguration>"
            )
        );
        let already = format!("<Tagging xmlns=\"{NAMESPACE}\"><TagSet/></Tagging>");
        assert_eq!(with_namespace(&already), already);
        assert_eq!(
            with_namespace("<Empty/>"),
            format!("<Empty xmlns=\"{NAMESPACE}\"/>")
        );
    }

    #[test]
    fn error_bodies_name_the_request() {
        let ids = RequestIds {
            request_id: "0123456789ABCDEF".to_owned(),
            host_id: "host".to_owned(),
        };
        assert_eq!(
            complete_error("<Error><Code>NoSuchBucket</Code></Error>", &ids, Some("k")),
            "<Error><Code>NoSuchBucket</Code><RequestId>0123456789ABCDEF</RequestId><HostId>host</HostId></Error>"
        );
        assert_eq!(
            complete_error(
                "<Error><Code>InvalidAccessKeyId</Code></Error>",
                &ids,
                Some("AKIDEXAMPLE")
            ),
            "<Error><Code>InvalidAccessKeyId</Code><AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><RequestId>0123456789ABCDEF</RequestId><HostId>host</HostId></Error>"
        );
    }
}
