//! Planning: refresh reads live state, `diff` compares it with the desired state (a pure
//! function), the renderers print the result.

pub mod model;

pub use model::{Action, Change, FieldChange, Plan, Step, Summary};
