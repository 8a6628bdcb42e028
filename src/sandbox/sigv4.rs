//! SigV4 verification for the query and JSON protocols (IAM, STS, SageMaker). S3 requests are
//! verified by s3s, which also handles S3's streaming and presigned variants; these services only
//! ever send header-signed requests with the whole body at hand, so the check is short.
//! Algorithm: the AWS General Reference, "Create a signed AWS API request".

use std::time::{Duration, SystemTime};

use hmac::{Hmac, KeyInit, Mac};
use http::request::Parts;
use percent_encoding::utf8_percent_encode;
use sha2::{Digest, Sha256};

use super::protocol::UNRESERVED;

/// How far a request's `X-Amz-Date` may be from the server's clock, as on AWS.
const MAX_SKEW: Duration = Duration::from_mins(15);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("Request is missing Authentication Token")]
    Missing,
    #[error("Authorization header is malformed: {0}")]
    Malformed(&'static str),
    #[error("The security token included in the request is invalid.")]
    UnknownAccessKey,
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
    )]
    Mismatch,
    #[error("Signature expired: {0} is more than 15 minutes away from the current time.")]
    Expired(String),
}

struct Authorization<'a> {
    access_key: &'a str,
    scope: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, SigError> {
    let rest = value
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or(SigError::Malformed("expected AWS4-HMAC-SHA256"))?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',').map(str::trim) {
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let credential = credential.ok_or(SigError::Malformed("missing Credential"))?;
    let (access_key, scope) = credential
        .split_once('/')
        .ok_or(SigError::Malformed("Credential has no scope"))?;
    Ok(Authorization {
        access_key,
        scope,
        signed_headers: signed
            .ok_or(SigError::Malformed("missing SignedHeaders"))?
            .split(';')
            .collect(),
        signature: signature.ok_or(SigError::Malformed("missing Signature"))?,
    })
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn canonical_query(query: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| {
            (
                utf8_percent_encode(&k, UNRESERVED).to_string(),
                utf8_percent_encode(&v, UNRESERVED).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn canonical_header_value(parts: &Parts, name: &str) -> String {
    parts
        .headers
        .get_all(name)
        .iter()
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let dt = time::PrimitiveDateTime::parse(s, &format)
        .ok()?
        .assume_utc();
    let secs = u64::try_from(dt.unix_timestamp()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Verifies a header-signed request against the one credential pair the sandbox accepts.
pub fn verify(
    parts: &Parts,
    body: &[u8],
    access_key_id: &str,
    secret_access_key: &str,
    now: SystemTime,
) -> Result<(), SigError> {
    let header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or(SigError::Missing)?
        .to_str()
        .map_err(|_| SigError::Malformed("not ASCII"))?;
    let auth = parse_authorization(header)?;
    if auth.access_key != access_key_id {
        return Err(SigError::UnknownAccessKey);
    }
    let amz_date = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or(SigError::Malformed("missing X-Amz-Date"))?;
    let signed_at = parse_amz_date(amz_date).ok_or(SigError::Malformed("bad X-Amz-Date"))?;
    let skew = now
        .duration_since(signed_at)
        .unwrap_or_else(|e| e.duration());
    if skew > MAX_SKEW {
        return Err(SigError::Expired(amz_date.to_owned()));
    }

    let payload_hash = parts
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| hex::encode(Sha256::digest(body)), str::to_owned);
    let canonical_headers = auth
        .signed_headers
        .iter()
        .fold(String::new(), |mut acc, name| {
            acc.push_str(name);
            acc.push(':');
            acc.push_str(&canonical_header_value(parts, name));
            acc.push('\n');
            acc
        });
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        parts.method,
        parts.uri.path(),
        canonical_query(parts.uri.query()),
        canonical_headers,
        auth.signed_headers.join(";"),
        payload_hash
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}\n{}",
        auth.scope,
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let mut key = format!("AWS4{secret_access_key}").into_bytes();
    for part in auth.scope.split('/') {
        key = hmac(&key, part.as_bytes());
    }
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    if expected == auth.signature {
        Ok(())
    } else {
        Err(SigError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example request from the AWS General Reference's SigV4 test suite ("get-vanilla"),
    /// with its published signature.
    #[test]
    fn verifies_the_reference_example() {
        let req = http::Request::builder()
            .method("GET")
            .uri("/")
            .header("host", "example.amazonaws.com")
            .header("x-amz-date", "20150830T123600Z")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            )
            .body(())
            .expect("request");
        let (parts, ()) = req.into_parts();
        let signed_at = parse_amz_date("20150830T123600Z").expect("date");
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        assert_eq!(
            verify(&parts, b"", "AKIDEXAMPLE", secret, signed_at),
            Ok(())
        );
        assert_eq!(
            verify(&parts, b"", "AKIDEXAMPLE", "wrong", signed_at),
            Err(SigError::Mismatch)
        );
        assert_eq!(
            verify(&parts, b"", "OTHER", secret, signed_at),
            Err(SigError::UnknownAccessKey)
        );
        let an_hour_later = signed_at + Duration::from_hours(1);
        assert!(matches!(
            verify(&parts, b"", "AKIDEXAMPLE", secret, an_hour_later),
            Err(SigError::Expired(_))
        ));
    }

    #[test]
    fn canonical_query_sorts_and_encodes() {
        assert_eq!(canonical_query(Some("b=2&a=x%20y&a=1")), "a=1&a=x%20y&b=2");
    }
}
