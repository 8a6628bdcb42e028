//! The AWS JSON 1.1 protocol (SageMaker): `POST /` with `X-Amz-Target: SageMaker.<Operation>`,
//! a JSON body in and out, and errors as `{"__type": code, "message": ...}`.

use serde::de::DeserializeOwned;

use crate::sandbox::error::ApiError;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Extracts the operation name from an `X-Amz-Target` value such as `SageMaker.CreateLabelingJob`.
pub fn operation_from_target(target: &str) -> &str {
    target.rsplit_once('.').map_or(target, |(_, op)| op)
}

/// Parses a request body into the operation's input shape. Unknown members are ignored (as the
/// service does for forward compatibility); wrong types are a `SerializationException`.
pub fn parse_input<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ApiError {
        status: 400,
        code: "SerializationException",
        message: format!("could not parse request body: {e}"),
    })
}

pub fn render_error(err: &ApiError) -> String {
    serde_json::json!({ "__type": err.code, "message": err.message }).to_string()
}
