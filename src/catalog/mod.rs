//! The task-type catalog: Ground Truth's built-in task types, the regions it runs in and the
//! AWS-owned ARNs each job needs, as data (fact sheet §2). A plan says `task_type =
//! "BoundingBox"`; the catalog fills in every ARN for the plan's region. The sandbox validates
//! jobs against the same tables.

pub mod arns;
pub mod prices;
pub mod regions;
pub mod task_types;

pub use task_types::{LabelConfigFormat, ManifestKey, TaskType, Ui, find};
