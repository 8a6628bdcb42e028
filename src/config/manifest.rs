//! Reading an input manifest before it is uploaded: every line must be a JSON object with the
//! key its task type needs (fact sheet §3.2), and the `source-ref` URIs say which buckets and
//! prefixes the execution role must read and which buckets need CORS.

use std::collections::BTreeSet;
use std::io::{BufRead, Read};
use std::path::Path;

use crate::catalog::TaskType;

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
    /// The first object seen under each of those prefixes, `(bucket, key)`: what the plan checks
    /// the role can read.
    pub samples: BTreeSet<(String, String)>,
}

/// `s3://bucket/key` → `(bucket, key)`.
pub fn split_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then_some((bucket, key))
}

/// Ground Truth's per-line limits (fact sheet §3.2), in characters.
const MAX_LINE_CHARS: usize = 100_000;
const MAX_ATTRIBUTE_CHARS: usize = 20_000;

/// Checks each line of a manifest for `task` and collects its `source-ref` locations. `audited`
/// is the label attribute a verification or adjustment job reviews: every line must carry it.
/// The first few bad lines are reported with their line numbers, then how many more there are.
pub fn scan(
    source: &SourceFile,
    task: &TaskType,
    audited: Option<&str>,
) -> Result<ManifestScan, Vec<Problem>> {
    let mut scanner = Scanner::new(source.name(), task, audited);
    let mut offset = 0;
    for (i, raw_line) in source.text().split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        scanner.line(i + 1, line, |message, label, help| {
            Problem::at(source, start..start + line.len(), message, label).help(help)
        });
    }
    scanner.finish()
}

/// [`scan`] for a manifest too large to hold in memory (see `files::STREAM_OVER`): read line
/// by line, each line bounded; problems name the line instead of showing it.
pub fn scan_file(
    path: &Path,
    shown: &str,
    task: &TaskType,
    audited: Option<&str>,
) -> Result<ManifestScan, Vec<Problem>> {
    let file = std::fs::File::open(path).map_err(|e| {
        vec![Problem::plain(format!(
            "manifest `{shown}` cannot be read: {e}"
        ))]
    })?;
    let mut reader = std::io::BufReader::new(file);
    let mut scanner = Scanner::new(shown, task, audited);
    let mut buf = Vec::new();
    for number in 1.. {
        buf.clear();
        // A line is read up to a bound a valid one never reaches (4 bytes per character);
        // the rest of a longer one is skipped.
        let bound = (MAX_LINE_CHARS as u64 + 1) * 4;
        let read = (&mut reader)
            .take(bound)
            .read_until(b'\n', &mut buf)
            .map_err(|e| {
                vec![Problem::plain(format!(
                    "manifest `{shown}` cannot be read: {e}"
                ))]
            })?;
        if read == 0 {
            break;
        }
        let cut = buf.last() != Some(&b'\n') && read as u64 == bound;
        if cut {
            let mut rest = Vec::new();
            let _ = reader.read_until(b'\n', &mut rest);
        }
        let report = |message: String, _label: String, help: String| {
            Problem::plain(format!("{message} (manifest `{shown}`)")).help(help)
        };
        match std::str::from_utf8(&buf) {
            Ok(text) if !cut => {
                scanner.line(number, text.trim_end_matches(['\n', '\r']), report);
            }
            _ => scanner.bad(
                number,
                "is not UTF-8 JSON of at most 100000 characters",
                String::new(),
                "a manifest is UTF-8 JSON Lines".to_owned(),
                report,
            ),
        }
    }
    scanner.finish()
}

/// The state of a scan: what was found, and the problems so far.
struct Scanner<'a> {
    name: &'a str,
    task: &'a TaskType,
    audited: Option<&'a str>,
    found: ManifestScan,
    problems: Vec<Problem>,
    bad_lines: usize,
}

impl<'a> Scanner<'a> {
    fn new(name: &'a str, task: &'a TaskType, audited: Option<&'a str>) -> Self {
        Self {
            name,
            task,
            audited,
            found: ManifestScan::default(),
            problems: Vec::new(),
            bad_lines: 0,
        }
    }

    /// Checks line `number` (1-based); `problem` makes the report of a bad one.
    fn line(
        &mut self,
        number: usize,
        line: &str,
        problem: impl FnOnce(String, String, String) -> Problem,
    ) {
        if line.trim().is_empty() {
            return;
        }
        if let Some((message, label, help)) =
            check_line(line, self.task, self.audited, &mut self.found)
        {
            self.bad(number, &message, label, help, problem);
        } else {
            self.found.lines += 1;
        }
    }

    fn bad(
        &mut self,
        number: usize,
        message: &str,
        label: String,
        help: String,
        problem: impl FnOnce(String, String, String) -> Problem,
    ) {
        self.found.lines += 1;
        self.bad_lines += 1;
        if self.bad_lines <= MAX_REPORTED {
            self.problems.push(problem(
                format!("line {number} of the manifest {message}"),
                label,
                help,
            ));
        }
    }

    fn finish(mut self) -> Result<ManifestScan, Vec<Problem>> {
        let (found, task, name) = (&self.found, self.task, self.name);
        if self.bad_lines > MAX_REPORTED {
            self.problems.push(Problem::plain(format!(
                "{} more lines of manifest `{name}` have problems ({} of {} lines in all)",
                self.bad_lines - MAX_REPORTED,
                self.bad_lines,
                found.lines
            )));
        }
        if found.lines == 0 {
            self.problems.push(
                Problem::plain(format!("manifest `{name}` is empty"))
                    .help("a manifest needs one JSON line per object to label"),
            );
        }
        if found.lines > task.max_objects {
            self.problems.push(
                Problem::plain(format!(
                    "manifest `{name}` has {} objects; a `{}` job labels at most {}",
                    found.lines, task.name, task.max_objects
                ))
                .help("split the manifest and give each part its own job"),
            );
        }
        if self.problems.is_empty() {
            Ok(self.found)
        } else {
            Err(self.problems)
        }
    }
}

/// One line's problem: message (after "line N of the manifest"), label and help.
fn check_line(
    line: &str,
    task: &TaskType,
    audited: Option<&str>,
    found: &mut ManifestScan,
) -> Option<(String, String, String)> {
    let key = task.manifest_key;
    let chars = line.chars().count();
    if chars > MAX_LINE_CHARS {
        return Some((
            format!("is {chars} characters long"),
            format!("over {MAX_LINE_CHARS} characters"),
            format!("Ground Truth reads manifest lines of at most {MAX_LINE_CHARS} characters"),
        ));
    }
    let object = match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(_) => {
            return Some((
                "is not a JSON object".to_owned(),
                "not an object".to_owned(),
                "each manifest line is one JSON object such as `{\"source-ref\": \"s3://bucket/image.jpg\"}`".to_owned(),
            ));
        }
        Err(e) => {
            return Some((
                format!("is not JSON: {e}"),
                "not JSON".to_owned(),
                "a manifest is JSON Lines: one complete JSON object per line".to_owned(),
            ));
        }
    };
    if let Some(name) = object.keys().find(|k| k.starts_with('$')) {
        return Some((
            format!("has the attribute `{name}`"),
            "starts with `$`".to_owned(),
            "attribute names of manifest lines must not start with `$`".to_owned(),
        ));
    }
    if let Some((name, size)) = object
        .iter()
        // Strings count as written; other values as their JSON text.
        .map(|(k, v)| {
            let size = v
                .as_str()
                .map_or_else(|| v.to_string().chars().count(), |s| s.chars().count());
            (k, size)
        })
        .find(|(_, size)| *size > MAX_ATTRIBUTE_CHARS)
    {
        return Some((
            format!("has a `{name}` of {size} characters"),
            format!("over {MAX_ATTRIBUTE_CHARS} characters"),
            format!(
                "each attribute of a manifest line is at most {MAX_ATTRIBUTE_CHARS} characters"
            ),
        ));
    }
    if !key.accepts(&object) {
        return Some((
            format!("has no {} key", key.describe()),
            format!("no {}", key.describe()),
            format!(
                "`{}` jobs read each object from the {} key of its manifest line",
                task.name,
                key.describe()
            ),
        ));
    }
    if let Some(uri) = object.get("source-ref").and_then(|v| v.as_str()) {
        let Some((bucket, key)) = split_s3_uri(uri).filter(|(_, k)| !k.is_empty()) else {
            return Some((
                format!("has `source-ref` `{uri}`, which is not an S3 object URI"),
                "not `s3://bucket/key`".to_owned(),
                "`source-ref` is the `s3://bucket/key` URI of the object to label".to_owned(),
            ));
        };
        let prefix = key
            .rsplit_once('/')
            .map_or(key, |(dir, _)| &key[..=dir.len()]);
        if found
            .source_refs
            .insert((bucket.to_owned(), prefix.to_owned()))
        {
            found.samples.insert((bucket.to_owned(), key.to_owned()));
        }
    }
    if let Some(audited) = audited
        && !object.contains_key(audited)
    {
        return Some((
            format!("has no `{audited}` labels to audit"),
            format!("no `{audited}`"),
            format!(
                "`{}` jobs review the labels an earlier job wrote under `audit_label_attribute`; remove objects without them from the manifest (they would fail one by one and still cost money)",
                task.name
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(name: &str) -> &'static TaskType {
        crate::catalog::find(name).expect("built in")
    }

    #[test]
    fn audits_need_the_audited_labels_and_quotas_hold() {
        let src = SourceFile::new(
            "m.jsonl",
            "{\"source-ref\": \"s3://b/a.png\", \"boxes\": {}}\n{\"source-ref\": \"s3://b/b.png\"}\n"
                .to_owned(),
        );
        let problems =
            scan(&src, task("VerificationBoundingBox"), Some("boxes")).expect_err("line 2");
        assert_eq!(problems.len(), 1);
        let many = "{\"source-ref\": \"s3://b/seq.json\"}\n".repeat(11);
        let problems = scan(
            &SourceFile::new("v", many),
            task("VideoObjectDetection"),
            None,
        )
        .expect_err("11 sequences");
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn collects_prefixes_and_checks_keys() {
        let src = SourceFile::new(
            "m.jsonl",
            "{\"source-ref\": \"s3://b/images/a.png\"}\r\n\n{\"source-ref\": \"s3://b/images/x/b.png\"}\n{\"source-ref\": \"s3://c/top.png\"}\n"
                .to_owned(),
        );
        let scan = scan(&src, task("ImageMultiClass"), None).expect("valid");
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
        let problems = scan(&src, task("BoundingBox"), None).expect_err("invalid");
        assert_eq!(problems.len(), 3);
        assert_eq!(problems[0].labels[0].0, 0..18);
        assert!(
            scan(
                &SourceFile::new("e", "\n".to_owned()),
                task("TextMultiClass"),
                None
            )
            .is_err()
        );
        assert_eq!(split_s3_uri("s3://b/k/x"), Some(("b", "k/x")));
        assert_eq!(split_s3_uri("https://b/k"), None);
    }
}
