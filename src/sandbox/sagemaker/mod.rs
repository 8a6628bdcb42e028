//! SageMaker (JSON 1.1): labeling jobs, workteams and tags.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::router::Ctx;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SageMakerState {}

pub fn handle(
    _ctx: &Ctx<'_>,
    operation: &str,
    _body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    Err(ApiError::not_implemented("sagemaker", operation))
}
