//! The sandbox's S3 through the real aws-sdk-s3 client: every operation gtplan uses, its main
//! errors with their codes and HTTP statuses, bucket-policy enforcement and listings.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CorsConfiguration, CorsRule, CreateBucketConfiguration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging,
};
use md5::Digest;

use crate::support::{self, TestSandbox, code};

/// The error code and HTTP status of a failed call, e.g. `("NoSuchBucket", 404)`.
fn failure<T, E>(result: Result<T, SdkError<E, HttpResponse>>) -> (String, u16)
where
    E: ProvideErrorMetadata,
{
    let Err(err) = result else {
        panic!("the call must fail")
    };
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (code(&err), status)
}

fn md5_etag(body: &[u8]) -> String {
    format!("\"{}\"", hex::encode(md5::Md5::digest(body)))
}

async fn client_in(sb: &TestSandbox, region: &str) -> Client {
    support::s3_client(&support::sdk_config(&sb.endpoint(), region, "test", "test").await)
}

fn constraint(c: BucketLocationConstraint) -> CreateBucketConfiguration {
    CreateBucketConfiguration::builder()
        .location_constraint(c)
        .build()
}

async fn bucket(sb: &TestSandbox, name: &str) {
    sb.s3
        .create_bucket()
        .bucket(name)
        .send()
        .await
        .expect("create bucket");
}

async fn put(sb: &TestSandbox, bucket: &str, key: &str, body: &'static [u8]) {
    sb.s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from_static(body))
        .send()
        .await
        .expect("put object");
}

// ---- buckets ------------------------------------------------------------------------------

#[tokio::test]
async fn bucket_lifecycle() {
    let sb = TestSandbox::start().await;
    let created = sb
        .s3
        .create_bucket()
        .bucket("raw-data")
        .send()
        .await
        .expect("create");
    assert_eq!(created.location(), Some("/raw-data"));

    let head = sb
        .s3
        .head_bucket()
        .bucket("raw-data")
        .send()
        .await
        .expect("head");
    assert_eq!(head.bucket_region(), Some("us-east-1"));

    let list = sb.s3.list_buckets().send().await.expect("list");
    let names: Vec<_> = list.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["raw-data"]);
    assert!(list.buckets()[0].creation_date().is_some());
    assert_eq!(
        list.owner().and_then(|o| o.id()),
        Some("000000000000"),
        "the account owns its buckets"
    );

    // us-east-1 is the one region reported as an empty constraint
    // (`<LocationConstraint xmlns="..."/>`, which the SDK reads as an empty value).
    let location = sb
        .s3
        .get_bucket_location()
        .bucket("raw-data")
        .send()
        .await
        .expect("location");
    assert_eq!(
        location
            .location_constraint()
            .map_or("", BucketLocationConstraint::as_str),
        ""
    );

    sb.s3
        .delete_bucket()
        .bucket("raw-data")
        .send()
        .await
        .expect("delete");
    let (_, status) = failure(sb.s3.head_bucket().bucket("raw-data").send().await);
    assert_eq!(status, 404, "a HEAD error has no body, only its status");
    assert_eq!(
        failure(sb.s3.delete_bucket().bucket("raw-data").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
    assert_eq!(
        failure(sb.s3.get_bucket_location().bucket("raw-data").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
    assert!(
        sb.s3
            .list_buckets()
            .send()
            .await
            .expect("list")
            .buckets()
            .is_empty()
    );
}

#[tokio::test]
async fn create_bucket_checks_names_and_ownership() {
    let sb = TestSandbox::start().await;
    for bad in [
        "Bad_Name",
        "ab",
        "-leading-dash",
        // Reserved by S3 for its own kinds of buckets and names.
        "xn--data",
        "sthree-data",
        "amzn-s3-demo-data",
        "data-s3alias",
        "data--ol-s3",
        "data.mrap",
        // (`--x-s3` too, but the SDK sends such names to S3 Express endpoints instead.)
        "data--table-s3",
    ] {
        assert_eq!(
            failure(sb.s3.create_bucket().bucket(bad).send().await),
            ("InvalidBucketName".to_owned(), 400),
            "{bad}"
        );
    }
    bucket(&sb, "mine").await;
    // The us-east-1 legacy answer: re-creating your own bucket there succeeds.
    sb.s3
        .create_bucket()
        .bucket("mine")
        .send()
        .await
        .expect("us-east-1 re-create is a success");
    // Everywhere else it is an error.
    let eu = client_in(&sb, "eu-west-1").await;
    eu.create_bucket()
        .bucket("mine-eu")
        .create_bucket_configuration(constraint(BucketLocationConstraint::EuWest1))
        .send()
        .await
        .expect("create in eu-west-1");
    assert_eq!(
        failure(
            eu.create_bucket()
                .bucket("mine-eu")
                .create_bucket_configuration(constraint(BucketLocationConstraint::EuWest1))
                .send()
                .await
        ),
        ("BucketAlreadyOwnedByYou".to_owned(), 409)
    );
}

#[tokio::test]
async fn create_bucket_location_constraints() {
    let sb = TestSandbox::start().await;
    let eu = client_in(&sb, "eu-west-1").await;

    // A regional endpoint creates buckets in its own region only.
    assert_eq!(
        failure(eu.create_bucket().bucket("no-constraint").send().await),
        ("IllegalLocationConstraintException".to_owned(), 400)
    );
    assert_eq!(
        failure(
            eu.create_bucket()
                .bucket("other-region")
                .create_bucket_configuration(constraint(BucketLocationConstraint::UsWest2))
                .send()
                .await
        ),
        ("IllegalLocationConstraintException".to_owned(), 400)
    );
    // us-east-1 is expressed by leaving the constraint out.
    assert_eq!(
        failure(
            sb.s3
                .create_bucket()
                .bucket("explicit-use1")
                .create_bucket_configuration(constraint(BucketLocationConstraint::from(
                    "us-east-1"
                )))
                .send()
                .await
        ),
        ("InvalidLocationConstraint".to_owned(), 400)
    );

    eu.create_bucket()
        .bucket("in-eu")
        .create_bucket_configuration(constraint(BucketLocationConstraint::EuWest1))
        .send()
        .await
        .expect("create in eu-west-1");
    let location = eu
        .get_bucket_location()
        .bucket("in-eu")
        .send()
        .await
        .expect("location");
    assert_eq!(
        location.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    let head = eu.head_bucket().bucket("in-eu").send().await.expect("head");
    assert_eq!(head.bucket_region(), Some("eu-west-1"));

    // The us-east-1 endpoint is the global one: it creates a bucket in the region named.
    sb.s3
        .create_bucket()
        .bucket("from-global")
        .create_bucket_configuration(constraint(BucketLocationConstraint::EuCentral1))
        .send()
        .await
        .expect("global endpoint accepts any region");
    let region = sb
        .sandbox
        .shared()
        .store
        .read(|w| w.s3.buckets.get("from-global").map(|b| b.region.clone()));
    assert_eq!(region.as_deref(), Some("eu-central-1"));
}

#[tokio::test]
async fn a_bucket_with_objects_cannot_be_deleted() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "full").await;
    put(&sb, "full", "k", b"x").await;
    assert_eq!(
        failure(sb.s3.delete_bucket().bucket("full").send().await),
        ("BucketNotEmpty".to_owned(), 409)
    );
    sb.s3
        .delete_object()
        .bucket("full")
        .key("k")
        .send()
        .await
        .expect("delete object");
    sb.s3
        .delete_bucket()
        .bucket("full")
        .send()
        .await
        .expect("an empty bucket can be deleted");
}

// ---- bucket policy ------------------------------------------------------------------------

fn policy(bucket: &str, statement: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statement.replace("BUCKET", bucket)
    )
}

const TLS_ONLY: &str = r#"{"Sid":"TlsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#;

#[tokio::test]
async fn bucket_policy_round_trip() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "pol").await;
    assert_eq!(
        failure(sb.s3.get_bucket_policy().bucket("pol").send().await),
        ("NoSuchBucketPolicy".to_owned(), 404)
    );
    let text = policy(
        "pol",
        r#"{"Sid":"ro","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}"#,
    );
    sb.s3
        .put_bucket_policy()
        .bucket("pol")
        .policy(&text)
        .send()
        .await
        .expect("put policy");
    let got = sb
        .s3
        .get_bucket_policy()
        .bucket("pol")
        .send()
        .await
        .expect("get policy");
    assert_eq!(got.policy(), Some(text.as_str()), "returned verbatim");

    sb.s3
        .delete_bucket_policy()
        .bucket("pol")
        .send()
        .await
        .expect("delete policy");
    assert_eq!(
        failure(sb.s3.get_bucket_policy().bucket("pol").send().await),
        ("NoSuchBucketPolicy".to_owned(), 404)
    );
    for result in [
        failure(sb.s3.get_bucket_policy().bucket("nope").send().await),
        failure(sb.s3.delete_bucket_policy().bucket("nope").send().await),
        failure(
            sb.s3
                .put_bucket_policy()
                .bucket("nope")
                .policy(&text)
                .send()
                .await,
        ),
    ] {
        assert_eq!(result, ("NoSuchBucket".to_owned(), 404));
    }
}

#[tokio::test]
async fn invalid_bucket_policies_are_malformed() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "pol").await;
    let outside = policy(
        "pol",
        r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::someone-else/*"}"#,
    );
    let no_principal = policy(
        "pol",
        r#"{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/*"}"#,
    );
    let foreign_action = policy(
        "pol",
        r#"{"Effect":"Deny","Principal":"*","Action":"iam:PassRole","Resource":"arn:aws:s3:::BUCKET/*"}"#,
    );
    for (why, text) in [
        ("not json", "this is not json".to_owned()),
        ("json but not an object", "[1, 2]".to_owned()),
        ("resource outside the bucket", outside),
        ("no principal", no_principal),
        ("not an s3 action", foreign_action),
    ] {
        let err = sb
            .s3
            .put_bucket_policy()
            .bucket("pol")
            .policy(&text)
            .send()
            .await
            .expect_err(why);
        assert_eq!(code(&err), "MalformedPolicy", "{why}");
        assert_eq!(
            err.raw_response().map(|r| r.status().as_u16()),
            Some(400),
            "{why}"
        );
        if why == "resource outside the bucket" {
            assert_eq!(
                err.as_service_error().and_then(|e| e.message()),
                Some("Policy has invalid resource")
            );
        }
    }
    assert_eq!(
        failure(sb.s3.get_bucket_policy().bucket("pol").send().await).0,
        "NoSuchBucketPolicy",
        "a rejected policy is not stored"
    );
}

#[tokio::test]
async fn tls_only_policy_allows_the_sdk_when_requests_count_as_tls() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "tls").await;
    sb.s3
        .put_bucket_policy()
        .bucket("tls")
        .policy(policy("tls", TLS_ONLY))
        .send()
        .await
        .expect("put policy");
    put(&sb, "tls", "k", b"x").await;
    sb.s3
        .get_object()
        .bucket("tls")
        .key("k")
        .send()
        .await
        .expect("get");
    sb.s3
        .list_objects_v2()
        .bucket("tls")
        .send()
        .await
        .expect("list");
}

/// Needs the policy evaluator: with `assume_tls = false` the sandbox is plain HTTP, as moto is,
/// and the TLS-only statement denies every data request (but not the policy calls).
#[tokio::test]
async fn tls_only_policy_denies_plain_http() {
    let sb = TestSandbox::start_with(|c| c.assume_tls = false).await;
    bucket(&sb, "tls").await;
    put(&sb, "tls", "before", b"x").await;
    sb.s3
        .put_bucket_policy()
        .bucket("tls")
        .policy(policy("tls", TLS_ONLY))
        .send()
        .await
        .expect("put policy");
    let denied = [
        failure(
            sb.s3
                .put_object()
                .bucket("tls")
                .key("k")
                .body(ByteStream::from_static(b"x"))
                .send()
                .await,
        ),
        failure(sb.s3.get_object().bucket("tls").key("before").send().await),
        failure(sb.s3.list_objects_v2().bucket("tls").send().await),
        failure(sb.s3.get_bucket_encryption().bucket("tls").send().await),
    ];
    for result in denied {
        assert_eq!(result, ("AccessDenied".to_owned(), 403));
    }
    // The account root can always read and remove the policy that locks it out.
    sb.s3
        .get_bucket_policy()
        .bucket("tls")
        .send()
        .await
        .expect("get policy is exempt");
    sb.s3
        .delete_bucket_policy()
        .bucket("tls")
        .send()
        .await
        .expect("delete policy is exempt");
    put(&sb, "tls", "k", b"x").await;
}

/// Needs the policy evaluator: an unconditional Deny on part of the bucket.
#[tokio::test]
async fn explicit_deny_on_a_prefix() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "locked").await;
    put(&sb, "locked", "secret/a", b"s").await;
    put(&sb, "locked", "public/a", b"p").await;
    sb.s3
        .put_bucket_policy()
        .bucket("locked")
        .policy(policy(
            "locked",
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::BUCKET/secret/*"}"#,
        ))
        .send()
        .await
        .expect("put policy");
    assert_eq!(
        failure(
            sb.s3
                .get_object()
                .bucket("locked")
                .key("secret/a")
                .send()
                .await
        ),
        ("AccessDenied".to_owned(), 403)
    );
    sb.s3
        .get_object()
        .bucket("locked")
        .key("public/a")
        .send()
        .await
        .expect("outside the denied prefix");
    // The deny names GetObject only.
    put(&sb, "locked", "secret/b", b"s").await;
}

// ---- bucket configuration -----------------------------------------------------------------

#[tokio::test]
async fn cors_round_trip() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "cors").await;
    assert_eq!(
        failure(sb.s3.get_bucket_cors().bucket("cors").send().await),
        ("NoSuchCORSConfiguration".to_owned(), 404)
    );
    let rule = CorsRule::builder()
        .allowed_methods("GET")
        .allowed_origins("*")
        .expose_headers("Access-Control-Allow-Origin")
        .max_age_seconds(3000)
        .build()
        .expect("rule");
    sb.s3
        .put_bucket_cors()
        .bucket("cors")
        .cors_configuration(
            CorsConfiguration::builder()
                .cors_rules(rule)
                .build()
                .expect("cors"),
        )
        .send()
        .await
        .expect("put cors");
    let got = sb
        .s3
        .get_bucket_cors()
        .bucket("cors")
        .send()
        .await
        .expect("get cors");
    let rules = got.cors_rules();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].allowed_methods(), ["GET"]);
    assert_eq!(rules[0].allowed_origins(), ["*"]);
    assert_eq!(rules[0].expose_headers(), ["Access-Control-Allow-Origin"]);
    assert_eq!(rules[0].max_age_seconds(), Some(3000));

    let bad = CorsRule::builder()
        .allowed_methods("PATCH")
        .allowed_origins("*")
        .build()
        .expect("rule");
    assert_eq!(
        failure(
            sb.s3
                .put_bucket_cors()
                .bucket("cors")
                .cors_configuration(
                    CorsConfiguration::builder()
                        .cors_rules(bad)
                        .build()
                        .expect("cors")
                )
                .send()
                .await
        ),
        ("InvalidRequest".to_owned(), 400)
    );

    sb.s3
        .delete_bucket_cors()
        .bucket("cors")
        .send()
        .await
        .expect("delete cors");
    assert_eq!(
        failure(sb.s3.get_bucket_cors().bucket("cors").send().await).0,
        "NoSuchCORSConfiguration"
    );
    assert_eq!(
        failure(sb.s3.get_bucket_cors().bucket("nope").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
}

#[tokio::test]
async fn public_access_block_round_trip() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "pab").await;
    let new = sb
        .s3
        .get_public_access_block()
        .bucket("pab")
        .send()
        .await
        .expect("a new bucket has one");
    let c = new.public_access_block_configuration().expect("config");
    assert_eq!(
        (
            c.block_public_acls(),
            c.ignore_public_acls(),
            c.block_public_policy(),
            c.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true)),
        "S3 turns Block Public Access on for new buckets"
    );
    sb.s3
        .put_public_access_block()
        .bucket("pab")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .build(),
        )
        .send()
        .await
        .expect("put");
    let got = sb
        .s3
        .get_public_access_block()
        .bucket("pab")
        .send()
        .await
        .expect("get");
    let c = got.public_access_block_configuration().expect("config");
    assert_eq!(
        (
            c.block_public_acls(),
            c.ignore_public_acls(),
            c.block_public_policy(),
            c.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(false)),
        "a switch left out is stored as off"
    );
    sb.s3
        .delete_public_access_block()
        .bucket("pab")
        .send()
        .await
        .expect("delete");
    assert_eq!(
        failure(sb.s3.get_public_access_block().bucket("pab").send().await).0,
        "NoSuchPublicAccessBlockConfiguration"
    );
    assert_eq!(
        failure(
            sb.s3
                .delete_public_access_block()
                .bucket("nope")
                .send()
                .await
        ),
        ("NoSuchBucket".to_owned(), 404)
    );
}

fn sse(algorithm: ServerSideEncryption, key: Option<&str>) -> ServerSideEncryptionConfiguration {
    let default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(algorithm)
        .set_kms_master_key_id(key.map(str::to_owned))
        .build()
        .expect("default");
    ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .bucket_key_enabled(true)
                .build(),
        )
        .build()
        .expect("config")
}

async fn encryption(sb: &TestSandbox, bucket: &str) -> (String, Option<String>) {
    let got = sb
        .s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .expect("get encryption");
    let rule = got
        .server_side_encryption_configuration()
        .and_then(|c| c.rules().first())
        .and_then(|r| r.apply_server_side_encryption_by_default())
        .expect("a default rule");
    (
        rule.sse_algorithm().as_str().to_owned(),
        rule.kms_master_key_id().map(str::to_owned),
    )
}

#[tokio::test]
async fn encryption_defaults_to_sse_s3() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "enc").await;
    assert_eq!(encryption(&sb, "enc").await, ("AES256".to_owned(), None));

    let key = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    sb.s3
        .put_bucket_encryption()
        .bucket("enc")
        .server_side_encryption_configuration(sse(ServerSideEncryption::AwsKms, Some(key)))
        .send()
        .await
        .expect("put kms");
    assert_eq!(
        encryption(&sb, "enc").await,
        ("aws:kms".to_owned(), Some(key.to_owned()))
    );

    assert_eq!(
        failure(
            sb.s3
                .put_bucket_encryption()
                .bucket("enc")
                .server_side_encryption_configuration(sse(ServerSideEncryption::Aes256, Some(key)))
                .send()
                .await
        ),
        ("InvalidArgument".to_owned(), 400),
        "a KMS key makes no sense with SSE-S3"
    );

    sb.s3
        .delete_bucket_encryption()
        .bucket("enc")
        .send()
        .await
        .expect("delete");
    assert_eq!(
        encryption(&sb, "enc").await,
        ("AES256".to_owned(), None),
        "deleting returns to the SSE-S3 default"
    );
    assert_eq!(
        failure(sb.s3.get_bucket_encryption().bucket("nope").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().expect("tag")
}

#[tokio::test]
async fn bucket_tagging_round_trip() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "tags").await;
    assert_eq!(
        failure(sb.s3.get_bucket_tagging().bucket("tags").send().await),
        ("NoSuchTagSet".to_owned(), 404)
    );
    sb.s3
        .put_bucket_tagging()
        .bucket("tags")
        .tagging(
            Tagging::builder()
                .tag_set(tag("gtplan:plan", "demo"))
                .tag_set(tag("team", "vision"))
                .build()
                .expect("tagging"),
        )
        .send()
        .await
        .expect("put tags");
    let got = sb
        .s3
        .get_bucket_tagging()
        .bucket("tags")
        .send()
        .await
        .expect("get tags");
    let pairs: Vec<(&str, &str)> = got.tag_set().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, [("gtplan:plan", "demo"), ("team", "vision")]);

    assert_eq!(
        failure(
            sb.s3
                .put_bucket_tagging()
                .bucket("tags")
                .tagging(
                    Tagging::builder()
                        .tag_set(tag("a", "1"))
                        .tag_set(tag("a", "2"))
                        .build()
                        .expect("tagging")
                )
                .send()
                .await
        ),
        ("InvalidTag".to_owned(), 400)
    );
    sb.s3
        .delete_bucket_tagging()
        .bucket("tags")
        .send()
        .await
        .expect("delete tags");
    assert_eq!(
        failure(sb.s3.get_bucket_tagging().bucket("tags").send().await).0,
        "NoSuchTagSet"
    );
}

// ---- objects ------------------------------------------------------------------------------

#[tokio::test]
async fn object_round_trip_with_metadata() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "objs").await;
    let body = b"{\"source-ref\":\"s3://objs/img/1.jpg\"}\n";
    let put = sb
        .s3
        .put_object()
        .bucket("objs")
        .key("input/manifest.jsonl")
        .content_type("application/jsonlines")
        .metadata("gtplan-sha256", "abc123")
        .metadata("Mixed-Case", "Value Kept")
        .body(ByteStream::from_static(body))
        .send()
        .await
        .expect("put");
    assert_eq!(put.e_tag(), Some(md5_etag(body).as_str()));

    let head = sb
        .s3
        .head_object()
        .bucket("objs")
        .key("input/manifest.jsonl")
        .send()
        .await
        .expect("head");
    assert_eq!(
        head.content_length(),
        Some(i64::try_from(body.len()).expect("small"))
    );
    assert_eq!(head.content_type(), Some("application/jsonlines"));
    assert_eq!(head.e_tag(), Some(md5_etag(body).as_str()));
    assert!(head.last_modified().is_some());
    let meta = head.metadata().expect("user metadata");
    assert_eq!(
        meta.get("gtplan-sha256").map(String::as_str),
        Some("abc123")
    );
    assert_eq!(
        meta.get("mixed-case").map(String::as_str),
        Some("Value Kept"),
        "metadata keys come back lower-cased, values as sent"
    );

    let got = sb
        .s3
        .get_object()
        .bucket("objs")
        .key("input/manifest.jsonl")
        .send()
        .await
        .expect("get");
    assert_eq!(got.content_type(), Some("application/jsonlines"));
    assert_eq!(got.e_tag(), Some(md5_etag(body).as_str()));
    assert_eq!(
        got.metadata()
            .and_then(|m| m.get("gtplan-sha256"))
            .map(String::as_str),
        Some("abc123")
    );
    let bytes = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(&bytes[..], body);
}

#[tokio::test]
async fn missing_objects_and_buckets() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "objs").await;
    assert_eq!(
        failure(sb.s3.get_object().bucket("objs").key("nope").send().await),
        ("NoSuchKey".to_owned(), 404)
    );
    let (_, status) = failure(sb.s3.head_object().bucket("objs").key("nope").send().await);
    assert_eq!(status, 404);
    assert_eq!(
        failure(sb.s3.get_object().bucket("nope").key("k").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
    assert_eq!(
        failure(
            sb.s3
                .put_object()
                .bucket("nope")
                .key("k")
                .body(ByteStream::from_static(b"x"))
                .send()
                .await
        ),
        ("NoSuchBucket".to_owned(), 404)
    );
    assert_eq!(
        failure(sb.s3.delete_object().bucket("nope").key("k").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
    assert_eq!(
        failure(sb.s3.list_objects_v2().bucket("nope").send().await),
        ("NoSuchBucket".to_owned(), 404)
    );
}

#[tokio::test]
async fn delete_object_is_idempotent() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "objs").await;
    put(&sb, "objs", "k", b"x").await;
    for round in 0..2 {
        sb.s3
            .delete_object()
            .bucket("objs")
            .key("k")
            .send()
            .await
            .unwrap_or_else(|e| panic!("delete #{round}: {e:?}"));
    }
    assert_eq!(
        failure(sb.s3.get_object().bucket("objs").key("k").send().await).0,
        "NoSuchKey"
    );
}

#[tokio::test]
async fn overwrite_replaces_body_and_metadata() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "objs").await;
    sb.s3
        .put_object()
        .bucket("objs")
        .key("k")
        .metadata("old", "1")
        .body(ByteStream::from_static(b"first"))
        .send()
        .await
        .expect("put 1");
    put(&sb, "objs", "k", b"second").await;
    let got = sb
        .s3
        .get_object()
        .bucket("objs")
        .key("k")
        .send()
        .await
        .expect("get");
    assert!(
        got.metadata()
            .is_none_or(std::collections::HashMap::is_empty)
    );
    let bytes = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(&bytes[..], b"second");
}

#[tokio::test]
async fn multi_megabyte_streaming_upload() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "big").await;
    // 6 MiB + a bit, not a multiple of any chunk size, with varying bytes.
    let body: Vec<u8> = (0..6 * 1024 * 1024 + 12_345)
        .map(|i: u32| u8::try_from((i * 31 + i / 4096) % 251).expect("< 251"))
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.bin");
    std::fs::write(&path, &body).expect("write file");
    let put = sb
        .s3
        .put_object()
        .bucket("big")
        .key("data/big.bin")
        .body(ByteStream::from_path(&path).await.expect("stream"))
        .send()
        .await
        .expect("streaming put");
    assert_eq!(put.e_tag(), Some(md5_etag(&body).as_str()));

    let got = sb
        .s3
        .get_object()
        .bucket("big")
        .key("data/big.bin")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.content_length(),
        Some(i64::try_from(body.len()).expect("fits"))
    );
    let bytes = got.body.collect().await.expect("body").into_bytes();
    assert!(bytes[..] == body[..], "the body round-trips byte for byte");

    // And from memory (the SDK's other body kind).
    sb.s3
        .put_object()
        .bucket("big")
        .key("data/big-mem.bin")
        .body(ByteStream::from(body.clone()))
        .send()
        .await
        .expect("in-memory put");
    let stored = sb
        .sandbox
        .shared()
        .store
        .read(|w| w.s3.object("big", "data/big-mem.bin").map(|o| o.size));
    assert_eq!(stored, Some(body.len() as u64));
}

#[tokio::test]
async fn range_reads() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "objs").await;
    put(&sb, "objs", "k", b"0123456789").await;
    let got = sb
        .s3
        .get_object()
        .bucket("objs")
        .key("k")
        .range("bytes=2-5")
        .send()
        .await
        .expect("range");
    assert_eq!(got.content_range(), Some("bytes 2-5/10"));
    assert_eq!(got.content_length(), Some(4));
    let bytes = got.body.collect().await.expect("body").into_bytes();
    assert_eq!(&bytes[..], b"2345");
    assert_eq!(
        failure(
            sb.s3
                .get_object()
                .bucket("objs")
                .key("k")
                .range("bytes=20-30")
                .send()
                .await
        ),
        ("InvalidRange".to_owned(), 416)
    );
}

#[tokio::test]
async fn if_none_match_creates_only() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "locks").await;
    let create = || {
        sb.s3
            .put_object()
            .bucket("locks")
            .key("state.lock")
            .if_none_match("*")
            .body(ByteStream::from_static(b"holder-1"))
            .send()
    };
    create().await.expect("the first writer wins");
    assert_eq!(
        failure(create().await),
        ("PreconditionFailed".to_owned(), 412)
    );
    let kept = sb
        .s3
        .get_object()
        .bucket("locks")
        .key("state.lock")
        .send()
        .await
        .expect("get");
    assert_eq!(
        &kept.body.collect().await.expect("body").into_bytes()[..],
        b"holder-1"
    );
    sb.s3
        .delete_object()
        .bucket("locks")
        .key("state.lock")
        .send()
        .await
        .expect("release");
    create().await.expect("free again after delete");
}

/// Conditional deletes (S3 since 2025): `If-Match` with an ETag deletes only that version of
/// the object, and with any value it requires the object to exist.
#[tokio::test]
async fn if_match_deletes_only_the_version_seen() {
    let sb = TestSandbox::start().await;
    bucket(&sb, "locks").await;
    let put = |body: &'static [u8]| {
        sb.s3
            .put_object()
            .bucket("locks")
            .key("state.lock")
            .body(ByteStream::from_static(body))
            .send()
    };
    let delete = |etag: &str| {
        sb.s3
            .delete_object()
            .bucket("locks")
            .key("state.lock")
            .if_match(etag)
            .send()
    };
    let first = put(b"holder-1").await.expect("put");
    let first = first.e_tag().expect("etag").to_owned();
    let second = put(b"holder-2").await.expect("replaced by another holder");
    let second = second.e_tag().expect("etag").to_owned();
    assert_eq!(
        failure(delete(&first).await),
        ("PreconditionFailed".to_owned(), 412),
        "the version first seen is gone: nothing is deleted"
    );
    delete(&second)
        .await
        .expect("the current version is deleted");
    assert_eq!(
        failure(delete(&second).await),
        ("NoSuchKey".to_owned(), 404),
        "with If-Match, a missing object is an error"
    );
    sb.s3
        .delete_object()
        .bucket("locks")
        .key("state.lock")
        .send()
        .await
        .expect("without If-Match, deleting a missing key succeeds");
}

// ---- listings -----------------------------------------------------------------------------

/// 25 keys: 15 under five "folders" and 10 at the top level.
async fn twenty_five_keys(sb: &TestSandbox) -> Vec<String> {
    bucket(sb, "list").await;
    let mut keys = Vec::new();
    for folder in 0..5 {
        for file in 0..3 {
            keys.push(format!("f{folder}/img-{file}.jpg"));
        }
    }
    for file in 0..10 {
        keys.push(format!("file-{file:02}.txt"));
    }
    for key in &keys {
        sb.s3
            .put_object()
            .bucket("list")
            .key(key)
            .body(ByteStream::from(key.clone().into_bytes()))
            .send()
            .await
            .expect("put");
    }
    keys.sort();
    keys
}

#[tokio::test]
async fn list_v2_pages_in_lexicographic_order() {
    let sb = TestSandbox::start().await;
    let all = twenty_five_keys(&sb).await;
    let mut seen = Vec::new();
    let mut token = None;
    let mut sizes = Vec::new();
    loop {
        let page = sb
            .s3
            .list_objects_v2()
            .bucket("list")
            .max_keys(10)
            .set_continuation_token(token.clone())
            .send()
            .await
            .expect("page");
        assert_eq!(page.max_keys(), Some(10));
        assert_eq!(
            page.key_count(),
            Some(i32::try_from(page.contents().len()).expect("small"))
        );
        sizes.push(page.contents().len());
        seen.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key())
                .map(str::to_owned),
        );
        let first = page.contents().first().expect("an object");
        assert!(first.e_tag().is_some() && first.last_modified().is_some());
        assert_eq!(
            first.size(),
            Some(i64::try_from(first.key().expect("key").len()).expect("small"))
        );
        assert!(sizes.len() <= 3, "pagination does not end: {sizes:?}");
        if page.is_truncated() == Some(true) {
            token = Some(page.next_continuation_token().expect("a token").to_owned());
        } else {
            assert_eq!(page.next_continuation_token(), None);
            break;
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, all);
}

#[tokio::test]
async fn list_v2_with_delimiter_rolls_up_common_prefixes() {
    let sb = TestSandbox::start().await;
    twenty_five_keys(&sb).await;
    let first = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .delimiter("/")
        .max_keys(10)
        .send()
        .await
        .expect("page 1");
    let prefixes: Vec<_> = first
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["f0/", "f1/", "f2/", "f3/", "f4/"]);
    let keys: Vec<_> = first.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        [
            "file-00.txt",
            "file-01.txt",
            "file-02.txt",
            "file-03.txt",
            "file-04.txt"
        ]
    );
    assert_eq!(first.key_count(), Some(10), "prefixes count as keys");
    assert_eq!(first.is_truncated(), Some(true));
    assert_eq!(first.delimiter(), Some("/"));

    let second = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .delimiter("/")
        .max_keys(10)
        .continuation_token(first.next_continuation_token().expect("token"))
        .send()
        .await
        .expect("page 2");
    assert!(second.common_prefixes().is_empty());
    let keys: Vec<_> = second.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(
        keys,
        [
            "file-05.txt",
            "file-06.txt",
            "file-07.txt",
            "file-08.txt",
            "file-09.txt"
        ]
    );
    assert_eq!(second.key_count(), Some(5));
    assert_eq!(second.is_truncated(), Some(false));

    // A page that ends on a common prefix resumes after everything under it.
    let small = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .delimiter("/")
        .max_keys(2)
        .send()
        .await
        .expect("small page");
    let next = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .delimiter("/")
        .max_keys(2)
        .continuation_token(small.next_continuation_token().expect("token"))
        .send()
        .await
        .expect("next small page");
    let prefixes: Vec<_> = next
        .common_prefixes()
        .iter()
        .filter_map(|p| p.prefix())
        .collect();
    assert_eq!(prefixes, ["f2/", "f3/"]);
}

#[tokio::test]
async fn list_v2_prefix_start_after_and_paginator() {
    let sb = TestSandbox::start().await;
    let all = twenty_five_keys(&sb).await;
    let under = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .prefix("f3/")
        .send()
        .await
        .expect("prefix");
    let keys: Vec<_> = under.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["f3/img-0.jpg", "f3/img-1.jpg", "f3/img-2.jpg"]);
    assert_eq!(under.prefix(), Some("f3/"));
    assert_eq!(under.is_truncated(), Some(false));

    let after = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .start_after("file-07.txt")
        .send()
        .await
        .expect("start after");
    let keys: Vec<_> = after.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys, ["file-08.txt", "file-09.txt"]);

    let empty = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .prefix("nothing/")
        .send()
        .await
        .expect("empty");
    assert_eq!(empty.key_count(), Some(0));
    assert!(empty.contents().is_empty());

    // The SDK's own paginator follows the tokens to the end.
    let pages: Vec<_> = sb
        .s3
        .list_objects_v2()
        .bucket("list")
        .max_keys(7)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("pages");
    let keys: Vec<String> = pages
        .iter()
        .flat_map(aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output::contents)
        .filter_map(|o| o.key())
        .map(str::to_owned)
        .collect();
    assert_eq!(pages.len(), 4);
    assert_eq!(keys, all);

    assert_eq!(
        failure(
            sb.s3
                .list_objects_v2()
                .bucket("list")
                .continuation_token("not-a-token!")
                .send()
                .await
        ),
        ("InvalidArgument".to_owned(), 400)
    );
}

#[tokio::test]
async fn create_bucket_takes_its_tags_in_the_same_request() {
    let sb = TestSandbox::start().await;
    let config = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .tags(
            aws_sdk_s3::types::Tag::builder()
                .key("gtplan:plan")
                .value("demo")
                .build()
                .expect("tag"),
        )
        .build();
    sb.s3
        .create_bucket()
        .bucket("born-tagged")
        .create_bucket_configuration(config)
        .send()
        .await
        .expect("create with tags");
    let tags = sb
        .s3
        .get_bucket_tagging()
        .bucket("born-tagged")
        .send()
        .await
        .expect("tags");
    let pairs: Vec<(&str, &str)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(pairs, [("gtplan:plan", "demo")]);
    let bad = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .tags(
            aws_sdk_s3::types::Tag::builder()
                .key("aws:reserved")
                .value("x")
                .build()
                .expect("tag"),
        )
        .build();
    let err = sb
        .s3
        .create_bucket()
        .bucket("born-bad")
        .create_bucket_configuration(bad)
        .send()
        .await
        .expect_err("reserved key");
    assert_eq!(crate::support::code(&err), "InvalidTag");
    assert!(
        sb.s3.head_bucket().bucket("born-bad").send().await.is_err(),
        "nothing was created"
    );
}
