//! Resolving one `[jobs.NAME]` table into the full `CreateLabelingJob` request: the task type's
//! ARNs from the catalog for the plan's region, references to the plan's role, uploads and
//! buckets followed, durations and prices parsed, every field checked against SageMaker's rules
//! (fact sheet §1.3). Also records what the job touches, for the role policy and CORS.
//!
//! [`Resolver::job`] runs one step per group of keys, in the order the docs list them; the
//! larger steps live beside it: [`inputs`] (manifest, label config, audited labels), [`ui`],
//! [`output`], [`workforce`] and [`automated`] labeling. Chaining (`input_job`) is linked once
//! every job is drafted, by `resolve::chains`.

mod automated;
mod inputs;
mod output;
mod ui;
mod workforce;

use std::collections::BTreeSet;

use crate::catalog::{self, LabelConfigFormat, TaskType};
use crate::model::job::{HumanTask, JobInput, JobOutput, JobSpec, StoppingConditions};
use crate::model::names::{JobName, LabelAttributeName};
use crate::model::{Address, Kind};

use super::Resolver;
use super::drafts::{BucketDraft, JobDraft, RoleDraft, UploadContent, UploadDraft, Uploads};
use crate::config::checks;
use crate::config::duration::{DURATION_HINT, parse_seconds};
use crate::config::manifest::split_s3_uri;
use crate::config::raw::{RawJob, Str};
use crate::config::reader::Located;
use crate::config::suggest;

/// Built-in and custom template tasks may last at most 8 h per task (the API reference).
/// CONFLICT (§7.5): 3D point cloud and video frame tasks may last "30 days (2952,000 s)" in the
/// model's doc (a typo) or 7 days in the developer guide; gtplan caps every task at the role's
/// 12-hour session anyway (see `resolve::session_duration`), well below both.
const MAX_TEMPLATE_TASK_SECONDS: u64 = 28_800;
/// Private and vendor workforces keep tasks available at most 30 days; Mechanical Turk 12 h.
const MAX_AVAILABILITY_PRIVATE: u64 = 2_592_000;
const MAX_AVAILABILITY_PUBLIC: u64 = 43_200;
const DEFAULT_TASK_TIME_LIMIT: u64 = 300;

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

/// What a job touches, gathered while its references are followed: for the apply order, the
/// role policy and CORS.
#[derive(Default)]
struct Touches {
    depends_on: BTreeSet<Address>,
    /// Objects the job reads: `(bucket, key)`.
    reads: BTreeSet<(String, String)>,
    kms_keys: BTreeSet<String>,
    /// Lambda functions that are not the catalog's built-ins.
    custom_lambdas: BTreeSet<String>,
}

impl Touches {
    /// The job reads `t`: it depends on the upload and its bucket, and reads the object.
    fn upload(&mut self, t: &Target<'_>) {
        if let Target::Upload(u) = t {
            self.depends_on.insert(Address::new(Kind::Upload, &u.addr));
            self.depends_on
                .insert(Address::new(Kind::Bucket, &u.bucket_addr));
        }
        self.reads.insert(t.object());
    }
}

/// Where a job's objects come from: a manifest (an upload, a URI or, once chained, another
/// job's output), an SNS topic, or both.
struct InputDraft<'u> {
    target: Option<Target<'u>>,
    sns_topic: Option<Located<String>>,
    input_job: Option<Located<String>>,
    /// Outer `None`: invalid (reported); inner `None`: not an audit, or supplied by chaining.
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not an audit"
    )]
    audit_label_attribute: Option<Option<String>>,
    read_prefixes: BTreeSet<(String, String)>,
    sample_reads: BTreeSet<(String, String)>,
    /// Lines of a manifest among the plan's uploads (for the cost estimate).
    objects: Option<u64>,
}

/// The label category config a job names.
struct LabelConfigDraft<'u> {
    span: Option<std::ops::Range<usize>>,
    target: Option<Target<'u>>,
}

impl LabelConfigDraft<'_> {
    /// The address of the upload that is the label config, if it is one of the plan's.
    fn upload_addr(&self) -> Option<String> {
        match &self.target {
            Some(Target::Upload(u)) => Some(u.addr.clone()),
            _ => None,
        }
    }
}

/// How many workers label each object, and how many tasks they may hold at once.
#[derive(Clone, Copy)]
struct Workers {
    per_object: u32,
    max_concurrent_tasks: Option<u32>,
}

/// The text workers see with each task.
struct Presentation {
    title: Option<Located<String>>,
    description: Option<Located<String>>,
    keywords: Vec<String>,
}

impl Resolver<'_> {
    fn upload_target<'u>(
        &mut self,
        value: &Located<String>,
        uploads: &Uploads<'u>,
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
        if let Some(found) = uploads.get(&value.value) {
            return Some(Target::Upload(found));
        }
        // Not among the uploads that resolved: unknown (reported here, with the names for a
        // suggestion), or known but failed (reported already).
        let names: Vec<String> = self
            .file
            .raw
            .uploads
            .iter()
            .map(|(a, _)| a.value.clone())
            .collect();
        let name = self.refer(value, Kind::Upload, &names, from)?.clone();
        // A known upload that failed to resolve was reported already.
        uploads.get(&name).map(Target::Upload)
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

    /// Resolves `[jobs.NAME]`: each step reads its keys in the order the docs list them and
    /// reports what is wrong; the draft exists only when every step succeeded.
    pub fn job(
        &mut self,
        addr: &Str,
        raw: &RawJob,
        buckets: &[BucketDraft],
        roles: &[RoleDraft],
        uploads: &Uploads<'_>,
    ) -> Option<JobDraft> {
        let from = format!("`jobs.{}`", addr.value);
        let mut touches = Touches::default();
        let name = self
            .expand(&raw.name)
            .and_then(|n| self.name(&n, JobName::parse(&n.value)));
        let task = self.expand(&raw.task_type).and_then(|t| self.task_type(&t));
        let role = self.job_role(raw, roles, &from, &mut touches);
        let input = self.job_input(raw, addr, task, uploads, &from, &mut touches)?;
        let label_config = self.job_label_config(raw, addr, task, uploads, &from, &mut touches);
        let (ui, ui_template_addr) =
            self.ui_config(raw, task, uploads, (&addr.value, &from), &mut touches);
        let output = self.job_output(raw, buckets, &from, &mut touches);
        let label_attribute = self.label_attribute(raw, task, &from);
        let presentation = self.presentation(raw, &from);
        let workers = self.workers(raw, &from);
        let stopping = self.stopping_conditions(raw, input.sns_topic.is_some(), &from);
        let (time_limit, time_limit_span) = self.task_time_limit(raw, task, &from);
        let workforce = self.workforce(raw, task, &from);
        touches.depends_on.extend(workforce.team.clone());
        let (pre, acs) = self.lambdas(raw, task, &mut touches);
        let sns_topics: BTreeSet<String> = input
            .sns_topic
            .iter()
            .map(|t| t.value.clone())
            .chain(output.sns_topic.clone())
            .collect();
        let automated = match (&raw.automated_labeling, task) {
            (Some(a), Some(task)) => {
                self.automated_labeling(a, task, input.sns_topic.is_some(), &mut touches.kms_keys)
            }
            _ => Some(None),
        };

        let task = task?;
        let role = role?;
        let (bucket, prefix) = output.location?;
        if let Some(Target::Upload(u)) = &label_config.target
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
                manifest_uri: input.target.as_ref().map(Target::uri),
                sns_topic_arn: input.sns_topic.map(|s| s.value),
                content_classifiers: workforce.classifiers,
            },
            output: JobOutput {
                s3_output_path: format!("s3://{bucket}/{prefix}"),
                kms_key_id: output.kms_key_id,
                sns_topic_arn: output.sns_topic,
            },
            role_arn: self.role_arn(&role.name),
            label_category_config_uri: label_config.target.as_ref().map(Target::uri),
            stopping_conditions: stopping?,
            automated_labeling: automated?,
            human_task: HumanTask {
                workteam_arn: workforce.workteam_arn?,
                ui: ui?,
                pre_human_task_lambda_arn: pre,
                annotation_consolidation_lambda_arn: acs,
                task_keywords: presentation.keywords,
                task_title: presentation.title?.value,
                task_description: presentation.description?.value,
                number_of_human_workers_per_data_object: workers?.per_object,
                task_time_limit_seconds: time_limit,
                task_availability_lifetime_seconds: workforce.availability,
                max_concurrent_task_count: workers?.max_concurrent_tasks,
                public_workforce_task_price: workforce.price?,
            },
            tags: self.tags(raw.tags.as_ref()),
        };
        Some(JobDraft {
            addr: addr.value.clone(),
            span: raw.span.clone(),
            name_span: raw.name.span.clone(),
            time_limit_span,
            label_config_addr: label_config.upload_addr(),
            label_config_span: label_config.span,
            ui_template_addr,
            task,
            role_addr: role.addr.clone(),
            spec,
            depends_on: touches.depends_on,
            reads: touches.reads,
            read_prefixes: input.read_prefixes,
            sample_reads: input.sample_reads,
            output: (bucket, prefix),
            manifest_bucket: input.target.as_ref().map(|t| t.object().0),
            kms_keys: touches.kms_keys,
            custom_lambdas: touches.custom_lambdas,
            input_job: input.input_job,
            objects: input.objects,
            waits_for: None,
            audit_label_attribute: input.audit_label_attribute?,
            sns_topics,
        })
    }

    /// `role`: one of the plan's roles, which the job then depends on.
    fn job_role<'r>(
        &mut self,
        raw: &RawJob,
        roles: &'r [RoleDraft],
        from: &str,
        touches: &mut Touches,
    ) -> Option<&'r RoleDraft> {
        let role_names: Vec<String> = self
            .file
            .raw
            .roles
            .iter()
            .map(|(a, _)| a.value.clone())
            .collect();
        let role = self
            .expand(&raw.role)
            .and_then(|r| self.refer(&r, Kind::Role, &role_names, from).cloned())
            .and_then(|r| roles.iter().find(|d| d.addr == r))?;
        touches
            .depends_on
            .insert(Address::new(Kind::Role, &role.addr));
        Some(role)
    }

    /// `label_attribute`: a valid name whose `-ref` suffix matches what the task type writes.
    fn label_attribute(
        &mut self,
        raw: &RawJob,
        task: Option<&'static TaskType>,
        from: &str,
    ) -> Option<LabelAttributeName> {
        let l = self.expand(&raw.label_attribute)?;
        let parsed = self.name(&l, LabelAttributeName::parse(&l.value))?;
        let task = task?;
        let ends = parsed.as_str().ends_with("-ref");
        if ends == task.label_attribute_ends_with_ref {
            return Some(parsed);
        }
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
        None
    }

    /// `title`, `description` and `keywords`, within SageMaker's limits.
    fn presentation(&mut self, raw: &RawJob, from: &str) -> Presentation {
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
        Presentation {
            title,
            description,
            keywords,
        }
    }

    /// `workers_per_object` (default 1) and `max_concurrent_tasks`, in SageMaker's ranges.
    fn workers(&mut self, raw: &RawJob, from: &str) -> Option<Workers> {
        let per_object = self.int_in(
            raw.workers_per_object.as_ref(),
            "workers_per_object",
            from,
            (1, 9),
        );
        let max_concurrent_tasks = self.int_in(
            raw.max_concurrent_tasks.as_ref(),
            "max_concurrent_tasks",
            from,
            (1, 5000),
        );
        Some(Workers {
            per_object: per_object?.unwrap_or(1),
            max_concurrent_tasks: max_concurrent_tasks?,
        })
    }

    /// `max_labeled_objects` and `max_percent_labeled`, which streaming jobs do not take.
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not set in the plan"
    )]
    fn stopping_conditions(
        &mut self,
        raw: &RawJob,
        streaming: bool,
        from: &str,
    ) -> Option<Option<StoppingConditions>> {
        let max_labeled = self.int_in(
            raw.max_labeled_objects.as_ref(),
            "max_labeled_objects",
            from,
            (1, i64::from(u32::MAX)),
        );
        let max_percent = self.int_in(
            raw.max_percent_labeled.as_ref(),
            "max_percent_labeled",
            from,
            (1, 100),
        );
        if streaming {
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
        match (max_labeled?, max_percent?) {
            (None, None) => Some(None),
            (count, percent) => Some(Some(StoppingConditions {
                max_human_labeled_object_count: count,
                max_percentage_of_input_dataset_labeled: percent,
            })),
        }
    }

    /// `task_time_limit` in seconds (default 5 minutes), and the span errors about it point at.
    fn task_time_limit(
        &mut self,
        raw: &RawJob,
        task: Option<&'static TaskType>,
        from: &str,
    ) -> (Option<u64>, std::ops::Range<usize>) {
        let Some(t) = self.expand_opt(raw.task_time_limit.as_ref()) else {
            return (Some(DEFAULT_TASK_TIME_LIMIT), raw.span.clone());
        };
        let seconds = self.duration(&t, "task_time_limit", from).and_then(|s| {
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
        });
        (seconds, t.span)
    }

    /// The pre-annotation and consolidation Lambdas: the catalog's built-ins for the region
    /// unless the plan overrides them.
    /// CONFLICT (§7.1): the current model makes both optional (since 2024-09-24), older SDKs
    /// require them; gtplan always sends them, which every model accepts.
    fn lambdas(
        &mut self,
        raw: &RawJob,
        task: Option<&'static TaskType>,
        touches: &mut Touches,
    ) -> (Option<String>, Option<String>) {
        let region = self.file.region.as_str().to_owned();
        let mut lambda = |r: &mut Self, value: Option<&Str>, built_in: Option<String>| match r
            .expand_opt(value)
        {
            None => built_in,
            Some(l) => {
                r.check(&l.span, checks::lambda_arn(&l.value, &region))?;
                if catalog::task_types::from_lambda_arn(&l.value).is_none() {
                    touches.custom_lambdas.insert(l.value.clone());
                }
                Some(l.value)
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
        (pre, acs)
    }
}
