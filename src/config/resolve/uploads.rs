//! Uploads in a plan: local files read and hashed, label configs generated from label lists in
//! the format their jobs' task type needs, and the label checks that go with them.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::catalog::{LabelConfigFormat, TaskType};
use crate::model::desired::DesiredUpload;
use crate::model::names::ObjectKey;
use crate::model::{Address, Kind};

use super::drafts::JobDraft;
use crate::config::error::{Problem, SourceFile};
use crate::config::files;
use crate::config::raw::{RawUpload, Str};
use crate::config::reader::Located;
use crate::config::suggest;
use crate::config::template::{TemplateKind, Templates};
use crate::config::upload::{content_type_for, sha256_hex};
use crate::config::vars;
use crate::model::step::UploadBody;

use super::label_attributes::AttributeConfig;

use super::Resolver;
use super::drafts::{BucketDraft, UploadContent, UploadDraft};

impl Resolver<'_> {
    pub(super) fn upload(
        &mut self,
        addr: &Str,
        raw: &RawUpload,
        buckets: &[BucketDraft],
        bucket_addrs: &[String],
    ) -> Option<UploadDraft> {
        let from = format!("`uploads.{}`", addr.value);
        let bucket = self
            .expand(&raw.bucket)
            .and_then(|b| self.refer(&b, Kind::Bucket, bucket_addrs, &from).cloned());
        let key = self
            .expand(&raw.key)
            .and_then(|k| self.name(&k, ObjectKey::parse(&k.value)));
        let content_type = self.expand_opt(raw.content_type.as_ref()).map(|c| c.value);
        let content = self.upload_content(raw, &from);
        let bucket_name = bucket.and_then(|b| buckets.iter().find(|d| d.addr == *b))?;
        Some(UploadDraft {
            addr: addr.value.clone(),
            bucket_addr: bucket_name.addr.clone(),
            bucket: bucket_name.name.clone(),
            key: key?,
            content: content?,
            content_type,
        })
    }

    /// What an upload holds: exactly one of a local `file`, a label config generated from
    /// `labels`, or a built-in `worker_ui`; and only the keys that go with it.
    fn upload_content(&mut self, raw: &RawUpload, from: &str) -> Option<UploadContent> {
        let sources: Vec<(&str, Range<usize>)> = [
            ("file", raw.file.as_ref().map(|v| v.span.clone())),
            ("labels", raw.labels.as_ref().map(|v| v.span.clone())),
            ("worker_ui", raw.worker_ui.as_ref().map(|v| v.span.clone())),
        ]
        .into_iter()
        .filter_map(|(k, s)| Some((k, s?)))
        .collect();
        if sources.is_empty() {
            self.report(
                raw.span.clone(),
                format!("{from} has none of `file`, `labels` and `worker_ui`"),
                "",
                Some("add `file = \"path/to/file\"` (relative to the plan), `labels = [\"cat\", \"dog\"]` or `worker_ui = \"TaskType\"`".to_owned()),
            );
            return None;
        }
        if sources.len() > 1 {
            let mut p = Problem::at(
                self.src(),
                sources[1].1.clone(),
                format!("{from} sets both `{}` and `{}`", sources[0].0, sources[1].0),
                "remove one",
            )
            .label(sources[0].1.clone(), "");
            p.help = Some("an upload is a local `file`, a label config generated from `labels`, or a built-in `worker_ui`".to_owned());
            self.problems.push(p);
            return None;
        }
        let kind = sources[0].0;
        self.refuse_keys_not_for(raw, kind);
        let instructions = self.instructions(raw, from);
        match kind {
            "file" => {
                if let Some(i) = &raw.instructions {
                    self.report(
                        i.span.clone(),
                        "`instructions` only apply to generated label configs and worker UIs",
                        "remove this",
                        Some("put the instructions in your file instead".to_owned()),
                    );
                }
                self.upload_file(raw.file.as_ref()?, raw)
            }
            "labels" => {
                let labels = raw.labels.as_ref()?;
                let expanded: Vec<Located<String>> =
                    labels.value.iter().filter_map(|l| self.expand(l)).collect();
                let attributes = self.label_attributes(raw, &expanded, from)?;
                Some(UploadContent::Labels {
                    labels: expanded,
                    span: labels.span.clone(),
                    instructions: instructions?,
                    attributes,
                })
            }
            _ => self.worker_ui_content(raw, instructions?, from),
        }
    }

    /// Keys that only go with another kind of upload.
    fn refuse_keys_not_for(&mut self, raw: &RawUpload, kind: &str) {
        let mut refused: Vec<(&str, Option<Range<usize>>, &str)> = Vec::new();
        if kind != "file" {
            refused.push((
                "expand_vars",
                raw.expand_vars.as_ref().map(|v| v.span.clone()),
                "a `file`",
            ));
        }
        if kind != "labels" {
            for (key, value) in [
                (
                    "annotation_type",
                    raw.annotation_type.as_ref().map(|v| v.span.clone()),
                ),
                (
                    "edits_allowed",
                    raw.edits_allowed.as_ref().map(|v| v.span.clone()),
                ),
                (
                    "global_attributes",
                    raw.global_attributes.as_ref().map(|v| v.span.clone()),
                ),
                (
                    "label_attributes",
                    raw.label_attributes.as_ref().map(|v| v.span.clone()),
                ),
                (
                    "frame_attributes",
                    raw.frame_attributes.as_ref().map(|v| v.span.clone()),
                ),
            ] {
                refused.push((key, value, "`labels`"));
            }
        }
        for (key, value, only) in refused {
            if let Some(value) = value {
                self.report(
                    value,
                    format!("`{key}` only applies to uploads with {only}"),
                    "remove this",
                    None,
                );
            }
        }
    }

    /// `worker_ui = "TaskType"`: one of gtplan's built-in templates, which needs instructions.
    fn worker_ui_content(
        &mut self,
        raw: &RawUpload,
        instructions: Option<(String, String)>,
        from: &str,
    ) -> Option<UploadContent> {
        let value = self.expand(raw.worker_ui.as_ref()?)?;
        let task = crate::catalog::find(&value.value)
            .filter(|t| crate::config::worker_ui::template(t.name).is_some());
        let Some(task) = task else {
            let with_ui: Vec<&str> = crate::catalog::task_types::TASK_TYPES
                .iter()
                .map(|t| t.name)
                .filter(|n| crate::config::worker_ui::template(n).is_some())
                .collect();
            let help = match suggest::did_you_mean(&value.value, &with_ui) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "gtplan has worker UIs for {}; the other task types use an AWS-owned UI",
                    suggest::list(&with_ui)
                ),
            };
            self.report(
                value.span.clone(),
                format!("gtplan has no built-in worker UI for `{}`", value.value),
                "no built-in UI",
                Some(help),
            );
            return None;
        };
        let Some(instructions) = instructions else {
            self.report(
                raw.span.clone(),
                format!("{from} builds a worker UI but gives workers no instructions"),
                "",
                Some("add `instructions = { short = \"...\", full = \"...\" }` (HTML): what to do, shown beside every task".to_owned()),
            );
            return None;
        };
        Some(UploadContent::WorkerUi {
            task,
            span: value.span.clone(),
            instructions,
        })
    }

    /// `instructions = { short, full }`: outer `None` when invalid (reported).
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not set in the plan"
    )]
    fn instructions(&mut self, raw: &RawUpload, from: &str) -> Option<Option<(String, String)>> {
        let Some(i) = &raw.instructions else {
            return Some(None);
        };
        let short = self.expand_opt(i.short.as_ref());
        let full = self.expand_opt(i.full.as_ref());
        if let (Some(short), Some(full)) = (short, full) {
            return Some(Some((short.value, full.value)));
        }
        self.report(
            i.span.clone(),
            format!("{from}'s `instructions` need `short` and `full`"),
            "incomplete",
            Some(
                "write `instructions = { short = \"...\", full = \"...\" }` (HTML allowed)"
                    .to_owned(),
            ),
        );
        None
    }

    pub(super) fn upload_file(&mut self, file: &Str, raw: &RawUpload) -> Option<UploadContent> {
        let path = self.expand(file)?;
        let full = self.file.dir.join(&path.value);
        let expand = raw.expand_vars.as_ref().is_some_and(|b| b.value);
        let (body, sha256) = match read_upload(&full, expand) {
            Ok(read) => read,
            Err(e) => {
                let (label, help) = match e {
                    files::FileError::Missing => (
                        "no such file",
                        format!(
                            "paths in a plan are relative to the plan file's folder `{}`",
                            self.file.dir.display()
                        ),
                    ),
                    files::FileError::TooLarge { .. } => (
                        "too large",
                        format!(
                            "`expand_vars` applies to files of at most {} MiB",
                            files::STREAM_OVER >> 20
                        ),
                    ),
                    _ => (
                        "not a file gtplan can upload",
                        "point `file` at a regular file".to_owned(),
                    ),
                };
                self.report(
                    path.span.clone(),
                    format!("file `{}` {e}", full.display()),
                    label,
                    Some(help),
                );
                return None;
            }
        };
        let (body, sha256) = match body {
            UploadBody::Inline { bytes } if expand => {
                let expanded = self.expand_file_vars(bytes, &full, &path)?;
                let sha256 = sha256_hex(&expanded);
                (UploadBody::Inline { bytes: expanded }, sha256)
            }
            other => (other, sha256),
        };
        Some(UploadContent::File {
            shown: path.value,
            body,
            sha256,
        })
    }

    /// `expand_vars = true`: `${name}` in a text file replaced by the plan's variables.
    fn expand_file_vars(
        &mut self,
        body: Vec<u8>,
        full: &std::path::Path,
        path: &Located<String>,
    ) -> Option<Vec<u8>> {
        let Ok(text) = String::from_utf8(body) else {
            self.report(
                path.span.clone(),
                format!(
                    "file `{}` is not UTF-8 text, so `expand_vars` cannot apply",
                    full.display()
                ),
                "not text",
                Some("remove `expand_vars` for binary files".to_owned()),
            );
            return None;
        };
        match vars::expand(&text, |n| self.lookup(n)) {
            Ok(expanded) => Some(expanded.into_bytes()),
            Err(e) => {
                let source = SourceFile::new(full.display().to_string(), text);
                let (message, at) = match e {
                    vars::ExpandError::Unknown { name, at } => (
                        format!("unknown variable `{name}` in `{}`", full.display()),
                        at,
                    ),
                    vars::ExpandError::Unterminated { at } => {
                        (format!("unterminated `${{` in `{}`", full.display()), at)
                    }
                };
                let known = self.known_vars();
                self.problems.push(
                    Problem::at(&source, at, message, "here").help(format!(
                        "`expand_vars = true` replaces `${{name}}` with plan variables ({}); write `$${{` for a literal `${{`",
                        suggest::list(&known)
                    )),
                );
                None
            }
        }
    }

    pub(super) fn desired_upload(
        &mut self,
        templates: &Templates,
        upload: &UploadDraft,
        jobs: &[JobDraft],
    ) -> Option<DesiredUpload> {
        let address = Address::new(Kind::Upload, &upload.addr);
        let (body, sha256, origin, guessed) = match &upload.content {
            UploadContent::File {
                shown,
                body,
                sha256,
            } => (
                body.clone(),
                sha256.clone(),
                shown.clone(),
                content_type_for(shown).to_owned(),
            ),
            UploadContent::Labels {
                labels,
                span,
                instructions,
                attributes,
            } => {
                let users: Vec<&JobDraft> = jobs
                    .iter()
                    .filter(|j| j.label_config_addr.as_deref() == Some(upload.addr.as_str()))
                    .collect();
                let format = self.label_format(upload, &users)?;
                self.check_labels(labels, span, &users, format);
                self.check_instructions(span, &users, instructions.as_ref());
                let audit = self.check_attribute_format(
                    upload,
                    &users,
                    format,
                    attributes,
                    instructions.as_ref(),
                )?;
                let mut cx = self.base_context(&address);
                let names: Vec<&str> = labels.iter().map(|l| l.value.as_str()).collect();
                cx.insert("labels", &names);
                cx.insert(
                    "format",
                    if format == LabelConfigFormat::Attribute {
                        "attribute"
                    } else {
                        "simple"
                    },
                );
                cx.insert(
                    "task_type",
                    &users.first().map(|j| j.task.name).unwrap_or_default(),
                );
                cx.insert("label_entries", &attributes.label_entries(labels));
                cx.insert("global_attributes", &attributes.global);
                cx.insert("frame_attributes", &attributes.frame);
                cx.insert(
                    "annotation_type",
                    &attributes
                        .annotation_type
                        .as_ref()
                        .map(|a| a.value.as_str()),
                );
                cx.insert("audit_label_attribute", &audit);
                if let Some((short, full)) = instructions {
                    cx.insert(
                        "instructions",
                        &serde_json::json!({"short": short, "full": full}),
                    );
                }
                let doc = self.render(templates, TemplateKind::LabelConfig, &cx)?;
                let body = serde_json::to_vec_pretty(&doc).unwrap_or_default();
                (
                    UploadBody::Inline {
                        bytes: body.clone(),
                    },
                    sha256_hex(&body),
                    format!("generated from {} labels", labels.len()),
                    "application/json".to_owned(),
                )
            }
            UploadContent::WorkerUi {
                task,
                span,
                instructions,
            } => {
                let body = self.worker_ui(upload, task, span, instructions, jobs)?;
                (
                    UploadBody::Inline {
                        bytes: body.clone().into_bytes(),
                    },
                    sha256_hex(body.as_bytes()),
                    format!("gtplan's {} worker UI", task.name),
                    "text/html".to_owned(),
                )
            }
        };
        Some(DesiredUpload {
            bucket: upload.bucket.clone(),
            key: upload.key.clone(),
            origin,
            sha256,
            body,
            content_type: upload.content_type.clone().unwrap_or(guessed),
        })
    }

    /// The label-config format of the jobs that use a generated config; they must agree.
    pub(super) fn label_format(
        &mut self,
        upload: &UploadDraft,
        users: &[&JobDraft],
    ) -> Option<LabelConfigFormat> {
        let formats: BTreeSet<&str> = users
            .iter()
            .map(|j| match j.task.label_config {
                LabelConfigFormat::Attribute => "attribute",
                _ => "simple",
            })
            .collect();
        if formats.len() > 1 {
            let span = self.upload_key_span(&upload.addr);
            self.report(
                span,
                format!(
                    "upload `{}` is the label config of jobs whose task types need different formats",
                    upload.addr
                ),
                "one config, two formats",
                Some("3D point cloud and video frame tasks use the attribute format; give them their own label config upload".to_owned()),
            );
            return None;
        }
        Some(if formats.contains("attribute") {
            LabelConfigFormat::Attribute
        } else {
            LabelConfigFormat::Simple
        })
    }

    /// Labels: unique, non-empty, short enough, and as many as each job's task type allows.
    pub(super) fn check_labels(
        &mut self,
        labels: &[Located<String>],
        span: &Range<usize>,
        users: &[&JobDraft],
        format: LabelConfigFormat,
    ) {
        let max_len = if format == LabelConfigFormat::Attribute {
            16
        } else {
            256
        };
        let mut seen = BTreeSet::new();
        for label in labels {
            let len = label.value.chars().count();
            if len == 0 || len > max_len {
                self.report(
                    label.span.clone(),
                    format!("label `{}` is {len} characters long", label.value),
                    format!("1-{max_len} characters"),
                    Some(format!(
                        "labels of this task type are 1 to {max_len} characters"
                    )),
                );
            }
            if !seen.insert(label.value.as_str()) {
                self.report(
                    label.span.clone(),
                    format!("label `{}` is listed twice", label.value),
                    "duplicate",
                    Some("labels must be unique".to_owned()),
                );
            }
        }
        for job in users {
            self.check_label_count(job, labels.len(), span.clone());
        }
    }

    /// Named entity recognition requires worker instructions in its label config (fact sheet
    /// §3.1).
    pub(super) fn check_instructions(
        &mut self,
        span: &Range<usize>,
        users: &[&JobDraft],
        instructions: Option<&(String, String)>,
    ) {
        if instructions.is_some() {
            return;
        }
        if let Some(job) = users.iter().find(|j| j.task.needs_instructions) {
            self.report(
                span.clone(),
                format!(
                    "the label config of `jobs.{}` needs worker instructions",
                    job.addr
                ),
                "no `instructions`",
                Some("`NamedEntityRecognition` label configs carry the instructions: add `instructions = { short = \"...\", full = \"...\" }` to this upload".to_owned()),
            );
        }
    }

    /// A built-in worker UI filled in for the jobs that show it. They must be of its task type
    /// and agree on the header (their title) and the audited label attribute.
    fn worker_ui(
        &mut self,
        upload: &UploadDraft,
        task: &TaskType,
        span: &Range<usize>,
        instructions: &(String, String),
        jobs: &[JobDraft],
    ) -> Option<String> {
        let users: Vec<&JobDraft> = jobs
            .iter()
            .filter(|j| j.ui_template_addr.as_deref() == Some(upload.addr.as_str()))
            .collect();
        let template = crate::config::worker_ui::template(task.name)?;
        if let Some(job) = users.iter().find(|j| j.task.name != task.name) {
            self.report(
                span.clone(),
                format!(
                    "upload `{}` is the worker UI of `{}` jobs, but `jobs.{}` has task type `{}`",
                    upload.addr, task.name, job.addr, job.task.name
                ),
                "another task type",
                Some(format!(
                    "write `worker_ui = \"{}\"`, or give the job its own worker UI upload",
                    job.task.name
                )),
            );
            return None;
        }
        let titles: BTreeSet<&str> = users
            .iter()
            .map(|j| j.spec.human_task.task_title.as_str())
            .collect();
        let audits: BTreeSet<Option<&str>> = users
            .iter()
            .map(|j| j.audit_label_attribute.as_deref())
            .collect();
        if titles.len() > 1 || audits.len() > 1 {
            self.report(
                span.clone(),
                format!("upload `{}` is the worker UI of jobs with different titles or audited labels", upload.addr),
                "shared by different jobs",
                Some("the UI shows the job's title and reads its audited labels: give each job its own worker UI upload".to_owned()),
            );
            return None;
        }
        let audit = audits.into_iter().next().flatten();
        if crate::config::worker_ui::needs_audit_attribute(template) && audit.is_none() {
            self.report(
                span.clone(),
                format!("upload `{}` shows earlier labels, but no job says which", upload.addr),
                "no audited labels",
                Some(format!("use it as `ui_template` of a `{}` job with `input_job` or `audit_label_attribute`", task.name)),
            );
            return None;
        }
        Some(crate::config::worker_ui::fill(
            template,
            &crate::config::worker_ui::Fill {
                header: titles.into_iter().next().unwrap_or(task.description),
                short_instructions: &instructions.0,
                full_instructions: &instructions.1,
                audit_label_attribute: audit,
            },
        ))
    }

    /// The attribute-format keys only make sense for 3D point cloud and video frame jobs;
    /// there, their instructions are short enough and an audit names the label attribute it
    /// reviews. Returns that attribute (outer `None`: an error was reported).
    #[expect(
        clippy::option_option,
        reason = "outer `None`: invalid and reported; inner `None`: not an audit"
    )]
    fn check_attribute_format(
        &mut self,
        upload: &UploadDraft,
        users: &[&JobDraft],
        format: LabelConfigFormat,
        attributes: &AttributeConfig,
        instructions: Option<&(String, String)>,
    ) -> Option<Option<String>> {
        if format != LabelConfigFormat::Attribute {
            if let Some(span) = &attributes.first_key
                && !users.is_empty()
            {
                self.report(
                    span.clone(),
                    format!("upload `{}` uses attribute-format keys, but its jobs use the simple label config format", upload.addr),
                    "only for 3D point cloud and video frame jobs",
                    Some("attributes, `annotation_type` and `edits_allowed` exist only in 3D point cloud and video frame label configs: remove them".to_owned()),
                );
                return None;
            }
            return Some(None);
        }
        if let Some(t) = &attributes.annotation_type
            && let Some(job) = users
                .iter()
                .find(|j| j.task.data != crate::catalog::task_types::Data::VideoFrames)
        {
            self.report(
                t.span.clone(),
                format!(
                    "`annotation_type` applies to video frame jobs, but `jobs.{}` has task type `{}`",
                    job.addr, job.task.name
                ),
                "only for video frame jobs",
                Some("remove `annotation_type`".to_owned()),
            );
            return None;
        }
        if let Some((short, full)) = instructions {
            for (text, max, which) in [(short, 255, "short"), (full, 2048, "full")] {
                let len = text.chars().count();
                if len >= max {
                    let span = self.upload_key_span(&upload.addr);
                    self.report(
                        span,
                        format!("the {which} instructions of upload `{}` are {len} characters long", upload.addr),
                        format!("under {max} characters"),
                        Some(format!("3D point cloud and video frame label configs take {which} instructions of fewer than {max} characters")),
                    );
                    return None;
                }
            }
        }
        let audits: BTreeSet<&str> = users
            .iter()
            .filter(|j| j.task.audits.is_some())
            .filter_map(|j| j.audit_label_attribute.as_deref())
            .collect();
        if audits.len() > 1 {
            let span = self.upload_key_span(&upload.addr);
            self.report(
                span,
                format!("upload `{}` is the label config of audits of different label attributes", upload.addr),
                "one config, two audits",
                Some("`auditLabelAttributeName` names one label attribute: give each audit job its own label config".to_owned()),
            );
            return None;
        }
        Some(audits.into_iter().next().map(str::to_owned))
    }

    pub(super) fn check_label_count(
        &mut self,
        job: &JobDraft,
        count: usize,
        labels_span: Range<usize>,
    ) {
        let task: &TaskType = job.task;
        let auto_labeling = job.spec.automated_labeling.is_some();
        if task.takes_labels(count, auto_labeling) {
            return;
        }
        let span = job.label_config_span.clone().unwrap_or(job.span.clone());
        self.problems.push(
            Problem::at(
                self.src(),
                span,
                format!(
                    "`jobs.{}` (task type `{}`) has {count} {}",
                    job.addr,
                    task.name,
                    if count == 1 { "label" } else { "labels" }
                ),
                "this label config",
            )
            .label(
                labels_span,
                format!("{count} {}", if count == 1 { "label" } else { "labels" }),
            )
            .help(task.describe_label_limits(auto_labeling)),
        );
    }
}

/// An upload's body and SHA-256: read into memory up to `files::STREAM_OVER`, streamed later
/// above it (only read to hash it now). A file to expand variables in is always read.
fn read_upload(
    full: &std::path::Path,
    expand: bool,
) -> Result<(UploadBody, String), files::FileError> {
    let size = files::regular_file_size(full)?;
    if size > files::STREAM_OVER && !expand {
        let (sha256, size) = files::sha256_of(full)?;
        let path = std::path::absolute(full).map_err(files::FileError::Io)?;
        return Ok((UploadBody::File { path, size }, sha256));
    }
    let bytes = files::read_bytes(full, files::STREAM_OVER)?;
    let sha256 = sha256_hex(&bytes);
    Ok((UploadBody::Inline { bytes }, sha256))
}
