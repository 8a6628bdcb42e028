//! The one integration-test binary: every module runs real aws-sdk-rust clients against an
//! in-process sandbox (and, in `conformance`, against moto's server too).

#![expect(
    clippy::too_many_lines,
    reason = "a conformance case reads best as one sequence of observed steps"
)]

mod admin;
mod cloud;
mod cognito;
mod conformance;
mod consistency;
mod day_two;
mod engine;
mod iam;
mod moto;
mod private_team;
mod readme;
mod reliability;
mod restart;
mod s3;
mod sagemaker;
mod shape;
mod sts;
mod support;
mod tagging;
mod task_types;
mod wire;
