//! Where a job writes its labels: one of the plan's buckets with a prefix, or an `s3://` URI;
//! with the KMS key for the output and the SNS topic that hears about each labeled object.

use std::collections::BTreeSet;

use crate::config::checks;
use crate::config::manifest::split_s3_uri;
use crate::config::raw::RawJob;
use crate::config::resolve::Resolver;
use crate::config::resolve::drafts::BucketDraft;
use crate::model::{Address, Kind};

use super::Touches;

/// A job's output settings; `None` fields were not set, or were invalid and reported.
pub(super) struct OutputDraft {
    /// `(bucket, prefix)` of the job's `S3OutputPath`.
    pub location: Option<(String, String)>,
    pub kms_key_id: Option<String>,
    pub sns_topic: Option<String>,
}

/// Where a job writes when the plan names a bucket without `output_prefix`.
const DEFAULT_OUTPUT_PREFIX: &str = "output/";

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
    /// `output`, `output_prefix`, `output_kms_key_id` and `output_sns_topic`.
    pub(super) fn job_output(
        &mut self,
        raw: &RawJob,
        buckets: &[BucketDraft],
        from: &str,
        touches: &mut Touches,
    ) -> OutputDraft {
        let location = self.output_location(raw, buckets, from, &mut touches.depends_on);
        let kms_key_id = self
            .expand_opt(raw.output_kms_key_id.as_ref())
            .and_then(|k| {
                self.check(&k.span, checks::kms_key(&k.value))?;
                touches.kms_keys.insert(k.value.clone());
                Some(k.value)
            });
        let region = self.file.region.as_str().to_owned();
        let sns_topic = self
            .expand_opt(raw.output_sns_topic.as_ref())
            .and_then(|t| {
                self.check(&t.span, checks::sns_topic_arn(&t.value, &region))?;
                Some(t.value)
            });
        OutputDraft {
            location,
            kms_key_id,
            sns_topic,
        }
    }

    /// `(bucket, prefix)` of the job's `S3OutputPath`; a plan bucket becomes a dependency.
    fn output_location(
        &mut self,
        raw: &RawJob,
        buckets: &[BucketDraft],
        from: &str,
        depends_on: &mut BTreeSet<Address>,
    ) -> Option<(String, String)> {
        let output = self.expand(&raw.output);
        let prefix = self.expand_opt(raw.output_prefix.as_ref());
        output.as_ref().and_then(|o| {
            if o.value.starts_with("s3://") {
                if let Some(p) = &prefix {
                    self.report(
                        p.span.clone(),
                        "`output_prefix` cannot be combined with an `s3://` output",
                        "remove this",
                        Some("put the prefix in the `output` URI".to_owned()),
                    );
                    return None;
                }
                let Some((b, k)) = split_s3_uri(&o.value) else {
                    self.report(
                        o.span.clone(),
                        format!("`{}` is not an S3 URI", o.value),
                        "not `s3://bucket/prefix/`",
                        None,
                    );
                    return None;
                };
                return Some((b.to_owned(), normalize_prefix(k)));
            }
            let bucket_names: Vec<String> = self
                .file
                .raw
                .buckets
                .iter()
                .map(|(a, _)| a.value.clone())
                .collect();
            let found = self.refer(o, Kind::Bucket, &bucket_names, from)?.clone();
            let bucket = buckets.iter().find(|b| b.addr == found)?;
            depends_on.insert(Address::new(Kind::Bucket, &bucket.addr));
            Some((
                bucket.name.to_string(),
                normalize_prefix(
                    prefix
                        .as_ref()
                        .map_or(DEFAULT_OUTPUT_PREFIX, |p| p.value.as_str()),
                ),
            ))
        })
    }
}
