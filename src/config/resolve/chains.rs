//! Chaining (fact sheet §6.2, §6.3): a job whose `input_job` names another job of the plan reads
//! that job's output manifest. Once every job is drafted, this pass wires the manifest path, the
//! read permissions and the dependency, and checks what an audit needs: the audited task type,
//! a new label attribute and the audited labels in its label config.

use std::collections::BTreeSet;

use crate::model::{Address, Kind};

use super::Resolver;
use super::drafts::JobDraft;
use super::drafts::{UploadContent, Uploads};

/// The key Ground Truth writes a job's output manifest to under its output prefix (fact sheet
/// §3.3).
pub(super) fn output_manifest_key(prefix: &str, job_name: &str) -> String {
    format!("{prefix}{job_name}/manifests/output/output.manifest")
}

impl Resolver<'_> {
    /// Links every `input_job` to its upstream job, upstream jobs first so that a chain of
    /// three inherits the first job's read permissions.
    pub(super) fn link_chains(&mut self, jobs: &mut [JobDraft], uploads: &Uploads<'_>) {
        let names: Vec<String> = self
            .file
            .raw
            .jobs
            .iter()
            .map(|(a, _)| a.value.clone())
            .collect();
        let mut order: Vec<(usize, usize)> = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            let Some(input) = job.input_job.clone() else {
                continue;
            };
            let from = format!("`jobs.{}`", job.addr);
            if self.refer(&input, Kind::Job, &names, &from).is_none() {
                continue;
            }
            match chain_depth(jobs, i) {
                Some(depth) => order.push((depth, i)),
                None => self.report(
                    input.span.clone(),
                    format!("{from} takes its input from itself through `input_job`"),
                    "a cycle",
                    Some("`input_job` chains must start at a job that reads a manifest".to_owned()),
                ),
            }
        }
        order.sort_unstable();
        for (_, i) in order {
            let Some(input) = jobs[i].input_job.clone() else {
                continue;
            };
            // An upstream job that failed to resolve was reported already.
            let Some(up) = jobs.iter().position(|j| j.addr == input.value) else {
                continue;
            };
            let upstream = UpstreamDraft {
                addr: jobs[up].addr.clone(),
                task: jobs[up].task,
                name: jobs[up].spec.name.as_str().to_owned(),
                label_attribute: jobs[up].spec.label_attribute_name.as_str().to_owned(),
                output: jobs[up].output.clone(),
                read_prefixes: jobs[up].read_prefixes.clone(),
                sample_reads: jobs[up].sample_reads.clone(),
                labels: generated_labels(jobs[up].label_config_addr.as_deref(), uploads),
                objects: jobs[up].objects,
            };
            self.check_audit(&jobs[i], &upstream, &input.span, uploads);
            link(&mut jobs[i], upstream);
        }
    }

    fn check_audit(
        &mut self,
        job: &JobDraft,
        up: &UpstreamDraft,
        span: &std::ops::Range<usize>,
        uploads: &Uploads<'_>,
    ) {
        let from = format!("`jobs.{}`", job.addr);
        let Some(audited) = job.task.audits else {
            if !job.task.data.reads(up.task.data) {
                self.report(
                    span.clone(),
                    format!(
                        "{from} (task type `{}`) cannot label the objects of `jobs.{}` (task type `{}`)",
                        job.task.name, up.addr, up.task.name
                    ),
                    "other kind of objects",
                    Some(format!(
                        "a chained job labels the objects its input job labeled: `{}` jobs read {}, `{}` jobs label {}",
                        job.task.name,
                        job.task.data.describe(),
                        up.task.name,
                        up.task.data.describe()
                    )),
                );
            }
            return;
        };
        // A verification job writes verdicts, not labels: what can be audited is the original
        // job's output or an adjustment of it, whose output mirrors the original (§6.3).
        let verdicts = up.task.output_type == Some("groundtruth/label-verification");
        if up.task.name != audited && (up.task.audits != Some(audited) || verdicts) {
            self.report(
                span.clone(),
                format!(
                    "{from} (task type `{}`) cannot audit `jobs.{}` (task type `{}`)",
                    job.task.name, up.addr, up.task.name
                ),
                format!("not a `{audited}` job"),
                Some(format!(
                    "`{}` jobs review the labels of `{audited}` jobs or of an adjustment of them (a verification job's output holds verdicts, not labels)",
                    job.task.name
                )),
            );
            return;
        }
        // The audited labels must all be in the new label config (adjustment may add more).
        let mine = generated_labels(job.label_config_addr.as_deref(), uploads);
        if let (Some(theirs), Some(mine)) = (&up.labels, &mine) {
            let missing: Vec<&str> = theirs
                .iter()
                .filter(|l| !mine.contains(*l))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                let span = job.label_config_span.clone().unwrap_or(job.span.clone());
                self.report(
                    span,
                    format!(
                        "the label config of {from} lacks labels of `jobs.{}`: {}",
                        up.addr,
                        missing
                            .iter()
                            .map(|l| format!("`{l}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "missing audited labels",
                    Some("a verification or adjustment job shows workers the audited job's labels: list all of them (an adjustment may add new ones)".to_owned()),
                );
            }
        }
    }

    /// A verification or adjustment job must write its labels under a new label attribute
    /// (fact sheet §1.4, §6.3), whether the audited one comes from `input_job` or the plan.
    pub(super) fn check_audit_attributes(&mut self, jobs: &[JobDraft], uploads: &Uploads<'_>) {
        for job in jobs {
            let Some(audited) = &job.audit_label_attribute else {
                continue;
            };
            self.check_audit_in_label_file(job, audited, uploads);
            if job.spec.label_attribute_name.as_str() != audited {
                continue;
            }
            let span = self.job_label_attribute_span(&job.addr);
            self.report(
                span,
                format!(
                    "`jobs.{}` writes its labels under `{audited}`, the label attribute it audits",
                    job.addr
                ),
                "same as the audited labels'",
                Some(format!(
                    "a verification or adjustment job needs a new label attribute, e.g. `{}-checked`",
                    audited.trim_end_matches("-ref")
                )),
            );
        }
    }

    /// A 3D point cloud or video frame audit whose label config is the user's own file: its
    /// `auditLabelAttributeName` must name the audited labels (gtplan writes it into generated
    /// configs itself).
    fn check_audit_in_label_file(&mut self, job: &JobDraft, audited: &str, uploads: &Uploads<'_>) {
        if job.task.label_config != crate::catalog::LabelConfigFormat::Attribute {
            return;
        }
        let Some(UploadContent::File { body, shown, .. }) = job
            .label_config_addr
            .as_deref()
            .and_then(|addr| uploads.get(addr))
            .map(|u| &u.content)
        else {
            return;
        };
        let Some(Ok(doc)) = body
            .bytes()
            .map(serde_json::from_slice::<serde_json::Value>)
        else {
            return; // reported by the label file check
        };
        let named = doc.get("auditLabelAttributeName").and_then(|v| v.as_str());
        if named == Some(audited) {
            return;
        }
        let span = job.label_config_span.clone().unwrap_or(job.span.clone());
        self.report(
            span,
            format!(
                "label config `{shown}` of `jobs.{}` {}, but the job audits `{audited}`",
                job.addr,
                named.map_or_else(
                    || "has no `auditLabelAttributeName`".to_owned(),
                    |n| format!("names `{n}` in `auditLabelAttributeName`")
                )
            ),
            "another audited label attribute",
            Some(format!(
                "write `\"auditLabelAttributeName\": \"{audited}\"` into the file, or generate the config with `labels = [...]`"
            )),
        );
    }
}

/// What a chained job takes from the job it reads.
struct UpstreamDraft {
    addr: String,
    task: &'static crate::catalog::TaskType,
    name: String,
    label_attribute: String,
    output: (String, String),
    read_prefixes: BTreeSet<(String, String)>,
    sample_reads: BTreeSet<(String, String)>,
    labels: Option<Vec<String>>,
    objects: Option<u64>,
}

fn link(job: &mut JobDraft, up: UpstreamDraft) {
    let address = Address::new(Kind::Job, &up.addr);
    let (bucket, prefix) = &up.output;
    let manifest_key = output_manifest_key(prefix, &up.name);
    job.spec.input.manifest_uri = Some(format!("s3://{bucket}/{manifest_key}"));
    job.depends_on.insert(address.clone());
    // The output manifest, the label files it points to (masks, sequences) and the objects
    // the upstream job labeled.
    job.read_prefixes
        .insert((bucket.clone(), format!("{prefix}{}/", up.name)));
    job.reads.insert((bucket.clone(), manifest_key));
    job.read_prefixes.extend(up.read_prefixes);
    job.sample_reads.extend(up.sample_reads);
    job.manifest_bucket = Some(bucket.clone());
    if job.task.audits.is_some() && job.audit_label_attribute.is_none() {
        job.audit_label_attribute = Some(up.label_attribute);
    }
    // At most what the upstream job labels: the output manifest has its input's lines.
    job.objects = up.objects;
    job.waits_for = Some((address, up.name));
}

/// The label list of a label config generated from `labels`, if the job uses one.
fn generated_labels(addr: Option<&str>, uploads: &Uploads<'_>) -> Option<Vec<String>> {
    let upload = uploads.get(addr?)?;
    match &upload.content {
        UploadContent::Labels { labels, .. } => {
            Some(labels.iter().map(|l| l.value.clone()).collect())
        }
        _ => None,
    }
}

/// How many `input_job` links lead from job `i` to a job that reads a manifest; `None` on a
/// cycle.
fn chain_depth(jobs: &[JobDraft], i: usize) -> Option<usize> {
    let mut seen = BTreeSet::new();
    let mut at = i;
    let mut depth = 0;
    while let Some(next) = &jobs[at].input_job {
        if !seen.insert(at) {
            return None;
        }
        match jobs.iter().position(|j| j.addr == next.value) {
            Some(n) => at = n,
            None => return Some(depth),
        }
        depth += 1;
    }
    Some(depth)
}
