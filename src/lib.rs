//! gtplan: Amazon SageMaker Ground Truth labeling jobs as code.
//!
//! The binary is a thin shell over this library; integration tests use the library to start
//! the sandbox in-process.

pub mod ahead;
pub mod apply;
pub mod catalog;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod error_chain;
pub mod model;
pub mod ops;
pub mod plan;
pub mod policy;
pub mod policy_eval;
pub mod sandbox;
pub mod scaffold;
pub mod ui_template;
