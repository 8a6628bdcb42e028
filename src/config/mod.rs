//! Plan files: the first stage of the pipeline and the only one that reads user text.
//!
//! `load` reads the TOML file, checks every key and type, merges the variables and validates
//! the whole plan (it resolves it once for a placeholder account, so every mistake is found
//! before any AWS call). `PlanFile::resolve` then builds the `DesiredState` for the real account:
//! validated names, rendered policies and label configs, upload bodies with their hashes, and
//! every labeling job's full request with the catalog's ARNs for the plan's region.

mod checks;
mod duration;
mod error;
mod files;
pub mod manifest;
mod parse_cache;
mod raw;
mod reader;
mod resolve;
pub(crate) mod suggest;
mod template;
mod upload;
mod vars;
mod worker_ui;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use duration::{format_seconds, parse_seconds};
pub use error::{ConfigError, Problem, SourceFile};
pub use vars::VarOverrides;

use crate::model::desired::DesiredState;
use crate::model::names::{PlanName, Region};
use error::Problems;
use parse_cache::ParseCache;
use raw::RawPlan;
use reader::Located;

/// The account `gtplan validate` resolves plans for: no AWS call is needed to validate.
pub const PLACEHOLDER_ACCOUNT: &str = "000000000000";

/// A plan file that parsed and passed every check.
#[derive(Debug, Clone)]
pub struct PlanFile {
    path: PathBuf,
    /// The folder relative paths in the plan are resolved from.
    dir: PathBuf,
    source: SourceFile,
    raw: RawPlan,
    name: PlanName,
    region: Region,
    /// `[vars]` defaults with the environment's and the command line's values applied.
    vars: BTreeMap<String, String>,
    /// What its resolves parse once for all (the clones share it).
    parsed: Arc<ParseCache>,
}

impl PlanFile {
    pub fn name(&self) -> &PlanName {
        &self.name
    }

    pub fn region(&self) -> &Region {
        &self.region
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Builds the desired state for `account_id`. Makes no AWS call.
    pub fn resolve(&self, account_id: &str) -> Result<DesiredState, ConfigError> {
        resolve::resolve(self, account_id)
    }
}

/// Reads, checks and validates a plan file: it also resolves it once (for a placeholder
/// account), so that every mistake surfaces before the caller talks to AWS.
pub fn load(path: &Path, vars: &VarOverrides) -> Result<PlanFile, ConfigError> {
    let file = read(path, vars)?;
    file.resolve(PLACEHOLDER_ACCOUNT)?;
    Ok(file)
}

/// Reads a plan file and checks what is needed before resolving it (its name, region and
/// variables); [`PlanFile::resolve`] finds every other mistake.
pub fn read(path: &Path, vars: &VarOverrides) -> Result<PlanFile, ConfigError> {
    let text = files::read_text(path, files::MAX_TEXT_BYTES).map_err(|e| {
        let help = match e {
            files::FileError::NotUtf8 { .. } => "save the plan file as UTF-8",
            _ => "pass the path of a plan file such as `plans/quickstart.toml`",
        };
        ConfigError::single(
            Problem::plain(format!("plan file `{}` {e}", path.display())).help(help),
        )
    })?;
    let source = SourceFile::new(path.display().to_string(), text);
    let raw = raw::parse(&source)?;
    let mut problems = Problems::default();
    let merged = merge_vars(&source, &raw, vars, &mut problems);
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    let name = early_value(&source, &raw.name, &merged, &mut problems, "name", |s| {
        PlanName::parse(s)
    });
    let region = early_value(
        &source,
        &raw.region,
        &merged,
        &mut problems,
        "region",
        Region::parse,
    );
    if let Some(region) = &region
        && let Err(unsupported) = crate::catalog::regions::require(region.as_str())
    {
        problems.push(
            Problem::at(
                &source,
                raw.region.span.clone(),
                unsupported.to_string(),
                "unsupported region",
            )
            .help(unsupported.hint()),
        );
    }
    let (Some(name), Some(region)) = (name, region) else {
        return Err(problems.into_error());
    };
    if !problems.is_empty() {
        return Err(problems.into_error());
    }
    Ok(PlanFile {
        path: path.to_path_buf(),
        dir,
        source,
        raw,
        name,
        region,
        vars: merged,
        parsed: Arc::default(),
    })
}

/// `name` and `region` are needed before anything else; `${account_id}` is not known yet.
fn early_value<T>(
    source: &SourceFile,
    value: &Located<String>,
    vars: &BTreeMap<String, String>,
    problems: &mut Problems,
    key: &str,
    parse: impl Fn(&str) -> Result<T, crate::model::names::NameError>,
) -> Option<T> {
    let expanded = match vars::expand(&value.value, |n| vars.get(n).cloned()) {
        Ok(s) => s,
        Err(e) => {
            let (name, at) = match e {
                vars::ExpandError::Unknown { name, at } => (name, at),
                vars::ExpandError::Unterminated { at } => (String::new(), at),
            };
            let span = reader::sub_span(source, value, &at);
            let help = if vars::BUILT_IN.contains(&name.as_str()) {
                format!(
                    "`${{{name}}}` is not known while the plan's `{key}` is read; write the {key} without it"
                )
            } else {
                format!(
                    "declare it in `[vars]`; known variables: {}",
                    suggest::list(vars.keys())
                )
            };
            problems.push(
                Problem::at(
                    source,
                    span,
                    format!("unknown variable `{name}` in the plan's `{key}`"),
                    "unknown variable",
                )
                .help(help),
            );
            return None;
        }
    };
    match parse(&expanded) {
        Ok(v) => Some(v),
        Err(e) => {
            problems
                .push(Problem::at(source, value.span.clone(), e.problem, "invalid").help(e.hint));
            None
        }
    }
}

/// `[vars]` defaults, then `GTPLAN_VAR_*`, then `--var`. A `--var` must name a declared
/// variable (a typo would otherwise be silently ignored); environment variables for names the
/// plan does not declare are ignored, since the environment may be set up for other plans.
fn merge_vars(
    source: &SourceFile,
    raw: &RawPlan,
    overrides: &VarOverrides,
    problems: &mut Problems,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for (name, value) in &raw.vars {
        if vars::BUILT_IN.contains(&name.value.as_str()) {
            problems.push(
                Problem::at(
                    source,
                    name.span.clone(),
                    format!(
                        "variable `{}` is built in and cannot be declared",
                        name.value
                    ),
                    "built-in variable",
                )
                .help(format!(
                    "gtplan sets {} itself; choose another name",
                    suggest::list(vars::BUILT_IN)
                )),
            );
            continue;
        }
        // A default may use the built-in variables (`gtplan-${account_id}`), nothing else:
        // they are expanded when the plan is resolved, other names would be an order puzzle.
        if let Err(e) = vars::expand(&value.value, |n| {
            vars::BUILT_IN.contains(&n).then(String::new)
        }) {
            let at = match &e {
                vars::ExpandError::Unknown { at, .. } | vars::ExpandError::Unterminated { at } => {
                    at
                }
            };
            problems.push(
                Problem::at(
                    source,
                    reader::sub_span(source, value, at),
                    format!("variable `{}` refers to another variable", name.value),
                    "not a built-in variable",
                )
                .help(format!(
                    "a `[vars]` value may only use the built-in variables {}",
                    suggest::list(vars::BUILT_IN)
                )),
            );
        }
        vars.insert(name.value.clone(), value.value.clone());
    }
    for (name, value) in &overrides.env {
        if let Some(slot) = vars.get_mut(name) {
            slot.clone_from(value);
        }
    }
    for (name, value) in &overrides.cli {
        if let Some(slot) = vars.get_mut(name) {
            slot.clone_from(value);
        } else {
            let declared: Vec<&String> = vars.keys().collect();
            let help = match suggest::did_you_mean(name, &declared) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "declare it in `[vars]` with a default; declared variables: {}",
                    suggest::list(&declared)
                ),
            };
            problems.push(
                Problem::plain(format!(
                    "`--var {name}` sets a variable that `{}` does not declare",
                    source.name()
                ))
                .help(help),
            );
        }
    }
    vars
}

#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tests;
