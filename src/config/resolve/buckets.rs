//! Buckets in a plan: names, default encryption, CORS (explicit rules, or derived from the jobs
//! that show a bucket's objects in the worker's browser).

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{self, LabelConfigFormat};
use crate::model::desired::{CorsRule, Encryption, PublicAccessBlock};
use crate::model::names::BucketName;

use super::drafts::JobDraft;
use crate::config::checks;
use crate::config::raw::{RawBucket, RawCorsRule, Str};
use crate::config::reader::Located;

use super::Resolver;
use super::drafts::{BucketDraft, CorsMode};

impl Resolver<'_> {
    pub(super) fn bucket(&mut self, addr: &Str, raw: &RawBucket) -> Option<BucketDraft> {
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

    pub(super) fn encryption(&mut self, raw: &RawBucket) -> Option<Encryption> {
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

    pub(super) fn cors(&mut self, raw: &RawBucket) -> Option<CorsMode> {
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

    pub(super) fn cors_rule(&mut self, raw: &RawCorsRule) -> Option<CorsRule> {
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

    /// CORS rules for buckets in `auto` mode: buckets whose objects a job shows in the worker's
    /// browser (fact sheet §4.5).
    pub(super) fn derived_cors(
        buckets: &[BucketDraft],
        jobs: &[JobDraft],
    ) -> BTreeMap<String, Vec<CorsRule>> {
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
}
