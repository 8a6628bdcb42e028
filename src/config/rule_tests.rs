//! The task-type catalog's rules as a user meets them: one plan breaking one rule each, and
//! the exact error it gets (snapshots). The rules themselves are in `catalog`, `jobs`,
//! `resolve::{chains,label_attributes,uploads}` and `manifest`.

use super::PLACEHOLDER_ACCOUNT;
use std::fmt::Write as _;

use super::tests::{Fixture, VALID, with};
use crate::model::{Address, Kind};

const PRIVATE_TEAM: &str =
    "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"";

/// `VALID` as a 3D point cloud object detection job (AWS-owned UI, attribute label config).
fn point_cloud() -> String {
    with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"3DPointCloudObjectDetection\"",
    )
    .replace("ui_template = \"ui\"\n", "")
}

/// `point_cloud()` with `extra` added to the label config upload.
fn point_cloud_labels(extra: &str) -> String {
    point_cloud().replace(
        "labels = [\"cat\", \"dog\"]\n",
        &format!("labels = [\"cat\", \"dog\"]\n{extra}\n"),
    )
}

/// A bounding-box job `boxes` plus `check`, a job of `task_type` with `settings`.
fn with_second_job(task_type: &str, settings: &str) -> String {
    let boxes = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"BoundingBox\"",
    );
    format!(
        "{boxes}\n[jobs.check]\nname = \"test-check-1\"\ntask_type = \"{task_type}\"\nrole = \"labeling\"\nlabel_config = \"labels\"\nui_template = \"check-ui\"\noutput = \"data\"\ntitle = \"Check\"\ndescription = \"Check the boxes\"\n{PRIVATE_TEAM}\n{settings}\n\n[uploads.check-ui]\nbucket = \"data\"\nkey = \"input/check.html\"\nworker_ui = \"{task_type}\"\ninstructions = {{ short = \"s\", full = \"f\" }}\n"
    )
}

#[test]
fn streaming_job_with_a_stopping_condition() {
    let f = Fixture::new(&with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\ninput_sns_topic = \"arn:aws:sns:us-east-1:111122223333:in\"\nmax_labeled_objects = 100",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn streaming_job_with_automated_labeling() {
    let f = Fixture::new(&format!(
        "{}\n[jobs.pets.automated_labeling]\n",
        with(
            "task_time_limit = \"5m\"",
            "task_time_limit = \"5m\"\ninput_sns_topic = \"arn:aws:sns:us-east-1:111122223333:in\"",
        )
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn streaming_job_grants_its_topics_and_queue() {
    let f = Fixture::new(&with(
        "manifest = \"manifest\"",
        "input_sns_topic = \"arn:aws:sns:us-east-1:111122223333:in\"\noutput_sns_topic = \"arn:aws:sns:us-east-1:111122223333:out\"",
    ));
    let d = f.resolved("111122223333");
    let role = &d.roles[&Address::new(Kind::Role, "labeling")];
    let policy = serde_json::to_string(&role.inline_policies).expect("JSON");
    assert!(
        policy.contains("arn:aws:sns:us-east-1:111122223333:out"),
        "{policy}"
    );
    assert!(
        policy.contains("arn:aws:sqs:us-east-1:111122223333:GroundTruth-test-pets-dev"),
        "{policy}"
    );
}

#[test]
fn audit_without_the_audited_label_attribute() {
    let f = Fixture::new(&with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"VerificationBoundingBox\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn audited_label_attribute_on_a_task_that_audits_nothing() {
    let f = Fixture::new(&with(
        "label_attribute = \"animal\"",
        "label_attribute = \"animal\"\naudit_label_attribute = \"boxes\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn audit_of_a_job_of_another_task_type() {
    let f = Fixture::new(&format!(
        "{VALID}\n[jobs.check]\nname = \"test-check-1\"\ntask_type = \"VerificationSemanticSegmentation\"\nrole = \"labeling\"\ninput_job = \"pets\"\nlabel_config = \"labels\"\nui_template = \"ui\"\noutput = \"data\"\nlabel_attribute = \"checked\"\ntitle = \"Check\"\ndescription = \"Check\"\n{PRIVATE_TEAM}\n"
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn audit_under_the_audited_label_attribute() {
    let f = Fixture::new(&with_second_job(
        "VerificationBoundingBox",
        "input_job = \"pets\"\nlabel_attribute = \"animal\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn audit_without_the_audited_labels() {
    let plan = with_second_job(
        "AdjustmentBoundingBox",
        "input_job = \"pets\"\nlabel_attribute = \"adjusted\"",
    )
    .replace(
        "label_config = \"labels\"\nui_template = \"check-ui\"",
        "label_config = \"check-labels\"\nui_template = \"check-ui\"",
    );
    let f = Fixture::new(&format!(
        "{plan}\n[uploads.check-labels]\nbucket = \"data\"\nkey = \"input/check-labels.json\"\nlabels = [\"cat\", \"bird\"]\n"
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn chained_jobs_wire_the_output_manifest_and_permissions() {
    let f = Fixture::new(&with_second_job(
        "VerificationBoundingBox",
        "input_job = \"pets\"\nlabel_attribute = \"animal-checked\"",
    ));
    let d = f.resolved("111122223333");
    let check = &d.jobs[&Address::new(Kind::Job, "check")];
    assert_eq!(
        check.spec.input.manifest_uri.as_deref(),
        Some("s3://gtplan-test-data/output/test-pets-dev/manifests/output/output.manifest")
    );
    let upstream = check.waits_for.as_ref().expect("waits for pets");
    assert_eq!(
        (upstream.address.to_string(), upstream.name.as_str()),
        ("job.pets".to_owned(), "test-pets-dev")
    );
    assert!(check.depends_on.contains(&Address::new(Kind::Job, "pets")));
    // The UI reads the audited boxes under the upstream job's label attribute.
    let ui = &d.uploads[&Address::new(Kind::Upload, "check-ui")];
    let html = String::from_utf8_lossy(ui.body.bytes().expect("in memory"));
    assert!(
        html.contains("task.input.manifestLine[\"animal\"]"),
        "{html}"
    );
    let role = &d.roles[&Address::new(Kind::Role, "labeling")];
    let policy = serde_json::to_string(&role.inline_policies).expect("JSON");
    assert!(
        policy.contains("arn:aws:s3:::gtplan-test-data/output/test-pets-dev/*"),
        "{policy}"
    );
}

#[test]
fn jobs_that_read_each_other() {
    let f = Fixture::new(&with_second_job(
        "AdjustmentBoundingBox",
        "input_job = \"check\"\nlabel_attribute = \"adjusted\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn manifest_and_input_job_together() {
    let f = Fixture::new(&with(
        "manifest = \"manifest\"",
        "manifest = \"manifest\"\ninput_job = \"pets\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn input_job_names_an_unknown_job() {
    let f = Fixture::new(&with_second_job(
        "VerificationBoundingBox",
        "input_job = \"pet\"\nlabel_attribute = \"checked\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn worker_ui_of_an_unknown_task_type() {
    let f = Fixture::new(&with(
        "file = \"ui/template.liquid.html\"",
        "worker_ui = \"ImageMultiClas\"\ninstructions = { short = \"s\", full = \"f\" }",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn worker_ui_without_instructions() {
    let f = Fixture::new(&with(
        "file = \"ui/template.liquid.html\"",
        "worker_ui = \"ImageMultiClass\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn worker_ui_of_another_task_type() {
    let f = Fixture::new(&with(
        "file = \"ui/template.liquid.html\"",
        "worker_ui = \"BoundingBox\"\ninstructions = { short = \"s\", full = \"f\" }",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn worker_ui_gets_the_title_and_instructions() {
    let f = Fixture::new(&with(
        "file = \"ui/template.liquid.html\"",
        "worker_ui = \"ImageMultiClass\"\ninstructions = { short = \"<p>Pick one</p>\", full = \"<p>Pick the animal</p>\" }",
    ));
    let d = f.resolved(PLACEHOLDER_ACCOUNT);
    let ui = &d.uploads[&Address::new(Kind::Upload, "ui")];
    let html = String::from_utf8_lossy(ui.body.bytes().expect("in memory"));
    assert!(html.contains("header=\"Which animal?\""), "{html}");
    assert!(html.contains("<p>Pick the animal</p>"), "{html}");
    assert!(
        html.contains("{{ task.input.taskObject | grant_read_access }}"),
        "{html}"
    );
    assert_eq!(ui.content_type, "text/html");
}

#[test]
fn attribute_name_too_long() {
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.global_attributes]]\nname = \"occluded-by-another-car\"\ntype = \"string\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn attribute_with_too_many_values() {
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.global_attributes]]\nname = \"color\"\ntype = \"string\"\nenum = [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\", \"9\", \"10\", \"11\"]",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn number_attribute_without_a_range() {
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.global_attributes]]\nname = \"doors\"\ntype = \"number\"\nminimum = 2",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn frame_attribute_without_a_description() {
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.frame_attributes]]\nname = \"weather\"\ntype = \"string\"\nenum = [\"sun\", \"rain\"]",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn label_attribute_of_an_unknown_label() {
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.label_attributes]]\nlabels = [\"cow\"]\nname = \"spots\"\ntype = \"number\"\nminimum = 0\nmaximum = 9",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn too_many_free_text_attributes_for_a_label() {
    let attributes = (1..=6).fold(String::new(), |mut out, i| {
        let _ = write!(
            out,
            "[[uploads.labels.global_attributes]]\nname = \"note-{i}\"\ntype = \"string\"\n"
        );
        out
    });
    let f = Fixture::new(&point_cloud_labels(&attributes));
    insta::assert_snapshot!(f.error());
}

#[test]
fn attributes_in_a_simple_label_config() {
    let f = Fixture::new(&with(
        "labels = [\"cat\", \"dog\"]",
        "labels = [\"cat\", \"dog\"]\n[[uploads.labels.global_attributes]]\nname = \"color\"\ntype = \"string\"",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn annotation_type_for_point_clouds() {
    let f = Fixture::new(&point_cloud_labels("annotation_type = \"Polygon\""));
    insta::assert_snapshot!(f.error());
}

#[test]
fn attribute_format_config_is_generated_with_the_audit() {
    let plan = point_cloud_labels(
        "edits_allowed = \"none\"\n[[uploads.labels.global_attributes]]\nname = \"occluded\"\ntype = \"string\"\nenum = [\"yes\", \"no\"]\nrequired = true\n[[uploads.labels.frame_attributes]]\nname = \"weather\"\ntype = \"string\"\ndescription = \"The weather\"",
    )
    .replace(
        "task_type = \"3DPointCloudObjectDetection\"",
        "task_type = \"Adjustment3DPointCloudObjectDetection\"\naudit_label_attribute = \"boxes\"",
    )
    .replace("label_attribute = \"animal\"", "label_attribute = \"checked\"");
    let f = Fixture::new(&plan);
    f.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://gtplan-test-data/points/1.txt\", \"boxes\": {}}\n",
    );
    let d = f.resolved(PLACEHOLDER_ACCOUNT);
    let labels = &d.uploads[&Address::new(Kind::Upload, "labels")];
    let doc: serde_json::Value =
        serde_json::from_slice(labels.body.bytes().expect("in memory")).expect("JSON");
    insta::assert_snapshot!(serde_json::to_string_pretty(&doc).expect("JSON"));
}

#[test]
fn manifest_line_without_the_audited_labels() {
    let plan = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"VerificationBoundingBox\"",
    )
    .replace(
        "label_attribute = \"animal\"",
        "label_attribute = \"checked\"\naudit_label_attribute = \"boxes\"",
    );
    let f = Fixture::new(&plan);
    f.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://gtplan-test-data/a.png\", \"boxes\": {}}\n{\"source-ref\": \"s3://gtplan-test-data/b.png\"}\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn manifest_lines_with_problems() {
    let f = Fixture::new(VALID);
    f.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://gtplan-test-data/a.png\", \"$id\": 1}\n{\"source-ref\": \"images/b.png\"}\n{\"source-ref\": \"s3://gtplan-test-data/d.png\"}\n{\"other\": 1}\n{\"other\": 2}\n[3]\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn manifest_attribute_over_the_size_limit() {
    let f = Fixture::new(VALID);
    f.write(
        "data/manifest.jsonl",
        &format!(
            "{{\"source-ref\": \"s3://gtplan-test-data/c.png\", \"note\": \"{}\"}}\n",
            "x".repeat(20_001)
        ),
    );
    let error = f.error();
    assert!(
        error.contains("line 1 of the manifest has a `note` of 20001 characters"),
        "{}",
        &error[..200]
    );
    assert!(error.contains("each attribute of a manifest line is at most 20000 characters"));
}

#[test]
fn manifest_over_the_task_type_quota() {
    let plan = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"VideoObjectDetection\"",
    )
    .replace("ui_template = \"ui\"\n", "")
    .replace(
        "label_attribute = \"animal\"",
        "label_attribute = \"animal-ref\"",
    );
    let f = Fixture::new(&plan);
    f.write(
        "data/manifest.jsonl",
        &"{\"source-ref\": \"s3://gtplan-test-data/seq.json\"}\n".repeat(11),
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn role_policy_that_cannot_read_the_manifest_objects() {
    let f = Fixture::new(&format!(
        "{VALID}\n[templates]\nrole_policy = \"role-policy.json.tera\"\n"
    ));
    // Reads the uploads, writes the output, but forgets the images the manifest lists.
    f.write(
        "role-policy.json.tera",
        r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::gtplan-test-data/input/*"},
  {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {{ write_objects | json_encode() }}}
]}"#,
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn bucket_policy_that_denies_the_role() {
    let f = Fixture::new(&format!(
        "{VALID}\n[templates]\nbucket_policy = \"bucket-policy.json.tera\"\n"
    ));
    f.write(
        "bucket-policy.json.tera",
        r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": {{ objects_arn | json_encode() }}}
]}"#,
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn label_too_long_for_the_attribute_format() {
    let f = Fixture::new(&point_cloud().replace(
        "labels = [\"cat\", \"dog\"]",
        "labels = [\"cat\", \"delivery-van-with-trailer\"]",
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn verification_of_a_verification() {
    let plan = with_second_job(
        "VerificationBoundingBox",
        "input_job = \"pets\"\nlabel_attribute = \"checked\"",
    );
    let f = Fixture::new(&format!(
        "{plan}\n[jobs.again]\nname = \"test-again-1\"\ntask_type = \"VerificationBoundingBox\"\nrole = \"labeling\"\ninput_job = \"check\"\nlabel_config = \"labels\"\nui_template = \"again-ui\"\noutput = \"data\"\nlabel_attribute = \"rechecked\"\ntitle = \"Again\"\ndescription = \"Check again\"\n{PRIVATE_TEAM}\n\n[uploads.again-ui]\nbucket = \"data\"\nkey = \"input/again.html\"\nworker_ui = \"VerificationBoundingBox\"\ninstructions = {{ short = \"s\", full = \"f\" }}\n"
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn chained_job_of_another_kind_of_objects() {
    let f = Fixture::new(&format!(
        "{VALID}\n[jobs.texts]\nname = \"test-texts-1\"\ntask_type = \"TextMultiClass\"\nrole = \"labeling\"\ninput_job = \"pets\"\nlabel_config = \"labels\"\nui_template = \"ui\"\noutput = \"data\"\nlabel_attribute = \"sentiment\"\ntitle = \"Texts\"\ndescription = \"Classify\"\n{PRIVATE_TEAM}\n"
    ));
    insta::assert_snapshot!(f.error());
}

#[test]
fn audit_under_the_label_attribute_it_audits_without_chaining() {
    let plan = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"VerificationBoundingBox\"",
    )
    .replace(
        "label_attribute = \"animal\"",
        "label_attribute = \"boxes\"\naudit_label_attribute = \"boxes\"",
    );
    let f = Fixture::new(&plan);
    f.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://gtplan-test-data/a.png\", \"boxes\": {}}\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn semantic_segmentation_with_automated_labeling_takes_20_labels() {
    let labels: Vec<String> = (1..=21).map(|i| format!("\"c{i}\"")).collect();
    let plan = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"SemanticSegmentation\"",
    )
    .replace(
        "label_attribute = \"animal\"",
        "label_attribute = \"masks-ref\"",
    )
    .replace(
        "labels = [\"cat\", \"dog\"]",
        &format!("labels = [{}]", labels.join(", ")),
    );
    // 21 labels are fine for people alone.
    Fixture::new(&plan).resolved(PLACEHOLDER_ACCOUNT);
    let f = Fixture::new(&format!("{plan}\n[jobs.pets.automated_labeling]\n"));
    insta::assert_snapshot!(f.error());
}

#[test]
fn role_policy_that_denies_the_output() {
    let f = Fixture::new(&format!(
        "{VALID}\n[templates]\nrole_policy = \"role-policy.json.tera\"\n"
    ));
    f.write(
        "role-policy.json.tera",
        r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::gtplan-test-data/*"},
  {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::gtplan-test-data/output/*"}
]}"#,
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn attribute_names_repeated() {
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.global_attributes]]\nname = \"color\"\ntype = \"string\"\nenum = [\"red\"]\n[[uploads.labels.global_attributes]]\nname = \"color\"\ntype = \"string\"\nenum = [\"blue\"]",
    ));
    insta::assert_snapshot!(f.error());
    let f = Fixture::new(&point_cloud_labels(
        "[[uploads.labels.global_attributes]]\nname = \"color\"\ntype = \"string\"\nenum = [\"red\"]\n[[uploads.labels.label_attributes]]\nlabels = [\"cat\"]\nname = \"color\"\ntype = \"string\"\nenum = [\"black\"]",
    ));
    insta::assert_snapshot!(
        "attribute_names_repeated_across_global_and_label",
        f.error()
    );
}

#[test]
fn audit_label_file_naming_other_labels() {
    let plan = point_cloud()
        .replace(
            "task_type = \"3DPointCloudObjectDetection\"",
            "task_type = \"Adjustment3DPointCloudObjectDetection\"\naudit_label_attribute = \"boxes\"",
        )
        .replace("label_attribute = \"animal\"", "label_attribute = \"checked\"")
        .replace(
            "labels = [\"cat\", \"dog\"]",
            "file = \"labels.json\"",
        );
    let f = Fixture::new(&plan);
    f.write(
        "labels.json",
        r#"{"documentVersion": "2020-03-01", "labels": [{"label": "car"}], "auditLabelAttributeName": "cuboids"}"#,
    );
    f.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://gtplan-test-data/points/1.txt\", \"boxes\": {}}\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn label_file_over_the_automated_labeling_limit() {
    let labels: Vec<String> = (1..=21)
        .map(|i| format!("{{\"label\": \"c{i}\"}}"))
        .collect();
    let plan = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"SemanticSegmentation\"",
    )
    .replace(
        "label_attribute = \"animal\"",
        "label_attribute = \"masks-ref\"",
    )
    .replace("labels = [\"cat\", \"dog\"]", "file = \"labels.json\"");
    let f = Fixture::new(&format!("{plan}\n[jobs.pets.automated_labeling]\n"));
    f.write(
        "labels.json",
        &format!(
            "{{\"document-version\": \"2018-11-28\", \"labels\": [{}]}}",
            labels.join(", ")
        ),
    );
    let error = f.error();
    assert!(
        error.contains("`SemanticSegmentation` jobs with automated labeling take 1 to 20 labels"),
        "{error}"
    );
}
