//! Reading an input manifest before it is uploaded: every line must be a JSON object with the
//! key its task type needs (fact sheet §3.2), and the `source-ref` URIs say which buckets and
//! prefixes the execution role must read and which buckets need CORS.

use std::collections::BTreeSet;

use crate::catalog::ManifestKey;

use super::error::{Problem, SourceFile};

/// Problems reported per manifest before the rest are summarised.
const MAX_REPORTED: usize = 3;

/// What a manifest refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestScan {
    pub lines: usize,
    /// `(bucket, key prefix)` of every `source-ref`: the key up to its last `/`, or the whole key
    /// when it has none.
    pub source_refs: BTreeSet<(String, String)>,
}

/// `s3://bucket/key` → `(bucket, key)`.
pub fn split_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, key))
}

/// Checks each line of a manifest and collects its `source-ref` locations.
pub fn scan(
    source: &SourceFile,
    key: ManifestKey,
    task_type: &str,
) -> Result<ManifestScan, Vec<Problem>> {
    let mut found = ManifestScan::default();
    let mut problems = Vec::new();
    let mut bad_lines = 0;
    let mut offset = 0;
    for (i, raw_line) in source.text().split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        found.lines += 1;
        let span = start..start + line.len();
        let problem = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(object)) => {
                if let Some(uri) = object.get("source-ref").and_then(|v| v.as_str())
                    && let Some((bucket, key)) = split_s3_uri(uri)
                {
                    let prefix = key.rsplit_once('/').map_or(key, |(dir, _)| {
                        &key[..=dir.len()]
                    });
                    found.source_refs.insert((bucket.to_owned(), prefix.to_owned()));
                }
                (!key.accepts(&object)).then(|| {
                    Problem::at(
                        source,
                        span,
                        format!(
                            "line {} of the manifest has no {} key",
                            i + 1,
                            key.describe()
                        ),
                        format!("no {}", key.describe()),
                    )
                    .help(format!(
                        "`{task_type}` jobs read each object from the {} key of its manifest line",
                        key.describe()
                    ))
                })
            }
            Ok(_) => Some(
                Problem::at(
                    source,
                    span,
                    format!("line {} of the manifest is not a JSON object", i + 1),
                    "not an object",
                )
                .help("each manifest line is one JSON object such as `{\"source-ref\": \"s3://bucket/image.jpg\"}`"),
            ),
            Err(e) => Some(
                Problem::at(
                    source,
                    span,
                    format!("line {} of the manifest is not JSON: {e}", i + 1),
                    "not JSON",
                )
                .help("a manifest is JSON Lines: one complete JSON object per line"),
            ),
        };
        if let Some(p) = problem {
            bad_lines += 1;
            if bad_lines <= MAX_REPORTED {
                problems.push(p);
            }
        }
    }
    if bad_lines > MAX_REPORTED {
        problems.push(Problem::plain(format!(
            "{} more lines of manifest `{}` have problems",
            bad_lines - MAX_REPORTED,
            source.name()
        )));
    }
    if found.lines == 0 {
        problems.push(
            Problem::plain(format!("manifest `{}` is empty", source.name()))
                .help("a manifest needs one JSON line per object to label"),
        );
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_prefixes_and_checks_keys() {
        let src = SourceFile::new(
            "m.jsonl",
            "{\"source-ref\": \"s3://b/images/a.png\"}\r\n\n{\"source-ref\": \"s3://b/images/x/b.png\"}\n{\"source-ref\": \"s3://c/top.png\"}\n"
                .to_owned(),
        );
        let scan = scan(&src, ManifestKey::SourceRef, "ImageMultiClass").expect("valid");
        assert_eq!(scan.lines, 3);
        assert_eq!(
            scan.source_refs.into_iter().collect::<Vec<_>>(),
            [
                ("b".to_owned(), "images/".to_owned()),
                ("b".to_owned(), "images/x/".to_owned()),
                ("c".to_owned(), "top.png".to_owned())
            ]
        );
    }

    #[test]
    fn reports_bad_lines() {
        let src = SourceFile::new(
            "m.jsonl",
            "{\"source\": \"text\"}\nnot json\n[1]\n".to_owned(),
        );
        let problems = scan(&src, ManifestKey::SourceRef, "BoundingBox").expect_err("invalid");
        assert_eq!(problems.len(), 3);
        assert_eq!(problems[0].labels[0].0, 0..18);
        assert!(
            scan(
                &SourceFile::new("e", "\n".to_owned()),
                ManifestKey::Source,
                "T"
            )
            .is_err()
        );
        assert_eq!(split_s3_uri("s3://b/k/x"), Some(("b", "k/x")));
        assert_eq!(split_s3_uri("https://b/k"), None);
    }
}
