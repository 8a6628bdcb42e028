//! Unit tests of the planner, one per resource rule.
use serde_json::json;

use super::*;
use crate::model::META_SHA256;
use crate::model::TAG_ADDRESS;
use crate::model::desired::{Encryption, PublicAccessBlock};
use crate::model::job::JobStatus;
use crate::model::job::UiConfig;
use crate::model::observed::ObservedBucket;
use crate::model::observed::ObservedRole;
use crate::model::observed::Orphan;
use crate::model::{META_ADDRESS, META_PLAN};
use crate::plan::diff::fixture::{
    ACCOUNT, BUCKET, JOB, PLAN, ROLE, addr, applied, bucket_mut, desired, empty, job_mut,
    observed_bucket, observed_job, observed_role, role_mut, tags,
};
use crate::plan::digest;

/// A change made to an observed resource, behind gtplan's back.
type Mutation<T> = Box<dyn Fn(&mut T)>;

fn change_at<'a>(plan: &'a Plan, address: &str) -> &'a Change {
    plan.changes
        .iter()
        .find(|c| c.address == addr(address))
        .unwrap_or_else(|| panic!("no change for {address}"))
}

fn ops(c: &Change) -> Vec<String> {
    c.steps.iter().map(Step::describe).collect()
}

fn field_names(fields: &[FieldChange]) -> Vec<&str> {
    fields.iter().map(|f| f.field.as_str()).collect()
}

fn only_error(result: Result<Plan, PlanErrors>) -> PlanError {
    let errors = result.expect_err("planning must fail");
    assert_eq!(errors.0.len(), 1, "{errors:?}");
    errors.0.into_iter().next().expect("one error")
}

#[test]
fn a_fresh_plan_creates_everything_in_dependency_order() {
    let d = desired();
    let plan = diff(&d, &empty(&d)).expect("plans");
    let order: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(
        order,
        [
            "bucket.data",
            "role.labeling",
            "upload.labels",
            "upload.manifest",
            "job.pets"
        ]
    );
    assert!(plan.changes.iter().all(|c| c.action == Action::Create));
    assert_eq!(
        ops(change_at(&plan, "bucket.data")),
        [
            format!("CreateBucket {BUCKET}"),
            format!("PutBucketTagging {BUCKET}"),
            format!("PutPublicAccessBlock {BUCKET}"),
            format!("PutBucketEncryption {BUCKET}"),
            format!("PutBucketPolicy {BUCKET}"),
            format!("PutBucketCors {BUCKET}"),
        ]
    );
    assert_eq!(
        ops(change_at(&plan, "role.labeling")),
        [
            format!("CreateRole {ROLE}"),
            format!("PutRolePolicy {ROLE}/gtplan-{PLAN}")
        ]
    );
    let Step::PutObject {
        metadata,
        sha256,
        body,
        ..
    } = &change_at(&plan, "upload.manifest").steps[0]
    else {
        panic!("an upload is a PutObject");
    };
    assert_eq!(metadata.get(META_SHA256), Some(sha256));
    assert_eq!(metadata.get(META_PLAN).map(String::as_str), Some(PLAN));
    assert_eq!(
        metadata.get(META_ADDRESS).map(String::as_str),
        Some("upload.manifest")
    );
    assert!(body.bytes().is_some_and(|b| !b.is_empty()));
    assert_eq!(
        change_at(&plan, "upload.manifest").depends_on,
        [addr("bucket.data")]
    );
    assert_eq!(
        ops(change_at(&plan, "job.pets")),
        [format!("CreateLabelingJob {JOB}")]
    );
    assert_eq!(plan.account_id, ACCOUNT);
    assert_eq!(
        change_at(&plan, "bucket.data").observed_digest,
        digest::bucket(&BucketLookup::Missing)
    );
}

#[test]
fn an_applied_plan_has_no_changes_even_when_aws_reencodes_policies() {
    let d = desired();
    let observed = applied(&d);
    assert_ne!(
        bucket_mut(&mut observed.clone(), "bucket.data").policy,
        Some(crate::plan::diff::fixture::bucket_policy()),
        "the fixture re-encodes policies"
    );
    let plan = diff(&d, &observed).expect("plans");
    assert!(!plan.has_changes(), "{plan:#?}");
    assert!(plan.changes.iter().all(|c| c.steps.is_empty()));
    assert_eq!(
        change_at(&plan, "job.pets").note.as_deref(),
        Some("InProgress, 3 of 10 labeled")
    );
    assert_eq!(plan, diff(&d, &observed).expect("plans"), "deterministic");
}

#[test]
fn a_bucket_owned_by_another_account_is_an_error() {
    let d = desired();
    let mut o = applied(&d);
    o.buckets
        .insert(addr("bucket.data"), BucketLookup::OwnedElsewhere);
    let e = only_error(diff(&d, &o));
    assert_eq!(e.address, addr("bucket.data"));
    assert_eq!(
        e.message,
        format!("bucket name `{BUCKET}` is owned by another AWS account")
    );
    assert!(e.hint.contains("choose another `name`"), "{}", e.hint);
}

#[test]
fn an_untagged_bucket_is_an_error_unless_adopted() {
    let mut d = desired();
    let mut o = applied(&d);
    bucket_mut(&mut o, "bucket.data").tags.clear();
    let e = only_error(diff(&d, &o));
    assert!(
        e.message.contains("was not created by gtplan"),
        "{}",
        e.message
    );
    assert!(e.hint.contains("`adopt = true`"), "{}", e.hint);

    d.buckets
        .get_mut(&addr("bucket.data"))
        .expect("bucket")
        .adopt = true;
    let plan = diff(&d, &o).expect("adopting plans");
    let c = change_at(&plan, "bucket.data");
    assert_eq!(c.action, Action::Update);
    assert_eq!(ops(c), [format!("PutBucketTagging {BUCKET}")]);
    assert_eq!(
        field_names(&c.fields),
        ["tags.gtplan:address", "tags.gtplan:plan", "tags.team"]
    );
}

#[test]
fn a_bucket_of_another_plan_is_an_error_even_with_adopt() {
    let mut d = desired();
    d.buckets
        .get_mut(&addr("bucket.data"))
        .expect("bucket")
        .adopt = true;
    let mut o = applied(&d);
    bucket_mut(&mut o, "bucket.data")
        .tags
        .insert(TAG_PLAN.to_owned(), "other".to_owned());
    let e = only_error(diff(&d, &o));
    assert_eq!(
        e.message,
        format!("bucket `{BUCKET}` belongs to plan `other`")
    );
}

#[test]
fn a_bucket_in_another_region_cannot_be_moved() {
    let d = desired();
    let mut o = applied(&d);
    bucket_mut(&mut o, "bucket.data").region = "eu-west-1".to_owned();
    let e = only_error(diff(&d, &o));
    assert!(e.message.contains("is in `eu-west-1`"), "{}", e.message);
    // us-east-1 is reported as an empty location constraint: not a difference.
    bucket_mut(&mut o, "bucket.data").region = String::new();
    assert!(!diff(&d, &o).expect("plans").has_changes());
}

#[test]
fn each_differing_bucket_field_gets_its_own_field_and_step() {
    let d = desired();
    let cases: Vec<(&str, Mutation<ObservedBucket>, &str)> = vec![
        (
            "policy",
            Box::new(|b| b.policy = Some(json!({"Version":"2012-10-17","Statement":[]}))),
            "PutBucketPolicy",
        ),
        ("policy", Box::new(|b| b.policy = None), "PutBucketPolicy"),
        ("cors", Box::new(|b| b.cors.clear()), "PutBucketCors"),
        (
            "encryption",
            Box::new(|b| {
                b.encryption = Some(Encryption::Kms {
                    key_id: None,
                    bucket_key: true,
                });
            }),
            "PutBucketEncryption",
        ),
        (
            "encryption",
            Box::new(|b| b.encryption = None),
            "PutBucketEncryption",
        ),
        (
            "public_access_block",
            Box::new(|b| {
                b.public_access_block = Some(PublicAccessBlock {
                    block_public_policy: false,
                    ..PublicAccessBlock::ALL_ON
                });
            }),
            "PutPublicAccessBlock",
        ),
        (
            "tags.extra",
            Box::new(|b| {
                b.tags.insert("extra".to_owned(), "x".to_owned());
            }),
            "PutBucketTagging",
        ),
        (
            "tags.team",
            Box::new(|b| {
                b.tags.insert("team".to_owned(), "ops".to_owned());
            }),
            "PutBucketTagging",
        ),
    ];
    for (field_name, mutate, op) in cases {
        let mut o = applied(&d);
        mutate(bucket_mut(&mut o, "bucket.data"));
        let plan = diff(&d, &o).expect("plans");
        let c = change_at(&plan, "bucket.data");
        assert_eq!(c.action, Action::Update, "{field_name}");
        assert_eq!(field_names(&c.fields), [field_name]);
        assert_eq!(ops(c), [format!("{op} {BUCKET}")], "{field_name}");
        assert_eq!(c.fields[0].is_document, field_name == "policy");
        assert_eq!(plan.summary().update, 1, "only the bucket changes");
    }
}

#[test]
fn a_tag_added_behind_gtplans_back_is_dropped_by_rewriting_the_set() {
    let d = desired();
    let mut o = applied(&d);
    bucket_mut(&mut o, "bucket.data")
        .tags
        .insert("extra".to_owned(), "x".to_owned());
    let plan = diff(&d, &o).expect("plans");
    let c = change_at(&plan, "bucket.data");
    assert_eq!(c.fields[0].before, Some(json!("x")));
    assert_eq!(c.fields[0].after, None);
    let Step::PutBucketTagging { tags: written, .. } = &c.steps[0] else {
        panic!("tagging step");
    };
    assert_eq!(written, &tags("bucket.data", &[("team", "ml")]));
}

#[test]
fn desired_cors_removed_deletes_the_configuration() {
    let mut d = desired();
    d.buckets
        .get_mut(&addr("bucket.data"))
        .expect("bucket")
        .cors
        .clear();
    let plan = diff(&d, &applied(&desired())).expect("plans");
    assert_eq!(
        ops(change_at(&plan, "bucket.data")),
        [format!("DeleteBucketCors {BUCKET}")]
    );
}

#[test]
fn a_missing_role_is_created_with_its_inline_policies() {
    let d = desired();
    let mut o = applied(&d);
    o.roles.insert(addr("role.labeling"), None);
    let plan = diff(&d, &o).expect("plans");
    let c = change_at(&plan, "role.labeling");
    assert_eq!(c.action, Action::Create);
    let Step::CreateRole {
        path,
        max_session_duration,
        tags: t,
        ..
    } = &c.steps[0]
    else {
        panic!("CreateRole first");
    };
    assert_eq!(path, "/gtplan/quickstart/");
    assert_eq!(*max_session_duration, 3600);
    assert_eq!(t.get(TAG_PLAN).map(String::as_str), Some(PLAN));
}

#[test]
fn each_differing_role_field_gets_its_own_step() {
    let d = desired();
    let policy_name = format!("gtplan-{PLAN}");
    let cases: Vec<(Mutation<ObservedRole>, Vec<&str>, Vec<String>)> = vec![
        (
            Box::new(|r| r.trust_policy = json!({"Version":"2012-10-17","Statement":[]})),
            vec!["trust_policy"],
            vec![format!("UpdateAssumeRolePolicy {ROLE}")],
        ),
        (
            Box::new(|r| {
                r.inline_policies.clear();
            }),
            vec!["inline_policies.gtplan-quickstart"],
            vec![format!("PutRolePolicy {ROLE}/{policy_name}")],
        ),
        (
            Box::new(|r| {
                r.inline_policies.insert("gtplan-old".to_owned(), json!({}));
                r.inline_policies.insert("hand-made".to_owned(), json!({}));
            }),
            vec!["inline_policies.gtplan-old"],
            vec![format!("DeleteRolePolicy {ROLE}/gtplan-old")],
        ),
        (
            Box::new(|r| {
                r.max_session_duration = 7200;
                r.description = None;
            }),
            vec!["max_session_duration", "description"],
            vec![format!("UpdateRole {ROLE}")],
        ),
        (
            Box::new(|r| {
                r.tags.insert("extra".to_owned(), "x".to_owned());
                r.tags
                    .insert("aws:cloudformation:stack-name".to_owned(), "s".to_owned());
                r.tags.insert(TAG_ADDRESS.to_owned(), "role.old".to_owned());
            }),
            vec!["tags.extra", "tags.gtplan:address"],
            vec![format!("TagRole {ROLE}"), format!("UntagRole {ROLE}")],
        ),
    ];
    for (mutate, fields, steps) in cases {
        let mut o = applied(&d);
        mutate(role_mut(&mut o, "role.labeling"));
        let plan = diff(&d, &o).expect("plans");
        let c = change_at(&plan, "role.labeling");
        assert_eq!(c.action, Action::Update, "{fields:?}");
        assert_eq!(field_names(&c.fields), fields);
        assert_eq!(ops(c), steps);
    }
    // Tag steps carry exactly the keys that change.
    let mut o = applied(&d);
    let r = role_mut(&mut o, "role.labeling");
    r.tags.insert("extra".to_owned(), "x".to_owned());
    r.tags
        .insert("aws:cloudformation:stack-name".to_owned(), "s".to_owned());
    r.tags.insert(TAG_ADDRESS.to_owned(), "role.old".to_owned());
    let plan = diff(&d, &o).expect("plans");
    let steps = &change_at(&plan, "role.labeling").steps;
    assert_eq!(
        steps[0],
        Step::TagRole {
            role: ROLE.to_owned(),
            tags: Tags::from([(TAG_ADDRESS.to_owned(), "role.labeling".to_owned())]),
        }
    );
    assert_eq!(
        steps[1],
        Step::UntagRole {
            role: ROLE.to_owned(),
            keys: vec!["extra".to_owned()]
        }
    );
}

#[test]
fn a_role_under_another_path_is_an_error_unless_adopted() {
    let mut d = desired();
    let mut o = applied(&d);
    role_mut(&mut o, "role.labeling").path = "/".to_owned();
    let e = only_error(diff(&d, &o));
    assert!(e.message.contains("under the path `/`"), "{}", e.message);
    assert!(
        e.hint.contains("IAM cannot change a role's path"),
        "{}",
        e.hint
    );

    d.roles.get_mut(&addr("role.labeling")).expect("role").adopt = true;
    role_mut(&mut o, "role.labeling").tags.clear();
    let plan = diff(&d, &o).expect("adopting plans");
    assert_eq!(
        ops(change_at(&plan, "role.labeling")),
        [format!("TagRole {ROLE}")]
    );
}

#[test]
fn uploads_are_compared_by_content_hash() {
    let d = desired();
    let mut o = applied(&d);
    let object = o
        .uploads
        .get_mut(&addr("upload.manifest"))
        .and_then(Option::as_mut)
        .expect("object");
    object.sha256 = Some("0".repeat(64));
    let plan = diff(&d, &o).expect("plans");
    let c = change_at(&plan, "upload.manifest");
    assert_eq!(
        (c.action, c.reason.as_str()),
        (Action::Update, "content changed")
    );
    assert_eq!(field_names(&c.fields), ["sha256"]);
    assert_eq!(c.fields[0].before, Some(json!("0".repeat(64))));
    assert_eq!(
        ops(c),
        ["PutObject s3://gtplan-quickstart-data/input/manifest.jsonl"]
    );
    assert_eq!(change_at(&plan, "upload.labels").action, Action::NoOp);

    let object = o
        .uploads
        .get_mut(&addr("upload.manifest"))
        .and_then(Option::as_mut)
        .expect("object");
    object.sha256 = None;
    let plan = diff(&d, &o).expect("plans");
    assert!(
        change_at(&plan, "upload.manifest")
            .reason
            .contains("without gtplan's content hash")
    );
}

#[test]
fn a_changed_job_is_an_error_naming_every_field() {
    let mut d = desired();
    let o = applied(&d);
    let spec = &mut d.jobs.get_mut(&addr("job.pets")).expect("job").spec;
    spec.human_task.task_time_limit_seconds = 600;
    spec.human_task.ui = UiConfig::TemplateS3Uri("s3://b/ui.liquid".to_owned());
    spec.tags.insert("team".to_owned(), "ml".to_owned());
    spec.input.content_classifiers.clear();
    let e = only_error(diff(&d, &o));
    assert_eq!(e.address, addr("job.pets"));
    assert_eq!(
        e.message,
        format!("labeling job `{JOB}` already exists with different settings")
    );
    assert_eq!(
        field_names(&e.fields),
        [
            "human_task.task_time_limit_seconds",
            "human_task.ui.human_task_ui_arn",
            "human_task.ui.template_s3_uri",
            "input.content_classifiers",
            "tags.team",
        ]
    );
    assert_eq!(e.fields[0].before, Some(json!(300)));
    assert_eq!(e.fields[0].after, Some(json!(600)));
    assert_eq!(e.fields[4].before, None);
    assert!(
        e.hint.contains("`name = \"quickstart-pets-2\"`"),
        "{}",
        e.hint
    );
}

#[test]
fn a_job_found_under_another_case_is_the_same_job() {
    let d = desired();
    let mut o = applied(&d);
    let mut spec = crate::plan::diff::fixture::spec();
    spec.name = crate::model::names::JobName::parse("Quickstart-Pets-1").expect("name");
    job_mut(&mut o, "job.pets").spec = spec;
    assert!(!diff(&d, &o).expect("plans").has_changes());
}

#[test]
fn a_job_without_the_plans_tag_is_an_error() {
    let d = desired();
    let mut o = applied(&d);
    job_mut(&mut o, "job.pets").spec.tags.clear();
    let e = only_error(diff(&d, &o));
    assert!(
        e.message.contains("was not created by plan `quickstart`"),
        "{}",
        e.message
    );
    assert!(e.hint.contains("quickstart-pets-2"), "{}", e.hint);
}

#[test]
fn job_notes_show_status_counters_and_failures() {
    let mut job = observed_job(&crate::plan::diff::fixture::spec());
    job.status = JobStatus::Failed;
    job.counters.failed_non_retryable_error = 2;
    job.failure_reason = Some("ClientError: access denied".to_owned());
    assert_eq!(
        job_note(&job),
        "Failed, 3 of 12 labeled, 2 failed: ClientError: access denied"
    );
    job.status = JobStatus::Completed;
    job.failure_reason = None;
    job.counters.machine_labeled = 1;
    job.output_manifest_uri = Some("s3://b/output/x/manifests/output/output.manifest".to_owned());
    assert_eq!(
        job_note(&job),
        "Completed, 3 of 12 labeled (1 by machine), 2 failed; output manifest s3://b/output/x/manifests/output/output.manifest"
    );
}

#[test]
fn next_job_names_increment_the_trailing_number() {
    assert_eq!(next_job_name("pets-v1"), "pets-v2");
    assert_eq!(next_job_name("pets"), "pets-2");
    assert_eq!(next_job_name("run-009"), "run-010");
    assert_eq!(next_job_name("job9"), "job10");
}

#[test]
fn orphans_are_deleted_or_stopped() {
    let d = desired();
    let mut o = applied(&d);
    let mut old_bucket = observed_bucket(&d.buckets[&addr("bucket.data")]);
    old_bucket.name = "gtplan-quickstart-old".to_owned();
    old_bucket.has_objects = false;
    let mut old_role = observed_role(&d.roles[&addr("role.labeling")]);
    old_role.name = "gtplan-quickstart-old".to_owned();
    old_role.attached_policy_arns = vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()];
    let mut running = observed_job(&crate::plan::diff::fixture::spec());
    running.spec.name = crate::model::names::JobName::parse("old-running").expect("name");
    let mut done = running.clone();
    done.spec.name = crate::model::names::JobName::parse("old-done").expect("name");
    done.status = JobStatus::Completed;
    o.orphans = vec![
        Orphan::Bucket {
            address: addr("bucket.old"),
            bucket: old_bucket,
        },
        Orphan::Role {
            address: addr("role.old"),
            role: old_role,
        },
        Orphan::Job {
            address: addr("job.running"),
            job: Box::new(running),
        },
        Orphan::Job {
            address: addr("job.done"),
            job: Box::new(done),
        },
    ];
    let plan = diff(&d, &o).expect("plans");
    let s = plan.summary();
    assert_eq!((s.create, s.update, s.stop, s.delete), (0, 0, 1, 2));
    assert_eq!(
        ops(change_at(&plan, "bucket.old")),
        ["DeleteBucket gtplan-quickstart-old"]
    );
    assert_eq!(
        ops(change_at(&plan, "role.old")),
        [
            "DeleteRolePolicy gtplan-quickstart-old/gtplan-quickstart",
            "DetachRolePolicy gtplan-quickstart-old arn:aws:iam::aws:policy/ReadOnlyAccess",
            "DeleteRole gtplan-quickstart-old",
        ]
    );
    assert_eq!(
        ops(change_at(&plan, "job.running")),
        ["StopLabelingJob old-running"]
    );
    let done = change_at(&plan, "job.done");
    assert_eq!(done.action, Action::NoOp);
    assert!(
        done.note
            .as_deref()
            .is_some_and(|n| n.contains("cannot be deleted"))
    );
    // Stops and deletes come last, in reverse dependency order.
    let tail: Vec<String> = plan
        .changes
        .iter()
        .rev()
        .take(3)
        .map(|c| c.address.to_string())
        .collect();
    assert_eq!(tail, ["bucket.old", "role.old", "job.running"]);
}

#[test]
fn an_orphan_bucket_with_objects_is_an_error() {
    let d = desired();
    let mut o = applied(&d);
    let mut old = observed_bucket(&d.buckets[&addr("bucket.data")]);
    old.name = "gtplan-quickstart-old".to_owned();
    o.orphans.push(Orphan::Bucket {
        address: addr("bucket.old"),
        bucket: old,
    });
    let e = only_error(diff(&d, &o));
    assert_eq!(
        e.message,
        "bucket `gtplan-quickstart-old` left the plan but still holds objects; gtplan never deletes data you did not ask it to delete"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut d = desired();
    let mut o = applied(&d);
    o.buckets
        .insert(addr("bucket.data"), BucketLookup::OwnedElsewhere);
    role_mut(&mut o, "role.labeling").tags.clear();
    d.jobs
        .get_mut(&addr("job.pets"))
        .expect("job")
        .spec
        .human_task
        .task_title = "new".to_owned();
    let errors = diff(&d, &o).expect_err("fails");
    let at: Vec<String> = errors.0.iter().map(|e| e.address.to_string()).collect();
    assert_eq!(at, ["bucket.data", "role.labeling", "job.pets"]);
}

#[test]
fn a_chained_job_waits_until_its_input_job_has_finished() {
    let mut want = desired();
    let mut check = want.jobs[&addr("job.pets")].clone();
    check.spec.name = crate::model::names::JobName::parse("demo-check-1").expect("name");
    check.spec.input.manifest_uri =
        Some("s3://b/output/demo-pets-1/manifests/output/output.manifest".to_owned());
    check.waits_for = Some(crate::model::desired::Upstream {
        address: addr("job.pets"),
        name: "demo-pets-1".to_owned(),
    });
    check.depends_on.push(addr("job.pets"));
    want.jobs.insert(addr("job.check"), check);

    // Nothing exists: the input job is created, the chained one waits.
    let plan = diff(&want, &empty(&want)).expect("plans");
    assert_eq!(change_at(&plan, "job.pets").action, Action::Create);
    let waiting = change_at(&plan, "job.check");
    assert_eq!(waiting.action, Action::Wait);
    assert!(waiting.steps.is_empty());
    assert_eq!(plan.summary().wait, 1);

    // The input job runs: nothing to apply, the plan says why.
    let mut observed = applied(&want);
    observed.jobs.insert(addr("job.check"), None);
    job_mut(&mut observed, "job.pets").status = JobStatus::InProgress;
    let plan = diff(&want, &observed).expect("plans");
    assert!(!plan.has_changes());
    insta::assert_snapshot!(crate::plan::render::text(&plan));

    // It completed: the chained job is created.
    job_mut(&mut observed, "job.pets").status = JobStatus::Completed;
    let plan = diff(&want, &observed).expect("plans");
    assert_eq!(change_at(&plan, "job.check").action, Action::Create);

    // It failed: an error, since its output cannot be trusted.
    job_mut(&mut observed, "job.pets").status = JobStatus::Failed;
    job_mut(&mut observed, "job.pets").failure_reason = Some("ClientError: no access".to_owned());
    let error = only_error(diff(&want, &observed));
    assert_eq!(
        error.message,
        "`demo-check-1` reads the output of job.pets (`demo-pets-1`), which failed: ClientError: no access"
    );
}

#[test]
fn buckets_outside_the_plan_must_exist_in_its_region() {
    use crate::model::observed::BucketRegion;
    let mut want = desired();
    want.external_buckets
        .insert("their-data".to_owned(), vec![addr("job.pets")]);
    let mut observed = applied(&want);
    for (found, ok) in [
        (BucketRegion::In("us-east-1".to_owned()), true),
        // Another account's bucket that does not say where it is: SageMaker will tell.
        (BucketRegion::Hidden, true),
        (BucketRegion::In("eu-west-1".to_owned()), false),
        (BucketRegion::Missing, false),
    ] {
        observed
            .external_buckets
            .insert("their-data".to_owned(), found.clone());
        assert_eq!(diff(&want, &observed).is_ok(), ok, "{found:?}");
    }
    let error = only_error(diff(&want, &observed));
    assert_eq!(
        error.message,
        "the job uses bucket `their-data`, which does not exist"
    );
}
