//! The JSON shapes of the requests the sandbox reads, as the SageMaker service model names
//! them (PascalCase). Every member is optional here so that validation can report a missing
//! required member the way SageMaker does, instead of failing to parse.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateLabelingJobRequest {
    pub labeling_job_name: Option<String>,
    pub label_attribute_name: Option<String>,
    pub input_config: Option<InputConfig>,
    pub output_config: Option<OutputConfig>,
    pub role_arn: Option<String>,
    pub label_category_config_s3_uri: Option<String>,
    pub stopping_conditions: Option<StoppingConditions>,
    pub labeling_job_algorithms_config: Option<serde_json::Value>,
    pub human_task_config: Option<HumanTaskConfig>,
    pub tags: Option<Vec<Tag>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct InputConfig {
    pub data_source: Option<DataSource>,
    pub data_attributes: Option<DataAttributes>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DataSource {
    pub s3_data_source: Option<S3DataSource>,
    pub sns_data_source: Option<SnsDataSource>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct S3DataSource {
    pub manifest_s3_uri: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SnsDataSource {
    pub sns_topic_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DataAttributes {
    pub content_classifiers: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct OutputConfig {
    pub s3_output_path: Option<String>,
    pub kms_key_id: Option<String>,
    pub sns_topic_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StoppingConditions {
    pub max_human_labeled_object_count: Option<i64>,
    pub max_percentage_of_input_dataset_labeled: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HumanTaskConfig {
    pub workteam_arn: Option<String>,
    pub ui_config: Option<UiConfig>,
    pub pre_human_task_lambda_arn: Option<String>,
    pub task_keywords: Option<Vec<String>>,
    pub task_title: Option<String>,
    pub task_description: Option<String>,
    pub number_of_human_workers_per_data_object: Option<i64>,
    pub task_time_limit_in_seconds: Option<i64>,
    pub task_availability_lifetime_in_seconds: Option<i64>,
    pub max_concurrent_task_count: Option<i64>,
    pub annotation_consolidation_config: Option<AnnotationConsolidationConfig>,
    pub public_workforce_task_price: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UiConfig {
    pub ui_template_s3_uri: Option<String>,
    pub human_task_ui_arn: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AnnotationConsolidationConfig {
    pub annotation_consolidation_lambda_arn: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}
