//! CreateBucket with `CreateBucketConfiguration.Tags`. S3 accepts a new bucket's tags in the
//! create request itself, which is what lets gtplan never leave a bucket without its ownership
//! tags; the s3s version we build on predates that member and would drop it. So `PUT /<bucket>`
//! without a sub-resource is routed here (after s3s has verified the signature) and the
//! configuration document is read with quick-xml, the XML parser s3s itself uses.

use http::{HeaderMap, Method, StatusCode, Uri};
use http_body_util::BodyExt;
use quick_xml::events::Event;
use s3s::dto::Tag;
use s3s::route::S3Route;
use s3s::{Body, S3Request, S3Response, S3Result, s3_error};
use serde::Deserialize;

use super::SandboxS3;
use super::buckets::create_bucket;
use super::config::check_tags;

pub struct CreateBucketRoute(pub SandboxS3);

/// The request body (`CreateBucketConfiguration` in the S3 API reference), with the members
/// the sandbox serves; others (`Location`, `Bucket` of directory buckets) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Configuration {
    #[serde(default)]
    location_constraint: Option<String>,
    #[serde(default)]
    tags: Option<TagSet>,
}

#[derive(Debug, Default, Deserialize)]
struct TagSet {
    #[serde(rename = "Tag", default)]
    tags: Vec<XmlTag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct XmlTag {
    key: String,
    #[serde(default)]
    value: String,
}

/// Prefixes and suffixes S3 keeps for its own kinds of buckets and names (bucket naming rules,
/// S3 User Guide, bucketnamingrules.html).
const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

fn is_reserved(bucket: &str) -> bool {
    RESERVED_PREFIXES.iter().any(|p| bucket.starts_with(p))
        || RESERVED_SUFFIXES.iter().any(|s| bucket.ends_with(s))
}

fn malformed() -> s3s::S3Error {
    s3_error!(
        MalformedXML,
        "The XML you provided was not well-formed or did not validate against our published schema"
    )
}

/// The name of the document's root element, if it is well-formed enough to have one.
fn root_element(xml: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The location constraint and tags of a CreateBucketConfiguration document; an empty body is
/// no configuration.
fn parse(xml: &str) -> Result<(Option<String>, Vec<Tag>), s3s::S3Error> {
    if xml.trim().is_empty() {
        return Ok((None, Vec::new()));
    }
    if root_element(xml).as_deref() != Some("CreateBucketConfiguration") {
        return Err(malformed());
    }
    let config: Configuration = quick_xml::de::from_str(xml).map_err(|_| malformed())?;
    let location = config
        .location_constraint
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    let tags = config
        .tags
        .unwrap_or_default()
        .tags
        .into_iter()
        .map(|t| Tag {
            key: Some(t.key),
            value: Some(t.value),
        })
        .collect();
    Ok((location, tags))
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
        if !s3s::path::check_bucket_name(&bucket) || is_reserved(&bucket) {
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
        let xml = std::str::from_utf8(&body).map_err(|_| malformed())?;
        let (location, tags) = parse(xml)?;
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

    fn pairs(tags: Vec<Tag>) -> Vec<(String, String)> {
        tags.into_iter()
            .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reads_location_and_tags() {
        let xml = r#"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint><Tags><Tag><Key>gtplan:plan</Key><Value>a &amp; b</Value></Tag><Tag><Key>team</Key><Value></Value></Tag></Tags></CreateBucketConfiguration>"#;
        let (location, tags) = parse(xml).expect("parses");
        assert_eq!(location.as_deref(), Some("eu-west-1"));
        assert_eq!(
            pairs(tags),
            [
                ("gtplan:plan".to_owned(), "a & b".to_owned()),
                ("team".to_owned(), String::new())
            ]
        );
        assert_eq!(parse("").expect("empty body"), (None, Vec::new()));
    }

    #[test]
    fn character_references_cdata_and_member_order_are_xml_not_text() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
            <CreateBucketConfiguration>
              <Tags>
                <Tag><Value>caf&#233; &#x41;</Value><Key><![CDATA[a<b>&c]]></Key></Tag>
              </Tags>
              <LocationConstraint> us-west-2 </LocationConstraint>
            </CreateBucketConfiguration>"#;
        let (location, tags) = parse(xml).expect("parses");
        assert_eq!(location.as_deref(), Some("us-west-2"));
        assert_eq!(pairs(tags), [("a<b>&c".to_owned(), "café A".to_owned())]);
    }

    #[test]
    fn reserved_names() {
        for name in [
            "xn--data",
            "sthree-configurator-data",
            "amzn-s3-demo-bucket",
            "data-s3alias",
            "data--ol-s3",
            "data.mrap",
            "data--x-s3",
            "data--table-s3",
        ] {
            assert!(is_reserved(name), "{name}");
        }
        assert!(!is_reserved("s3alias-data"));
    }

    #[test]
    fn other_documents_are_malformed() {
        for xml in [
            "<Tagging><TagSet/></Tagging>",
            "<CreateBucketConfiguration><LocationConstraint>eu-west-1",
            "not xml at all",
            "<CreateBucketConfiguration><Tags><Tag><Value>v</Value></Tag></Tags></CreateBucketConfiguration>",
        ] {
            let err = parse(xml).expect_err(xml);
            assert_eq!(err.code().as_str(), "MalformedXML", "{xml}");
        }
    }
}
