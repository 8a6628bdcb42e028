//! IAM through the real `aws_sdk_iam` client: roles, trust and inline policies, attached
//! managed policies, tags, pagination, and the error codes IAM returns for each misuse.

use aws_sdk_iam::types::Tag;

use crate::support::{TestSandbox, code};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// Written with spaces and newlines so the round trip proves IAM keeps the text as sent.
const INLINE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::labels/*"}
  ]
}"#;

const S3_READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const GROUND_TRUTH: &str = "arn:aws:iam::aws:policy/AmazonSageMakerGroundTruthExecution";

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value set")
}

fn decode(url_encoded: &str) -> String {
    percent_encoding::percent_decode_str(url_encoded)
        .decode_utf8()
        .expect("decoded document is UTF-8")
        .into_owned()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn tags_of(tags: &[Tag]) -> Vec<String> {
    tags.iter()
        .map(|t| format!("{}={}", t.key(), t.value()))
        .collect()
}

fn generation(sb: &TestSandbox) -> u64 {
    sb.sandbox.shared().store.read(|w| w.generation)
}

async fn create(sb: &TestSandbox, name: &str) {
    sb.iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

#[tokio::test]
async fn create_role_returns_and_stores_every_field() {
    let sb = TestSandbox::start().await;
    let created = sb
        .iam
        .create_role()
        .role_name("gt-exec")
        .path("/gtplan/demo/")
        .assume_role_policy_document(TRUST)
        .description("labeling execution role")
        .max_session_duration(7200)
        .tags(tag("gtplan:plan", "demo"))
        .tags(tag("team", ""))
        .send()
        .await
        .expect("create role");
    let role = created.role().expect("role in response");
    assert_eq!(role.role_name(), "gt-exec");
    assert_eq!(role.path(), "/gtplan/demo/");
    assert_eq!(
        role.arn(),
        "arn:aws:iam::000000000000:role/gtplan/demo/gt-exec"
    );
    assert_eq!(role.role_id().len(), 21, "{}", role.role_id());
    assert!(role.role_id().starts_with("AROA"), "{}", role.role_id());
    assert!(
        role.role_id()[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{}",
        role.role_id()
    );

    let got = sb
        .iam
        .get_role()
        .role_name("gt-exec")
        .send()
        .await
        .expect("get role");
    let role = got.role().expect("role");
    assert_eq!(
        role.arn(),
        "arn:aws:iam::000000000000:role/gtplan/demo/gt-exec"
    );
    assert_eq!(role.description(), Some("labeling execution role"));
    assert_eq!(role.max_session_duration(), Some(7200));
    assert_eq!(tags_of(role.tags()), ["gtplan:plan=demo", "team="]);
    let encoded = role.assume_role_policy_document().expect("trust policy");
    assert!(
        encoded.starts_with("%7B%22Version%22%3A"),
        "IAM URL-encodes documents: {encoded}"
    );
    assert_eq!(decode(encoded), TRUST);
    assert!(
        role.role_last_used().is_some(),
        "GetRole sends RoleLastUsed"
    );
    let stored = sb.sandbox.shared().store.read(|w| {
        w.iam
            .role_by_arn("arn:aws:iam::000000000000:role/gtplan/demo/gt-exec")
            .map(|r| (r.assume_role_policy.clone(), r.max_session_duration))
    });
    assert_eq!(
        stored,
        Some((TRUST.to_owned(), 7200)),
        "state keeps the decoded text"
    );
}

#[tokio::test]
async fn create_role_defaults_path_and_session_duration() {
    let sb = TestSandbox::start().await;
    create(&sb, "plain").await;
    let got = sb
        .iam
        .get_role()
        .role_name("plain")
        .send()
        .await
        .expect("get");
    let role = got.role().expect("role");
    assert_eq!(role.path(), "/");
    assert_eq!(role.arn(), "arn:aws:iam::000000000000:role/plain");
    assert_eq!(role.max_session_duration(), Some(3600));
    assert_eq!(role.description(), None);
    assert!(role.tags().is_empty());
}

#[tokio::test]
async fn role_names_are_unique_and_found_ignoring_case() {
    let sb = TestSandbox::start().await;
    create(&sb, "Exec").await;
    for name in ["Exec", "EXEC", "exec"] {
        let err = sb
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .expect_err("duplicate");
        assert_eq!(code(&err), "EntityAlreadyExists", "{name}");
        assert_eq!(
            err.as_service_error().and_then(|e| e.meta().message()),
            Some(format!("Role with name {name} already exists.").as_str())
        );
    }
    let got = sb
        .iam
        .get_role()
        .role_name("eXeC")
        .send()
        .await
        .expect("get");
    assert_eq!(
        got.role().map(aws_sdk_iam::types::Role::role_name),
        Some("Exec")
    );
}

#[tokio::test]
async fn max_session_duration_must_be_between_one_and_twelve_hours() {
    let sb = TestSandbox::start().await;
    for (name, seconds, constraint) in [
        ("short", 3599, "greater than or equal to 3600"),
        ("long", 43_201, "less than or equal to 43200"),
    ] {
        let err = sb
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .max_session_duration(seconds)
            .send()
            .await
            .expect_err("out of range");
        assert_eq!(code(&err), "ValidationError");
        let message = err
            .as_service_error()
            .and_then(|e| e.meta().message())
            .unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{seconds}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value {constraint}"
            )
        );
    }
    for (name, seconds) in [("one-hour", 3600), ("twelve-hours", 43_200)] {
        sb.iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(TRUST)
            .max_session_duration(seconds)
            .send()
            .await
            .expect("bounds are inclusive");
    }
    let before = generation(&sb);
    let err = sb
        .iam
        .update_role()
        .role_name("one-hour")
        .max_session_duration(50_000)
        .send()
        .await
        .expect_err("out of range");
    assert_eq!(code(&err), "ValidationError");
    assert_eq!(generation(&sb), before, "a rejected update writes nothing");
}

#[tokio::test]
async fn invalid_names_paths_and_descriptions_are_validation_errors() {
    let sb = TestSandbox::start().await;
    let long_name = "r".repeat(65);
    let long_description = "d".repeat(1001);
    let cases: [(&str, &str, &str); 4] = [
        ("bad name!", "/", "ok"),
        (&long_name, "/", "ok"),
        ("good-name", "gtplan", "ok"),
        ("good-name", "/", &long_description),
    ];
    for (name, path, description) in cases {
        let err = sb
            .iam
            .create_role()
            .role_name(name)
            .path(path)
            .description(description)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .expect_err("invalid input");
        assert_eq!(code(&err), "ValidationError", "{name} {path}");
    }
    let err = sb
        .iam
        .get_role()
        .role_name("bad name!")
        .send()
        .await
        .expect_err("invalid");
    assert_eq!(code(&err), "ValidationError");
    assert!(sb.sandbox.shared().store.read(|w| w.iam.roles.is_empty()));
}

#[tokio::test]
async fn malformed_trust_policies_are_rejected_and_nothing_is_created() {
    let sb = TestSandbox::start().await;
    let with_resource = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;
    for (case, document) in [
        ("not json", "{not json"),
        ("resource in trust policy", with_resource),
    ] {
        let err = sb
            .iam
            .create_role()
            .role_name("exec")
            .assume_role_policy_document(document)
            .send()
            .await
            .expect_err(case);
        assert_eq!(code(&err), "MalformedPolicyDocument", "{case}");
    }
    let err = sb
        .iam
        .get_role()
        .role_name("exec")
        .send()
        .await
        .expect_err("not created");
    assert_eq!(code(&err), "NoSuchEntity");
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().message()),
        Some("The role with name exec cannot be found.")
    );
}

#[tokio::test]
async fn update_role_and_its_trust_policy() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    sb.iam
        .update_role()
        .role_name("exec")
        .description("now described")
        .max_session_duration(28_800)
        .send()
        .await
        .expect("update role");
    let lambda_trust = TRUST.replace("sagemaker", "lambda");
    sb.iam
        .update_assume_role_policy()
        .role_name("exec")
        .policy_document(&lambda_trust)
        .send()
        .await
        .expect("update trust");
    let err = sb
        .iam
        .update_assume_role_policy()
        .role_name("exec")
        .policy_document("[]")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(code(&err), "MalformedPolicyDocument");

    let got = sb
        .iam
        .get_role()
        .role_name("exec")
        .send()
        .await
        .expect("get");
    let role = got.role().expect("role");
    assert_eq!(role.description(), Some("now described"));
    assert_eq!(role.max_session_duration(), Some(28_800));
    assert_eq!(
        json(&decode(
            role.assume_role_policy_document().unwrap_or_default()
        )),
        json(&lambda_trust),
        "the malformed update left the previous policy in place"
    );

    let described = sb
        .iam
        .update_role_description()
        .role_name("exec")
        .description("via UpdateRoleDescription")
        .send()
        .await
        .expect("update description");
    assert_eq!(
        described.role().and_then(|r| r.description()),
        Some("via UpdateRoleDescription")
    );

    let err = sb
        .iam
        .update_role()
        .role_name("missing")
        .description("x")
        .send()
        .await
        .expect_err("missing role");
    assert_eq!(code(&err), "NoSuchEntity");
    let err = sb
        .iam
        .update_assume_role_policy()
        .role_name("missing")
        .policy_document(TRUST)
        .send()
        .await
        .expect_err("missing role");
    assert_eq!(code(&err), "NoSuchEntity");
}

#[tokio::test]
async fn inline_policy_documents_round_trip() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    sb.iam
        .put_role_policy()
        .role_name("exec")
        .policy_name("labels-rw")
        .policy_document(INLINE)
        .send()
        .await
        .expect("put inline policy");
    let listed = sb
        .iam
        .list_role_policies()
        .role_name("exec")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.policy_names(), ["labels-rw"]);
    assert!(!listed.is_truncated());

    let got = sb
        .iam
        .get_role_policy()
        .role_name("exec")
        .policy_name("labels-rw")
        .send()
        .await
        .expect("get inline policy");
    assert_eq!(got.role_name(), "exec");
    assert_eq!(got.policy_name(), "labels-rw");
    assert!(
        got.policy_document().starts_with("%7B%0A"),
        "{}",
        got.policy_document()
    );
    assert_eq!(
        decode(got.policy_document()),
        INLINE,
        "the text comes back as sent"
    );
    assert_eq!(json(&decode(got.policy_document())), json(INLINE));

    let err = sb
        .iam
        .get_role_policy()
        .role_name("exec")
        .policy_name("nope")
        .send()
        .await
        .expect_err("missing policy");
    assert_eq!(code(&err), "NoSuchEntity");
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().message()),
        Some("The role policy with name nope cannot be found.")
    );
}

#[tokio::test]
async fn inline_policies_block_role_deletion_until_deleted() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    sb.iam
        .put_role_policy()
        .role_name("exec")
        .policy_name("labels-rw")
        .policy_document(INLINE)
        .send()
        .await
        .expect("put inline policy");
    let err = sb
        .iam
        .delete_role()
        .role_name("exec")
        .send()
        .await
        .expect_err("has policy");
    assert_eq!(code(&err), "DeleteConflict");
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().message()),
        Some("Cannot delete entity, must delete policies first.")
    );

    sb.iam
        .delete_role_policy()
        .role_name("exec")
        .policy_name("labels-rw")
        .send()
        .await
        .expect("delete inline policy");
    let err = sb
        .iam
        .delete_role_policy()
        .role_name("exec")
        .policy_name("labels-rw")
        .send()
        .await
        .expect_err("already deleted");
    assert_eq!(code(&err), "NoSuchEntity");
    sb.iam
        .delete_role()
        .role_name("exec")
        .send()
        .await
        .expect("delete role");
    let err = sb
        .iam
        .get_role()
        .role_name("exec")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&err), "NoSuchEntity");
    let err = sb
        .iam
        .delete_role()
        .role_name("exec")
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&err), "NoSuchEntity");
}

#[tokio::test]
async fn inline_policies_are_validated_as_identity_policies() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    let with_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}]}"#;
    for (case, document) in [
        ("not json", "allow everything"),
        ("principal in identity policy", with_principal),
    ] {
        let err = sb
            .iam
            .put_role_policy()
            .role_name("exec")
            .policy_name("p")
            .policy_document(document)
            .send()
            .await
            .expect_err(case);
        assert_eq!(code(&err), "MalformedPolicyDocument", "{case}");
    }
    let err = sb
        .iam
        .put_role_policy()
        .role_name("exec")
        .policy_name("bad name")
        .policy_document(INLINE)
        .send()
        .await
        .expect_err("invalid name");
    assert_eq!(code(&err), "ValidationError");
    let err = sb
        .iam
        .put_role_policy()
        .role_name("missing")
        .policy_name("p")
        .policy_document(INLINE)
        .send()
        .await
        .expect_err("missing role");
    assert_eq!(code(&err), "NoSuchEntity");
    let listed = sb
        .iam
        .list_role_policies()
        .role_name("exec")
        .send()
        .await
        .expect("list");
    assert!(
        listed.policy_names().is_empty(),
        "{:?}",
        listed.policy_names()
    );
}

#[tokio::test]
async fn managed_policies_attach_list_and_detach() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    for arn in [S3_READ_ONLY, GROUND_TRUTH, S3_READ_ONLY] {
        sb.iam
            .attach_role_policy()
            .role_name("exec")
            .policy_arn(arn)
            .send()
            .await
            .expect("attach (again is a no-op)");
    }
    let listed = sb
        .iam
        .list_attached_role_policies()
        .role_name("exec")
        .send()
        .await
        .expect("list attached");
    let attached: Vec<(Option<&str>, Option<&str>)> = listed
        .attached_policies()
        .iter()
        .map(|p| (p.policy_name(), p.policy_arn()))
        .collect();
    assert_eq!(
        attached,
        [
            (Some("AmazonS3ReadOnlyAccess"), Some(S3_READ_ONLY)),
            (
                Some("AmazonSageMakerGroundTruthExecution"),
                Some(GROUND_TRUTH)
            ),
        ]
    );

    let unknown = "arn:aws:iam::aws:policy/AdministratorAccess";
    let err = sb
        .iam
        .attach_role_policy()
        .role_name("exec")
        .policy_arn(unknown)
        .send()
        .await
        .expect_err("unknown policy");
    assert_eq!(code(&err), "NoSuchEntity");
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().message()),
        Some(format!("Policy {unknown} does not exist or is not attachable.").as_str())
    );

    let err = sb
        .iam
        .delete_role()
        .role_name("exec")
        .send()
        .await
        .expect_err("attached");
    assert_eq!(code(&err), "DeleteConflict");
    assert_eq!(
        err.as_service_error().and_then(|e| e.meta().message()),
        Some("Cannot delete entity, must detach all policies first.")
    );
    for arn in [S3_READ_ONLY, GROUND_TRUTH] {
        sb.iam
            .detach_role_policy()
            .role_name("exec")
            .policy_arn(arn)
            .send()
            .await
            .expect("detach");
    }
    let err = sb
        .iam
        .detach_role_policy()
        .role_name("exec")
        .policy_arn(S3_READ_ONLY)
        .send()
        .await
        .expect_err("not attached");
    assert_eq!(code(&err), "NoSuchEntity");
    sb.iam
        .delete_role()
        .role_name("exec")
        .send()
        .await
        .expect("delete role");
}

#[tokio::test]
async fn attached_policies_page_and_filter_by_path() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    for arn in [GROUND_TRUTH, S3_READ_ONLY] {
        sb.iam
            .attach_role_policy()
            .role_name("exec")
            .policy_arn(arn)
            .send()
            .await
            .expect("attach");
    }
    let first = sb
        .iam
        .list_attached_role_policies()
        .role_name("exec")
        .max_items(1)
        .send()
        .await
        .expect("page 1");
    assert!(first.is_truncated());
    assert_eq!(first.attached_policies().len(), 1);
    let second = sb
        .iam
        .list_attached_role_policies()
        .role_name("exec")
        .max_items(1)
        .set_marker(first.marker().map(str::to_owned))
        .send()
        .await
        .expect("page 2");
    assert!(!second.is_truncated());
    assert_eq!(
        second.attached_policies()[0].policy_arn(),
        Some(GROUND_TRUTH)
    );
    let under = sb
        .iam
        .list_attached_role_policies()
        .role_name("exec")
        .path_prefix("/service-role/")
        .send()
        .await
        .expect("by path");
    assert!(under.attached_policies().is_empty());
}

#[tokio::test]
async fn list_roles_pages_in_name_order_and_filters_by_path() {
    let sb = TestSandbox::start().await;
    for i in 0..7 {
        let path = if i % 2 == 0 {
            "/gtplan/demo/"
        } else {
            "/other/"
        };
        sb.iam
            .create_role()
            .role_name(format!("role-{i}"))
            .path(path)
            .assume_role_policy_document(TRUST)
            .send()
            .await
            .expect("create");
    }
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = sb
            .iam
            .list_roles()
            .max_items(3)
            .set_marker(marker.clone())
            .send()
            .await
            .expect("list page");
        let names: Vec<String> = page
            .roles()
            .iter()
            .map(|r| r.role_name().to_owned())
            .collect();
        pages.push((names, page.is_truncated()));
        marker = page.marker().map(str::to_owned);
        assert_eq!(marker.is_some(), page.is_truncated());
        if marker.is_none() {
            break;
        }
        assert!(pages.len() < 5, "pagination does not end: {pages:?}");
    }
    let expected: Vec<(Vec<String>, bool)> =
        [(&[0, 1, 2][..], true), (&[3, 4, 5], true), (&[6], false)]
            .iter()
            .map(|(ids, truncated)| {
                (
                    ids.iter().map(|i| format!("role-{i}")).collect(),
                    *truncated,
                )
            })
            .collect();
    assert_eq!(pages, expected);

    let listed = sb
        .iam
        .list_roles()
        .path_prefix("/gtplan/")
        .send()
        .await
        .expect("by path");
    let names: Vec<&str> = listed
        .roles()
        .iter()
        .map(aws_sdk_iam::types::Role::role_name)
        .collect();
    assert_eq!(names, ["role-0", "role-2", "role-4", "role-6"]);
    assert!(!listed.is_truncated());
    assert!(
        listed.roles().iter().all(|r| r.tags().is_empty()),
        "ListRoles sends no tags"
    );

    let err = sb
        .iam
        .list_roles()
        .max_items(0)
        .send()
        .await
        .expect_err("max items 0");
    assert_eq!(code(&err), "ValidationError");
}

#[tokio::test]
async fn tags_are_added_replaced_and_removed() {
    let sb = TestSandbox::start().await;
    sb.iam
        .create_role()
        .role_name("exec")
        .assume_role_policy_document(TRUST)
        .tags(tag("Team", "ml"))
        .send()
        .await
        .expect("create");
    sb.iam
        .tag_role()
        .role_name("exec")
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .expect("tag");
    sb.iam
        .tag_role()
        .role_name("exec")
        .tags(tag("team", "labeling"))
        .tags(tag("a", "3"))
        .send()
        .await
        .expect("retag: keys match ignoring case");
    sb.iam
        .untag_role()
        .role_name("exec")
        .tag_keys("B")
        .tag_keys("not-there")
        .send()
        .await
        .expect("untag");
    let listed = sb
        .iam
        .list_role_tags()
        .role_name("exec")
        .send()
        .await
        .expect("list tags");
    assert_eq!(tags_of(listed.tags()), ["team=labeling", "a=3"]);
    assert!(!listed.is_truncated());

    let first = sb
        .iam
        .list_role_tags()
        .role_name("exec")
        .max_items(1)
        .send()
        .await
        .expect("page 1");
    assert!(first.is_truncated());
    let second = sb
        .iam
        .list_role_tags()
        .role_name("exec")
        .max_items(1)
        .set_marker(first.marker().map(str::to_owned))
        .send()
        .await
        .expect("page 2");
    assert_eq!(tags_of(second.tags()), ["a=3"]);
    assert!(!second.is_truncated());

    let got = sb
        .iam
        .get_role()
        .role_name("exec")
        .send()
        .await
        .expect("get");
    assert_eq!(
        tags_of(got.role().expect("role").tags()),
        ["team=labeling", "a=3"]
    );
}

#[tokio::test]
async fn tag_limits_and_errors() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    let err = sb
        .iam
        .tag_role()
        .role_name("exec")
        .tags(tag("k", "1"))
        .tags(tag("K", "2"))
        .send()
        .await
        .expect_err("duplicate keys");
    assert_eq!(code(&err), "InvalidInput");

    // AWS keeps the `aws:` namespace for its own tags, on create as on tagging.
    let err = sb
        .iam
        .tag_role()
        .role_name("exec")
        .tags(tag("aws:cloudformation:stack-name", "x"))
        .send()
        .await
        .expect_err("reserved key");
    assert_eq!(code(&err), "InvalidInput");
    let err = sb
        .iam
        .create_role()
        .role_name("reserved-tags")
        .assume_role_policy_document(TRUST)
        .tags(tag("AWS:team", "x"))
        .send()
        .await
        .expect_err("reserved key on create");
    assert_eq!(code(&err), "InvalidInput");

    let too_many = (0..51)
        .map(|i| tag(&format!("k{i}"), "v"))
        .collect::<Vec<_>>();
    let err = sb
        .iam
        .tag_role()
        .role_name("exec")
        .set_tags(Some(too_many))
        .send()
        .await
        .expect_err("51 tags in one request");
    assert_eq!(code(&err), "ValidationError");

    let fifty = (0..50)
        .map(|i| tag(&format!("k{i}"), "v"))
        .collect::<Vec<_>>();
    sb.iam
        .tag_role()
        .role_name("exec")
        .set_tags(Some(fifty))
        .send()
        .await
        .expect("50 tags fit");
    let before = generation(&sb);
    let err = sb
        .iam
        .tag_role()
        .role_name("exec")
        .tags(tag("one-more", "v"))
        .send()
        .await
        .expect_err("51st tag");
    assert_eq!(code(&err), "LimitExceeded");
    assert_eq!(
        generation(&sb),
        before,
        "a rejected tag request writes nothing"
    );

    let long_key = "k".repeat(129);
    let err = sb
        .iam
        .tag_role()
        .role_name("exec")
        .tags(tag(&long_key, "v"))
        .send()
        .await
        .expect_err("key too long");
    assert_eq!(code(&err), "ValidationError");
    let err = sb
        .iam
        .tag_role()
        .role_name("missing")
        .tags(tag("a", "1"))
        .send()
        .await
        .expect_err("missing role");
    assert_eq!(code(&err), "NoSuchEntity");
    let err = sb
        .iam
        .list_role_tags()
        .role_name("missing")
        .send()
        .await
        .expect_err("missing role");
    assert_eq!(code(&err), "NoSuchEntity");
}

#[tokio::test]
async fn roles_survive_a_restart() {
    let sb = TestSandbox::start().await;
    create(&sb, "exec").await;
    sb.iam
        .put_role_policy()
        .role_name("exec")
        .policy_name("p")
        .policy_document(INLINE)
        .send()
        .await
        .expect("put");
    let reopened =
        gtplan::sandbox::store::Store::open(sb.sandbox.shared().store.dir()).expect("reopen store");
    let kept = reopened.read(|w| w.iam.role("EXEC").map(|r| r.inline_policies.len()));
    assert_eq!(kept, Some(1));
}
