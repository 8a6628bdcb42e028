//! The output manifest Ground Truth writes when a job finishes (fact sheet §3.3): each labeled
//! input line plus `"<LabelAttributeName>": <label>` and `"<LabelAttributeName>-metadata"`.
//! Labels are deterministic: drawn from the label config by a hash of the line, so reruns and
//! tests see the same output.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Job;
use crate::sandbox::clock;

/// `<S3OutputPath>/<job-name>/manifests/output/output.manifest`
pub fn manifest_uri(job: &Job) -> String {
    manifest_uri_at(&job.s3_output_path, &job.name)
}

/// Where a job named `name` writing to `output_path` puts its output manifest.
pub fn manifest_uri_at(output_path: &str, name: &str) -> String {
    format!(
        "{}/{name}/manifests/output/output.manifest",
        output_path.trim_end_matches('/')
    )
}

fn pick(line: &str, count: usize) -> usize {
    let digest = Sha256::digest(line.as_bytes());
    let n = u64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ]);
    usize::try_from(n % u64::try_from(count.max(1)).unwrap_or(1)).unwrap_or(0)
}

/// The output manifest for the first `labeled` objects of `input`.
pub fn render(job: &Job, input: &str, labeled: u64, finished_at: clock::EpochMillis) -> String {
    let created = clock::iso8601(finished_at);
    let mut out = String::new();
    let lines = input.lines().filter(|l| !l.trim().is_empty());
    for line in lines.take(usize::try_from(labeled).unwrap_or(usize::MAX)) {
        let Ok(mut object) = serde_json::from_str::<Map<String, Value>>(line) else {
            continue;
        };
        let index = pick(line, job.labels.len());
        let class_name = job.labels.get(index).cloned().unwrap_or_default();
        let attribute = &job.label_attribute_name;
        let label = if attribute.ends_with("-ref") {
            // `-ref` labels are S3 URIs of the annotation files (masks, sequence labels).
            json!(format!(
                "{}/{}/annotations/consolidated-annotation/output/{index}.png",
                job.s3_output_path.trim_end_matches('/'),
                job.name
            ))
        } else {
            json!(index)
        };
        object.insert(attribute.clone(), label);
        object.insert(
            format!("{attribute}-metadata"),
            json!({
                "class-name": class_name,
                "job-name": format!("labeling-job/{}", job.name.to_ascii_lowercase()),
                "type": job.output_type,
                "human-annotated": "yes",
                "creation-date": created,
                "confidence": 0.0,
            }),
        );
        out.push_str(&Value::Object(object).to_string());
        out.push('\n');
    }
    out
}
