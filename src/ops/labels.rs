//! `gtplan labels`: a finished job's output manifest (fact sheet §3.3) as one row per object,
//! its label named with the label config's class names. The manifest is streamed line by
//! line: a million-object job needs no more memory than a small one.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};
use tokio::io::AsyncBufReadExt;

use crate::cloud::Cloud;
use crate::config::manifest::split_s3_uri;
use crate::model::job::JobStatus;
use crate::model::observed::ObservedJob;

use super::plan::prepare;
use super::status::find_job;
use super::{Error, PlanRequest};

/// One labeled (or unlabeled) object of an output manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelRow {
    /// `source-ref` (an `s3://` URI) or `source` (the text itself).
    pub object: String,
    /// The class names the object was given, in the annotation's order (one for a
    /// single-label task; one per box for bounding boxes). Empty without a label.
    pub labels: Vec<String>,
    /// Where the label is an S3 file (`-ref` attributes: masks, sequences), that file.
    pub label_ref: Option<String>,
    /// Ground Truth's confidence (0.00 when one worker labeled the object).
    pub confidence: Option<f64>,
    pub labeled_by: LabeledBy,
    /// Why the object has no label, when Ground Truth says.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabeledBy {
    Human,
    Machine,
    /// The object has no label (it failed, or the job stopped before it).
    None,
}

/// What the rows added up to, for the summary on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSummary {
    pub objects: u64,
    pub human: u64,
    pub machine: u64,
    pub unlabeled: u64,
    /// How many objects (or boxes, entities) carry each class name.
    pub classes: BTreeMap<String, u64>,
    pub output_manifest: String,
}

impl LabelSummary {
    fn add(&mut self, row: &LabelRow) {
        self.objects += 1;
        match row.labeled_by {
            LabeledBy::Human => self.human += 1,
            LabeledBy::Machine => self.machine += 1,
            LabeledBy::None => self.unlabeled += 1,
        }
        for label in &row.labels {
            *self.classes.entry(label.clone()).or_default() += 1;
        }
    }
}

/// Reads the output manifest of the plan job `job` and hands each row to `sink` as it is read.
/// Fails before the first row when the job has no output yet.
pub async fn labels(
    request: &PlanRequest,
    job: &str,
    mut sink: impl FnMut(&LabelRow) -> std::io::Result<()>,
) -> Result<LabelSummary, Error> {
    let prepared = prepare(request).await?;
    let desired = prepared.file.resolve(&prepared.account)?;
    let (address, wanted) = find_job(&desired, job)?;
    let cloud = &prepared.session.cloud;
    let name = wanted.spec.name.as_str();
    let Some(observed) = cloud.job(&wanted.spec.name).await? else {
        return Err(Error::user(
            format!("labeling job `{name}` ({address}) does not exist yet, so it has no labels"),
            "create it with `gtplan apply PLAN`, then wait for it with `gtplan status --watch`",
        ));
    };
    let uri = output_manifest(&observed, name)?;
    let (bucket, key) = split_s3_uri(&uri).ok_or_else(|| {
        Error::user(
            format!("SageMaker reports output manifest `{uri}`, which is not an s3:// URI"),
            "report this to AWS support",
        )
    })?;
    let Some(body) = cloud.object_body(bucket, key).await? else {
        return Err(Error::user(
            format!(
                "labeling job `{name}` is {} but its output manifest `{uri}` is missing",
                observed.status.as_str()
            ),
            "someone may have deleted it; the worker responses are under the job's `annotations/` folder",
        ));
    };
    let classes = match &observed.spec.label_category_config_uri {
        Some(uri) => class_names(cloud, uri).await?,
        None => Vec::new(),
    };
    let attribute = observed.spec.label_attribute_name.as_str();
    let mut summary = LabelSummary {
        output_manifest: uri.clone(),
        ..LabelSummary::default()
    };
    let mut lines = body.lines();
    let mut number = 0;
    loop {
        let line = lines.next_line().await.map_err(|e| {
            Error::user(
                format!("failed to read `{uri}` after line {number}: {e}"),
                "try again",
            )
        })?;
        let Some(line) = line else { break };
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        let row = parse_line(&line, attribute, &classes).map_err(|e| {
            Error::user(
                format!("line {number} of `{uri}` is not an output manifest line: {e}"),
                "the file may have been edited by hand",
            )
        })?;
        summary.add(&row);
        sink(&row).map_err(|e| {
            Error::user(
                format!("failed to write the labels: {e}"),
                "check the disk or the pipe they go to",
            )
        })?;
    }
    Ok(summary)
}

/// Where a job's output manifest is, once it has one.
fn output_manifest(job: &ObservedJob, name: &str) -> Result<String, Error> {
    let counts = format!(
        "{} of {} labeled",
        job.counters.total_labeled,
        super::status::total(&job.counters)
    );
    match job.status {
        JobStatus::Completed | JobStatus::Stopped => {}
        JobStatus::Failed => {
            return Err(Error::user(
                format!(
                    "labeling job `{name}` failed ({}), it has no output manifest",
                    job.failure_reason.as_deref().unwrap_or("no reason given")
                ),
                "fix the cause, give the job a new name in the plan and apply again",
            ));
        }
        JobStatus::Initializing | JobStatus::InProgress | JobStatus::Stopping => {
            return Err(Error::user(
                format!(
                    "labeling job `{name}` has no output yet: it is {} ({counts})",
                    job.status.as_str()
                ),
                "wait for it with `gtplan status PLAN --watch`, then ask again",
            ));
        }
    }
    Ok(job.output_manifest_uri.clone().unwrap_or_else(|| {
        // SageMaker's documented location, should it not say.
        format!(
            "{}/{name}/manifests/output/output.manifest",
            job.spec.output.s3_output_path.trim_end_matches('/')
        )
    }))
}

/// The class names of a label category config, by index (`labels[i].label`).
async fn class_names(cloud: &dyn Cloud, uri: &str) -> Result<Vec<String>, Error> {
    let Some((bucket, key)) = split_s3_uri(uri) else {
        return Ok(Vec::new());
    };
    let Some(mut body) = cloud.object_body(bucket, key).await? else {
        // Without the config, the names written into the manifest's metadata still serve.
        return Ok(Vec::new());
    };
    let mut text = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut body, &mut text)
        .await
        .map_err(|e| Error::user(format!("failed to read `{uri}`: {e}"), "try again"))?;
    Ok(label_names(&text))
}

/// A label category config's `labels[i].label`, by index (`""` where an entry has none, so
/// indices stay aligned); empty when the text is not a label config.
pub(super) fn label_names(config: &str) -> Vec<String> {
    let config: Value = serde_json::from_str(config).unwrap_or(Value::Null);
    config["labels"]
        .as_array()
        .map(|labels| {
            labels
                .iter()
                .map(|l| l["label"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// One output manifest line as a row: the label under `attribute`, named by the metadata's
/// `class-name` / `class-map` or else by `classes` (the label config).
pub fn parse_line(line: &str, attribute: &str, classes: &[String]) -> Result<LabelRow, String> {
    let object: Map<String, Value> = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let source = object
        .get("source-ref")
        .or_else(|| object.get("source"))
        .and_then(Value::as_str)
        .ok_or("it has neither `source-ref` nor `source`")?
        .to_owned();
    let empty = Map::new();
    let metadata = object
        .get(&format!("{attribute}-metadata"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let name_of = |id: &Value| -> String {
        let index = id.as_u64().map(|n| n.to_string()).unwrap_or_default();
        metadata
            .get("class-map")
            .and_then(|m| m.get(&index))
            .and_then(Value::as_str)
            .map(ToOwned::to_owned)
            .or_else(|| {
                usize::try_from(id.as_u64()?)
                    .ok()
                    .and_then(|i| classes.get(i).cloned())
            })
            .unwrap_or_else(|| id.to_string())
    };
    let (labels, label_ref) = match object.get(attribute) {
        None | Some(Value::Null) => (Vec::new(), None),
        Some(Value::String(uri)) => (class_map_names(metadata), Some(uri.clone())),
        Some(id @ Value::Number(_)) => (
            vec![
                metadata
                    .get("class-name")
                    .and_then(Value::as_str)
                    .map_or_else(|| name_of(id), ToOwned::to_owned),
            ],
            None,
        ),
        Some(Value::Array(ids)) => (ids.iter().map(name_of).collect(), None),
        Some(Value::Object(label)) => (annotation_names(label, &name_of), None),
        Some(other) => (vec![other.to_string()], None),
    };
    let labeled = object.contains_key(attribute);
    let labeled_by = match metadata.get("human-annotated").and_then(Value::as_str) {
        _ if !labeled => LabeledBy::None,
        Some("no") => LabeledBy::Machine,
        _ => LabeledBy::Human,
    };
    Ok(LabelRow {
        object: source,
        labels,
        label_ref,
        confidence: confidence(metadata),
        labeled_by,
        failure: metadata
            .get("failure-reason")
            .and_then(Value::as_str)
            .map(ToOwned::to_owned),
    })
}

/// Bounding boxes (`annotations[].class_id`) and named entities (`annotations.entities[].label`).
fn annotation_names(
    label: &Map<String, Value>,
    name_of: &impl Fn(&Value) -> String,
) -> Vec<String> {
    match label.get("annotations") {
        Some(Value::Array(boxes)) => boxes
            .iter()
            .filter_map(|b| b.get("class_id"))
            .map(name_of)
            .collect(),
        Some(Value::Object(ner)) => ner
            .get("entities")
            .and_then(Value::as_array)
            .map(|entities| {
                entities
                    .iter()
                    .filter_map(|e| e["label"].as_str().map(ToOwned::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The classes a mask or sequence file holds, as its metadata's `class-map` / color map lists them.
fn class_map_names(metadata: &Map<String, Value>) -> Vec<String> {
    let map = metadata
        .get("internal-color-map")
        .or_else(|| metadata.get("class-map"));
    match map.and_then(Value::as_object) {
        Some(map) => map
            .values()
            .filter_map(|v| {
                v.as_str()
                    .or_else(|| v.get("class-name").and_then(Value::as_str))
            })
            .map(ToOwned::to_owned)
            .collect(),
        None => Vec::new(),
    }
}

/// `confidence`, or the mean of the per-object confidences of boxes.
fn confidence(metadata: &Map<String, Value>) -> Option<f64> {
    if let Some(c) = metadata.get("confidence").and_then(Value::as_f64) {
        return Some(c);
    }
    let per_object: Vec<f64> = metadata
        .get("objects")?
        .as_array()?
        .iter()
        .filter_map(|o| o["confidence"].as_f64())
        .collect();
    #[expect(
        clippy::cast_precision_loss,
        reason = "a count of boxes in one object is small"
    )]
    let n = per_object.len() as f64;
    (!per_object.is_empty()).then(|| per_object.iter().sum::<f64>() / n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<String> {
        ["cat", "dog", "bird"].map(String::from).to_vec()
    }

    #[test]
    fn single_label_by_class_name() {
        let row = parse_line(
            r#"{"source-ref":"s3://b/cat.png","animal":0,"animal-metadata":{"class-name":"cat","confidence":0.93,"human-annotated":"yes","type":"groundtruth/image-classification"}}"#,
            "animal",
            &[],
        )
        .expect("parses");
        assert_eq!(row.object, "s3://b/cat.png");
        assert_eq!(row.labels, ["cat"]);
        assert_eq!(row.confidence, Some(0.93));
        assert_eq!(row.labeled_by, LabeledBy::Human);
    }

    #[test]
    fn index_named_from_the_label_config_when_metadata_has_no_name() {
        let row = parse_line(
            r#"{"source":"good film","mood":2,"mood-metadata":{"human-annotated":"no","confidence":0.71}}"#,
            "mood",
            &classes(),
        )
        .expect("parses");
        assert_eq!(
            (row.object.as_str(), row.labels, row.labeled_by),
            ("good film", vec!["bird".to_owned()], LabeledBy::Machine)
        );
    }

    #[test]
    fn multi_label_and_boxes_by_class_map() {
        let multi = parse_line(
            r#"{"source-ref":"s3://b/x.png","tags":[0,2],"tags-metadata":{"class-map":{"0":"cat","2":"bird"},"human-annotated":"yes"}}"#,
            "tags",
            &[],
        )
        .expect("parses");
        assert_eq!(multi.labels, ["cat", "bird"]);
        let boxes = parse_line(
            r#"{"source-ref":"s3://b/x.png","boxes":{"annotations":[{"class_id":1,"left":1,"top":2,"width":3,"height":4},{"class_id":1}]},"boxes-metadata":{"objects":[{"confidence":0.8},{"confidence":0.6}],"class-map":{"1":"dog"},"human-annotated":"yes"}}"#,
            "boxes",
            &[],
        )
        .expect("parses");
        assert_eq!(boxes.labels, ["dog", "dog"]);
        let mean = boxes.confidence.expect("mean confidence");
        assert!((mean - 0.7).abs() < 1e-9);
    }

    #[test]
    fn unlabeled_object_and_failure() {
        let row = parse_line(
            r#"{"source-ref":"s3://b/x.png","animal-metadata":{"failure-reason":"ClientError: timeout"}}"#,
            "animal",
            &classes(),
        )
        .expect("parses");
        assert_eq!(row.labeled_by, LabeledBy::None);
        assert!(row.labels.is_empty());
        assert_eq!(row.failure.as_deref(), Some("ClientError: timeout"));
    }

    #[test]
    fn a_line_without_an_object_is_an_error() {
        assert!(parse_line(r#"{"animal":0}"#, "animal", &[]).is_err());
        assert!(parse_line("not json", "animal", &[]).is_err());
    }
}
