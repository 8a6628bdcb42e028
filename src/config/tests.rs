//! Tests of loading and resolving whole plan files: the example plans, the desired state they
//! produce, and a snapshot of every user-facing error message.

use std::path::{Path, PathBuf};

use super::*;
use crate::model::desired::Encryption;
use crate::model::job::UiConfig;
use crate::model::{Address, Kind};

/// A plan file in a temporary folder, with data files beside it.
pub(super) struct Fixture {
    dir: tempfile::TempDir,
}

const MINIMAL_FILES: &[(&str, &str)] = &[
    (
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://gtplan-test-data/images/a.png\"}\n{\"source-ref\": \"s3://gtplan-test-data/images/b.png\"}\n",
    ),
    (
        "ui/template.liquid.html",
        "<crowd-form>{{ task.input.taskObject | grant_read_access }}</crowd-form>\n",
    ),
    ("data/texts.jsonl", "{\"source\": \"great product\"}\n"),
];

/// A valid plan the error tests change one thing in.
pub(super) const VALID: &str = r#"name = "test"
region = "us-east-1"

[vars]
stage = "dev"

[buckets.data]
name = "gtplan-test-data"

[roles.labeling]
name = "gtplan-test-labeling"

[uploads.manifest]
bucket = "data"
key = "input/manifest.jsonl"
file = "data/manifest.jsonl"

[uploads.labels]
bucket = "data"
key = "input/labels.json"
labels = ["cat", "dog"]

[uploads.ui]
bucket = "data"
key = "input/template.liquid.html"
file = "ui/template.liquid.html"

[jobs.pets]
name = "test-pets-${stage}"
task_type = "ImageMultiClass"
role = "labeling"
manifest = "manifest"
label_config = "labels"
ui_template = "ui"
output = "data"
label_attribute = "animal"
title = "Which animal?"
description = "Choose the animal"
task_time_limit = "5m"
workteam = "arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team"
"#;

impl Fixture {
    pub(super) fn new(plan: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in MINIMAL_FILES {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().expect("has a parent")).expect("mkdir");
            std::fs::write(full, text).expect("write data file");
        }
        std::fs::write(dir.path().join("plan.toml"), plan).expect("write plan");
        Self { dir }
    }

    pub(super) fn write(&self, path: &str, text: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(full, text).expect("write file");
    }

    fn plan_path(&self) -> PathBuf {
        self.dir.path().join("plan.toml")
    }

    fn load_with(&self, vars: &VarOverrides) -> Result<PlanFile, ConfigError> {
        load(&self.plan_path(), vars)
    }

    /// The desired state the plan resolves to in `account`; it must load and resolve.
    pub(super) fn resolved(&self, account: &str) -> crate::model::desired::DesiredState {
        self.load()
            .expect("loads")
            .resolve(account)
            .expect("resolves")
    }

    pub(super) fn load(&self) -> Result<PlanFile, ConfigError> {
        self.load_with(&VarOverrides::default())
    }

    /// The error as a user sees it (no colours), with the temp folder replaced by `[TMP]`.
    pub(super) fn error(&self) -> String {
        self.error_with(&VarOverrides::default())
    }

    fn error_with(&self, vars: &VarOverrides) -> String {
        match self.load_with(vars) {
            Ok(_) => panic!("the plan should not load"),
            Err(e) => render(&e, self.dir.path()),
        }
    }
}

fn render(e: &ConfigError, tmp: &Path) -> String {
    let mut out = String::new();
    crate::cli::report::handler(false)
        .with_width(100)
        .render_report(&mut out, e)
        .expect("renders");
    let tmp = tmp.display().to_string();
    out.replace(&tmp, "[TMP]")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `VALID` with `from` replaced by `to` (which must occur).
pub(super) fn with(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "{from:?} is not in the plan");
    VALID.replacen(from, to, 1)
}

fn repo_plans() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans");
    let mut plans: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("plans/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    plans.sort();
    plans
}

#[test]
fn every_example_plan_loads_and_resolves() {
    let plans = repo_plans();
    assert!(plans.len() >= 3, "expected at least three example plans");
    for path in plans {
        let file = load(&path, &VarOverrides::default()).unwrap_or_else(|e| {
            panic!(
                "{} does not load:\n{}",
                path.display(),
                render(&e, Path::new(env!("CARGO_MANIFEST_DIR")))
            )
        });
        let desired = file
            .resolve("123456789012")
            .unwrap_or_else(|e| panic!("{} does not resolve: {e}", path.display()));
        assert!(!desired.jobs.is_empty(), "{} has no job", path.display());
        for job in desired.jobs.values() {
            for dep in &job.depends_on {
                let known = desired.buckets.contains_key(dep)
                    || desired.roles.contains_key(dep)
                    || desired.uploads.contains_key(dep)
                    || desired.jobs.contains_key(dep)
                    || desired.teams.contains_key(dep);
                assert!(known, "{}: job depends on unknown {dep}", path.display());
            }
        }
    }
}

fn quickstart() -> DesiredState {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/quickstart.toml");
    load(&path, &VarOverrides::default())
        .expect("quickstart loads")
        .resolve("123456789012")
        .expect("quickstart resolves")
}

#[test]
fn quickstart_resolves_to_a_complete_job() {
    let d = quickstart();
    let job = &d.jobs[&Address::new(Kind::Job, "pets")];
    let h = &job.spec.human_task;
    assert_eq!(
        h.pre_human_task_lambda_arn.as_deref(),
        Some("arn:aws:lambda:us-east-1:432418664414:function:PRE-ImageMultiClass")
    );
    assert_eq!(
        h.annotation_consolidation_lambda_arn.as_deref(),
        Some("arn:aws:lambda:us-east-1:432418664414:function:ACS-ImageMultiClass")
    );
    assert_eq!(
        h.workteam_arn,
        "arn:aws:sagemaker:us-east-1:394669845002:workteam/public-crowd/default"
    );
    assert_eq!(
        h.public_workforce_task_price
            .map(crate::model::job::Price::in_mills),
        Some(12)
    );
    assert_eq!(h.task_time_limit_seconds, 300);
    assert_eq!(h.task_availability_lifetime_seconds, Some(21_600));
    assert_eq!(
        h.ui,
        UiConfig::TemplateS3Uri(
            "s3://gtplan-quickstart-123456789012/input/image-classification.liquid.html".to_owned()
        )
    );
    assert_eq!(
        job.spec.input.manifest_uri.as_deref(),
        Some("s3://gtplan-quickstart-123456789012/input/manifest.jsonl")
    );
    assert_eq!(
        job.spec.output.s3_output_path,
        "s3://gtplan-quickstart-123456789012/output/"
    );
    assert_eq!(
        job.spec.role_arn,
        "arn:aws:iam::123456789012:role/gtplan/quickstart/gtplan-quickstart-labeling"
    );
    assert_eq!(job.spec.tags["gtplan:plan"], "quickstart");
    assert_eq!(job.spec.tags["gtplan:address"], "job.pets");
    let deps: Vec<String> = job.depends_on.iter().map(ToString::to_string).collect();
    assert_eq!(
        deps,
        [
            "bucket.data",
            "role.labeling",
            "upload.labels",
            "upload.manifest",
            "upload.ui"
        ]
    );
}

#[test]
fn quickstart_uploads_are_hashed_expanded_and_typed() {
    let d = quickstart();
    let manifest = &d.uploads[&Address::new(Kind::Upload, "manifest")];
    let text = String::from_utf8(manifest.body.bytes().expect("in memory").to_vec()).expect("text");
    assert!(
        text.contains("s3://gtplan-quickstart-123456789012/images/cat-1.png"),
        "{text}"
    );
    assert_eq!(manifest.content_type, "application/jsonlines");
    assert_eq!(
        manifest.sha256,
        upload::sha256_hex(manifest.body.bytes().expect("in memory"))
    );
    let labels = &d.uploads[&Address::new(Kind::Upload, "labels")];
    let doc: serde_json::Value =
        serde_json::from_slice(labels.body.bytes().expect("in memory")).expect("JSON");
    assert_eq!(
        doc,
        serde_json::json!({"document-version": "2018-11-28",
            "labels": [{"label": "cat"}, {"label": "dog"}, {"label": "bird"}]})
    );
    assert_eq!(labels.content_type, "application/json");
    assert_eq!(labels.origin, "generated from 3 labels");
    let ui = &d.uploads[&Address::new(Kind::Upload, "ui")];
    assert_eq!(ui.content_type, "text/html");
    // Liquid is uploaded verbatim, never rendered by tera.
    assert!(
        String::from_utf8_lossy(ui.body.bytes().expect("in memory"))
            .contains("{{ task.input.taskObject | grant_read_access }}")
    );
    assert_eq!(
        d.uploads[&Address::new(Kind::Upload, "cat-1")].content_type,
        "image/png"
    );
}

#[test]
fn quickstart_role_and_bucket_follow_the_resource_rules() {
    let d = quickstart();
    let role = &d.roles[&Address::new(Kind::Role, "labeling")];
    assert_eq!(role.path, "/gtplan/quickstart/");
    assert_eq!(role.max_session_duration, 3600);
    assert_eq!(
        role.trust_policy["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
        "123456789012"
    );
    let policy = &role.inline_policies["gtplan-quickstart"];
    let statements = policy["Statement"].as_array().expect("statements");
    let find = |sid: &str| {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid} statement in {policy}"))
    };
    assert_eq!(
        find("ReadInputs")["Resource"],
        serde_json::json!([
            "arn:aws:s3:::gtplan-quickstart-123456789012/images/*",
            "arn:aws:s3:::gtplan-quickstart-123456789012/input/image-classification.liquid.html",
            "arn:aws:s3:::gtplan-quickstart-123456789012/input/labels.json",
            "arn:aws:s3:::gtplan-quickstart-123456789012/input/manifest.jsonl",
        ])
    );
    assert_eq!(
        find("WriteOutputs")["Resource"],
        serde_json::json!(["arn:aws:s3:::gtplan-quickstart-123456789012/output/*"])
    );
    assert_eq!(
        find("ListBuckets")["Resource"],
        serde_json::json!(["arn:aws:s3:::gtplan-quickstart-123456789012"])
    );
    assert!(!policy.to_string().contains("iam:PassRole"));

    let bucket = &d.buckets[&Address::new(Kind::Bucket, "data")];
    assert_eq!(bucket.name.as_str(), "gtplan-quickstart-123456789012");
    assert_eq!(bucket.cors.len(), 1, "image tasks get CORS automatically");
    assert_eq!(bucket.cors[0].allowed_methods, ["GET"]);
    assert_eq!(bucket.policy["Statement"][0]["Effect"], "Deny");
    assert_eq!(bucket.tags["gtplan:address"], "bucket.data");
    assert_eq!(bucket.tags["purpose"], "gtplan quickstart");
    assert!(bucket.force_destroy);
}

#[test]
fn bounding_box_example_derives_a_two_hour_session_and_kms_grants() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/bounding-box-private.toml");
    let d = load(&path, &VarOverrides::default())
        .expect("loads")
        .resolve("123456789012")
        .expect("resolves");
    let role = d.roles.values().next().expect("one role");
    assert_eq!(role.max_session_duration, 7200);
    let policy = role
        .inline_policies
        .values()
        .next()
        .expect("policy")
        .to_string();
    assert!(
        policy.contains("arn:aws:kms:us-west-2:123456789012:key/*"),
        "{policy}"
    );
    let bucket = d.buckets.values().next().expect("bucket");
    assert_eq!(
        bucket.encryption,
        Encryption::Kms {
            key_id: Some("alias/aws/s3".to_owned()),
            bucket_key: true
        }
    );
    let job = d.jobs.values().next().expect("job");
    assert_eq!(
        job.spec.human_task.workteam_arn,
        "arn:aws:sagemaker:us-west-2:123456789012:workteam/private-crowd/street-team"
    );
    assert_eq!(
        job.spec.output.s3_output_path,
        format!("s3://{}/labels/", bucket.name)
    );
}

#[test]
fn variables_come_from_defaults_then_environment_then_flags() {
    let f = Fixture::new(VALID);
    let name = |vars: &VarOverrides| {
        let d = f
            .load_with(vars)
            .expect("loads")
            .resolve(PLACEHOLDER_ACCOUNT)
            .expect("resolves");
        d.jobs.values().next().expect("job").spec.name.to_string()
    };
    assert_eq!(name(&VarOverrides::default()), "test-pets-dev");
    let env = VarOverrides {
        cli: Vec::new(),
        env: [
            ("stage".to_owned(), "qa".to_owned()),
            ("other".to_owned(), "x".to_owned()),
        ]
        .into(),
    };
    assert_eq!(name(&env), "test-pets-qa");
    let both = VarOverrides {
        cli: vec![("stage".to_owned(), "prod".to_owned())],
        ..env
    };
    assert_eq!(name(&both), "test-pets-prod");
}

#[test]
fn dollar_dollar_brace_writes_a_literal() {
    let f = Fixture::new(&with(
        "description = \"Choose the animal\"",
        "description = \"Costs $${stage}\"",
    ));
    let d = f
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    assert_eq!(
        d.jobs
            .values()
            .next()
            .expect("job")
            .spec
            .human_task
            .task_description,
        "Costs ${stage}"
    );
}

#[test]
fn template_overrides_replace_the_built_in_ones() {
    let f = Fixture::new(&format!(
        "{VALID}\n[templates]\nbucket_policy = \"policies/bucket.json.tera\"\n"
    ));
    f.write(
        "policies/bucket.json.tera",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket", "Resource": {{ bucket_arn | json_encode() }}}]}"#,
    );
    let d = f
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    let bucket = d.buckets.values().next().expect("bucket");
    assert_eq!(bucket.policy["Statement"][0]["Action"], "s3:DeleteBucket");
}

#[test]
fn roles_cover_the_longest_task_of_their_jobs() {
    let plan = format!(
        "{}\n{}",
        with("task_time_limit = \"5m\"", "task_time_limit = \"1h30m\""),
        r#"
[jobs.long]
name = "test-long"
task_type = "ImageMultiClass"
role = "labeling"
manifest = "manifest"
label_config = "labels"
ui_template = "ui"
output = "data"
label_attribute = "animal"
title = "t"
description = "d"
task_time_limit = "3h"
workteam = "arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team"
"#
    );
    let d = Fixture::new(&plan)
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    assert_eq!(
        d.roles.values().next().expect("role").max_session_duration,
        10_800
    );
}

#[test]
fn cors_can_be_turned_off_or_written_out() {
    let off = Fixture::new(&with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\ncors = \"off\"",
    ));
    let d = off
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    assert!(d.buckets.values().next().expect("bucket").cors.is_empty());
    let rules = Fixture::new(&with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\n[[buckets.data.cors_rules]]\nallowed_methods = [\"GET\", \"PUT\"]\nallowed_origins = [\"https://example.com\"]\nmax_age_seconds = 60",
    ));
    let d = rules
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    let cors = &d.buckets.values().next().expect("bucket").cors;
    assert_eq!(cors[0].allowed_origins, ["https://example.com"]);
    assert_eq!(cors[0].max_age_seconds, Some(60));
}

// ---- Snapshots of every user-facing error message ----

macro_rules! error_snapshot {
    ($name:ident, $plan:expr) => {
        #[test]
        fn $name() {
            let f = Fixture::new(&$plan);
            insta::assert_snapshot!(f.error());
        }
    };
}

#[test]
fn error_missing_plan_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let e = load(&dir.path().join("nope.toml"), &VarOverrides::default()).expect_err("missing");
    insta::assert_snapshot!(render(&e, dir.path()));
}

#[test]
fn error_undeclared_cli_variable() {
    let f = Fixture::new(VALID);
    insta::assert_snapshot!(f.error_with(&VarOverrides {
        cli: vec![("stag".to_owned(), "prod".to_owned())],
        env: BTreeMap::new(),
    }));
}

error_snapshot!(
    error_invalid_toml,
    with("stage = \"dev\"", "stage = = \"dev\"")
);
error_snapshot!(
    error_unknown_key_suggestion,
    with("task_time_limit =", "task_time_limt =")
);
error_snapshot!(
    error_unknown_key_lists_known,
    with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\ncolour = \"blue\""
    )
);
error_snapshot!(
    error_unknown_top_level_table,
    with("[buckets.data]", "[bucket.data]")
);
error_snapshot!(
    error_wrong_type,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nworkers_per_object = \"3\""
    )
);
error_snapshot!(
    error_wrong_type_in_list,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nkeywords = [\"pets\", 3]"
    )
);
error_snapshot!(
    error_wrong_type_in_tags,
    with(
        "name = \"gtplan-test-labeling\"",
        "name = \"gtplan-test-labeling\"\ntags = { cost = 3 }"
    )
);
error_snapshot!(
    error_missing_required_key,
    with("title = \"Which animal?\"\n", "")
);
error_snapshot!(error_missing_plan_name, with("name = \"test\"\n", ""));
error_snapshot!(
    error_resource_not_a_table,
    format!("buckets.other = \"x\"\n{VALID}")
);
error_snapshot!(
    error_variable_not_a_string,
    with("stage = \"dev\"", "stage = \"dev\"\ncount = 3")
);
error_snapshot!(
    error_several_problems_at_once,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limt = \"5m\"\nworkers_per_object = true\nkeywords = [\"multi-label\"]"
    )
);
error_snapshot!(
    error_built_in_variable_declared,
    with("stage = \"dev\"", "stage = \"dev\"\naccount_id = \"1\"")
);
error_snapshot!(
    error_variable_refers_to_variable,
    with(
        "stage = \"dev\"",
        "stage = \"dev\"\nteam = \"${stage}-team\""
    )
);
error_snapshot!(
    error_unknown_variable,
    with("test-pets-${stage}", "test-pets-${stag}")
);
error_snapshot!(
    error_unterminated_variable,
    with("test-pets-${stage}", "test-pets-${stage")
);
error_snapshot!(
    error_invalid_plan_name,
    with("name = \"test\"", "name = \"my plan\"")
);
error_snapshot!(
    error_invalid_region,
    with("region = \"us-east-1\"", "region = \"Virginia\"")
);
error_snapshot!(
    error_unsupported_region,
    with("region = \"us-east-1\"", "region = \"sa-east-1\"")
);
error_snapshot!(
    error_invalid_bucket_name,
    with("name = \"gtplan-test-data\"", "name = \"Gtplan_Test\"")
);
error_snapshot!(
    error_invalid_role_name,
    with(
        "name = \"gtplan-test-labeling\"",
        "name = \"gtplan test labeling\""
    )
);
error_snapshot!(
    error_invalid_job_name,
    with("test-pets-${stage}", "test_pets")
);
error_snapshot!(
    error_unknown_bucket_reference,
    with(
        "bucket = \"data\"\nkey = \"input/manifest.jsonl\"",
        "bucket = \"dta\"\nkey = \"input/manifest.jsonl\""
    )
);
error_snapshot!(
    error_unknown_role_reference,
    with("role = \"labeling\"", "role = \"labelers\"")
);
error_snapshot!(
    error_unknown_upload_reference,
    with("manifest = \"manifest\"", "manifest = \"input\"")
);
error_snapshot!(
    error_upload_file_missing,
    with(
        "file = \"data/manifest.jsonl\"",
        "file = \"data/missing.jsonl\""
    )
);
error_snapshot!(
    error_upload_file_and_labels,
    with(
        "labels = [\"cat\", \"dog\"]",
        "labels = [\"cat\", \"dog\"]\nfile = \"labels.json\""
    )
);
error_snapshot!(
    error_upload_neither_file_nor_labels,
    with("labels = [\"cat\", \"dog\"]", "")
);
error_snapshot!(
    error_unknown_task_type,
    with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"ImageClassification\""
    )
);
error_snapshot!(
    error_too_few_labels,
    with("labels = [\"cat\", \"dog\"]", "labels = [\"cat\"]")
);
error_snapshot!(
    error_too_many_labels,
    with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"ImageMultiClassMultiLabel\""
    )
    .replace(
        "labels = [\"cat\", \"dog\"]",
        &format!(
            "labels = [{}]",
            (0..51)
                .map(|i| format!("\"l{i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    )
);
error_snapshot!(
    error_duplicate_label,
    with(
        "labels = [\"cat\", \"dog\"]",
        "labels = [\"cat\", \"dog\", \"cat\"]"
    )
);
error_snapshot!(
    error_keyword_with_hyphen,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nkeywords = [\"images\", \"multi-label\"]"
    )
);
error_snapshot!(
    error_too_many_keywords,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nkeywords = [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]"
    )
);
error_snapshot!(
    error_title_too_long,
    with(
        "title = \"Which animal?\"",
        &format!("title = \"{}\"", "x".repeat(129))
    )
);
error_snapshot!(
    error_description_too_long,
    with(
        "description = \"Choose the animal\"",
        &format!("description = \"{}\"", "x".repeat(256))
    )
);
error_snapshot!(
    error_workers_out_of_range,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nworkers_per_object = 10"
    )
);
error_snapshot!(
    error_task_time_limit_too_short,
    with("task_time_limit = \"5m\"", "task_time_limit = \"10s\"")
);
error_snapshot!(
    error_task_time_limit_malformed,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5 minutes\""
    )
);
error_snapshot!(
    error_task_time_limit_over_eight_hours,
    with("task_time_limit = \"5m\"", "task_time_limit = \"9h\"")
);
error_snapshot!(
    error_max_percent_out_of_range,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\nmax_percent_labeled = 0"
    )
);
error_snapshot!(
    error_public_price_with_private_workteam,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\npublic_price = \"0.012\""
    )
);
error_snapshot!(
    error_public_without_price,
    with(
        "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
        "workteam = \"public\"\ncontent_classifiers = [\"FreeOfPersonallyIdentifiableInformation\"]"
    )
);
error_snapshot!(
    error_price_not_offered,
    with(
        "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
        "workteam = \"public\"\npublic_price = \"0.013\"\ncontent_classifiers = [\"FreeOfPersonallyIdentifiableInformation\"]"
    )
);
error_snapshot!(
    error_public_without_pii_classifier,
    with(
        "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
        "workteam = \"public\"\npublic_price = \"0.012\""
    )
);
error_snapshot!(
    error_unknown_content_classifier,
    with(
        "task_time_limit = \"5m\"",
        "task_time_limit = \"5m\"\ncontent_classifiers = [\"FreeOfAdultContents\"]"
    )
);
error_snapshot!(
    error_public_availability_too_long,
    with(
        "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
        "workteam = \"public\"\npublic_price = \"0.012\"\ncontent_classifiers = [\"FreeOfPersonallyIdentifiableInformation\"]\ntask_availability_lifetime = \"1d\""
    )
);
error_snapshot!(
    error_workteam_not_an_arn,
    with(
        "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
        "workteam = \"private-crowd/team\""
    )
);
error_snapshot!(
    error_workteam_in_other_region,
    with(
        "workteam = \"arn:aws:sagemaker:us-east-1:",
        "workteam = \"arn:aws:sagemaker:eu-west-1:"
    )
);
error_snapshot!(
    error_unknown_encryption,
    with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\nencryption = \"kms\""
    )
);
error_snapshot!(
    error_kms_key_without_kms,
    with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\nkms_key_id = \"alias/data\""
    )
);
error_snapshot!(
    error_unknown_cors_mode,
    with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\ncors = \"on\""
    )
);
error_snapshot!(
    error_cors_and_cors_rules,
    with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\ncors = \"auto\"\n[[buckets.data.cors_rules]]\nallowed_methods = [\"GET\"]\nallowed_origins = [\"*\"]"
    )
);
error_snapshot!(
    error_cors_rule_bad_method,
    with(
        "name = \"gtplan-test-data\"",
        "name = \"gtplan-test-data\"\n[[buckets.data.cors_rules]]\nallowed_methods = [\"FETCH\"]\nallowed_origins = [\"*\"]"
    )
);
error_snapshot!(
    error_label_attribute_reserved,
    with(
        "label_attribute = \"animal\"",
        "label_attribute = \"source-ref\""
    )
);
error_snapshot!(
    error_label_attribute_ref_suffix,
    with(
        "label_attribute = \"animal\"",
        "label_attribute = \"animal-ref\""
    )
);
error_snapshot!(
    error_reserved_tag,
    with(
        "name = \"gtplan-test-labeling\"",
        "name = \"gtplan-test-labeling\"\ntags = { \"gtplan:plan\" = \"other\" }"
    )
);
error_snapshot!(
    error_duplicate_job_names,
    format!(
        "{VALID}\n[jobs.again]\nname = \"TEST-PETS-dev\"\ntask_type = \"ImageMultiClass\"\nrole = \"labeling\"\nmanifest = \"manifest\"\nlabel_config = \"labels\"\nui_template = \"ui\"\noutput = \"data\"\nlabel_attribute = \"animal\"\ntitle = \"t\"\ndescription = \"d\"\nworkteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"\n"
    )
);
error_snapshot!(
    error_duplicate_upload_object,
    with(
        "key = \"input/labels.json\"",
        "key = \"input/manifest.jsonl\""
    )
);
error_snapshot!(
    error_duplicate_bucket_names,
    format!("{VALID}\n[buckets.copy]\nname = \"gtplan-test-data\"\n")
);
error_snapshot!(
    error_template_override_missing,
    format!("{VALID}\n[templates]\nrole_policy = \"policies/role.json.tera\"\n")
);
error_snapshot!(
    error_manifest_lines,
    with(
        "file = \"data/manifest.jsonl\"",
        "file = \"data/texts.jsonl\""
    )
);
error_snapshot!(
    error_missing_ui_template,
    with("ui_template = \"ui\"\n", "")
);
error_snapshot!(
    error_automated_labeling_unsupported,
    with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"ImageMultiClassMultiLabel\""
    ) + "[jobs.pets.automated_labeling]\n"
);
error_snapshot!(
    error_automated_labeling_wrong_algorithm,
    format!("{VALID}[jobs.pets.automated_labeling]\nalgorithm = \"object-detection\"\n")
);

#[test]
fn error_task_time_limit_beyond_role_session() {
    let plan = r#"name = "frames"
region = "us-east-1"
[buckets.data]
name = "gtplan-test-frames"
[roles.labeling]
name = "gtplan-test-frames"
[uploads.manifest]
bucket = "data"
key = "input/manifest.jsonl"
file = "data/manifest.jsonl"
[uploads.labels]
bucket = "data"
key = "input/labels.json"
labels = ["car"]
[jobs.frames]
name = "frames-1"
task_type = "VideoObjectDetection"
role = "labeling"
manifest = "manifest"
label_config = "labels"
output = "data"
label_attribute = "vehicles-ref"
title = "Track cars"
description = "Draw boxes around cars in each frame"
task_time_limit = "13h"
workteam = "arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team"
"#;
    let f = Fixture::new(plan);
    insta::assert_snapshot!(f.error());
    // The same job within 12 hours resolves, with the attribute-format label config.
    let ok = Fixture::new(&plan.replace("\"13h\"", "\"12h\""));
    let d = ok
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    assert_eq!(
        d.roles.values().next().expect("role").max_session_duration,
        43_200
    );
    let labels = &d.uploads[&Address::new(Kind::Upload, "labels")];
    let doc: serde_json::Value =
        serde_json::from_slice(labels.body.bytes().expect("in memory")).expect("JSON");
    assert_eq!(doc["documentVersion"], "2020-03-01");
    let job = d.jobs.values().next().expect("job");
    assert!(
        matches!(job.spec.human_task.ui, UiConfig::HumanTaskUiArn(ref a) if a.ends_with("human-task-ui/VideoObjectDetection"))
    );
    // Frame tasks get the wider CORS rule.
    assert_eq!(
        d.buckets.values().next().expect("bucket").cors[0].max_age_seconds,
        Some(3000)
    );
}

#[test]
fn error_mechanical_turk_not_allowed() {
    let f = Fixture::new(
        &with("task_type = \"ImageMultiClass\"", "task_type = \"3DPointCloudObjectDetection\"")
            .replace("ui_template = \"ui\"\n", "")
            .replace(
                "workteam = \"arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/team\"",
                "workteam = \"public\"\npublic_price = \"0.84\"\ncontent_classifiers = [\"FreeOfPersonallyIdentifiableInformation\"]",
            ),
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn error_ui_template_for_aws_owned_ui() {
    let f = Fixture::new(
        &with(
            "task_type = \"ImageMultiClass\"",
            "task_type = \"NamedEntityRecognition\"",
        )
        .replace("data/manifest.jsonl", "data/texts.jsonl"),
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn error_template_renders_invalid_json() {
    let f = Fixture::new(&format!(
        "{VALID}\n[templates]\nlabel_config = \"labels.json.tera\"\n"
    ));
    f.write(
        "labels.json.tera",
        "{\n  \"labels\": [\n{% for l in labels %}    {\"label\": {{ l | json_encode() }}},\n{% endfor %}  ]\n}\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn error_template_does_not_parse() {
    let f = Fixture::new(&format!(
        "{VALID}\n[templates]\nbucket_policy = \"bucket.json.tera\"\n"
    ));
    f.write(
        "bucket.json.tera",
        "{ \"Resource\": {{ bucket_arn | json_encode( }} }\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn error_label_config_file_not_json() {
    let f = Fixture::new(&with(
        "labels = [\"cat\", \"dog\"]",
        "file = \"labels.json\"",
    ));
    f.write("labels.json", "{\"document-version\": \"2018-11-28\",\n \"labels\": [{\"label\": \"cat\"} {\"label\": \"dog\"}]}\n");
    insta::assert_snapshot!(f.error());
}

#[test]
fn error_unknown_variable_in_expanded_file() {
    let f = Fixture::new(&with(
        "file = \"data/manifest.jsonl\"",
        "file = \"data/manifest.jsonl\"\nexpand_vars = true",
    ));
    f.write(
        "data/manifest.jsonl",
        "{\"source-ref\": \"s3://${bucket}/a.png\"}\n",
    );
    insta::assert_snapshot!(f.error());
}

#[test]
fn error_named_entity_recognition_without_instructions() {
    let plan = with(
        "task_type = \"ImageMultiClass\"",
        "task_type = \"NamedEntityRecognition\"",
    )
    .replace("data/manifest.jsonl", "data/texts.jsonl")
    .replace("ui_template = \"ui\"\n", "");
    insta::assert_snapshot!(Fixture::new(&plan).error());
    let with_instructions = Fixture::new(&plan.replace(
        "labels = [\"cat\", \"dog\"]",
        "labels = [\"cat\", \"dog\"]\ninstructions = { short = \"<p>Mark animals</p>\", full = \"<p>Mark every animal name</p>\" }",
    ));
    let d = with_instructions
        .load()
        .expect("loads")
        .resolve(PLACEHOLDER_ACCOUNT)
        .expect("resolves");
    let labels = &d.uploads[&Address::new(Kind::Upload, "labels")];
    let doc: serde_json::Value =
        serde_json::from_slice(labels.body.bytes().expect("in memory")).expect("JSON");
    assert_eq!(
        doc["instructions"]["shortInstruction"],
        "<p>Mark animals</p>"
    );
}

#[test]
fn error_worker_template_not_liquid() {
    let f = Fixture::new(VALID);
    f.write(
        "ui/template.liquid.html",
        "<crowd-form>\n  <img src=\"{{ task.input.taskObject | grant_read_acess }}\">\n</crowd-form>\n",
    );
    insta::assert_snapshot!(f.error());
}
