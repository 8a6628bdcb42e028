//! Where the sandbox's answers must match AWS's wire format in details a client may depend on,
//! through the real SDK clients: redirects for a bucket in another region, request ids on every
//! answer, S3's XML namespace and statuses, unknown keys, unsigned requests, oversized bodies.

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::operation::RequestId;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule, Tag, Tagging,
};

use crate::support::{self, TestSandbox, Wire, assert_contains, code};

const S3_NAMESPACE: &str = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

#[tokio::test]
async fn a_bucket_addressed_in_another_region_is_redirected_with_its_region() {
    let sb = TestSandbox::start().await;
    let ireland = sb.s3_in("eu-west-1").await;
    ireland
        .create_bucket()
        .bucket("far-away-data")
        .create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("create in eu-west-1");
    let oregon = sb.s3_in("us-west-2").await;

    let wire = Wire::default();
    let err = oregon
        .head_bucket()
        .bucket("far-away-data")
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect_err("redirected");
    let answer = wire.response();
    assert_eq!(answer.status, 301, "{err:?}");
    assert_eq!(answer.header("x-amz-bucket-region"), Some("eu-west-1"));
    assert_eq!(answer.body, "", "HEAD answers carry no body");

    let wire = Wire::default();
    let err = oregon
        .get_bucket_tagging()
        .bucket("far-away-data")
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect_err("redirected");
    assert_eq!(code(&err), "PermanentRedirect");
    let answer = wire.response();
    assert_eq!(answer.status, 301);
    assert_eq!(answer.header("x-amz-bucket-region"), Some("eu-west-1"));
    assert!(
        answer
            .body
            .contains("<Endpoint>far-away-data.s3.eu-west-1.amazonaws.com</Endpoint>"),
        "{}",
        answer.body
    );

    // GetBucketLocation is how a client finds the region: it answers from anywhere.
    let location = oregon
        .get_bucket_location()
        .bucket("far-away-data")
        .send()
        .await
        .expect("location from another region");
    assert_eq!(
        location.location_constraint(),
        Some(&BucketLocationConstraint::EuWest1)
    );
    // In its own region the bucket answers as usual.
    ireland
        .head_bucket()
        .bucket("far-away-data")
        .send()
        .await
        .expect("head in its region");
}

#[tokio::test]
async fn an_unknown_s3_access_key_is_invalid_access_key_id() {
    let sb = TestSandbox::start().await;
    let conf = support::sdk_config(&sb.endpoint(), "us-east-1", "AKIDNOBODY", "x").await;
    let wire = Wire::default();
    let err = support::s3_client(&conf)
        .list_buckets()
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(code(&err), "InvalidAccessKeyId");
    assert_eq!(
        err.message(),
        Some("The AWS Access Key Id you provided does not exist in our records.")
    );
    let answer = wire.response();
    assert_eq!(answer.status, 403);
    assert!(
        answer
            .body
            .contains("<AWSAccessKeyId>AKIDNOBODY</AWSAccessKeyId>"),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn s3_answers_and_errors_name_their_request_and_use_s3_statuses() {
    let sb = TestSandbox::start().await;
    sb.s3
        .create_bucket()
        .bucket("tagged-data")
        .send()
        .await
        .expect("bucket");

    let wire = Wire::default();
    let tagged = sb
        .s3
        .put_bucket_tagging()
        .bucket("tagged-data")
        .tagging(
            Tagging::builder()
                .tag_set(Tag::builder().key("team").value("ml").build().expect("tag"))
                .build()
                .expect("tagging"),
        )
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect("tagged");
    assert_eq!(
        wire.response().status,
        204,
        "PutBucketTagging is 204 No Content"
    );
    assert!(tagged.request_id().is_some_and(|id| id.len() == 16));

    let wire = Wire::default();
    let err = sb
        .s3
        .get_bucket_policy()
        .bucket("missing-data")
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect_err("no such bucket");
    assert_eq!(code(&err), "NoSuchBucket");
    let id = err.request_id().expect("x-amz-request-id on an error");
    let answer = wire.response();
    assert!(answer.header("x-amz-id-2").is_some());
    assert!(
        answer
            .body
            .contains(&format!("<RequestId>{id}</RequestId>")),
        "{}",
        answer.body
    );
}

#[tokio::test]
async fn bucket_configuration_documents_carry_the_s3_namespace() {
    let sb = TestSandbox::start().await;
    sb.s3
        .create_bucket()
        .bucket("namespaced-data")
        .send()
        .await
        .expect("bucket");
    sb.s3
        .put_bucket_encryption()
        .bucket("namespaced-data")
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(
                    ServerSideEncryptionRule::builder()
                        .apply_server_side_encryption_by_default(
                            ServerSideEncryptionByDefault::builder()
                                .sse_algorithm(ServerSideEncryption::Aes256)
                                .build()
                                .expect("default"),
                        )
                        .build(),
                )
                .build()
                .expect("config"),
        )
        .send()
        .await
        .expect("encryption");
    sb.s3
        .put_public_access_block()
        .bucket("namespaced-data")
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .build(),
        )
        .send()
        .await
        .expect("public access block");

    let wire = Wire::default();
    sb.s3
        .get_bucket_encryption()
        .bucket("namespaced-data")
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect("encryption");
    let body = wire.response().body;
    assert_contains(
        &body,
        &format!("<ServerSideEncryptionConfiguration {S3_NAMESPACE}>"),
    );

    let wire = Wire::default();
    sb.s3
        .get_public_access_block()
        .bucket("namespaced-data")
        .customize()
        .interceptor(wire.clone())
        .send()
        .await
        .expect("public access block");
    let body = wire.response().body;
    assert_contains(
        &body,
        &format!("<PublicAccessBlockConfiguration {S3_NAMESPACE}>"),
    );
}

#[tokio::test]
async fn sagemaker_errors_name_their_request() {
    let sb = TestSandbox::start().await;
    let err = sb
        .sagemaker
        .describe_labeling_job()
        .labeling_job_name("nobody")
        .send()
        .await
        .expect_err("missing job");
    assert!(
        aws_sdk_sagemaker::operation::RequestId::request_id(&err).is_some(),
        "x-amzn-RequestId on a SageMaker error"
    );
}

/// Removes the signature from a request just before it is sent: how an unsigned call (a
/// misconfigured client, a curl) reaches the sandbox through the real SDK's serialization.
#[derive(Debug)]
struct StripSignature;

impl aws_sdk_s3::config::Intercept for StripSignature {
    fn name(&self) -> &'static str {
        "StripSignature"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &aws_sdk_s3::config::RuntimeComponents,
        _cfg: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let headers = context.request_mut().headers_mut();
        for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
            headers.remove(name);
        }
        Ok(())
    }
}

/// Each service refuses an unsigned request in its own shape, not as an S3 request.
#[tokio::test]
async fn unsigned_requests_are_refused_as_each_service_does() {
    let sb = TestSandbox::start().await;
    let status = |raw: Option<&aws_sdk_s3::config::http::HttpResponse>| {
        raw.map_or(0, |r| r.status().as_u16())
    };

    let err = sb
        .iam
        .get_role()
        .role_name("anyone")
        .customize()
        .interceptor(StripSignature)
        .send()
        .await
        .expect_err("unsigned IAM");
    assert_eq!(
        (code(&err).as_str(), status(err.raw_response())),
        ("MissingAuthenticationToken", 403)
    );

    let err = sb
        .sts
        .get_caller_identity()
        .customize()
        .interceptor(StripSignature)
        .send()
        .await
        .expect_err("unsigned STS");
    assert_eq!(
        (code(&err).as_str(), status(err.raw_response())),
        ("MissingAuthenticationToken", 403)
    );
    assert_eq!(
        err.message(),
        Some("Request is missing Authentication Token")
    );

    let err = sb
        .sagemaker
        .list_workteams()
        .customize()
        .interceptor(StripSignature)
        .send()
        .await
        .expect_err("unsigned SageMaker");
    assert_eq!(
        (code(&err).as_str(), status(err.raw_response())),
        ("MissingAuthenticationTokenException", 400)
    );
}

#[tokio::test]
async fn oversized_iam_and_sagemaker_bodies_are_refused() {
    let sb = TestSandbox::start().await;
    let huge = "x".repeat(gtplan::sandbox::router::MAX_BODY_BYTES + 1);
    let err = sb
        .iam
        .put_role_policy()
        .role_name("anyone")
        .policy_name("huge")
        .policy_document(&huge)
        .send()
        .await
        .expect_err("too large");
    assert_eq!(
        (
            code(&err).as_str(),
            err.raw_response().map(|r| r.status().as_u16())
        ),
        ("RequestEntityTooLarge", Some(413))
    );
    let err = sb
        .sagemaker
        .describe_workteam()
        .workteam_name(&huge)
        .send()
        .await
        .expect_err("too large");
    assert_eq!(
        (
            code(&err).as_str(),
            err.raw_response().map(|r| r.status().as_u16())
        ),
        ("RequestEntityTooLarge", Some(413))
    );
}
