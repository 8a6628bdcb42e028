//! gtplan's domain model: validated names, resource addresses, the desired state a plan file
//! resolves to, the state observed in AWS, and the labeling-job request both are compared by.

pub mod address;
pub mod desired;
pub mod job;
pub mod lock;
pub mod names;
pub mod observed;
pub mod step;
pub mod workforce;

pub use address::{Address, Kind};
pub use step::Step;

use std::collections::BTreeMap;

/// Tags as AWS stores them: unique keys, sorted for stable output.
pub type Tags = BTreeMap<String, String>;

/// The tag naming the plan that manages a resource.
pub const TAG_PLAN: &str = "gtplan:plan";
/// The tag naming a resource's address within its plan.
pub const TAG_ADDRESS: &str = "gtplan:address";
/// Object metadata key holding the SHA-256 of an uploaded body (ETag is not an MD5 under KMS
/// or multipart, so it cannot identify content).
pub const META_SHA256: &str = "gtplan-sha256";
/// Object metadata naming the plan that uploaded an object (S3 lowercases metadata keys).
pub const META_PLAN: &str = "gtplan-plan";
/// Object metadata naming the upload's address within its plan.
pub const META_ADDRESS: &str = "gtplan-address";

/// The metadata gtplan writes on an upload: its content hash, its plan and its address.
pub fn upload_metadata(sha256: &str, plan: &names::PlanName, address: &Address) -> Tags {
    [
        (META_SHA256, sha256.to_owned()),
        (META_PLAN, plan.to_string()),
        (META_ADDRESS, address.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
