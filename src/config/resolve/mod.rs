//! From a checked plan file to the `DesiredState`: variables expanded, names validated,
//! references between resources followed, upload bodies read and hashed, jobs filled in from the
//! catalog, and the derived parts computed (role session length, least-privilege role policy,
//! CORS, label configs), then the tera templates rendered. Problems are collected so that one
//! run reports all of them. Makes no AWS call.
//!
//! [`resolve`] runs the steps in order, each turning raw tables into [`drafts`]: [`buckets`],
//! roles, [`uploads`], [`jobs`], then [`chains`] links jobs that read each other's output, and
//! `assemble` renders the documents and runs the [`access`] check. Steps share the
//! [`Resolver`]'s helpers and the drafts; they never call back into `resolve`.

mod access;
mod buckets;
mod chains;
mod drafts;
mod jobs;
mod label_attributes;
mod uploads;
mod workforce;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::sync::Arc;

use crate::model::desired::{
    DesiredBucket, DesiredJob, DesiredRole, DesiredState, Encryption, Upstream,
};
use crate::model::names::{NameError, RoleName};
use crate::model::{Address, Kind, TAG_ADDRESS, TAG_PLAN, Tags};

use self::drafts::{BucketDraft, CorsMode, JobDraft, RoleDraft, UploadDraft, Uploads};
use super::checks::{self, Check};
use super::error::{ConfigError, Problem, Problems, SourceFile};
use super::raw::{RawRole, Str, StrMap};
use super::reader::{self, Located};
use super::suggest;
use super::template::{TemplateKind, Templates};
use super::{PlanFile, vars};

/// IAM's bounds on a role's `MaxSessionDuration` (fact sheet §4.1).
pub const MIN_SESSION: u32 = 3_600;
pub const MAX_SESSION: u32 = 43_200;
/// Tags per resource (IAM, S3 and SageMaker all allow 50); gtplan uses two.
const MAX_USER_TAGS: usize = 48;

/// Resolution in progress: the plan, the account, and the problems found so far.
pub struct Resolver<'p> {
    pub file: &'p PlanFile,
    pub account: &'p str,
    pub problems: Problems,
    /// The worker templates (file, text) already checked as Liquid: many jobs share one.
    pub liquid_checked: BTreeSet<(String, String)>,
}

pub fn resolve(file: &PlanFile, account: &str) -> Result<DesiredState, ConfigError> {
    let mut r = Resolver {
        file,
        account,
        problems: Problems::default(),
        liquid_checked: BTreeSet::new(),
    };
    let templates = r.templates();
    let buckets: Vec<BucketDraft> = file
        .raw
        .buckets
        .iter()
        .filter_map(|(addr, raw)| r.bucket(addr, raw))
        .collect();
    let roles: Vec<RoleDraft> = file
        .raw
        .roles
        .iter()
        .filter_map(|(addr, raw)| r.role(addr, raw))
        .collect();
    let bucket_addrs: Vec<String> = file
        .raw
        .buckets
        .iter()
        .map(|(a, _)| a.value.clone())
        .collect();
    let uploads: Vec<UploadDraft> = file
        .raw
        .uploads
        .iter()
        .filter_map(|(addr, raw)| r.upload(addr, raw, &buckets, &bucket_addrs))
        .collect();
    let by_name = Uploads::new(&uploads);
    let mut jobs: Vec<JobDraft> = file
        .raw
        .jobs
        .iter()
        .filter_map(|(addr, raw)| r.job(addr, raw, &buckets, &roles, &by_name))
        .collect();
    let workforce = r.workforce_section();
    let teams = r.teams(
        workforce
            .as_ref()
            .ok()
            .and_then(Option::as_ref)
            .map(|(_, w)| w),
    );
    r.link_chains(&mut jobs, &by_name);
    r.check_audit_attributes(&jobs, &by_name);
    r.duplicates(&buckets, &roles, &uploads, &jobs);
    let Some(templates) = templates else {
        return Err(r.problems.into_error());
    };
    if !r.problems.is_empty() {
        return Err(r.problems.into_error());
    }
    let state = r
        .assemble(&templates, buckets, &roles, &uploads, jobs)
        .map(|mut state| {
            state.workforce = workforce.ok().flatten();
            state.teams = teams;
            state
        });
    r.problems.into_result(()).and(
        state.ok_or_else(|| ConfigError::single(Problem::plain("the plan could not be resolved"))),
    )
}

impl Resolver<'_> {
    pub fn src(&self) -> &SourceFile {
        &self.file.source
    }

    pub fn report(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let mut p = Problem::at(self.src(), span, message, label);
        p.help = help;
        self.problems.push(p);
    }

    pub fn check<T>(&mut self, span: &Range<usize>, result: Result<T, Check>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(c) => {
                self.report(span.clone(), c.message, c.label, c.help);
                None
            }
        }
    }

    pub fn name<T>(&mut self, value: &Located<String>, result: Result<T, NameError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(value.span.clone(), e.problem, "invalid", Some(e.hint));
                None
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "account_id" => Some(self.account.to_owned()),
            "region" => Some(self.file.region.as_str().to_owned()),
            "plan" => Some(self.file.name.as_str().to_owned()),
            _ => {
                let value = self.file.vars.get(name)?;
                // `load` checked that a value only uses the built-ins.
                vars::expand(value, |n| match n {
                    "account_id" | "region" | "plan" => self.lookup(n),
                    _ => None,
                })
                .ok()
            }
        }
    }

    fn known_vars(&self) -> Vec<String> {
        self.file
            .vars
            .keys()
            .cloned()
            .chain(vars::BUILT_IN.iter().map(|s| (*s).to_owned()))
            .collect()
    }

    /// Expands `${...}` in a string value.
    pub fn expand(&mut self, value: &Str) -> Option<Located<String>> {
        let result = vars::expand(&value.value, |n| self.lookup(n));
        match result {
            Ok(s) => Some(Located::new(s, value.span.clone())),
            Err(vars::ExpandError::Unterminated { at }) => {
                let span = reader::sub_span(self.src(), value, &at);
                self.report(
                    span,
                    "unterminated `${` in a string",
                    "no closing `}`",
                    Some(
                        "close the variable with `}`, or write `$${` for a literal `${`".to_owned(),
                    ),
                );
                None
            }
            Err(vars::ExpandError::Unknown { name, at }) => {
                let span = reader::sub_span(self.src(), value, &at);
                let known = self.known_vars();
                let help = match suggest::did_you_mean(&name, &known) {
                    Some(close) => format!("did you mean `${{{close}}}`?"),
                    None => format!(
                        "declare it in `[vars]`; known variables: {}",
                        suggest::list(&known)
                    ),
                };
                self.report(
                    span,
                    format!("unknown variable `{name}`"),
                    "not declared in `[vars]`",
                    Some(help),
                );
                None
            }
        }
    }

    pub fn expand_opt(&mut self, value: Option<&Str>) -> Option<Located<String>> {
        value.and_then(|v| self.expand(v))
    }

    /// User tags, checked and expanded.
    pub fn tags(&mut self, raw: Option<&StrMap>) -> Tags {
        let mut tags = Tags::new();
        let Some(raw) = raw else {
            return tags;
        };
        if raw.value.len() > MAX_USER_TAGS {
            self.report(
                raw.span.clone(),
                format!("{} tags is too many", raw.value.len()),
                "too many tags",
                Some(format!(
                    "AWS allows 50 tags per resource and gtplan uses 2: keep at most {MAX_USER_TAGS}"
                )),
            );
        }
        for (key, value) in &raw.value {
            let Some(value) = self.expand(value) else {
                continue;
            };
            if self
                .check(&key.span, checks::tag(&key.value, &value.value))
                .is_some()
            {
                tags.insert(key.value.clone(), value.value);
            }
        }
        tags
    }

    fn templates(&mut self) -> Option<Arc<Templates>> {
        let raw = &self.file.raw.templates;
        let mut overrides = Vec::new();
        for (kind, value) in [
            (TemplateKind::BucketPolicy, &raw.bucket_policy),
            (TemplateKind::RoleTrustPolicy, &raw.role_trust_policy),
            (TemplateKind::RolePolicy, &raw.role_policy),
            (TemplateKind::LabelConfig, &raw.label_config),
        ] {
            if let Some(path) = self.expand_opt(value.as_ref()) {
                overrides.push((kind, path));
            }
        }
        let loaded_for = overrides
            .iter()
            .map(|(kind, path)| (*kind, path.value.clone()))
            .collect();
        let loaded = self.file.parsed.templates(loaded_for, || {
            Templates::load(self.src(), &self.file.dir, &overrides)
        });
        match loaded {
            Ok(t) => Some(t),
            Err(problems) => {
                for p in problems {
                    self.problems.push(p);
                }
                None
            }
        }
    }

    fn role(&mut self, addr: &Str, raw: &RawRole) -> Option<RoleDraft> {
        let name = self
            .expand(&raw.name)
            .and_then(|n| self.name(&n, RoleName::parse(&n.value)));
        let description = self.expand_opt(raw.description.as_ref());
        if let Some(d) = &description
            && d.value.chars().count() > 1000
        {
            self.report(
                d.span.clone(),
                "the role description is longer than 1000 characters",
                "too long",
                Some("IAM accepts descriptions of up to 1000 characters".to_owned()),
            );
        }
        let tags = self.tags(raw.tags.as_ref());
        Some(RoleDraft {
            addr: addr.value.clone(),
            span: raw.span.clone(),
            name: name?,
            description: description.map(|d| d.value),
            tags,
            adopt: raw.adopt.as_ref().is_some_and(|b| b.value),
        })
    }

    /// Follows a reference to another resource by its address name, with a hint listing the
    /// known ones.
    pub fn refer<'a>(
        &mut self,
        value: &Located<String>,
        kind: Kind,
        known: &'a [String],
        from: &str,
    ) -> Option<&'a String> {
        if let Some(found) = known.iter().find(|k| **k == value.value) {
            return Some(found);
        }
        let plural = format!("{}s", kind.as_str());
        let help = match suggest::did_you_mean(&value.value, known) {
            Some(close) => format!(
                "did you mean `{close}`? the plan's {plural}: {}",
                suggest::list(known)
            ),
            None => format!(
                "the plan's {plural}: {} (refer to a `[{plural}.NAME]` by its NAME)",
                suggest::list(known)
            ),
        };
        self.report(
            value.span.clone(),
            format!(
                "{from} refers to unknown {} `{}`",
                kind.as_str(),
                value.value
            ),
            format!("no `[{plural}.{}]`", value.value),
            Some(help),
        );
        None
    }

    fn duplicates(
        &mut self,
        buckets: &[BucketDraft],
        roles: &[RoleDraft],
        uploads: &[UploadDraft],
        jobs: &[JobDraft],
    ) {
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for b in buckets {
            if let Some(first) = seen.insert(b.name.to_string(), &b.addr) {
                let span = self.bucket_name_span(&b.addr);
                self.report(
                    span,
                    format!(
                        "buckets `{first}` and `{}` have the same name `{}`",
                        b.addr, b.name
                    ),
                    "duplicate name",
                    Some("each bucket needs its own name".to_owned()),
                );
            }
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for r in roles {
            // IAM role names are case-insensitive.
            if let Some(first) = seen.insert(r.name.as_str().to_lowercase(), &r.addr) {
                self.report(
                    r.span.clone(),
                    format!(
                        "roles `{first}` and `{}` have the same name `{}`",
                        r.addr, r.name
                    ),
                    "duplicate name",
                    Some("IAM role names are unique per account, ignoring case".to_owned()),
                );
            }
        }
        let mut seen: BTreeMap<(String, String), &str> = BTreeMap::new();
        for u in uploads {
            if let Some(first) = seen.insert((u.bucket.to_string(), u.key.to_string()), &u.addr) {
                let span = self.upload_key_span(&u.addr);
                self.report(
                    span,
                    format!(
                        "uploads `{first}` and `{}` both write `s3://{}/{}`",
                        u.addr, u.bucket, u.key
                    ),
                    "same object",
                    Some("give each upload its own key".to_owned()),
                );
            }
        }
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for j in jobs {
            if let Some(first) = seen.insert(j.spec.name.as_str().to_lowercase(), &j.addr) {
                self.report(
                    j.name_span.clone(),
                    format!(
                        "jobs `{first}` and `{}` have the same name `{}`",
                        j.addr, j.spec.name
                    ),
                    "duplicate name",
                    Some(
                        "labeling job names are unique per account and region, ignoring case"
                            .to_owned(),
                    ),
                );
            }
        }
    }

    fn bucket_name_span(&self, addr: &str) -> Range<usize> {
        self.file
            .raw
            .buckets
            .iter()
            .find(|(a, _)| a.value == addr)
            .map(|(_, b)| b.name.span.clone())
            .unwrap_or_default()
    }

    fn upload_key_span(&self, addr: &str) -> Range<usize> {
        self.file
            .raw
            .uploads
            .iter()
            .find(|(a, _)| a.value == addr)
            .map(|(_, u)| u.key.span.clone())
            .unwrap_or_default()
    }

    /// The span of `NAME` in `[jobs.NAME]`.
    fn job_addr_span(&self, addr: &str) -> Range<usize> {
        self.raw_job(addr)
            .map(|(a, _)| a.span.clone())
            .unwrap_or_default()
    }

    fn job_label_attribute_span(&self, addr: &str) -> Range<usize> {
        self.raw_job(addr)
            .map(|(_, j)| j.label_attribute.span.clone())
            .unwrap_or_default()
    }

    fn raw_job(&self, addr: &str) -> Option<&(Str, super::raw::RawJob)> {
        self.file.raw.jobs.iter().find(|(a, _)| a.value == addr)
    }

    fn ownership_tags(&self, user: &Tags, address: &Address) -> Tags {
        let mut tags = user.clone();
        tags.insert(TAG_PLAN.to_owned(), self.file.name.as_str().to_owned());
        tags.insert(TAG_ADDRESS.to_owned(), address.to_string());
        tags
    }

    fn base_context(&self, address: &Address) -> tera::Context {
        let mut cx = tera::Context::new();
        cx.insert("account_id", self.account);
        cx.insert("region", self.file.region.as_str());
        cx.insert("plan", self.file.name.as_str());
        cx.insert("address", &address.to_string());
        cx
    }

    pub fn role_arn(&self, role: &RoleName) -> String {
        format!(
            "arn:aws:iam::{}:role/gtplan/{}/{}",
            self.account, self.file.name, role
        )
    }

    fn render(
        &mut self,
        templates: &Templates,
        kind: TemplateKind,
        cx: &tera::Context,
    ) -> Option<serde_json::Value> {
        match templates.render(kind, cx) {
            Ok(v) => Some(v),
            Err(p) => {
                self.problems.push(p);
                None
            }
        }
    }

    /// The derived parts and the rendered documents.
    fn assemble(
        &mut self,
        templates: &Templates,
        buckets: Vec<BucketDraft>,
        roles: &[RoleDraft],
        uploads: &[UploadDraft],
        jobs: Vec<JobDraft>,
    ) -> Option<DesiredState> {
        let mut state = DesiredState {
            plan: self.file.name.clone(),
            region: self.file.region.clone(),
            account_id: self.account.to_owned(),
            buckets: BTreeMap::new(),
            roles: BTreeMap::new(),
            uploads: BTreeMap::new(),
            jobs: BTreeMap::new(),
            external_buckets: BTreeMap::new(),
            workforce: None,
            teams: BTreeMap::new(),
        };
        let cors = Self::derived_cors(&buckets, &jobs);
        for b in buckets {
            let address = Address::new(Kind::Bucket, &b.addr);
            let mut cx = self.base_context(&address);
            cx.insert("bucket", b.name.as_str());
            cx.insert("bucket_arn", &format!("arn:aws:s3:::{}", b.name));
            cx.insert("objects_arn", &format!("arn:aws:s3:::{}/*", b.name));
            let policy = self.render(templates, TemplateKind::BucketPolicy, &cx);
            let cors = match b.cors {
                CorsMode::Off => Vec::new(),
                CorsMode::Rules(explicit) => explicit,
                CorsMode::Auto => cors.get(&b.addr).cloned().unwrap_or_default(),
            };
            let tags = self.ownership_tags(&b.tags, &address);
            if let Some(policy) = policy {
                state.buckets.insert(
                    address,
                    DesiredBucket {
                        name: b.name,
                        policy,
                        cors,
                        encryption: b.encryption,
                        public_access_block: b.public_access_block,
                        tags,
                        force_destroy: b.force_destroy,
                        adopt: b.adopt,
                    },
                );
            }
        }
        for role in roles {
            let address = Address::new(Kind::Role, &role.addr);
            let session = self.session_duration(role, &jobs);
            let mut cx = self.base_context(&address);
            cx.insert("role", role.name.as_str());
            let trust = self.render(templates, TemplateKind::RoleTrustPolicy, &cx);
            self.policy_context(&mut cx, role, &jobs, &state);
            let policy = self.render(templates, TemplateKind::RolePolicy, &cx);
            let (Some(trust), Some(policy), Some(session)) = (trust, policy, session) else {
                continue;
            };
            state.roles.insert(
                address.clone(),
                DesiredRole {
                    name: role.name.clone(),
                    path: format!("/gtplan/{}/", self.file.name),
                    trust_policy: trust,
                    inline_policies: BTreeMap::from([(
                        format!("gtplan-{}", self.file.name),
                        policy,
                    )]),
                    max_session_duration: session,
                    description: role.description.clone(),
                    tags: self.ownership_tags(&role.tags, &address),
                    adopt: role.adopt,
                },
            );
        }
        for upload in uploads {
            if let Some(desired) = self.desired_upload(templates, upload, &jobs) {
                state
                    .uploads
                    .insert(Address::new(Kind::Upload, &upload.addr), desired);
            }
        }
        state.external_buckets = Self::external_buckets(&state, &jobs);
        let jobs_for_access: Vec<access::JobAccess> =
            jobs.iter().map(access::JobAccess::of).collect();
        for job in jobs {
            let address = Address::new(Kind::Job, &job.addr);
            let mut spec = job.spec;
            spec.tags = self.ownership_tags(&spec.tags, &address);
            state.jobs.insert(
                address,
                DesiredJob {
                    spec,
                    depends_on: job.depends_on.into_iter().collect(),
                    input_objects: job.objects,
                    waits_for: job
                        .waits_for
                        .map(|(address, name)| Upstream { address, name }),
                },
            );
        }
        if self.problems.is_empty() {
            self.check_access(&state, &jobs_for_access);
        }
        self.problems.is_empty().then_some(state)
    }

    /// max(3600, the longest task time limit of the role's jobs); above IAM's 12 h cap the job
    /// cannot run, which is reported on the job's `task_time_limit`.
    /// CONFLICT (§4.1, §7.2): the rule that the session must cover the task time limit is only
    /// in pre-2021 docs and one notebook, and may no longer be enforced. Following it costs
    /// nothing (a longer allowed session) and keeps jobs working if it is.
    fn session_duration(&mut self, role: &RoleDraft, jobs: &[JobDraft]) -> Option<u32> {
        let mut longest = MIN_SESSION;
        let mut ok = true;
        for job in jobs.iter().filter(|j| j.role_addr == role.addr) {
            let limit = job.spec.human_task.task_time_limit_seconds;
            if limit > MAX_SESSION {
                ok = false;
                self.report(
                    job.time_limit_span.clone(),
                    format!(
                        "task time limit `{}` of `jobs.{}` is longer than role `{}` can last",
                        super::format_seconds(u64::from(limit)),
                        job.addr,
                        role.addr
                    ),
                    "longer than 12h",
                    Some("SageMaker requires the execution role's session to cover the task time limit, and IAM caps a role's MaxSessionDuration at 12 h (43200 s): use `task_time_limit = \"12h\"` or less".to_owned()),
                );
            }
            longest = longest.max(limit);
        }
        ok.then_some(longest.min(MAX_SESSION))
    }

    /// The lists the role policy template grants on.
    fn policy_context(
        &self,
        cx: &mut tera::Context,
        role: &RoleDraft,
        jobs: &[JobDraft],
        state: &DesiredState,
    ) {
        let plan_buckets: BTreeSet<String> =
            state.buckets.values().map(|b| b.name.to_string()).collect();
        let mut read = BTreeSet::new();
        let mut list = BTreeSet::new();
        let mut write = BTreeSet::new();
        let mut kms = BTreeSet::new();
        let mut invoke = BTreeSet::new();
        let mut topics = BTreeSet::new();
        let mut queues = BTreeSet::new();
        let mut pass_role = false;
        let note_bucket = |bucket: &str, list: &mut BTreeSet<String>| {
            if plan_buckets.contains(bucket) {
                list.insert(format!("arn:aws:s3:::{bucket}"));
            }
        };
        for job in jobs.iter().filter(|j| j.role_addr == role.addr) {
            for (bucket, key) in &job.reads {
                read.insert(format!("arn:aws:s3:::{bucket}/{key}"));
                note_bucket(bucket, &mut list);
            }
            for (bucket, prefix) in &job.read_prefixes {
                if prefix.ends_with('/') {
                    read.insert(format!("arn:aws:s3:::{bucket}/{prefix}*"));
                } else {
                    read.insert(format!("arn:aws:s3:::{bucket}/{prefix}"));
                }
                note_bucket(bucket, &mut list);
            }
            let (bucket, prefix) = &job.output;
            write.insert(format!("arn:aws:s3:::{bucket}/{prefix}*"));
            note_bucket(bucket, &mut list);
            for key in &job.kms_keys {
                kms.insert(self.kms_key_arn(key));
            }
            for f in &job.custom_lambdas {
                invoke.insert(f.clone());
            }
            pass_role |= job.spec.automated_labeling.is_some();
            if job.spec.input.sns_topic_arn.is_some() {
                // Ground Truth buffers a streaming job's objects in an SQS queue it creates in
                // the account, named after the job (fact sheet §6.1).
                queues.insert(format!(
                    "arn:aws:sqs:{}:{}:GroundTruth-{}",
                    self.file.region.as_str(),
                    self.account,
                    job.spec.name.as_str().to_ascii_lowercase()
                ));
            }
            topics.extend(job.sns_topics.iter().cloned());
        }
        // Buckets with a customer KMS key: the role reads and writes through that key.
        for b in state.buckets.values() {
            if let Encryption::Kms {
                key_id: Some(key), ..
            } = &b.encryption
                && list.contains(&format!("arn:aws:s3:::{}", b.name))
            {
                kms.insert(self.kms_key_arn(key));
            }
        }
        cx.insert("read_objects", &read);
        cx.insert("list_buckets", &list);
        cx.insert("write_objects", &write);
        cx.insert("kms_keys", &kms);
        cx.insert("invoke_functions", &invoke);
        cx.insert("pass_role", &pass_role);
        cx.insert("sns_topics", &topics);
        cx.insert("sqs_queues", &queues);
        cx.insert("role_arn", &self.role_arn(&role.name));
    }

    /// A key ARN for a policy: ARNs as given, bare key ids in the plan's account and region;
    /// aliases cannot name a key in a policy, so they grant on the account's keys.
    fn kms_key_arn(&self, key: &str) -> String {
        let region = self.file.region.as_str();
        if key.starts_with("arn:") && key.contains(":key/") {
            key.to_owned()
        } else if key.starts_with("arn:") || key.starts_with("alias/") {
            format!("arn:aws:kms:{region}:{}:key/*", self.account)
        } else {
            format!("arn:aws:kms:{region}:{}:key/{key}", self.account)
        }
    }
}
