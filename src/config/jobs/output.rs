//! Where a job writes its labels: one of the plan's buckets with a prefix, or an `s3://` URI.

use std::collections::BTreeSet;

use crate::config::manifest::split_s3_uri;
use crate::config::raw::RawJob;
use crate::config::resolve::{BucketDraft, Resolver};
use crate::model::{Address, Kind};

use super::{DEFAULT_OUTPUT_PREFIX, normalize_prefix};

impl Resolver<'_> {
    /// `(bucket, prefix)` of the job's `S3OutputPath`; a plan bucket becomes a dependency.
    pub(super) fn output_location(
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
