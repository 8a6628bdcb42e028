use crate::support::TestSandbox;

#[tokio::test]
async fn get_caller_identity_returns_the_sandbox_account() {
    let sb = TestSandbox::start().await;
    let id = sb.sts.get_caller_identity().send().await.expect("identity");
    assert_eq!(id.account(), Some("000000000000"));
    assert_eq!(id.arn(), Some("arn:aws:iam::000000000000:root"));
}

#[tokio::test]
async fn wrong_access_key_is_rejected() {
    let sb = TestSandbox::start().await;
    let conf = crate::support::sdk_config(&sb.endpoint(), "us-east-1", "other", "x").await;
    let err = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .expect_err("must fail");
    assert_eq!(crate::support::code(&err), "InvalidClientTokenId");
}

#[tokio::test]
async fn wrong_secret_fails_the_signature_check() {
    let sb = TestSandbox::start().await;
    let conf =
        crate::support::sdk_config(&sb.endpoint(), "us-east-1", "test", "not-the-secret").await;
    let err = aws_sdk_sts::Client::new(&conf)
        .get_caller_identity()
        .send()
        .await
        .expect_err("must fail");
    assert_eq!(crate::support::code(&err), "SignatureDoesNotMatch");
    let err = aws_sdk_sagemaker::Client::new(&conf)
        .list_workteams()
        .send()
        .await
        .expect_err("must fail");
    assert_eq!(crate::support::code(&err), "InvalidSignatureException");
}
