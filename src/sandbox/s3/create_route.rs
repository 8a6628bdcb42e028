//! CreateBucket with `CreateBucketConfiguration.Tags`. S3 accepts a new bucket's tags in the
//! create request itself, which is what lets gtplan never leave a bucket without its ownership
//! tags; the s3s version we build on predates that member and would drop it. So `PUT /<bucket>`
//! without a sub-resource is routed here (after s3s has verified the signature) and the small,
//! fixed-shape configuration document is read directly.

use std::sync::LazyLock;

use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use regex::Regex;
use s3s::dto::Tag;
use s3s::route::S3Route;
use s3s::{Body, S3Request, S3Response, S3Result, s3_error};

use super::SandboxS3;
use super::buckets::create_bucket;
use super::config::check_tags;

pub struct CreateBucketRoute(pub SandboxS3);

static LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<LocationConstraint>\s*([^<]*?)\s*</LocationConstraint>")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)<Tag>\s*<Key>([^<]*)</Key>\s*<Value>([^<]*)</Value>\s*</Tag>")
        .unwrap_or_else(|e| panic!("built-in pattern: {e}"))
});

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The location constraint and tags of a CreateBucketConfiguration document.
fn parse(xml: &str) -> (Option<String>, Vec<Tag>) {
    let location = LOCATION
        .captures(xml)
        .map(|c| unescape(&c[1]))
        .filter(|l| !l.is_empty());
    let tags = TAG
        .captures_iter(xml)
        .map(|c| Tag {
            key: Some(unescape(&c[1])),
            value: Some(unescape(&c[2])),
        })
        .collect();
    (location, tags)
}

#[async_trait::async_trait]
impl S3Route for CreateBucketRoute {
    fn is_match(
        &self,
        method: &Method,
        uri: &Uri,
        _headers: &HeaderMap,
        _extensions: &mut http::Extensions,
    ) -> bool {
        let path = uri.path().trim_matches('/');
        method == Method::PUT
            && uri.query().is_none_or(str::is_empty)
            && !path.is_empty()
            && !path.contains('/')
    }

    async fn call(&self, req: S3Request<Body>) -> S3Result<S3Response<Body>> {
        let bucket = req.uri.path().trim_matches('/').to_owned();
        if !s3s::path::check_bucket_name(&bucket) {
            return Err(s3_error!(
                InvalidBucketName,
                "The specified bucket is not valid."
            ));
        }
        let endpoint = req
            .region
            .as_ref()
            .map_or_else(|| "us-east-1".to_owned(), |r| r.as_str().to_owned());
        let body = req
            .input
            .collect()
            .await
            .map_err(|e| s3_error!(IncompleteBody, "{e}"))?
            .to_bytes();
        let xml = String::from_utf8_lossy(&body);
        if !xml.trim().is_empty() && !xml.contains("CreateBucketConfiguration") {
            return Err(s3_error!(
                MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema"
            ));
        }
        let (location, tags) = parse(&xml);
        let tags = check_tags(&tags)?;
        create_bucket(&self.0, &bucket, &endpoint, location.as_deref(), tags)?;
        let mut response = S3Response::with_status(Body::empty(), StatusCode::OK);
        if let Ok(v) = http::HeaderValue::from_str(&format!("/{bucket}")) {
            response.headers.insert(http::header::LOCATION, v);
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_location_and_tags() {
        let xml = r#"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint><Tags><Tag><Key>gtplan:plan</Key><Value>a &amp; b</Value></Tag><Tag><Key>team</Key><Value></Value></Tag></Tags></CreateBucketConfiguration>"#;
        let (location, tags) = parse(xml);
        assert_eq!(location.as_deref(), Some("eu-west-1"));
        let pairs: Vec<(String, String)> = tags
            .into_iter()
            .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("gtplan:plan".to_owned(), "a & b".to_owned()),
                ("team".to_owned(), String::new())
            ]
        );
        assert_eq!(parse(""), (None, Vec::new()));
    }
}
