//! What a job reads: references to the plan's uploads, the manifest checked line by line for
//! its task type, the label config file, and the labels an audit reviews.

use std::collections::BTreeSet;

use crate::catalog::{LabelConfigFormat, TaskType};
use crate::config::checks;
use crate::config::error::{Problem, SourceFile};
use crate::config::manifest;
use crate::config::raw::{RawJob, Str};
use crate::config::reader::Located;
use crate::config::resolve::Resolver;
use crate::config::resolve::drafts::{UploadContent, UploadDraft, Uploads};
use crate::model::names::LabelAttributeName;
use crate::model::step::UploadBody;

use super::{InputDraft, LabelConfigDraft, Target, Touches};

impl Resolver<'_> {
    /// `manifest`, `input_job` or `input_sns_topic`: where the job's objects come from. A
    /// manifest among the plan's uploads is checked line by line; when it is invalid the job is
    /// not resolved further (`None`), since every later check would repeat the problem.
    pub(super) fn job_input<'u>(
        &mut self,
        raw: &RawJob,
        addr: &Str,
        task: Option<&'static TaskType>,
        uploads: &Uploads<'u>,
        from: &str,
        touches: &mut Touches,
    ) -> Option<InputDraft<'u>> {
        let region = self.file.region.as_str().to_owned();
        let sns_topic = self.expand_opt(raw.input_sns_topic.as_ref());
        if let Some(t) = &sns_topic {
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
        let target = manifest
            .as_ref()
            .and_then(|m| self.upload_target(m, uploads, from));
        if manifest.is_none() && sns_topic.is_none() && input_job.is_none() {
            self.report(
                raw.span.clone(),
                format!("missing key `manifest` in `jobs.{}`", addr.value),
                "",
                Some(format!("add `manifest = \"NAME\"` naming the upload of the input manifest to `[jobs.{}]`, or `input_job = \"JOB\"` to label another job's output", addr.value)),
            );
        }
        let audit_label_attribute =
            self.audit_label_attribute(raw, task, input_job.is_some(), from);
        let mut read_prefixes = BTreeSet::new();
        let mut sample_reads = BTreeSet::new();
        let mut objects = None;
        if let Some(target) = &target {
            touches.upload(target);
            if let (Target::Upload(u), Some(task)) = (target, task) {
                let audited = audit_label_attribute.as_ref().and_then(Option::as_deref);
                let scan = self.scan_manifest(u, task, manifest.as_ref(), audited)?;
                read_prefixes = scan.source_refs;
                sample_reads = scan.samples;
                objects = u64::try_from(scan.lines).ok();
            }
        }
        Some(InputDraft {
            target,
            sns_topic,
            input_job,
            audit_label_attribute,
            read_prefixes,
            sample_reads,
            objects,
        })
    }

    /// `label_config`: required unless the task type takes no label categories.
    pub(super) fn job_label_config<'u>(
        &mut self,
        raw: &RawJob,
        addr: &Str,
        task: Option<&'static TaskType>,
        uploads: &Uploads<'u>,
        from: &str,
        touches: &mut Touches,
    ) -> LabelConfigDraft<'u> {
        let value = self.expand_opt(raw.label_config.as_ref());
        let target = value
            .as_ref()
            .and_then(|l| self.upload_target(l, uploads, from));
        if let Some(target) = &target {
            touches.upload(target);
        }
        if value.is_none() && task.is_some_and(|t| t.label_config != LabelConfigFormat::Custom) {
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
        LabelConfigDraft {
            span: value.map(|l| l.span),
            target,
        }
    }

    /// `audit_label_attribute`: required by verification and adjustment task types unless
    /// `input_job` supplies it, refused by the others.
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not an audit"
    )]
    pub(super) fn audit_label_attribute(
        &mut self,
        raw: &RawJob,
        task: Option<&TaskType>,
        chained: bool,
        from: &str,
    ) -> Option<Option<String>> {
        let value = self.expand_opt(raw.audit_label_attribute.as_ref());
        let task = task?;
        match (task.audits, value) {
            (None, None) => Some(None),
            (None, Some(v)) => {
                self.report(
                    v.span.clone(),
                    format!("`{}` jobs audit no earlier labels", task.name),
                    "only for verification and adjustment",
                    Some("remove `audit_label_attribute`; it names the labels a Verification* or Adjustment* job reviews".to_owned()),
                );
                None
            }
            (Some(_), None) if chained => Some(None),
            (Some(audited), None) => {
                self.report(
                    raw.span.clone(),
                    format!("{from} (task type `{}`) does not say which labels it audits", task.name),
                    "",
                    Some(format!("add `input_job = \"JOB\"` naming the `{audited}` job of this plan whose labels it reviews, or `audit_label_attribute = \"NAME\"`: the label attribute of the earlier job in your manifest")),
                );
                None
            }
            (Some(_), Some(v)) => {
                let parsed = self.name(&v, LabelAttributeName::parse(&v.value))?;
                Some(Some(parsed.as_str().to_owned()))
            }
        }
    }

    /// Checks the manifest's lines for the task type and returns the `source-ref` prefixes.
    pub(super) fn scan_manifest(
        &mut self,
        upload: &UploadDraft,
        task: &TaskType,
        reference: Option<&Located<String>>,
        audited: Option<&str>,
    ) -> Option<manifest::ManifestScan> {
        let (shown, body) = match &upload.content {
            UploadContent::File { shown, body, .. } => (shown, body),
            UploadContent::Labels { .. } | UploadContent::WorkerUi { .. } => {
                let span = reference.map_or(0..0, |r| r.span.clone());
                self.report(
                    span,
                    format!(
                        "upload `{}` is generated by gtplan, not a manifest",
                        upload.addr
                    ),
                    "not a manifest",
                    Some(
                        "point `manifest` at an upload with `file = \"data/manifest.jsonl\"`"
                            .to_owned(),
                    ),
                );
                return None;
            }
        };
        let path = self.file.dir.join(shown).display().to_string();
        let body = match body {
            UploadBody::Inline { bytes } => bytes,
            UploadBody::File { path: full, .. } => {
                return match manifest::scan_file(full, &path, task, audited) {
                    Ok(scan) => Some(scan),
                    Err(problems) => {
                        for p in problems {
                            self.problems.push(p);
                        }
                        None
                    }
                };
            }
        };
        let Ok(text) = String::from_utf8(body.clone()) else {
            let span = reference.map_or(0..0, |r| r.span.clone());
            self.report(
                span,
                format!("manifest `{path}` is not UTF-8 text"),
                "not a manifest",
                Some("a manifest is UTF-8 JSON Lines".to_owned()),
            );
            return None;
        };
        let source = SourceFile::new(path, text);
        match manifest::scan(&source, task, audited) {
            Ok(scan) => Some(scan),
            Err(problems) => {
                for p in problems {
                    self.problems.push(p);
                }
                None
            }
        }
    }

    /// A label config file must be JSON; when it has a `labels` list, its length must suit the
    /// task type (and automated labeling, when the job uses it).
    pub(super) fn check_label_file(
        &mut self,
        body: &UploadBody,
        shown: &str,
        (task, auto_labeling): (&TaskType, bool),
        from: &str,
    ) -> Option<()> {
        if task.label_config == LabelConfigFormat::Custom {
            return Some(());
        }
        let Some(body) = body.bytes() else {
            self.problems.push(
                Problem::plain(format!(
                    "label config `{shown}` of {from} is larger than 16 MiB"
                ))
                .help("a label category config is a small JSON document"),
            );
            return None;
        };
        let path = self.file.dir.join(shown).display().to_string();
        let text = String::from_utf8_lossy(body).into_owned();
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(doc) => {
                if let Some(labels) = doc.get("labels").and_then(serde_json::Value::as_array) {
                    let count = labels.len();
                    if !task.takes_labels(count, auto_labeling) {
                        self.problems.push(
                            Problem::plain(format!(
                                "label config `{path}` of {from} has {count} labels"
                            ))
                            .help(task.describe_label_limits(auto_labeling)),
                        );
                        return None;
                    }
                }
                Some(())
            }
            Err(e) => {
                let offset = text
                    .split_inclusive('\n')
                    .take(e.line().saturating_sub(1))
                    .map(str::len)
                    .sum::<usize>()
                    + e.column().saturating_sub(1);
                let offset = offset.min(text.len());
                let source = SourceFile::new(&path, text.clone());
                self.problems.push(
                    Problem::at(&source, offset..offset, format!("label config `{path}` is not JSON: {}", crate::config::template::json_error_message(&e)), "here")
                        .help("a label category config is a JSON document such as `{\"document-version\": \"2018-11-28\", \"labels\": [{\"label\": \"cat\"}]}`"),
                );
                None
            }
        }
    }
}
