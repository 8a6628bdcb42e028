//! Resolving one `[jobs.NAME]` table into the full `CreateLabelingJob` request: the task type's
//! ARNs from the catalog for the plan's region, references to the plan's role, uploads and
//! buckets followed, durations and prices parsed, every field checked against SageMaker's rules
//! (fact sheet §1.3). Also records what the job touches, for the role policy and CORS.
//!
//! `job` reads the keys in the order the docs list them; the larger parts live beside it:
//! [`inputs`] (manifest, label config, audited labels), [`ui`], [`output`], [`workforce`] and
//! [`automated`] labeling. Chaining (`input_job`) is linked once every job is drafted, in
//! `resolve::chains`.

mod automated;
mod inputs;
mod output;
mod ui;
mod workforce;

use std::collections::BTreeSet;
use std::ops::Range;

use self::workforce::Workforce;

use crate::catalog::{self, LabelConfigFormat, TaskType};
use crate::model::job::{HumanTask, JobInput, JobOutput, JobSpec, StoppingConditions};
use crate::model::names::{JobName, LabelAttributeName};
use crate::model::{Address, Kind};

use super::checks;
use super::duration::{DURATION_HINT, parse_seconds};
use super::error::Problem;
use super::manifest::split_s3_uri;
use super::raw::{RawJob, Str};
use super::reader::Located;
use super::resolve::{BucketDraft, Resolver, RoleDraft, UploadContent, UploadDraft};
use super::suggest;

/// Built-in and custom template tasks may last at most 8 h per task (the API reference).
/// CONFLICT (§7.5): 3D point cloud and video frame tasks may last "30 days (2952,000 s)" in the
/// model's doc (a typo) or 7 days in the developer guide; gtplan caps every task at the role's
/// 12-hour session anyway (see `resolve::session_duration`), well below both.
const MAX_TEMPLATE_TASK_SECONDS: u64 = 28_800;
/// Private and vendor workforces keep tasks available at most 30 days; Mechanical Turk 12 h.
const MAX_AVAILABILITY_PRIVATE: u64 = 2_592_000;
const MAX_AVAILABILITY_PUBLIC: u64 = 43_200;
const DEFAULT_TASK_TIME_LIMIT: u64 = 300;
const DEFAULT_OUTPUT_PREFIX: &str = "output/";

/// A resolved job and what it touches.
pub struct JobDraft {
    pub addr: String,
    pub span: Range<usize>,
    pub name_span: Range<usize>,
    pub time_limit_span: Range<usize>,
    pub label_config_span: Option<Range<usize>>,
    /// The upload generated from `labels` that is this job's label config, if any.
    pub label_config_addr: Option<String>,
    /// The upload that is this job's worker UI template, if any.
    pub ui_template_addr: Option<String>,
    pub task: &'static TaskType,
    pub role_addr: String,
    pub spec: JobSpec,
    pub depends_on: BTreeSet<Address>,
    /// Objects the job reads: `(bucket, key)`.
    pub reads: BTreeSet<(String, String)>,
    /// Prefixes its manifest's `source-ref`s point into: `(bucket, prefix)`.
    pub read_prefixes: BTreeSet<(String, String)>,
    /// One `source-ref` object under each of those prefixes, `(bucket, key)`.
    pub sample_reads: BTreeSet<(String, String)>,
    /// `(bucket, prefix)` the job writes its output under.
    pub output: (String, String),
    pub manifest_bucket: Option<String>,
    pub kms_keys: BTreeSet<String>,
    /// Lambda functions that are not the catalog's built-ins.
    pub custom_lambdas: BTreeSet<String>,
    /// `input_job`: the plan job whose output manifest is this job's input (linked in
    /// `resolve::chains` once every job is drafted).
    pub input_job: Option<Located<String>>,
    /// Set by chaining: the job this one waits for, by address and job name.
    pub waits_for: Option<(Address, String)>,
    /// The audited label attribute (verification/adjustment task types only).
    pub audit_label_attribute: Option<String>,
    /// SNS topics of a streaming job (input and output), for the role policy.
    pub sns_topics: BTreeSet<String>,
}

/// Where a job reference leads: one of the plan's uploads, or an object given by URI.
enum Target<'u> {
    Upload(&'u UploadDraft),
    Uri(String, String),
}

impl Target<'_> {
    fn uri(&self) -> String {
        match self {
            Target::Upload(u) => u.uri(),
            Target::Uri(b, k) => format!("s3://{b}/{k}"),
        }
    }

    fn object(&self) -> (String, String) {
        match self {
            Target::Upload(u) => (u.bucket.to_string(), u.key.to_string()),
            Target::Uri(b, k) => (b.clone(), k.clone()),
        }
    }
}

/// Records that a job reads `t`: it depends on the upload and its bucket, and reads the object.
fn note_upload(
    t: &Target<'_>,
    deps: &mut BTreeSet<Address>,
    reads: &mut BTreeSet<(String, String)>,
) {
    if let Target::Upload(u) = t {
        deps.insert(Address::new(Kind::Upload, &u.addr));
        deps.insert(Address::new(Kind::Bucket, &u.bucket_addr));
    }
    reads.insert(t.object());
}

/// Normalises an output prefix: no leading `/`, a trailing `/` unless empty.
fn normalize_prefix(prefix: &str) -> String {
    let p = prefix.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') {
        p.to_owned()
    } else {
        format!("{p}/")
    }
}

impl Resolver<'_> {
    fn upload_target<'u>(
        &mut self,
        value: &Located<String>,
        uploads: &'u [UploadDraft],
        from: &str,
    ) -> Option<Target<'u>> {
        if value.value.starts_with("s3://") {
            return match split_s3_uri(&value.value) {
                Some((b, k)) if !k.is_empty() => Some(Target::Uri(b.to_owned(), k.to_owned())),
                _ => {
                    self.report(
                        value.span.clone(),
                        format!("`{}` is not an S3 object URI", value.value),
                        "not `s3://bucket/key`",
                        Some(
                            "write the name of one of the plan's uploads, or `s3://bucket/key`"
                                .to_owned(),
                        ),
                    );
                    None
                }
            };
        }
        let names: Vec<String> = self
            .file
            .raw
            .uploads
            .iter()
            .map(|(a, _)| a.value.clone())
            .collect();
        let name = self.refer(value, Kind::Upload, &names, from)?.clone();
        // A known upload that failed to resolve was reported already.
        uploads.iter().find(|u| u.addr == name).map(Target::Upload)
    }

    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not set in the plan"
    )]
    fn int_in(
        &mut self,
        value: Option<&Located<i64>>,
        key: &str,
        from: &str,
        range: (i64, i64),
    ) -> Option<Option<u32>> {
        let Some(v) = value else {
            return Some(None);
        };
        if v.value < range.0 || v.value > range.1 {
            self.report(
                v.span.clone(),
                format!("`{key}` of {from} is {}", v.value),
                format!("not in {}-{}", range.0, range.1),
                Some(format!("SageMaker accepts {} to {}", range.0, range.1)),
            );
            return None;
        }
        u32::try_from(v.value).ok().map(Some)
    }

    fn duration(&mut self, value: &Located<String>, key: &str, from: &str) -> Option<u64> {
        match parse_seconds(&value.value) {
            Ok(s) => Some(s),
            Err(e) => {
                self.report(
                    value.span.clone(),
                    format!("`{key}` of {from}: {e}"),
                    "not a duration",
                    Some(DURATION_HINT.to_owned()),
                );
                None
            }
        }
    }

    fn task_type(&mut self, value: &Located<String>) -> Option<&'static TaskType> {
        if let Some(t) = catalog::find(&value.value) {
            return Some(t);
        }
        let names: Vec<&str> = catalog::task_types::TASK_TYPES
            .iter()
            .map(|t| t.name)
            .collect();
        let help = match suggest::did_you_mean(&value.value, &names) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("the built-in task types are {}", suggest::list(&names)),
        };
        self.report(
            value.span.clone(),
            format!("unknown task type `{}`", value.value),
            "not a built-in task type",
            Some(help),
        );
        None
    }

    #[expect(
        clippy::too_many_lines,
        reason = "one pass over the job's keys in the order the docs list them reads best"
    )]
    pub fn job(
        &mut self,
        addr: &Str,
        raw: &RawJob,
        buckets: &[BucketDraft],
        roles: &[RoleDraft],
        uploads: &[UploadDraft],
    ) -> Option<JobDraft> {
        let from = format!("`jobs.{}`", addr.value);
        let region = self.file.region.as_str().to_owned();
        let mut depends_on = BTreeSet::new();
        let mut reads = BTreeSet::new();
        let mut kms_keys = BTreeSet::new();
        let mut custom_lambdas = BTreeSet::new();

        let name = self
            .expand(&raw.name)
            .and_then(|n| self.name(&n, JobName::parse(&n.value)));
        let task = self.expand(&raw.task_type).and_then(|t| self.task_type(&t));

        let role_names: Vec<String> = self
            .file
            .raw
            .roles
            .iter()
            .map(|(a, _)| a.value.clone())
            .collect();
        let role = self
            .expand(&raw.role)
            .and_then(|r| self.refer(&r, Kind::Role, &role_names, &from).cloned())
            .and_then(|r| roles.iter().find(|d| d.addr == r));
        if let Some(role) = role {
            depends_on.insert(Address::new(Kind::Role, &role.addr));
        }

        // Input: a manifest and/or an SNS topic (streaming).
        let input_sns = self.expand_opt(raw.input_sns_topic.as_ref());
        if let Some(t) = &input_sns {
            self.check(&t.span, checks::sns_topic_arn(&t.value, &region));
        }
        let manifest = self.expand_opt(raw.manifest.as_ref());
        let mut input_job = self.expand_opt(raw.input_job.as_ref());
        if let (Some(m), Some(j)) = (&manifest, &input_job) {
            self.problems.push(
                Problem::at(
                    self.src(),
                    j.span.clone(),
                    format!("{from} sets both `manifest` and `input_job`"),
                    "remove one",
                )
                .label(m.span.clone(), "")
                .help("a job reads one manifest: an upload, an `s3://` URI, or the output manifest of `input_job`"),
            );
            input_job = None;
        }
        let manifest_target = manifest
            .as_ref()
            .and_then(|m| self.upload_target(m, uploads, &from));
        if manifest.is_none() && input_sns.is_none() && input_job.is_none() {
            self.report(
                raw.span.clone(),
                format!("missing key `manifest` in `jobs.{}`", addr.value),
                "",
                Some(format!("add `manifest = \"NAME\"` naming the upload of the input manifest to `[jobs.{}]`, or `input_job = \"JOB\"` to label another job's output", addr.value)),
            );
        }
        let audit_label_attribute =
            self.audit_label_attribute(raw, task, input_job.is_some(), &from);
        let mut read_prefixes = BTreeSet::new();
        let mut sample_reads = BTreeSet::new();
        let mut manifest_bucket = None;
        if let Some(target) = &manifest_target {
            note_upload(target, &mut depends_on, &mut reads);
            manifest_bucket = Some(target.object().0);
            if let (Target::Upload(u), Some(task)) = (target, task) {
                let audited = audit_label_attribute.as_ref().and_then(Option::as_deref);
                let scan = self.scan_manifest(u, task, manifest.as_ref(), audited)?;
                read_prefixes = scan.source_refs;
                sample_reads = scan.samples;
            }
        }

        // Label categories.
        let label_config = self.expand_opt(raw.label_config.as_ref());
        let label_target = label_config
            .as_ref()
            .and_then(|l| self.upload_target(l, uploads, &from));
        let mut label_config_addr = None;
        if let Some(target) = &label_target {
            note_upload(target, &mut depends_on, &mut reads);
            if let Target::Upload(u) = target {
                label_config_addr = Some(u.addr.clone());
            }
        }
        if label_config.is_none()
            && task.is_some_and(|t| t.label_config != LabelConfigFormat::Custom)
        {
            self.report(
                raw.span.clone(),
                format!("missing key `label_config` in `jobs.{}`", addr.value),
                "",
                Some(format!(
                    "add `label_config = \"NAME\"` naming an upload with `labels = [...]` to `[jobs.{}]`",
                    addr.value
                )),
            );
        }

        // Worker UI.
        let (ui, ui_template_addr) = self.ui_config(
            raw,
            task,
            uploads,
            (&addr.value, &from),
            (&mut depends_on, &mut reads),
        );

        // Output.
        let output_location = self.output_location(raw, buckets, &from, &mut depends_on);

        let label_attribute = self.expand(&raw.label_attribute).and_then(|l| {
            let parsed = self.name(&l, LabelAttributeName::parse(&l.value))?;
            let task = task?;
            let ends = parsed.as_str().ends_with("-ref");
            if ends != task.label_attribute_ends_with_ref {
                let (problem, hint) = if task.label_attribute_ends_with_ref {
                    ("must end with `-ref`", format!("write `{parsed}-ref`"))
                } else {
                    (
                        "must not end with `-ref`",
                        format!("write `{}`", parsed.as_str().trim_end_matches("-ref")),
                    )
                };
                self.report(
                    l.span.clone(),
                    format!(
                        "the label attribute of {from} (task type `{}`) {problem}",
                        task.name
                    ),
                    problem,
                    Some(format!(
                        "Ground Truth decides the suffix by task type: {hint}"
                    )),
                );
                return None;
            }
            Some(parsed)
        });

        let title = self.expand(&raw.title);
        if let Some(t) = &title {
            self.check(&t.span, checks::title(&t.value));
        }
        let description = self.expand(&raw.description);
        if let Some(d) = &description {
            self.check(&d.span, checks::description(&d.value));
        }

        let mut keywords = Vec::new();
        if let Some(list) = &raw.keywords {
            if list.value.is_empty() || list.value.len() > 5 {
                self.report(
                    list.span.clone(),
                    format!("{from} has {} keywords", list.value.len()),
                    "1-5 keywords",
                    Some(
                        "SageMaker accepts 1 to 5 keywords; remove `keywords` to set none"
                            .to_owned(),
                    ),
                );
            }
            for k in &list.value {
                if let Some(k) = self.expand(k)
                    && self.check(&k.span, checks::keyword(&k.value)).is_some()
                {
                    keywords.push(k.value);
                }
            }
        }

        let workers = self.int_in(
            raw.workers_per_object.as_ref(),
            "workers_per_object",
            &from,
            (1, 9),
        );
        let max_concurrent = self.int_in(
            raw.max_concurrent_tasks.as_ref(),
            "max_concurrent_tasks",
            &from,
            (1, 5000),
        );
        let max_labeled = self.int_in(
            raw.max_labeled_objects.as_ref(),
            "max_labeled_objects",
            &from,
            (1, i64::from(u32::MAX)),
        );
        let max_percent = self.int_in(
            raw.max_percent_labeled.as_ref(),
            "max_percent_labeled",
            &from,
            (1, 100),
        );

        let time_limit_value = self.expand_opt(raw.task_time_limit.as_ref());
        let time_limit_span = time_limit_value
            .as_ref()
            .map_or(raw.span.clone(), |t| t.span.clone());
        let time_limit = match &time_limit_value {
            None => Some(DEFAULT_TASK_TIME_LIMIT),
            Some(t) => self.duration(t, "task_time_limit", &from).and_then(|s| {
                if s < 30 {
                    self.report(t.span.clone(), format!("task time limit `{}` of {from} is shorter than 30s", t.value), "under 30s", Some("SageMaker requires at least 30 seconds per task".to_owned()));
                    return None;
                }
                if let Some(task) = task
                    && task.label_config != LabelConfigFormat::Attribute
                    && s > MAX_TEMPLATE_TASK_SECONDS
                {
                    self.report(t.span.clone(), format!("task time limit `{}` of {from} is longer than 8h", t.value), "over 8h", Some(format!("`{}` tasks may last at most 8 hours (28800 s); only 3D point cloud and video frame tasks may be longer", task.name)));
                    return None;
                }
                Some(s)
            }),
        };

        // Workforce.
        let Workforce {
            workteam_arn,
            price,
            classifiers,
            availability,
        } = self.workforce(raw, task, &from);

        let output_kms = self
            .expand_opt(raw.output_kms_key_id.as_ref())
            .and_then(|k| {
                self.check(&k.span, checks::kms_key(&k.value))?;
                kms_keys.insert(k.value.clone());
                Some(k.value)
            });

        // Lambdas: the catalog's built-ins for the region unless the plan overrides them.
        // CONFLICT (§7.1): the current model makes both optional (since 2024-09-24), older SDKs
        // require them; gtplan always sends them, which every model accepts.
        let mut lambda =
            |r: &mut Self, value: Option<&Str>, built_in: Option<String>| -> Option<String> {
                match r.expand_opt(value) {
                    None => built_in,
                    Some(l) => {
                        r.check(&l.span, checks::lambda_arn(&l.value, &region))?;
                        if catalog::task_types::from_lambda_arn(&l.value).is_none() {
                            custom_lambdas.insert(l.value.clone());
                        }
                        Some(l.value)
                    }
                }
            };
        let pre = lambda(
            self,
            raw.pre_lambda.as_ref(),
            task.and_then(|t| catalog::arns::pre_lambda(&region, t)),
        );
        let acs = lambda(
            self,
            raw.acs_lambda.as_ref(),
            task.and_then(|t| catalog::arns::acs_lambda(&region, t)),
        );

        let output_sns = self
            .expand_opt(raw.output_sns_topic.as_ref())
            .and_then(|t| {
                self.check(&t.span, checks::sns_topic_arn(&t.value, &region))?;
                Some(t.value)
            });
        let sns_topics: BTreeSet<String> = input_sns
            .iter()
            .map(|t| t.value.clone())
            .chain(output_sns.clone())
            .collect();

        let automated = match (&raw.automated_labeling, task) {
            (Some(a), Some(task)) => {
                self.automated_labeling(a, task, input_sns.is_some(), &mut kms_keys)
            }
            _ => Some(None),
        };

        let tags = self.tags(raw.tags.as_ref());

        if input_sns.is_some() {
            for (value, key) in [
                (
                    raw.max_labeled_objects.as_ref().map(|v| v.span.clone()),
                    "max_labeled_objects",
                ),
                (
                    raw.max_percent_labeled.as_ref().map(|v| v.span.clone()),
                    "max_percent_labeled",
                ),
            ] {
                if let Some(span) = value {
                    self.report(
                        span,
                        format!("streaming jobs take no stopping condition, but {from} sets `{key}`"),
                        "not for streaming jobs",
                        Some("a streaming job runs until it is stopped or idle for 10 days: remove this, or remove `input_sns_topic`".to_owned()),
                    );
                }
            }
        }
        let stopping = match (max_labeled, max_percent) {
            (Some(None), Some(None)) => Some(None),
            (Some(count), Some(percent)) => Some(Some(StoppingConditions {
                max_human_labeled_object_count: count,
                max_percentage_of_input_dataset_labeled: percent,
            })),
            _ => None,
        };

        let task = task?;
        let role = role?;
        let output = output_location?;
        if let Some(target) = &label_target
            && let Target::Upload(u) = target
            && let UploadContent::File { body, shown, .. } = &u.content
        {
            let auto_labeling = matches!(automated, Some(Some(_)));
            self.check_label_file(body, shown, (task, auto_labeling), &from)?;
        }
        let time_limit = u32::try_from(time_limit?).ok()?;
        let spec = JobSpec {
            name: name?,
            label_attribute_name: label_attribute?,
            input: JobInput {
                manifest_uri: manifest_target.as_ref().map(Target::uri),
                sns_topic_arn: input_sns.map(|s| s.value),
                content_classifiers: classifiers,
            },
            output: JobOutput {
                s3_output_path: format!("s3://{}/{}", output.0, output.1),
                kms_key_id: output_kms,
                sns_topic_arn: output_sns,
            },
            role_arn: self.role_arn(&role.name),
            label_category_config_uri: label_target.as_ref().map(Target::uri),
            stopping_conditions: stopping?,
            automated_labeling: automated?,
            human_task: HumanTask {
                workteam_arn: workteam_arn?,
                ui: ui?,
                pre_human_task_lambda_arn: pre,
                annotation_consolidation_lambda_arn: acs,
                task_keywords: keywords,
                task_title: title?.value,
                task_description: description?.value,
                number_of_human_workers_per_data_object: workers?.unwrap_or(1),
                task_time_limit_seconds: time_limit,
                task_availability_lifetime_seconds: availability,
                max_concurrent_task_count: max_concurrent?,
                public_workforce_task_price: price?,
            },
            tags,
        };
        Some(JobDraft {
            addr: addr.value.clone(),
            span: raw.span.clone(),
            name_span: raw.name.span.clone(),
            time_limit_span,
            label_config_span: label_config.map(|l| l.span),
            label_config_addr,
            ui_template_addr,
            task,
            role_addr: role.addr.clone(),
            spec,
            depends_on,
            reads,
            read_prefixes,
            sample_reads,
            output,
            manifest_bucket,
            kms_keys,
            custom_lambdas,
            input_job,
            waits_for: None,
            audit_label_attribute: audit_label_attribute?,
            sns_topics,
        })
    }
}
