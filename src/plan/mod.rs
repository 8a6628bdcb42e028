//! Planning: refresh reads live state, `diff` compares it with the desired state (a pure
//! function), the renderers print the result.

pub mod cost;
pub mod diff;
pub mod digest;
pub mod graph;
pub mod markdown;
pub mod model;
pub mod refresh;
pub mod render;

pub use model::{Action, Change, FieldChange, Plan, Summary};
