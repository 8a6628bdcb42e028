//! `gtplan init --task-type T [--region R] [DIR]`: writes a ready plan for one task type with a
//! small sample manifest (see `scaffold`). Never overwrites: if any file it would write exists,
//! it writes nothing and says which.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::CliError;
use crate::catalog::{regions, task_types::TASK_TYPES};
use crate::config::suggest;
use crate::scaffold::{self, PLAN_FILE};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The task type, e.g. BoundingBox (`gtplan task-types` lists them).
    #[arg(long, value_name = "TYPE")]
    pub task_type: String,
    /// The AWS region the plan targets.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// The folder to write into (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

pub fn exec(args: &InitArgs) -> Result<ExitCode, CliError> {
    let Some(task) = crate::catalog::find(&args.task_type) else {
        let names: Vec<&str> = TASK_TYPES.iter().map(|t| t.name).collect();
        let hint = match suggest::did_you_mean(&args.task_type, &names) {
            Some(close) => format!("did you mean `{close}`? (`gtplan task-types` lists them all)"),
            None => "`gtplan task-types` lists the built-in task types".to_owned(),
        };
        return Err(CliError::user(
            format!("unknown task type `{}`", args.task_type),
            hint,
        ));
    };
    if let Err(unsupported) = regions::require(&args.region) {
        return Err(CliError::user(unsupported.to_string(), unsupported.hint()));
    }
    let files = scaffold::scaffold(task, &args.region);
    let existing: Vec<String> = files
        .iter()
        .filter(|f| args.dir.join(&f.path).exists())
        .map(|f| args.dir.join(&f.path).display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(CliError::user(
            format!(
                "`gtplan init` would overwrite {}",
                existing
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "nothing was written: choose an empty folder, e.g. `gtplan init --task-type ... my-plan`",
        ));
    }
    for f in &files {
        let path = args.dir.join(&f.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &f.body));
        if let Err(e) = written {
            return Err(CliError::user(
                format!("failed to write `{}`: {e}", path.display()),
                "check that the folder is writable",
            ));
        }
    }
    let plan = args.dir.join(PLAN_FILE);
    println!(
        "Wrote a `{}` plan for {} to {} ({} files).\n\nNext:\n  gtplan apply {} --sandbox    # try it locally, without an AWS account\n  gtplan plan {}               # against your AWS account (set the `workteam` variable first)",
        task.name,
        args.region,
        args.dir.display(),
        files.len(),
        plan.display(),
        plan.display()
    );
    Ok(ExitCode::SUCCESS)
}
