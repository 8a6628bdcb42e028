//! `gtplan validate`: load and resolve a plan file without calling AWS.

use std::path::Path;

use crate::config::{self, PLACEHOLDER_ACCOUNT, VarOverrides};
use crate::model::desired::DesiredState;

use super::Error;

/// A plan file that resolved: what it would manage.
pub struct Validated {
    pub desired: DesiredState,
}

/// Loads and resolves `path` with `vars` (and `GTPLAN_VAR_*`), for a placeholder account.
pub fn validate(path: &Path, vars: &[(String, String)]) -> Result<Validated, Error> {
    // Read, then resolved once: `config::load` would resolve it a second time.
    let file = config::read(path, &VarOverrides::from_env_and_cli(vars.to_vec()))?;
    let desired = file.resolve(PLACEHOLDER_ACCOUNT)?;
    Ok(Validated { desired })
}
