//! A small IAM policy evaluator (placeholder).
