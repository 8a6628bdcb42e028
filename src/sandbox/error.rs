//! The error every non-S3 handler returns: an AWS error code, its HTTP status and a message.
//! Each service defines its codes as a typed enum implementing [`ErrorCode`]; the protocol
//! modules render [`ApiError`] in the service's own wire shape (query XML or JSON 1.1).
//! S3 errors go through `s3s::S3Error` instead, which already renders S3's XML shape.

use super::store::StoreError;

/// A service's closed set of error codes.
pub trait ErrorCode {
    /// The code as AWS spells it on the wire, e.g. `NoSuchEntity`.
    fn code(&self) -> &'static str;
    /// The HTTP status AWS sends with it.
    fn status(&self) -> u16;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(code: &impl ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code: code.code(),
            message: message.into(),
        }
    }

    /// An operation of a known service that the sandbox does not emulate.
    pub fn not_implemented(service: &str, operation: &str) -> Self {
        Self {
            status: 501,
            code: "NotImplemented",
            message: format!(
                "the gtplan sandbox does not implement {service} operation `{operation}`"
            ),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: 500,
            code: "InternalFailure",
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(format!("sandbox store: {e}"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}
