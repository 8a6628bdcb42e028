//! Cognito user pools in the sandbox through the real aws-sdk-cognitoidentityprovider client
//! (and boto3 once): the pieces of a private workforce, their error codes, and the invitations
//! the sandbox records instead of sending mail.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, DeliveryMediumType, MessageActionType, OAuthFlowType, UserPoolType,
    UserStatusType,
};

use crate::readme::run_boto3;
use crate::support::{TestSandbox, assert_contains, http};

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .expect("attribute")
}

/// The code and message of a failed call.
fn failure<E: ProvideErrorMetadata, R>(
    err: &aws_sdk_cognitoidentityprovider::error::SdkError<E, R>,
) -> (String, String) {
    let e = err.as_service_error().expect("a service error");
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

async fn pool(sb: &TestSandbox, name: &str) -> String {
    sb.cognito
        .create_user_pool()
        .pool_name(name)
        .send()
        .await
        .expect("pool")
        .user_pool()
        .and_then(|p| p.id())
        .expect("an id")
        .to_owned()
}

async fn user(sb: &TestSandbox, pool: &str, name: &str, email: &str) {
    sb.cognito
        .admin_create_user()
        .user_pool_id(pool)
        .username(name)
        .user_attributes(attr("email", email))
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .expect("user");
}

/// The invitations the sandbox recorded for a user, from the admin state dump.
async fn invitations(sb: &TestSandbox, pool: &str, user: &str) -> Vec<(String, String)> {
    let (status, body) = http("GET", &format!("{}/_gtplan/state", sb.endpoint())).await;
    assert_eq!(status, 200);
    let state: serde_json::Value = serde_json::from_str(&body).expect("json");
    state["cognito"]["users"][format!("{pool}/{user}")]["invitations"]
        .as_array()
        .expect("invitations")
        .iter()
        .map(|i| {
            (
                i["medium"].as_str().unwrap_or_default().to_owned(),
                i["to"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_pool_with_domain_client_and_tags() {
    let sb = TestSandbox::start().await;
    let created = sb
        .cognito
        .create_user_pool()
        .pool_name("workers")
        .user_pool_tags("gtplan:plan", "demo")
        .auto_verified_attributes(
            aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email,
        )
        .send()
        .await
        .expect("pool");
    let p = created.user_pool().expect("pool");
    let id = p.id().expect("id").to_owned();
    let (region, suffix) = id.split_once('_').expect("region_suffix");
    assert_eq!(region, "us-east-1");
    assert!(suffix.len() == 9 && suffix.chars().all(|c| c.is_ascii_alphanumeric()));
    let arn = format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}");
    assert_eq!(p.arn(), Some(arn.as_str()));
    assert_eq!(p.auto_verified_attributes().len(), 1);

    sb.cognito
        .create_user_pool_domain()
        .domain("our-workers")
        .user_pool_id(&id)
        .send()
        .await
        .expect("domain");
    let d = sb
        .cognito
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("describe");
    let d = d.user_pool().expect("pool");
    assert_eq!(d.domain(), Some("our-workers"));
    assert_eq!(d.estimated_number_of_users(), 0);
    assert_eq!(
        d.user_pool_tags().and_then(|t| t.get("gtplan:plan")),
        Some(&"demo".to_owned())
    );
    let domain = sb
        .cognito
        .describe_user_pool_domain()
        .domain("our-workers")
        .send()
        .await
        .expect("describe domain");
    assert_eq!(
        domain.domain_description().and_then(|d| d.user_pool_id()),
        Some(id.as_str())
    );
    let unknown = sb
        .cognito
        .describe_user_pool_domain()
        .domain("nobody-has-this")
        .send()
        .await
        .expect("an unknown domain is no error");
    assert!(
        unknown
            .domain_description()
            .is_some_and(|d| d.domain().is_none())
    );

    let client = sb
        .cognito
        .create_user_pool_client()
        .user_pool_id(&id)
        .client_name("sagemaker")
        .generate_secret(true)
        .callback_urls("https://example.labeling.us-east-1.sagemaker.aws/oauth2/idpresponse")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_flows_user_pool_client(true)
        .supported_identity_providers("COGNITO")
        .send()
        .await
        .expect("client");
    let client = client.user_pool_client().expect("client");
    let client_id = client.client_id().expect("id").to_owned();
    assert_eq!(client_id.len(), 26);
    assert!(
        client_id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert!(client.client_secret().is_some_and(|s| !s.is_empty()));
    let described = sb
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&id)
        .client_id(&client_id)
        .send()
        .await
        .expect("describe client");
    let described = described.user_pool_client().expect("client");
    assert_eq!(described.allowed_o_auth_flows(), [OAuthFlowType::Code]);
    assert_eq!(described.callback_urls().len(), 1);
    assert_eq!(
        described.allowed_o_auth_flows_user_pool_client(),
        Some(true)
    );
    let clients = sb
        .cognito
        .list_user_pool_clients()
        .user_pool_id(&id)
        .send()
        .await
        .expect("list clients");
    assert_eq!(clients.user_pool_clients().len(), 1);

    sb.cognito
        .tag_resource()
        .resource_arn(&arn)
        .tags("team", "vision")
        .send()
        .await
        .expect("tag");
    sb.cognito
        .untag_resource()
        .resource_arn(&arn)
        .tag_keys("gtplan:plan")
        .send()
        .await
        .expect("untag");
    let tags = sb
        .cognito
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .expect("tags");
    assert_eq!(
        tags.tags().map(|t| t.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["team".to_owned()])
    );

    // The seeded pool of every region is listed too (see `sagemaker::seed`).
    let listed = sb
        .cognito
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .expect("list");
    let names: Vec<&str> = listed
        .user_pools()
        .iter()
        .filter_map(|p| p.name())
        .collect();
    assert_eq!(names, ["sandbox-workforce", "workers"]);

    // A pool with a domain cannot be deleted; without it, it can.
    let err = sb
        .cognito
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("domain first");
    assert_eq!(failure(&err).0, "InvalidParameterException");
    sb.cognito
        .delete_user_pool_domain()
        .domain("our-workers")
        .user_pool_id(&id)
        .send()
        .await
        .expect("delete domain");
    sb.cognito
        .delete_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("delete pool");
    let err = sb
        .cognito
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        failure(&err),
        (
            "ResourceNotFoundException".to_owned(),
            format!("User pool {id} does not exist.")
        )
    );
}

#[tokio::test]
async fn workers_are_invited_and_grouped() {
    let sb = TestSandbox::start().await;
    let id = pool(&sb, "workers").await;
    sb.cognito
        .create_group()
        .user_pool_id(&id)
        .group_name("annotators")
        .description("people who label")
        .send()
        .await
        .expect("group");
    user(&sb, &id, "alice@example.com", "alice@example.com").await;
    user(&sb, &id, "bob@example.com", "bob@example.com").await;
    assert_eq!(
        invitations(&sb, &id, "alice@example.com").await,
        [("EMAIL".to_owned(), "alice@example.com".to_owned())]
    );
    let got = sb
        .cognito
        .admin_get_user()
        .user_pool_id(&id)
        .username("alice@example.com")
        .send()
        .await
        .expect("get user");
    assert_eq!(
        got.user_status().map(UserStatusType::as_str),
        Some("FORCE_CHANGE_PASSWORD")
    );
    assert!(got.user_attributes().iter().any(|a| a.name() == "sub"));

    // SUPPRESS creates the user without an invitation; RESEND sends one more.
    sb.cognito
        .admin_create_user()
        .user_pool_id(&id)
        .username("carol")
        .user_attributes(attr("email", "carol@example.com"))
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("suppressed");
    assert!(invitations(&sb, &id, "carol").await.is_empty());
    sb.cognito
        .admin_create_user()
        .user_pool_id(&id)
        .username("carol")
        .message_action(MessageActionType::Resend)
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await
        .expect("resend");
    assert_eq!(invitations(&sb, &id, "carol").await.len(), 1);

    for name in ["alice@example.com", "bob@example.com", "bob@example.com"] {
        sb.cognito
            .admin_add_user_to_group()
            .user_pool_id(&id)
            .group_name("annotators")
            .username(name)
            .send()
            .await
            .expect("add (idempotent)");
    }
    let members = |limit: i32, token: Option<String>| {
        sb.cognito
            .list_users_in_group()
            .user_pool_id(&id)
            .group_name("annotators")
            .limit(limit)
            .set_next_token(token)
            .send()
    };
    let first = members(1, None).await.expect("page 1");
    assert_eq!(first.users().len(), 1);
    let second = members(1, first.next_token().map(ToOwned::to_owned))
        .await
        .expect("page 2");
    assert_eq!(second.users().len(), 1);
    assert!(second.next_token().is_none());
    sb.cognito
        .admin_remove_user_from_group()
        .user_pool_id(&id)
        .group_name("annotators")
        .username("bob@example.com")
        .send()
        .await
        .expect("remove");
    let left = members(60, None).await.expect("members");
    let names: Vec<&str> = left.users().iter().filter_map(|u| u.username()).collect();
    assert_eq!(names, ["alice@example.com"]);
    let groups = sb
        .cognito
        .admin_list_groups_for_user()
        .user_pool_id(&id)
        .username("alice@example.com")
        .send()
        .await
        .expect("groups of alice");
    let groups: Vec<&str> = groups
        .groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(groups, ["annotators"]);
    let all = sb
        .cognito
        .list_users()
        .user_pool_id(&id)
        .send()
        .await
        .expect("users");
    assert_eq!(all.users().len(), 3);
    let pool = sb
        .cognito
        .describe_user_pool()
        .user_pool_id(&id)
        .send()
        .await
        .expect("pool");
    assert_eq!(
        pool.user_pool()
            .map(UserPoolType::estimated_number_of_users),
        Some(3)
    );

    // Deleting a user takes them out of their groups.
    sb.cognito
        .admin_delete_user()
        .user_pool_id(&id)
        .username("alice@example.com")
        .send()
        .await
        .expect("delete user");
    assert!(members(60, None).await.expect("members").users().is_empty());
    sb.cognito
        .delete_group()
        .user_pool_id(&id)
        .group_name("annotators")
        .send()
        .await
        .expect("delete group");
    let listed = sb
        .cognito
        .list_groups()
        .user_pool_id(&id)
        .send()
        .await
        .expect("groups");
    assert!(listed.groups().is_empty());
}

#[tokio::test]
async fn cognito_errors_have_their_codes() {
    let sb = TestSandbox::start().await;
    let id = pool(&sb, "workers").await;
    let other = pool(&sb, "others").await;
    let cog = &sb.cognito;
    cog.create_group()
        .user_pool_id(&id)
        .group_name("g")
        .send()
        .await
        .expect("group");
    user(&sb, &id, "alice", "alice@example.com").await;

    let e = cog
        .create_group()
        .user_pool_id(&id)
        .group_name("g")
        .send()
        .await;
    assert_eq!(failure(&e.expect_err("dup")).0, "GroupExistsException");
    let e = cog
        .get_group()
        .user_pool_id(&id)
        .group_name("nope")
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("missing")).0,
        "ResourceNotFoundException"
    );
    let e = cog
        .admin_create_user()
        .user_pool_id(&id)
        .username("alice")
        .send()
        .await;
    assert_eq!(failure(&e.expect_err("dup")).0, "UsernameExistsException");
    let e = cog
        .admin_create_user()
        .user_pool_id(&id)
        .username("no-mail")
        .desired_delivery_mediums(DeliveryMediumType::Email)
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("no email")).0,
        "InvalidParameterException"
    );
    let e = cog
        .admin_create_user()
        .user_pool_id(&id)
        .username("ghost")
        .message_action(MessageActionType::Resend)
        .send()
        .await;
    assert_eq!(failure(&e.expect_err("resend")).0, "UserNotFoundException");
    // The group is checked before the user.
    let e = cog
        .admin_add_user_to_group()
        .user_pool_id(&id)
        .group_name("nope")
        .username("ghost")
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("group")).0,
        "ResourceNotFoundException"
    );
    let e = cog
        .admin_remove_user_from_group()
        .user_pool_id(&id)
        .group_name("g")
        .username("ghost")
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("user")),
        (
            "UserNotFoundException".to_owned(),
            "User does not exist.".to_owned()
        )
    );
    let e = cog
        .admin_get_user()
        .user_pool_id(&id)
        .username("ghost")
        .send()
        .await;
    assert_eq!(failure(&e.expect_err("user")).0, "UserNotFoundException");
    let e = cog
        .list_users()
        .user_pool_id(&id)
        .filter("email = \"alice@example.com\"")
        .send()
        .await;
    let (code, message) = failure(&e.expect_err("filter"));
    assert_eq!(code, "InvalidParameterException");
    assert_contains(&message, "Filter");
    let e = cog.list_user_pools().max_results(61).send().await;
    assert_eq!(failure(&e.expect_err("max")).0, "InvalidParameterException");
    let e = cog
        .describe_user_pool()
        .user_pool_id("us-east-1_missing")
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("pool")).0,
        "ResourceNotFoundException"
    );
    let e = cog
        .describe_user_pool_client()
        .user_pool_id(&id)
        .client_id("nope")
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("client")).0,
        "ResourceNotFoundException"
    );

    // A domain is unique in its region, and a pool has one.
    cog.create_user_pool_domain()
        .domain("taken")
        .user_pool_id(&id)
        .send()
        .await
        .expect("domain");
    let e = cog
        .create_user_pool_domain()
        .domain("taken")
        .user_pool_id(&other)
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("taken")),
        (
            "InvalidParameterException".to_owned(),
            "Domain already associated with another user pool.".to_owned()
        )
    );
    let e = cog
        .create_user_pool_domain()
        .domain("second")
        .user_pool_id(&id)
        .send()
        .await;
    assert_eq!(
        failure(&e.expect_err("one per pool")).0,
        "InvalidParameterException"
    );

    // An operation the sandbox does not emulate.
    let e = cog
        .admin_disable_user()
        .user_pool_id(&id)
        .username("alice")
        .send()
        .await
        .expect_err("not implemented");
    assert_eq!(failure(&e).0, "NotImplemented");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_sets_up_a_private_workforce() {
    let sb = TestSandbox::start().await;
    let script = r#"
import sys, boto3
endpoint = sys.argv[1]
kw = dict(endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test", region_name="eu-west-1")
idp = boto3.client("cognito-idp", **kw)
sm = boto3.client("sagemaker", **kw)
pool = idp.create_user_pool(PoolName="boto3-workers")["UserPool"]["Id"]
idp.create_user_pool_domain(Domain="boto3-workers", UserPoolId=pool)
client = idp.create_user_pool_client(UserPoolId=pool, ClientName="gt", GenerateSecret=True)["UserPoolClient"]
assert client["ClientSecret"], client
idp.create_group(UserPoolId=pool, GroupName="annotators")
idp.admin_create_user(UserPoolId=pool, Username="ann@example.com", DesiredDeliveryMediums=["EMAIL"],
    UserAttributes=[{"Name": "email", "Value": "ann@example.com"}])
idp.admin_add_user_to_group(UserPoolId=pool, Username="ann@example.com", GroupName="annotators")
users = idp.list_users_in_group(UserPoolId=pool, GroupName="annotators")["Users"]
assert [u["Username"] for u in users] == ["ann@example.com"], users
try:
    idp.admin_add_user_to_group(UserPoolId=pool, Username="nobody", GroupName="annotators")
    raise SystemExit("expected UserNotFoundException")
except idp.exceptions.UserNotFoundException:
    pass
# The region starts with the seeded workforce: one per region, so it goes first.
try:
    sm.create_workforce(WorkforceName="boto3", CognitoConfig={"UserPool": pool, "ClientId": client["ClientId"]})
    raise SystemExit("expected the one-workforce ValidationException")
except sm.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationException", e.response
assert sm.delete_workteam(WorkteamName="sandbox-team")["Success"] is True
sm.delete_workforce(WorkforceName="default")
arn = sm.create_workforce(WorkforceName="boto3", CognitoConfig={"UserPool": pool, "ClientId": client["ClientId"]},
    SourceIpConfig={"Cidrs": ["10.0.0.0/16"]})["WorkforceArn"]
wf = sm.describe_workforce(WorkforceName="boto3")["Workforce"]
assert wf["WorkforceArn"] == arn and wf["Status"] == "Active" and wf["SourceIpConfig"]["Cidrs"] == ["10.0.0.0/16"], wf
team = sm.create_workteam(WorkteamName="annotators", Description="our annotators",
    MemberDefinitions=[{"CognitoMemberDefinition": {"UserPool": pool, "UserGroup": "annotators", "ClientId": client["ClientId"]}}])
described = sm.describe_workteam(WorkteamName="annotators")["Workteam"]
assert described["WorkforceArn"] == arn and described["SubDomain"] == wf["SubDomain"], described
print("boto3 ok")
"#;
    run_boto3(script, &sb.endpoint()).await;
}
