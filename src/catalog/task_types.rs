//! Every built-in Ground Truth task type as data (fact sheet §2.2, §3.1). Code asks a task type
//! what it needs (UI, manifest key, label limits, label-config format, Mechanical Turk) instead
//! of branching on names.

/// How workers see the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ui {
    /// A Liquid worker template uploaded to S3 (`UiTemplateS3Uri`).
    Template,
    /// An AWS-owned UI (`HumanTaskUiArn`), by its name in the ARN.
    HumanTaskUi(&'static str),
}

/// The key each input manifest line must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKey {
    /// `source-ref`: an S3 URI of an image, video, sequence file or point cloud frame.
    SourceRef,
    /// `source`: the text itself.
    Source,
    /// Either (custom pass-through tasks).
    Any,
}

impl ManifestKey {
    pub fn accepts(self, line: &serde_json::Map<String, serde_json::Value>) -> bool {
        match self {
            ManifestKey::SourceRef => line
                .get("source-ref")
                .is_some_and(serde_json::Value::is_string),
            ManifestKey::Source => line.get("source").is_some_and(serde_json::Value::is_string),
            ManifestKey::Any => line.contains_key("source-ref") || line.contains_key("source"),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ManifestKey::SourceRef => "`source-ref`",
            ManifestKey::Source => "`source`",
            ManifestKey::Any => "`source-ref` or `source`",
        }
    }
}

/// What one object of a job is (one manifest line), which decides which jobs can feed which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    Image,
    Text,
    VideoClip,
    /// A sequence file of video frames.
    VideoFrames,
    /// One 3D point cloud frame per line.
    PointCloudFrame,
    /// A sequence file of point cloud frames.
    PointCloudSequence,
    /// Custom tasks: whatever the template shows.
    Any,
}

impl Data {
    /// Whether a job reading objects of this kind can take the output manifest of a job that
    /// labeled objects of kind `other`.
    pub fn reads(self, other: Data) -> bool {
        self == other || self == Data::Any || other == Data::Any
    }

    /// For messages: "images", "texts", ...
    pub fn describe(self) -> &'static str {
        match self {
            Data::Image => "images",
            Data::Text => "texts",
            Data::VideoClip => "video clips",
            Data::VideoFrames => "video frame sequences",
            Data::PointCloudFrame => "3D point cloud frames",
            Data::PointCloudSequence => "3D point cloud sequences",
            Data::Any => "any objects",
        }
    }
}

/// The label category config file format (§3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelConfigFormat {
    /// `{"document-version": "2018-11-28", "labels": [{"label": ...}]}`
    Simple,
    /// `{"documentVersion": "2020-03-01", "labels": [...], ...}` (3D point cloud, video frame).
    Attribute,
    /// Custom tasks: any JSON the template understands.
    Custom,
}

/// Families sharing a Mechanical Turk price list (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceFamily {
    BoundingBox,
    /// Image and text classification, custom and everything the price doc does not list.
    Classification,
    SemanticSegmentation,
    /// Mechanical Turk is not allowed.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskType {
    /// The PRE-/ACS- Lambda suffix, which is also the name users write (`task_type = "..."`).
    pub name: &'static str,
    pub description: &'static str,
    pub ui: Ui,
    pub manifest_key: ManifestKey,
    pub data: Data,
    /// Whether `LabelAttributeName` must end with `-ref` (true) or must not (false) (§1.4).
    pub label_attribute_ends_with_ref: bool,
    pub mechanical_turk: bool,
    /// Automated data labeling algorithm (the last part of its ARN), when supported.
    pub auto_labeling: Option<&'static str>,
    pub label_config: LabelConfigFormat,
    pub min_labels: usize,
    /// `None`: no limit.
    pub max_labels: Option<usize>,
    /// The label limit with automated labeling, when lower (semantic segmentation: 20).
    pub max_labels_auto_labeling: Option<usize>,
    /// The label config must carry worker instructions (named entity recognition).
    pub needs_instructions: bool,
    /// The task type whose labels this one verifies or adjusts. Its input manifest carries the
    /// audited job's labels under that job's `LabelAttributeName`, which 3D point cloud and video
    /// frame label configs also name (`auditLabelAttributeName`, fact sheet §6.3).
    pub audits: Option<&'static str>,
    /// Most objects (manifest lines) one job may label (fact sheet §3.2): 100,000; 20,000 for
    /// semantic segmentation; 10 sequences for video frame jobs.
    pub max_objects: usize,
    pub price_family: PriceFamily,
    /// `type` in the output manifest's `-metadata` (§3.3), where documented.
    pub output_type: Option<&'static str>,
}

const fn template(
    name: &'static str,
    description: &'static str,
    manifest_key: ManifestKey,
    auto_labeling: Option<&'static str>,
    labels: (usize, Option<usize>),
    price_family: PriceFamily,
    output_type: Option<&'static str>,
) -> TaskType {
    TaskType {
        name,
        description,
        ui: Ui::Template,
        manifest_key,
        data: match manifest_key {
            ManifestKey::Source => Data::Text,
            ManifestKey::SourceRef => Data::Image,
            ManifestKey::Any => Data::Any,
        },
        label_attribute_ends_with_ref: false,
        mechanical_turk: true,
        auto_labeling,
        label_config: LabelConfigFormat::Simple,
        min_labels: labels.0,
        max_labels: labels.1,
        max_labels_auto_labeling: None,
        needs_instructions: false,
        audits: None,
        max_objects: 100_000,
        price_family,
        output_type,
    }
}

/// 3D point cloud and video frame tasks: AWS-owned UI, attribute-format label config, no
/// Mechanical Turk, 1-30 labels.
const fn frame_task(
    name: &'static str,
    description: &'static str,
    ui: &'static str,
    ends_with_ref: bool,
    audits: Option<&'static str>,
    output_type: Option<&'static str>,
) -> TaskType {
    TaskType {
        name,
        description,
        ui: Ui::HumanTaskUi(ui),
        manifest_key: ManifestKey::SourceRef,
        data: Data::PointCloudFrame,
        label_attribute_ends_with_ref: ends_with_ref,
        mechanical_turk: false,
        auto_labeling: None,
        label_config: LabelConfigFormat::Attribute,
        min_labels: 1,
        max_labels: Some(30),
        max_labels_auto_labeling: None,
        needs_instructions: false,
        audits,
        max_objects: 100_000,
        price_family: PriceFamily::None,
        output_type,
    }
}

/// A verification or adjustment task for the image task `audited`.
const fn audit(mut t: TaskType, audited: &'static str, ends_with_ref: bool) -> TaskType {
    t.audits = Some(audited);
    // Audits of semantic segmentation share its 20,000-object quota.
    if matches!(audited.as_bytes(), b"SemanticSegmentation") {
        t.max_objects = 20_000;
    }
    t.label_attribute_ends_with_ref = ends_with_ref;
    t.min_labels = 1;
    t.max_labels = None;
    t.auto_labeling = None;
    t
}

use ManifestKey::{Source, SourceRef};
use PriceFamily::{BoundingBox, Classification, SemanticSegmentation};

/// All built-in task types (§2.2). Where the fact sheet marks a CONFLICT, the current service
/// model's behaviour is chosen and noted.
pub const TASK_TYPES: [TaskType; 23] = [
    // CONFLICT (§7.6): `DescribeLabelingJob`'s doc says bounding box jobs take 10 labels; the
    // quota table and the current model's `LabelCategoryConfigS3Uri` doc say 50, which we follow.
    template(
        "BoundingBox",
        "Draw boxes around objects in images",
        SourceRef,
        Some("object-detection"),
        (1, Some(50)),
        BoundingBox,
        Some("groundtruth/object-detection"),
    ),
    template(
        "ImageMultiClass",
        "Classify an image into one of several labels",
        SourceRef,
        Some("image-classification"),
        (2, None),
        Classification,
        Some("groundtruth/image-classification"),
    ),
    template(
        "ImageMultiClassMultiLabel",
        "Tag an image with any number of labels",
        SourceRef,
        None,
        (2, Some(50)),
        Classification,
        Some("groundtruth/image-classification-multilabel"),
    ),
    TaskType {
        label_attribute_ends_with_ref: true,
        max_objects: 20_000,
        // At most 20 labels with automated labeling (fact sheet §2.2).
        max_labels_auto_labeling: Some(20),
        ..template(
            "SemanticSegmentation",
            "Paint each pixel of an image with a label",
            SourceRef,
            Some("semantic-segmentation"),
            (1, None),
            SemanticSegmentation,
            Some("groundtruth/semantic-segmentation"),
        )
    },
    template(
        "TextMultiClass",
        "Classify a text into one of several labels",
        Source,
        Some("text-classification"),
        (2, None),
        Classification,
        Some("groundtruth/text-classification"),
    ),
    template(
        "TextMultiClassMultiLabel",
        "Tag a text with any number of labels",
        Source,
        None,
        (2, Some(50)),
        Classification,
        Some("groundtruth/text-classification-multilabel"),
    ),
    TaskType {
        ui: Ui::HumanTaskUi("NamedEntityRecognition"),
        needs_instructions: true,
        ..template(
            "NamedEntityRecognition",
            "Mark spans of text with entity labels",
            Source,
            None,
            (1, None),
            Classification,
            Some("groundtruth/text-span"),
        )
    },
    // CONFLICT (§2.2): the developer guide names the suffix `VideoClassification`; the service
    // model and the SDKs use `VideoMultiClass`, which is what we follow.
    TaskType {
        data: Data::VideoClip,
        ..template(
            "VideoMultiClass",
            "Classify a video clip into one of several labels",
            SourceRef,
            None,
            (1, Some(30)),
            Classification,
            None,
        )
    },
    // A video frame manifest lists at most 10 sequence files (fact sheet §3.2).
    TaskType {
        max_objects: 10,
        data: Data::VideoFrames,
        ..frame_task(
            "VideoObjectDetection",
            "Detect objects in video frames",
            "VideoObjectDetection",
            true,
            None,
            Some("groundtruth/video-object-detection"),
        )
    },
    // A video frame manifest lists at most 10 sequence files (fact sheet §3.2).
    TaskType {
        max_objects: 10,
        data: Data::VideoFrames,
        ..frame_task(
            "VideoObjectTracking",
            "Track objects across video frames",
            "VideoObjectTracking",
            true,
            None,
            Some("groundtruth/video-object-tracking"),
        )
    },
    frame_task(
        "3DPointCloudObjectDetection",
        "Draw cuboids around objects in 3D point clouds",
        "PointCloudObjectDetection",
        false,
        None,
        None,
    ),
    // A sequence manifest: one sequence file of point clouds per line.
    TaskType {
        data: Data::PointCloudSequence,
        ..frame_task(
            "3DPointCloudObjectTracking",
            "Track objects across 3D point cloud frames",
            "PointCloudObjectTracking",
            true,
            None,
            None,
        )
    },
    frame_task(
        "3DPointCloudSemanticSegmentation",
        "Paint each point of a 3D point cloud with a label",
        "PointCloudSemanticSegmentation",
        true,
        None,
        None,
    ),
    // The price list does not name verification and adjustment tasks (§5, UNVERIFIED); its
    // "custom tasks" list, which starts at $0.012, is the closest fit and is what we allow.
    audit(
        template(
            "VerificationBoundingBox",
            "Verify bounding boxes of an earlier job",
            SourceRef,
            None,
            (1, None),
            Classification,
            Some("groundtruth/label-verification"),
        ),
        "BoundingBox",
        false,
    ),
    audit(
        template(
            "AdjustmentBoundingBox",
            "Adjust bounding boxes of an earlier job",
            SourceRef,
            None,
            (1, None),
            Classification,
            Some("groundtruth/object-detection"),
        ),
        "BoundingBox",
        false,
    ),
    // CONFLICT (§1.4): older models said the label attribute must end in `-ref`; the service
    // model since 2025-09-05 says it must not, which is what we follow.
    audit(
        template(
            "VerificationSemanticSegmentation",
            "Verify segmentation masks of an earlier job",
            SourceRef,
            None,
            (1, None),
            Classification,
            Some("groundtruth/label-verification"),
        ),
        "SemanticSegmentation",
        false,
    ),
    audit(
        template(
            "AdjustmentSemanticSegmentation",
            "Adjust segmentation masks of an earlier job",
            SourceRef,
            None,
            (1, None),
            Classification,
            Some("groundtruth/semantic-segmentation"),
        ),
        "SemanticSegmentation",
        true,
    ),
    // A video frame manifest lists at most 10 sequence files (fact sheet §3.2).
    TaskType {
        max_objects: 10,
        data: Data::VideoFrames,
        ..frame_task(
            "AdjustmentVideoObjectDetection",
            "Verify or adjust video object detection labels",
            "VideoObjectDetection",
            true,
            Some("VideoObjectDetection"),
            Some("groundtruth/video-object-detection"),
        )
    },
    // A video frame manifest lists at most 10 sequence files (fact sheet §3.2).
    TaskType {
        max_objects: 10,
        data: Data::VideoFrames,
        ..frame_task(
            "AdjustmentVideoObjectTracking",
            "Verify or adjust video object tracking labels",
            "VideoObjectTracking",
            true,
            Some("VideoObjectTracking"),
            Some("groundtruth/video-object-tracking"),
        )
    },
    frame_task(
        "Adjustment3DPointCloudObjectDetection",
        "Verify or adjust 3D point cloud cuboids",
        "PointCloudObjectDetection",
        false,
        Some("3DPointCloudObjectDetection"),
        None,
    ),
    // A sequence manifest: one sequence file of point clouds per line.
    TaskType {
        data: Data::PointCloudSequence,
        ..frame_task(
            "Adjustment3DPointCloudObjectTracking",
            "Verify or adjust 3D point cloud object tracks",
            "PointCloudObjectTracking",
            true,
            Some("3DPointCloudObjectTracking"),
            None,
        )
    },
    frame_task(
        "Adjustment3DPointCloudSemanticSegmentation",
        "Verify or adjust 3D point cloud segmentation",
        "PointCloudSemanticSegmentation",
        true,
        Some("3DPointCloudSemanticSegmentation"),
        None,
    ),
    TaskType {
        name: "PassThrough",
        description: "Custom task with your own template; labels pass through unchanged",
        ui: Ui::Template,
        manifest_key: ManifestKey::Any,
        data: Data::Any,
        label_attribute_ends_with_ref: false,
        // The fact sheet does not say (§2.2 "?"); SageMaker's custom tasks may use Mechanical
        // Turk, so PassThrough is treated as one.
        mechanical_turk: true,
        auto_labeling: None,
        label_config: LabelConfigFormat::Custom,
        min_labels: 0,
        max_labels: None,
        max_labels_auto_labeling: None,
        needs_instructions: false,
        audits: None,
        max_objects: 100_000,
        price_family: Classification,
        output_type: None,
    },
];

impl TaskType {
    /// Whether a job of this type may have `count` labels; `auto_labeling` when it uses
    /// automated labeling, which lowers the limit for some types.
    pub fn takes_labels(&self, count: usize, auto_labeling: bool) -> bool {
        count >= self.min_labels
            && self
                .max_labels_for(auto_labeling)
                .is_none_or(|m| count <= m)
    }

    /// The label limits in words, for help texts: "`BoundingBox` jobs take 1 to 50 labels".
    pub fn describe_label_limits(&self, auto_labeling: bool) -> String {
        let with = if auto_labeling && self.max_labels_auto_labeling.is_some() {
            " with automated labeling"
        } else {
            ""
        };
        let limits = match self.max_labels_for(auto_labeling) {
            Some(max) if max == self.min_labels => format!("exactly {max}"),
            Some(max) => format!("{} to {max}", self.min_labels),
            None => format!("at least {}", self.min_labels),
        };
        format!("`{}` jobs{with} take {limits} labels", self.name)
    }

    fn max_labels_for(&self, auto_labeling: bool) -> Option<usize> {
        match (auto_labeling, self.max_labels_auto_labeling) {
            (true, Some(max)) => Some(max),
            _ => self.max_labels,
        }
    }
}

/// Looks a task type up by name (case-sensitive, as in the Lambda ARNs).
pub fn find(name: &str) -> Option<&'static TaskType> {
    TASK_TYPES.iter().find(|t| t.name == name)
}

/// The task type whose built-in PRE or ACS Lambda this is, in any region.
pub fn from_lambda_arn(arn: &str) -> Option<&'static TaskType> {
    let function = arn.rsplit_once(":function:")?.1;
    let suffix = function
        .strip_prefix("PRE-")
        .or_else(|| function.strip_prefix("ACS-"))?;
    find(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_unique_and_found() {
        for t in &TASK_TYPES {
            assert_eq!(find(t.name).map(|f| f.name), Some(t.name));
        }
        assert_eq!(
            from_lambda_arn("arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox")
                .map(|t| t.name),
            Some("BoundingBox")
        );
        assert!(from_lambda_arn("arn:aws:lambda:us-east-1:1:function:my-own").is_none());
    }

    #[test]
    fn frame_tasks_refuse_mechanical_turk_and_use_aws_uis() {
        for t in TASK_TYPES
            .iter()
            .filter(|t| t.label_config == LabelConfigFormat::Attribute)
        {
            assert!(!t.mechanical_turk, "{}", t.name);
            assert!(matches!(t.ui, Ui::HumanTaskUi(_)), "{}", t.name);
        }
    }
}
