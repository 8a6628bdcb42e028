//! IAM's error codes and the messages IAM sends with them. Handlers build every error through
//! these helpers so that the wording stays the same across operations.

use crate::sandbox::error::{ApiError, ErrorCode};

/// The IAM error codes the sandbox can return, with the HTTP status IAM sends for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamErrorCode {
    NoSuchEntity,
    EntityAlreadyExists,
    DeleteConflict,
    MalformedPolicyDocument,
    ValidationError,
    LimitExceeded,
    InvalidInput,
}

impl ErrorCode for IamErrorCode {
    fn code(&self) -> &'static str {
        match self {
            Self::NoSuchEntity => "NoSuchEntity",
            Self::EntityAlreadyExists => "EntityAlreadyExists",
            Self::DeleteConflict => "DeleteConflict",
            Self::MalformedPolicyDocument => "MalformedPolicyDocument",
            Self::ValidationError => "ValidationError",
            Self::LimitExceeded => "LimitExceeded",
            Self::InvalidInput => "InvalidInput",
        }
    }

    fn status(&self) -> u16 {
        match self {
            Self::NoSuchEntity => 404,
            Self::EntityAlreadyExists | Self::DeleteConflict | Self::LimitExceeded => 409,
            Self::MalformedPolicyDocument | Self::ValidationError | Self::InvalidInput => 400,
        }
    }
}

pub fn no_such_role(name: &str) -> ApiError {
    ApiError::new(
        &IamErrorCode::NoSuchEntity,
        format!("The role with name {name} cannot be found."),
    )
}

pub fn no_such_role_policy(name: &str) -> ApiError {
    ApiError::new(
        &IamErrorCode::NoSuchEntity,
        format!("The role policy with name {name} cannot be found."),
    )
}

pub fn malformed(message: impl Into<String>) -> ApiError {
    ApiError::new(&IamErrorCode::MalformedPolicyDocument, message)
}

pub fn limit_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::new(&IamErrorCode::LimitExceeded, message)
}

pub fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::new(&IamErrorCode::InvalidInput, message)
}

pub fn delete_conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(&IamErrorCode::DeleteConflict, message)
}
