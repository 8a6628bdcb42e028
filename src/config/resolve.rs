//! From a checked plan file to the `DesiredState`: variables expanded, names validated,
//! references between resources followed, upload bodies read and hashed, jobs filled in from the
//! catalog, and the derived parts computed (role session length, least-privilege role policy,
//! CORS, label configs), then the tera templates rendered. Problems are collected so that one
//! run reports all of them. Makes no AWS call.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::catalog::{self, LabelConfigFormat, TaskType};
use crate::model::desired::{
    CorsRule, DesiredBucket, DesiredJob, DesiredRole, DesiredState, DesiredUpload, Encryption,
    PublicAccessBlock,
};
use crate::model::names::{BucketName, NameError, ObjectKey, RoleName};
use crate::model::{Address, Kind, TAG_ADDRESS, TAG_PLAN, Tags};

use super::checks::{self, Check};
use super::error::{ConfigError, Problem, Problems, SourceFile};
use super::jobs::JobDraft;
use super::raw::{RawBucket, RawCorsRule, RawRole, RawUpload, Str, StrMap};
use super::reader::{self, Located};
use super::suggest;
use super::template::{TemplateKind, Templates};
use super::upload::{content_type_for, sha256_hex};
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
}

pub struct BucketDraft {
    pub addr: String,
    pub name: BucketName,
    pub encryption: Encryption,
    pub cors: CorsMode,
    pub public_access_block: PublicAccessBlock,
    pub tags: Tags,
    pub force_destroy: bool,
    pub adopt: bool,
}

pub enum CorsMode {
    Auto,
    Off,
    Rules(Vec<CorsRule>),
}

pub struct RoleDraft {
    pub addr: String,
    pub span: Range<usize>,
    pub name: RoleName,
    pub description: Option<String>,
    pub tags: Tags,
    pub adopt: bool,
}

pub struct UploadDraft {
    pub addr: String,
    pub bucket_addr: String,
    pub bucket: BucketName,
    pub key: ObjectKey,
    pub content: UploadContent,
    pub content_type: Option<String>,
}

pub enum UploadContent {
    File {
        /// As written in the plan, relative to it.
        shown: String,
        body: Vec<u8>,
    },
    Labels {
        labels: Vec<Located<String>>,
        span: Range<usize>,
        instructions: Option<(String, String)>,
    },
}

impl UploadDraft {
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

pub fn resolve(file: &PlanFile, account: &str) -> Result<DesiredState, ConfigError> {
    let mut r = Resolver {
        file,
        account,
        problems: Problems::default(),
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
    let jobs: Vec<JobDraft> = file
        .raw
        .jobs
        .iter()
        .filter_map(|(addr, raw)| r.job(addr, raw, &buckets, &roles, &uploads))
        .collect();
    r.duplicates(&buckets, &roles, &uploads, &jobs);
    let Some(templates) = templates else {
        return Err(r.problems.into_error());
    };
    if !r.problems.is_empty() {
        return Err(r.problems.into_error());
    }
    let state = r.assemble(&templates, buckets, &roles, &uploads, jobs);
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

    fn templates(&mut self) -> Option<Templates> {
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
        match Templates::load(self.src(), &self.file.dir, &overrides) {
            Ok(t) => Some(t),
            Err(problems) => {
                for p in problems {
                    self.problems.push(p);
                }
                None
            }
        }
    }

    fn bucket(&mut self, addr: &Str, raw: &RawBucket) -> Option<BucketDraft> {
        let name = self
            .expand(&raw.name)
            .and_then(|n| self.name(&n, BucketName::parse(&n.value)));
        let encryption = self.encryption(raw);
        let cors = self.cors(raw);
        let tags = self.tags(raw.tags.as_ref());
        Some(BucketDraft {
            addr: addr.value.clone(),
            name: name?,
            encryption: encryption?,
            cors: cors?,
            public_access_block: match &raw.public_access_block {
                Some(b) if !b.value => PublicAccessBlock {
                    block_public_acls: false,
                    ignore_public_acls: false,
                    block_public_policy: false,
                    restrict_public_buckets: false,
                },
                _ => PublicAccessBlock::ALL_ON,
            },
            tags,
            force_destroy: raw.force_destroy.as_ref().is_some_and(|b| b.value),
            adopt: raw.adopt.as_ref().is_some_and(|b| b.value),
        })
    }

    fn encryption(&mut self, raw: &RawBucket) -> Option<Encryption> {
        let algorithm = self.expand_opt(raw.encryption.as_ref());
        let key = self.expand_opt(raw.kms_key_id.as_ref());
        let kms = match algorithm.as_ref().map(|a| a.value.as_str()) {
            None | Some("AES256") => false,
            Some("aws:kms") => true,
            Some(other) => {
                let span = algorithm
                    .as_ref()
                    .map(|a| a.span.clone())
                    .unwrap_or_default();
                self.report(
                    span,
                    format!("unknown bucket encryption `{other}`"),
                    "unknown encryption",
                    Some("write `encryption = \"AES256\"` (S3-managed keys, the default) or `encryption = \"aws:kms\"`".to_owned()),
                );
                return None;
            }
        };
        if !kms {
            for (value, key_name) in [
                (
                    raw.kms_key_id.as_ref().map(|k| k.span.clone()),
                    "kms_key_id",
                ),
                (
                    raw.bucket_key.as_ref().map(|k| k.span.clone()),
                    "bucket_key",
                ),
            ] {
                if let Some(span) = value {
                    self.report(
                        span,
                        format!("`{key_name}` only applies to KMS encryption"),
                        "needs `encryption = \"aws:kms\"`",
                        Some(format!(
                            "add `encryption = \"aws:kms\"` or remove `{key_name}`"
                        )),
                    );
                }
            }
            return Some(Encryption::S3Managed);
        }
        if let Some(key) = &key {
            self.check(&key.span, checks::kms_key(&key.value))?;
        }
        Some(Encryption::Kms {
            key_id: key.map(|k| k.value),
            bucket_key: raw.bucket_key.as_ref().is_none_or(|b| b.value),
        })
    }

    fn cors(&mut self, raw: &RawBucket) -> Option<CorsMode> {
        let mode = self.expand_opt(raw.cors.as_ref());
        if let Some(rules) = &raw.cors_rules {
            if let Some(mode) = &mode {
                self.report(
                    mode.span.clone(),
                    "`cors` and `cors_rules` are both set",
                    "remove this",
                    Some("`cors_rules` replaces the automatic rules; remove `cors`".to_owned()),
                );
                return None;
            }
            let mut out = Vec::new();
            for rule in &rules.value {
                out.push(self.cors_rule(rule)?);
            }
            return Some(CorsMode::Rules(out));
        }
        match mode.as_ref().map(|m| m.value.as_str()) {
            None | Some("auto") => Some(CorsMode::Auto),
            Some("off") => Some(CorsMode::Off),
            Some(other) => {
                let span = mode.as_ref().map(|m| m.span.clone()).unwrap_or_default();
                self.report(
                    span,
                    format!("unknown CORS mode `{other}`"),
                    "expected `auto` or `off`",
                    Some("write `cors = \"auto\"` (the default), `cors = \"off\"`, or list `[[buckets.NAME.cors_rules]]`".to_owned()),
                );
                None
            }
        }
    }

    fn cors_rule(&mut self, raw: &RawCorsRule) -> Option<CorsRule> {
        let list = |r: &mut Self, v: Option<&Located<Vec<Str>>>| -> Vec<String> {
            v.map(|l| {
                l.value
                    .iter()
                    .filter_map(|s| r.expand(s))
                    .map(|s| s.value)
                    .collect()
            })
            .unwrap_or_default()
        };
        let allowed_methods = list(self, raw.allowed_methods.as_ref());
        let allowed_origins = list(self, raw.allowed_origins.as_ref());
        let rule = CorsRule {
            allowed_headers: list(self, raw.allowed_headers.as_ref()),
            allowed_methods,
            allowed_origins,
            expose_headers: list(self, raw.expose_headers.as_ref()),
            max_age_seconds: match &raw.max_age_seconds {
                None => None,
                Some(age) => match i32::try_from(age.value) {
                    Ok(v) if v >= 0 => Some(v),
                    _ => {
                        self.report(
                            age.span.clone(),
                            "`max_age_seconds` must be between 0 and 2147483647",
                            "out of range",
                            None,
                        );
                        return None;
                    }
                },
            },
        };
        if let Some(bad) = rule
            .allowed_methods
            .iter()
            .find(|m| !["GET", "PUT", "HEAD", "POST", "DELETE"].contains(&m.as_str()))
        {
            let span = raw
                .allowed_methods
                .as_ref()
                .map_or(raw.span.clone(), |m| m.span.clone());
            self.report(
                span,
                format!("`{bad}` is not a CORS method S3 accepts"),
                "unknown method",
                Some("use `GET`, `PUT`, `HEAD`, `POST` or `DELETE`".to_owned()),
            );
            return None;
        }
        if rule.allowed_methods.is_empty() || rule.allowed_origins.is_empty() {
            self.report(
                raw.span.clone(),
                "a CORS rule needs `allowed_methods` and `allowed_origins`",
                "incomplete rule",
                Some(
                    "for example `allowed_methods = [\"GET\"]` and `allowed_origins = [\"*\"]`"
                        .to_owned(),
                ),
            );
            return None;
        }
        Some(rule)
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

    fn upload(
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

    fn upload_file(&mut self, file: &Str, raw: &RawUpload) -> Option<UploadContent> {
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
        for job in jobs {
            let address = Address::new(Kind::Job, &job.addr);
            let mut spec = job.spec;
            spec.tags = self.ownership_tags(&spec.tags, &address);
            state.jobs.insert(
                address,
                DesiredJob {
                    spec,
                    depends_on: job.depends_on.into_iter().collect(),
                },
            );
        }
        self.problems.is_empty().then_some(state)
    }

    /// max(3600, the longest task time limit of the role's jobs); above IAM's 12 h cap the job
    /// cannot run, which is reported on the job's `task_time_limit`.
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

    /// CORS rules for buckets in `auto` mode: buckets whose objects a job shows in the worker's
    /// browser (fact sheet §4.5).
    fn derived_cors(buckets: &[BucketDraft], jobs: &[JobDraft]) -> BTreeMap<String, Vec<CorsRule>> {
        let image_rule = CorsRule {
            allowed_headers: Vec::new(),
            allowed_methods: vec!["GET".to_owned()],
            allowed_origins: vec!["*".to_owned()],
            expose_headers: vec!["Access-Control-Allow-Origin".to_owned()],
            max_age_seconds: None,
        };
        let frame_rule = CorsRule {
            allowed_headers: vec!["*".to_owned()],
            allowed_methods: vec!["GET".to_owned(), "HEAD".to_owned(), "PUT".to_owned()],
            allowed_origins: vec!["*".to_owned()],
            expose_headers: vec!["Access-Control-Allow-Origin".to_owned()],
            max_age_seconds: Some(3000),
        };
        let mut out: BTreeMap<String, Vec<CorsRule>> = BTreeMap::new();
        for job in jobs {
            let frames = job.task.label_config == LabelConfigFormat::Attribute;
            if !frames && job.task.manifest_key != catalog::ManifestKey::SourceRef {
                continue;
            }
            let mut media_buckets: BTreeSet<&str> =
                job.read_prefixes.iter().map(|(b, _)| b.as_str()).collect();
            if media_buckets.is_empty()
                && let Some(manifest_bucket) = &job.manifest_bucket
            {
                media_buckets.insert(manifest_bucket);
            }
            if frames {
                media_buckets.insert(&job.output.0);
            }
            for b in buckets {
                if media_buckets.contains(b.name.as_str()) {
                    let rule = if frames { &frame_rule } else { &image_rule };
                    let rules = out.entry(b.addr.clone()).or_default();
                    if frames {
                        // The frame rule allows everything the image rule does.
                        rules.clear();
                        rules.push(rule.clone());
                    } else if rules.is_empty() {
                        rules.push(rule.clone());
                    }
                }
            }
        }
        out
    }

    fn desired_upload(
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
    fn label_format(
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
    fn check_labels(
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
    fn check_instructions(
        &mut self,
        span: &Range<usize>,
        users: &[&JobDraft],
        instructions: Option<&(String, String)>,
    ) {
        if let Some(job) = users
            .iter()
            .find(|j| j.task.audits && j.task.label_config == LabelConfigFormat::Attribute)
        {
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

    pub fn check_label_count(&mut self, job: &JobDraft, count: usize, labels_span: Range<usize>) {
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
