//! Uploads in a plan: local files read and hashed, label configs generated from label lists in
//! the format their jobs' task type needs, and the label checks that go with them.

use std::collections::BTreeSet;
use std::ops::Range;

use crate::catalog::{LabelConfigFormat, TaskType};
use crate::model::desired::DesiredUpload;
use crate::model::names::ObjectKey;
use crate::model::{Address, Kind};

use crate::config::error::{Problem, SourceFile};
use crate::config::jobs::JobDraft;
use crate::config::raw::{RawUpload, Str};
use crate::config::reader::Located;
use crate::config::suggest;
use crate::config::template::{TemplateKind, Templates};
use crate::config::upload::{content_type_for, sha256_hex};
use crate::config::vars;

use super::{BucketDraft, Resolver, UploadContent, UploadDraft};

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
        let content = match (&raw.file, &raw.labels) {
            (Some(file), Some(labels)) => {
                self.problems.push(
                    Problem::at(
                        self.src(),
                        labels.span.clone(),
                        format!("{from} sets both `file` and `labels`"),
                        "remove one",
                    )
                    .label(file.span.clone(), "")
                    .help("an upload is either a local `file` or a label config generated from `labels`"),
                );
                None
            }
            (None, None) => {
                self.report(
                    raw.span.clone(),
                    format!("{from} has neither `file` nor `labels`"),
                    "",
                    Some("add `file = \"path/to/file\"` (relative to the plan) or `labels = [\"cat\", \"dog\"]`".to_owned()),
                );
                None
            }
            (Some(file), None) => self.upload_file(file, raw),
            (None, Some(labels)) => {
                let labels_expanded: Vec<Located<String>> =
                    labels.value.iter().filter_map(|l| self.expand(l)).collect();
                let instructions = match &raw.instructions {
                    None => None,
                    Some(i) => {
                        let short = self.expand_opt(i.short.as_ref());
                        let full = self.expand_opt(i.full.as_ref());
                        if short.is_none() || full.is_none() {
                            self.report(
                                i.span.clone(),
                                format!("{from}'s `instructions` need `short` and `full`"),
                                "incomplete",
                                Some("write `instructions = { short = \"...\", full = \"...\" }` (HTML allowed)".to_owned()),
                            );
                        }
                        Some((
                            short.map(|s| s.value).unwrap_or_default(),
                            full.map(|s| s.value).unwrap_or_default(),
                        ))
                    }
                };
                if let Some(expand) = &raw.expand_vars {
                    self.report(
                        expand.span.clone(),
                        "`expand_vars` only applies to uploads with a `file`",
                        "remove this",
                        None,
                    );
                }
                Some(UploadContent::Labels {
                    labels: labels_expanded,
                    span: labels.span.clone(),
                    instructions,
                })
            }
        };
        if raw.instructions.is_some() && raw.labels.is_none() {
            let span = raw
                .instructions
                .as_ref()
                .map_or(raw.span.clone(), |i| i.span.clone());
            self.report(
                span,
                "`instructions` only apply to label configs generated from `labels`",
                "remove this",
                Some("put the instructions in your label config file instead".to_owned()),
            );
        }
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

    pub(super) fn upload_file(&mut self, file: &Str, raw: &RawUpload) -> Option<UploadContent> {
        let path = self.expand(file)?;
        let full = self.file.dir.join(&path.value);
        let body = match std::fs::read(&full) {
            Ok(body) => body,
            Err(e) => {
                let reason = if e.kind() == std::io::ErrorKind::NotFound {
                    "does not exist".to_owned()
                } else {
                    format!("cannot be read: {e}")
                };
                self.report(
                    path.span.clone(),
                    format!("file `{}` {reason}", full.display()),
                    "no such file",
                    Some(format!(
                        "paths in a plan are relative to the plan file's folder `{}`",
                        self.file.dir.display()
                    )),
                );
                return None;
            }
        };
        let body = if raw.expand_vars.as_ref().is_some_and(|b| b.value) {
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
                Ok(expanded) => expanded.into_bytes(),
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
                    return None;
                }
            }
        } else {
            body
        };
        Some(UploadContent::File {
            shown: path.value,
            body,
        })
    }

    pub(super) fn desired_upload(
        &mut self,
        templates: &Templates,
        upload: &UploadDraft,
        jobs: &[JobDraft],
    ) -> Option<DesiredUpload> {
        let address = Address::new(Kind::Upload, &upload.addr);
        let (body, origin, guessed) = match &upload.content {
            UploadContent::File { shown, body, .. } => (
                body.clone(),
                shown.clone(),
                content_type_for(shown).to_owned(),
            ),
            UploadContent::Labels {
                labels,
                span,
                instructions,
            } => {
                let users: Vec<&JobDraft> = jobs
                    .iter()
                    .filter(|j| j.label_config_addr.as_deref() == Some(upload.addr.as_str()))
                    .collect();
                let format = self.label_format(upload, &users)?;
                self.check_labels(labels, span, &users, format);
                self.check_instructions(span, &users, instructions.as_ref());
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
                if let Some((short, full)) = instructions {
                    cx.insert(
                        "instructions",
                        &serde_json::json!({"short": short, "full": full}),
                    );
                }
                let doc = self.render(templates, TemplateKind::LabelConfig, &cx)?;
                let body = serde_json::to_vec_pretty(&doc).unwrap_or_default();
                (
                    body,
                    format!("generated from {} labels", labels.len()),
                    "application/json".to_owned(),
                )
            }
        };
        Some(DesiredUpload {
            bucket: upload.bucket.clone(),
            key: upload.key.clone(),
            origin,
            sha256: sha256_hex(&body),
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

    /// What a generated label config cannot provide: named entity recognition requires
    /// worker instructions in it (fact sheet §3.1), and audits of 3D point cloud and video
    /// frame labels name the audited job's label attribute.
    pub(super) fn check_instructions(
        &mut self,
        span: &Range<usize>,
        users: &[&JobDraft],
        instructions: Option<&(String, String)>,
    ) {
        if let Some(job) = users.iter().find(|j| {
            j.task.audits.is_some() && j.task.label_config == LabelConfigFormat::Attribute
        }) {
            self.report(
                span.clone(),
                format!(
                    "`jobs.{}` (task type `{}`) needs a label config with `auditLabelAttributeName`",
                    job.addr, job.task.name
                ),
                "generated from a list",
                Some("write the label config as a JSON file (attribute format, with `auditLabelAttributeName`) and upload it with `file = \"...\"`".to_owned()),
            );
        }
        if instructions.is_some() {
            return;
        }
        if let Some(job) = users
            .iter()
            .find(|j| j.task.name == "NamedEntityRecognition")
        {
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

    pub(super) fn check_label_count(
        &mut self,
        job: &JobDraft,
        count: usize,
        labels_span: Range<usize>,
    ) {
        let task: &TaskType = job.task;
        let too_few = count < task.min_labels;
        let too_many = task.max_labels.is_some_and(|max| count > max);
        if !too_few && !too_many {
            return;
        }
        let limits = match task.max_labels {
            Some(max) if max == task.min_labels => format!("exactly {max}"),
            Some(max) => format!("{} to {max}", task.min_labels),
            None => format!("at least {}", task.min_labels),
        };
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
            .help(format!("`{}` jobs take {limits} labels", task.name)),
        );
    }
}
