//! A labeling job's full `CreateLabelingJob` request in gtplan's types. The desired state holds
//! one built from the plan file; the observed state rebuilds one from `DescribeLabelingJob`; the
//! planner compares the two field by field. Jobs are immutable, so any difference is a plan
//! error, never an update.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::Tags;
use super::names::{JobName, LabelAttributeName};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    pub name: JobName,
    pub label_attribute_name: LabelAttributeName,
    pub input: JobInput,
    pub output: JobOutput,
    pub role_arn: String,
    pub label_category_config_uri: Option<String>,
    pub stopping_conditions: Option<StoppingConditions>,
    pub automated_labeling: Option<AutomatedLabeling>,
    pub human_task: HumanTask,
    /// User tags plus gtplan's ownership tags.
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobInput {
    /// `s3://bucket/key` of the input manifest (optional only for streaming jobs).
    pub manifest_uri: Option<String>,
    /// SNS input topic: makes the job a streaming job.
    pub sns_topic_arn: Option<String>,
    /// `FreeOfPersonallyIdentifiableInformation`, `FreeOfAdultContent`.
    pub content_classifiers: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOutput {
    /// `s3://bucket/prefix/`
    pub s3_output_path: String,
    pub kms_key_id: Option<String>,
    pub sns_topic_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppingConditions {
    pub max_human_labeled_object_count: Option<u32>,
    pub max_percentage_of_input_dataset_labeled: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutomatedLabeling {
    pub algorithm_specification_arn: String,
    pub initial_active_learning_model_arn: Option<String>,
    pub volume_kms_key_id: Option<String>,
    pub vpc: Option<VpcConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VpcConfig {
    pub security_group_ids: Vec<String>,
    pub subnets: Vec<String>,
}

/// Where workers' task UI comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UiConfig {
    /// A Liquid template in S3 (image and text built-ins, custom tasks).
    TemplateS3Uri(String),
    /// An AWS-owned UI (named entity recognition, 3D point cloud, video frame).
    HumanTaskUiArn(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HumanTask {
    pub workteam_arn: String,
    pub ui: UiConfig,
    pub pre_human_task_lambda_arn: Option<String>,
    pub annotation_consolidation_lambda_arn: Option<String>,
    pub task_keywords: Vec<String>,
    pub task_title: String,
    pub task_description: String,
    pub number_of_human_workers_per_data_object: u32,
    pub task_time_limit_seconds: u32,
    pub task_availability_lifetime_seconds: Option<u32>,
    pub max_concurrent_task_count: Option<u32>,
    pub public_workforce_task_price: Option<Price>,
}

/// A Mechanical Turk price per task, in the API's parts (`$0.036` = 0 dollars, 3 cents, 6 tenths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Price {
    pub dollars: u32,
    pub cents: u32,
    pub tenth_fractions_of_a_cent: u32,
}

impl Price {
    /// Tenths of a cent (`$0.036` → 36).
    pub fn in_mills(self) -> u32 {
        self.dollars * 1000 + self.cents * 10 + self.tenth_fractions_of_a_cent
    }

    pub fn from_mills(mills: u32) -> Self {
        Self {
            dollars: mills / 1000,
            cents: (mills % 1000) / 10,
            tenth_fractions_of_a_cent: mills % 10,
        }
    }
}

impl std::fmt::Display for Price {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "${}.{:02}{}",
            self.dollars, self.cents, self.tenth_fractions_of_a_cent
        )
    }
}

/// A labeling job's lifecycle state as `DescribeLabelingJob` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobStatus {
    Initializing,
    InProgress,
    Completed,
    Failed,
    Stopping,
    Stopped,
}

impl JobStatus {
    /// As SageMaker spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initializing => "Initializing",
            Self::InProgress => "InProgress",
            Self::Completed => "Completed",
            Self::Failed => "Failed",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
        }
    }

    /// Still consuming workers' time: stopping it is what "removing" a job means.
    pub fn is_running(self) -> bool {
        matches!(self, Self::Initializing | Self::InProgress)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelCounters {
    pub total_labeled: u32,
    pub human_labeled: u32,
    pub machine_labeled: u32,
    pub failed_non_retryable_error: u32,
    pub unlabeled: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_convert_between_parts_and_mills() {
        let p = Price::from_mills(36);
        assert_eq!((p.dollars, p.cents, p.tenth_fractions_of_a_cent), (0, 3, 6));
        assert_eq!(p.to_string(), "$0.036");
        assert_eq!(Price::from_mills(1200).to_string(), "$1.200");
        assert_eq!(Price::from_mills(1200).in_mills(), 1200);
    }
}
