//! `gtplan init`: a ready plan for one task type, with a small sample manifest and the sample
//! data it points to, that `gtplan apply --sandbox` accepts unchanged. Everything here is a pure
//! function from (task type, region) to files; the command writes them.

mod samples;

use std::fmt::Write as _;

use crate::catalog::{LabelConfigFormat, ManifestKey, TaskType, Ui};
use crate::sandbox::sagemaker::{SANDBOX_CLIENT_ID, SANDBOX_TEAM};

use samples::Data;

/// One file `init` writes, relative to the target folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub body: Vec<u8>,
}

/// The plan file's name inside the target folder.
pub const PLAN_FILE: &str = "plan.toml";

/// `3DPointCloudObjectDetection` → `3d-point-cloud-object-detection`.
pub fn kebab(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let word_start = (c.is_ascii_uppercase() || c.is_ascii_digit())
                && prev.is_ascii_lowercase()
                || (c.is_ascii_uppercase() && prev.is_ascii_uppercase() && next_lower);
            if word_start {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A bucket-name stem short enough for `<stem>-<region>-<account id>` to fit S3's 63
/// characters (the longest region name has 14).
fn bucket_stem(slug: &str) -> String {
    let mut stem = slug
        .replace("semantic-segmentation", "segmentation")
        .replace("point-cloud", "pc");
    stem.truncate(63 - 13 - 15);
    stem.trim_end_matches('-').to_owned()
}

/// The label attribute a job of `task` writes, and the one it audits.
fn label_attributes(task: &TaskType) -> (String, Option<String>) {
    let with_ref = |base: &str, ends_with_ref: bool| {
        if ends_with_ref {
            format!("{base}-ref")
        } else {
            base.to_owned()
        }
    };
    match task.audits.and_then(crate::catalog::find) {
        Some(audited) => (
            with_ref("reviewed", task.label_attribute_ends_with_ref),
            Some(with_ref("labels", audited.label_attribute_ends_with_ref)),
        ),
        None => (with_ref("labels", task.label_attribute_ends_with_ref), None),
    }
}

/// `Draw boxes` → `draw boxes`, leaving `3D` alone.
fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn toml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_string(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// `[workforce]` and `[teams.labelers]`: a user pool gtplan creates, and a team of two
/// example workers.
fn private_team_tables(p: &mut String, slug: &str) {
    let stem = bucket_stem(slug);
    let _ = writeln!(
        p,
        "# The people who label: the region's private workforce (one per account and region; the\n\
         # sandbox has one in every region). On AWS, pass your workforce's Cognito user pool and\n\
         # app client (SageMaker console → Labeling workforces → Private) with\n\
         # `--var user_pool_id=... --var client_id=...`; if your region has none, write\n\
         # `user_pool_name = \"...\"` and `domain = \"...\"` instead and gtplan creates one\n\
         # (docs/plan-file.md).\n\
         [workforce]\n\
         user_pool_id = \"${{user_pool_id}}\"\n\
         client_id = \"${{client_id}}\"\n\
         \n\
         # A team: each worker gets Cognito's invitation e-mail with a temporary password.\n\
         # Replace the example addresses with your people's.\n\
         [teams.labelers]\n\
         name = {}\n\
         description = \"The people who label for {slug}\"\n\
         workers = [\"ana@example.com\", \"ben@example.com\"]\n",
        toml_string(&format!("{stem}-labelers")),
    );
}

/// Every file of a new plan for `task` in `region`.
/// `private_team`: the plan makes its own private workforce and team (a Cognito user pool and
/// workers invited by e-mail) instead of naming a work team that exists.
pub fn scaffold(task: &TaskType, region: &str, private_team: bool) -> Vec<File> {
    let slug = kebab(task.name);
    let (label_attribute, audited) = label_attributes(task);
    let data = samples::data(task, audited.as_deref());
    let mut files: Vec<File> = data
        .files
        .iter()
        .map(|f| File {
            path: format!("data/{}", f.path),
            body: f.body.clone(),
        })
        .collect();
    files.push(File {
        path: "data/manifest.jsonl".to_owned(),
        body: data.manifest.clone().into_bytes(),
    });
    files.push(File {
        path: PLAN_FILE.to_owned(),
        body: plan_text(
            task,
            (region, private_team),
            &slug,
            &label_attribute,
            audited.as_deref(),
            &data,
        )
        .into_bytes(),
    });
    files
}

#[expect(
    clippy::too_many_lines,
    reason = "the plan file top to bottom, in the order a reader meets it"
)]
fn plan_text(
    task: &TaskType,
    (region, private_team): (&str, bool),
    slug: &str,
    label_attribute: &str,
    audited: Option<&str>,
    data: &Data,
) -> String {
    let mut p = String::new();
    let _ = writeln!(
        p,
        "# A labeling job of task type `{}`: {}.\n\
         # Written by `gtplan init`; every key is documented in gtplan's docs/plan-file.md.\n\
         #\n\
         #   gtplan apply {PLAN_FILE} --sandbox     # try it locally, without an AWS account\n\
         #   gtplan plan {PLAN_FILE}                # what it would change in your AWS account\n\
         #\n\
         # The sample data in data/ is tiny and only shows the formats: replace it with yours.\n",
        task.name,
        lowercase_first(task.description)
    );
    // The region is part of the names: bucket and role names are global, so the same plan in
    // two regions of one account would otherwise claim the same bucket and role.
    let _ = writeln!(p, "name = {}", toml_string(&format!("{slug}-{region}")));
    let _ = writeln!(p, "region = {}\n", toml_string(region));
    let _ = writeln!(
        p,
        "[vars]\n\
         # S3 bucket names are global: the account id makes this one yours.\n\
         bucket = \"{}-${{region}}-${{account_id}}\"",
        bucket_stem(slug)
    );
    if private_team {
        let _ = writeln!(
            p,
            "# The region's private workforce: its Cognito user pool and app client (the sandbox's).\n\
             user_pool_id = \"${{region}}_sandbox\"\n\
             client_id = \"{SANDBOX_CLIENT_ID}\"\n"
        );
    } else {
        let _ = writeln!(
            p,
            "# Your private work team (SageMaker console → Labeling workforces → Private). The sandbox\n\
             # has the team `{SANDBOX_TEAM}` in every region. `gtplan init --private-team` writes a\n\
             # plan that makes its own team instead.\n\
             workteam = \"arn:aws:sagemaker:${{region}}:${{account_id}}:workteam/private-crowd/{SANDBOX_TEAM}\"\n"
        );
    }
    let _ = writeln!(
        p,
        "[buckets.data]\n\
         name = \"${{bucket}}\"\n\
         # Without this, `gtplan destroy` keeps a bucket that holds objects.\n\
         force_destroy = false\n"
    );
    let _ = writeln!(
        p,
        "[roles.labeling]\n\
         name = {}\n\
         description = {}\n",
        toml_string(&format!("gtplan-{}-{region}", bucket_stem(slug))),
        toml_string(&format!(
            "Lets Ground Truth read the inputs and write the labels of plan {slug}-{region}"
        ))
    );
    if private_team {
        private_team_tables(&mut p, slug);
    }
    for (i, f) in data.files.iter().enumerate() {
        let _ = writeln!(
            p,
            "[uploads.data-{}]\nbucket = \"data\"\nkey = {}\nfile = {}\n{}",
            i + 1,
            toml_string(&f.path),
            toml_string(&format!("data/{}", f.path)),
            if f.expand_vars {
                "expand_vars = true   # fills in ${bucket}\n"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        p,
        "# One line per object to label{}.\n\
         [uploads.manifest]\n\
         bucket = \"data\"\n\
         key = \"input/manifest.jsonl\"\n\
         file = \"data/manifest.jsonl\"\n\
         expand_vars = true   # fills in ${{bucket}}\n",
        audited.map_or(String::new(), |a| format!(
            ", with the labels under review in `{a}`"
        ))
    );
    // The label category config.
    let _ = writeln!(
        p,
        "# The label category config, generated from this list.\n\
         [uploads.labels]\n\
         bucket = \"data\"\n\
         key = \"input/labels.json\"\n\
         labels = {}",
        toml_list(data.labels)
    );
    if task.needs_instructions {
        let _ = writeln!(
            p,
            "instructions = {{ short = \"<p>Mark every name in the text.</p>\", full = \"<p>Select each span that names a person, a place or an organization, and choose its label.</p>\" }}"
        );
    }
    if task.label_config == LabelConfigFormat::Attribute {
        attribute_examples(&mut p, task);
    }
    p.push('\n');
    if task.ui == Ui::Template {
        let _ = writeln!(
            p,
            "# The worker UI: gtplan's Liquid template for {}, with these instructions (HTML).\n\
             [uploads.ui]\n\
             bucket = \"data\"\n\
             key = \"input/ui.liquid.html\"\n\
             worker_ui = {}\n\
             instructions = {{ short = {}, full = {} }}\n",
            task.name,
            toml_string(task.name),
            toml_string(&format!("<p>{}.</p>", task.description)),
            toml_string(&format!(
                "<p>{}. Take your time: each answer is checked against other workers' answers.</p>",
                task.description
            ))
        );
    }
    let _ = writeln!(p, "[jobs.sample]");
    let _ = writeln!(p, "name = {}", toml_string(&format!("{slug}-1")));
    let _ = writeln!(p, "task_type = {}", toml_string(task.name));
    let _ = writeln!(p, "role = \"labeling\"");
    let _ = writeln!(p, "manifest = \"manifest\"");
    let _ = writeln!(p, "label_config = \"labels\"");
    if task.ui == Ui::Template {
        let _ = writeln!(p, "ui_template = \"ui\"");
    }
    let _ = writeln!(
        p,
        "output = \"data\"            # labels go to s3://<bucket>/output/{slug}-1/"
    );
    let _ = writeln!(p, "label_attribute = {}", toml_string(label_attribute));
    if let Some(a) = audited {
        let _ = writeln!(
            p,
            "# The label attribute of the earlier job whose labels this job reviews. To review a job\n\
             # of this plan instead, replace `manifest` and this line with `input_job = \"JOB\"`.\n\
             audit_label_attribute = {}",
            toml_string(a)
        );
    }
    let _ = writeln!(p, "title = {}", toml_string(task.description));
    let _ = writeln!(
        p,
        "description = {}",
        toml_string(&format!(
            "{}. A sample job written by gtplan init.",
            task.description
        ))
    );
    let frame_task = task.label_config == LabelConfigFormat::Attribute;
    let _ = writeln!(
        p,
        "task_time_limit = {}",
        toml_string(if frame_task { "1h" } else { "5m" })
    );
    // 12 hours: the longest the public workforce allows, so switching to it needs no change.
    let _ = writeln!(p, "task_availability_lifetime = \"12h\"");
    if private_team {
        let _ = writeln!(p, "workteam = \"labelers\"          # the plan's team");
    } else {
        let _ = writeln!(p, "workteam = \"${{workteam}}\"");
    }
    if task.mechanical_turk {
        let price = task
            .price_family
            .allowed_mills()
            .first()
            .map(|m| crate::catalog::prices::format_mills(*m))
            .unwrap_or_default();
        let _ = writeln!(
            p,
            "# Mechanical Turk instead (paid per task; only for data free of personal information):\n\
             # workteam = \"public\"\n\
             # public_price = \"{price}\"\n\
             # content_classifiers = [\"FreeOfPersonallyIdentifiableInformation\"]"
        );
    }
    if task.manifest_key == ManifestKey::Source {
        let _ = writeln!(
            p,
            "# The text to label is inline in the manifest (`source`)."
        );
    }
    p
}

/// Example label, global and frame attributes of the attribute format (fact sheet §3.1).
fn attribute_examples(p: &mut String, task: &TaskType) {
    let video = task.data == crate::catalog::task_types::Data::VideoFrames;
    // Label attributes are ignored for 3D point cloud semantic segmentation (fact sheet §3.1).
    let segmentation = task.label_attribute_ends_with_ref
        && task.data == crate::catalog::task_types::Data::PointCloudFrame;
    if video {
        let _ = writeln!(
            p,
            "annotation_type = \"BoundingBox\"   # or Polyline, Polygon, Keypoint"
        );
    }
    if !segmentation {
        let _ = writeln!(
            p,
            "\n# Questions about each object (3D point cloud and video frame label configs only).\n\
             [[uploads.labels.global_attributes]]\n\
             name = \"occluded\"\n\
             type = \"string\"\n\
             enum = [\"no\", \"partly\", \"mostly\"]\n\
             \n\
             [[uploads.labels.label_attributes]]\n\
             labels = [\"car\"]\n\
             name = \"doors\"\n\
             type = \"number\"\n\
             minimum = 2\n\
             maximum = 5"
        );
    }
    let _ = writeln!(
        p,
        "\n# A question about each {}.\n\
         [[uploads.labels.frame_attributes]]\n\
         name = \"weather\"\n\
         type = \"string\"\n\
         description = \"What is the weather?\"\n\
         enum = [\"clear\", \"rain\", \"fog\"]",
        if video { "frame" } else { "point cloud" }
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::task_types::TASK_TYPES;

    #[test]
    fn names_become_kebab_case() {
        assert_eq!(
            kebab("3DPointCloudObjectDetection"),
            "3d-point-cloud-object-detection"
        );
        assert_eq!(
            kebab("ImageMultiClassMultiLabel"),
            "image-multi-class-multi-label"
        );
        assert_eq!(
            bucket_stem(&kebab("Adjustment3DPointCloudSemanticSegmentation")),
            "adjustment-3d-pc-segmentation"
        );
    }

    /// Every scaffold loads and resolves: the plan `init` writes is valid as written.
    #[test]
    fn every_task_type_scaffolds_a_valid_plan() {
        for task in &TASK_TYPES {
            // The longest region name keeps every name within AWS's limits.
            let dir = tempfile::tempdir().expect("temp dir");
            for f in scaffold(task, "ap-northeast-2", false) {
                let path = dir.path().join(&f.path);
                std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
                std::fs::write(path, &f.body).expect("write");
            }
            let file = crate::config::load(
                &dir.path().join(PLAN_FILE),
                &crate::config::VarOverrides::default(),
            )
            .unwrap_or_else(|e| panic!("{}: {e:?}", task.name));
            let state = file
                .resolve("111122223333")
                .unwrap_or_else(|e| panic!("{}: {e:?}", task.name));
            assert_eq!(state.jobs.len(), 1, "{}", task.name);
        }
    }
}
