//! `gtplan validate`: load and resolve a plan file without calling AWS.

use std::path::Path;

use crate::config::PLACEHOLDER_ACCOUNT;
use crate::model::desired::DesiredState;

use super::Error;
use super::plan::load;

/// A plan file that resolved: what it would manage.
pub struct Validated {
    pub desired: DesiredState,
}

/// Loads and resolves `path` with `vars` (and `GTPLAN_VAR_*`), for a placeholder account.
pub fn validate(path: &Path, vars: &[(String, String)]) -> Result<Validated, Error> {
    let file = load(path, vars)?;
    let desired = file.resolve(PLACEHOLDER_ACCOUNT)?;
    Ok(Validated { desired })
}
