//! The sample data `gtplan init` writes beside a plan: a few objects in the format the task type
//! reads (images, inline text, video frame sequences, 3D point clouds), the manifest listing
//! them, and for verification and adjustment types the earlier labels under review, in Ground
//! Truth's output format (fact sheet §3.2, §3.3). Manifest lines name the bucket as
//! `${bucket}`, which the plan expands on upload.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::catalog::TaskType;
use crate::catalog::task_types::Data as ObjectKind;

/// Tiny 16×16 pictures, shared with the quickstart.
const CAT: &[u8] = include_bytes!("../../plans/quickstart/images/cat-1.png");
const DOG: &[u8] = include_bytes!("../../plans/quickstart/images/dog-1.png");
const BIRD: &[u8] = include_bytes!("../../plans/quickstart/images/bird-1.png");
/// Those three pictures as a 1.5-second H.264 clip (32×32, 2 frames a second), made with
/// `ffmpeg -framerate 2 -pattern_type glob -i '*.png' -vf scale=32:32:flags=neighbor,format=yuv420p
/// -c:v libx264 -crf 35 -movflags +faststart animals.mp4`.
const ANIMALS_CLIP: &[u8] = include_bytes!("animals.mp4");

pub struct SampleFile {
    /// Relative to `data/` locally and the object key in the bucket.
    pub path: String,
    pub body: Vec<u8>,
    /// The file names the bucket as `${bucket}`.
    pub expand_vars: bool,
}

pub struct Data {
    pub files: Vec<SampleFile>,
    pub manifest: String,
    pub labels: &'static [&'static str],
}

const CREATED: &str = "2026-11-01T00:00:00.000000";
const EARLIER_JOB: &str = "labeling-job/earlier-1";

fn file(path: &str, body: Vec<u8>) -> SampleFile {
    SampleFile {
        path: path.to_owned(),
        body,
        expand_vars: false,
    }
}

fn expanded(path: &str, doc: &Value) -> SampleFile {
    SampleFile {
        path: path.to_owned(),
        body: serde_json::to_vec_pretty(doc).unwrap_or_default(),
        expand_vars: true,
    }
}

fn lines(objects: &[Value]) -> String {
    objects.iter().fold(String::new(), |mut out, o| {
        let _ = writeln!(out, "{o}");
        out
    })
}

fn metadata(kind: &str, extra: &Value) -> Value {
    let mut m = json!({
        "type": kind,
        "human-annotated": "yes",
        "creation-date": CREATED,
        "job-name": EARLIER_JOB,
    });
    if let (Value::Object(m), Value::Object(extra)) = (&mut m, extra) {
        m.extend(extra.clone());
    }
    m
}

/// The sample objects, manifest and labels for `task`; `audited` is the label attribute of the
/// earlier labels a verification or adjustment job reviews.
pub fn data(task: &TaskType, audited: Option<&str>) -> Data {
    match task.data {
        ObjectKind::Text | ObjectKind::Any => text(task),
        ObjectKind::VideoFrames => video_frames(task, audited),
        ObjectKind::PointCloudFrame | ObjectKind::PointCloudSequence => point_clouds(task, audited),
        ObjectKind::VideoClip => Data {
            files: vec![file("videos/animals.mp4", ANIMALS_CLIP.to_vec())],
            manifest: lines(&[json!({ "source-ref": "s3://${bucket}/videos/animals.mp4" })]),
            labels: &["cats", "dogs", "birds"],
        },
        ObjectKind::Image => images(task, audited),
    }
}

/// The output `type` of the audited task, for the earlier labels' metadata.
fn audited_type(task: &TaskType) -> &'static str {
    task.audits
        .and_then(crate::catalog::find)
        .and_then(|t| t.output_type)
        .unwrap_or("groundtruth/custom")
}

fn text(task: &TaskType) -> Data {
    let (texts, labels): (&[&str], &'static [&'static str]) = match task.name {
        "NamedEntityRecognition" => (
            &[
                "Ada Lovelace wrote the first program in London.",
                "Grace Hopper worked for the US Navy.",
            ],
            &["person", "place", "organization"],
        ),
        "PassThrough" => (
            &["The first sample text.", "The second sample text."],
            &["good", "bad"],
        ),
        _ => (
            &[
                "Great product, it works as described.",
                "It broke after two days.",
                "It arrived on Tuesday.",
            ],
            &["positive", "negative", "neutral"],
        ),
    };
    let objects: Vec<Value> = texts.iter().map(|t| json!({ "source": t })).collect();
    Data {
        files: Vec::new(),
        manifest: lines(&objects),
        labels,
    }
}

fn images(task: &TaskType, audited: Option<&str>) -> Data {
    let pictures = [("cat-1", CAT, 0), ("dog-1", DOG, 1), ("bird-1", BIRD, 2)];
    let mut files: Vec<SampleFile> = pictures
        .iter()
        .map(|(name, body, _)| file(&format!("images/{name}.png"), body.to_vec()))
        .collect();
    // A verification job's label config holds the audited labels plus the workers' verdicts.
    let labels: &'static [&'static str] =
        if task.output_type == Some("groundtruth/label-verification") {
            &["cat", "dog", "bird", "correct", "wrong"]
        } else {
            &["cat", "dog", "bird"]
        };
    let segmentation = task.audits == Some("SemanticSegmentation");
    let objects: Vec<Value> = pictures
        .iter()
        .map(|(name, body, class)| {
            let mut line = json!({ "source-ref": format!("s3://${{bucket}}/images/{name}.png") });
            let Some(attr) = audited else { return line };
            let label = labels[*class];
            let (value, meta) = if segmentation {
                // The earlier job's mask; here the picture stands in for it.
                files.push(file(&format!("masks/{name}.png"), body.to_vec()));
                (
                    json!(format!("s3://${{bucket}}/masks/{name}.png")),
                    metadata(
                        "groundtruth/semantic-segmentation",
                        &json!({ "internal-color-map": {
                            "0": { "class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.9 },
                            "1": { "class-name": label, "hex-color": "#2ca02c", "confidence": 0.9 },
                        }}),
                    ),
                )
            } else {
                (
                    json!({
                        "image_size": [{ "width": 16, "height": 16, "depth": 3 }],
                        "annotations": [{ "class_id": class, "left": 2, "top": 2, "width": 12, "height": 12 }],
                    }),
                    metadata(
                        "groundtruth/object-detection",
                        &json!({
                            "objects": [{ "confidence": 0.9 }],
                            "class-map": { class.to_string(): label },
                        }),
                    ),
                )
            };
            if let Value::Object(m) = &mut line {
                m.insert(attr.to_owned(), value);
                m.insert(format!("{attr}-metadata"), meta);
            }
            line
        })
        .collect();
    Data {
        files,
        manifest: lines(&objects),
        labels,
    }
}

const ROAD_LABELS: &[&str] = &["car", "pedestrian", "cyclist"];

fn video_frames(task: &TaskType, audited: Option<&str>) -> Data {
    let mut files: Vec<SampleFile> = [CAT, DOG, BIRD]
        .iter()
        .enumerate()
        .map(|(i, body)| file(&format!("frames/seq-1/frame-{}.png", i + 1), body.to_vec()))
        .collect();
    files.push(expanded(
        "sequences/seq-1.json",
        &json!({
            "seq-no": 1,
            "prefix": "s3://${bucket}/frames/seq-1/",
            "number-of-frames": 3,
            "frames": (1..=3).map(|n| json!({
                "frame-no": n,
                "unix-timestamp": 1_700_000_000 + n,
                "frame": format!("frame-{n}.png"),
            })).collect::<Vec<_>>(),
        }),
    ));
    let mut line = json!({ "source-ref": "s3://${bucket}/sequences/seq-1.json" });
    if let Some(attr) = audited {
        files.push(expanded(
            "earlier-labels/seq-1.json",
            &json!({
                "tracking-annotations": [{
                    "frame-no": 1,
                    "frame": "frame-1.png",
                    "annotations": [{ "label": "car", "object-id": "car-1", "left": 2, "top": 2, "width": 12, "height": 12 }],
                }],
            }),
        ));
        if let Value::Object(m) = &mut line {
            m.insert(
                attr.to_owned(),
                json!("s3://${bucket}/earlier-labels/seq-1.json"),
            );
            m.insert(
                format!("{attr}-metadata"),
                metadata(audited_type(task), &json!({ "class-map": { "0": "car" } })),
            );
        }
    }
    Data {
        files,
        manifest: lines(&[line]),
        labels: ROAD_LABELS,
    }
}

/// A small point cloud in the `text/xyzi` format: a 10×10 patch of ground and a box on it.
fn point_cloud(shift: f64) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..10_u8 {
        for j in 0..10_u8 {
            let _ = writeln!(
                out,
                "{:.2} {:.2} 0.00 0.30",
                f64::from(i) + shift,
                f64::from(j)
            );
        }
    }
    for k in 0..5_u8 {
        let _ = writeln!(
            out,
            "{:.2} 4.00 {:.2} 0.80",
            4.0 + shift,
            f64::from(k) * 0.3
        );
    }
    out.into_bytes()
}

fn point_clouds(task: &TaskType, audited: Option<&str>) -> Data {
    let mut files = vec![
        file("points/frame-1.txt", point_cloud(0.0)),
        file("points/frame-2.txt", point_cloud(0.5)),
    ];
    let tracking = task.data == ObjectKind::PointCloudSequence;
    let mut objects: Vec<Value> = if tracking {
        // A sequence manifest: one line per sequence file.
        files.push(expanded(
            "sequences/seq-1.json",
            &json!({
                "seq-no": 1,
                "prefix": "s3://${bucket}/points/",
                "number-of-frames": 2,
                "frames": (1..=2).map(|n| json!({
                    "frame-no": n - 1,
                    "unix-timestamp": 1_700_000_000 + n,
                    "frame": format!("frame-{n}.txt"),
                    "format": "text/xyzi",
                })).collect::<Vec<_>>(),
            }),
        ));
        vec![json!({ "source-ref": "s3://${bucket}/sequences/seq-1.json" })]
    } else {
        // A frame manifest: one line per point cloud.
        (1..=2)
            .map(|n| {
                json!({
                    "source-ref": format!("s3://${{bucket}}/points/frame-{n}.txt"),
                    "source-ref-metadata": { "format": "text/xyzi", "unix-timestamp": 1_700_000_000 + n },
                })
            })
            .collect()
    };
    if let Some(attr) = audited {
        let value = if attr.ends_with("-ref") {
            files.push(expanded(
                "earlier-labels/labels.json",
                &json!({ "annotations": [{ "label": "car", "frame": 0 }] }),
            ));
            json!("s3://${bucket}/earlier-labels/labels.json")
        } else {
            json!({ "annotationsFromAllFrames": [{ "frameNumber": 0, "annotations": [{
                "label": "car", "centerX": 4.0, "centerY": 4.0, "centerZ": 0.5,
                "length": 2.0, "width": 1.0, "height": 1.0, "roll": 0, "pitch": 0, "yaw": 0,
            }]}]})
        };
        for o in &mut objects {
            if let Value::Object(m) = o {
                m.insert(attr.to_owned(), value.clone());
                m.insert(
                    format!("{attr}-metadata"),
                    metadata(audited_type(task), &json!({ "class-map": { "0": "car" } })),
                );
            }
        }
    }
    Data {
        files,
        manifest: lines(&objects),
        labels: ROAD_LABELS,
    }
}
