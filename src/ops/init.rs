//! `gtplan init`: write a ready plan for one task type with sample data (see `scaffold`).
//! Never overwrites: if any file it would write exists, it writes nothing and says which.

use std::path::{Path, PathBuf};

use crate::catalog::{TaskType, regions, task_types::TASK_TYPES};
use crate::config::suggest;
use crate::scaffold::{self, PLAN_FILE};

use super::Error;

/// What `init` wrote.
pub struct Initialized {
    pub task: &'static TaskType,
    /// The plan file, inside the folder.
    pub plan: PathBuf,
    pub files: usize,
}

/// `private_team`: scaffold the plan's own private workforce and team (see `scaffold`).
pub fn init(
    task_type: &str,
    region: &str,
    dir: &Path,
    private_team: bool,
) -> Result<Initialized, Error> {
    let Some(task) = crate::catalog::find(task_type) else {
        let names: Vec<&str> = TASK_TYPES.iter().map(|t| t.name).collect();
        let hint = match suggest::did_you_mean(task_type, &names) {
            Some(close) => format!("did you mean `{close}`? (`gtplan task-types` lists them all)"),
            None => "`gtplan task-types` lists the built-in task types".to_owned(),
        };
        return Err(Error::user(
            format!("unknown task type `{task_type}`"),
            hint,
        ));
    };
    if let Err(unsupported) = regions::require(region) {
        return Err(Error::user(unsupported.to_string(), unsupported.hint()));
    }
    let files = scaffold::scaffold(task, region, private_team);
    let existing: Vec<String> = files
        .iter()
        .filter(|f| dir.join(&f.path).exists())
        .map(|f| format!("`{}`", dir.join(&f.path).display()))
        .collect();
    if !existing.is_empty() {
        return Err(Error::user(
            format!("`gtplan init` would overwrite {}", existing.join(", ")),
            "nothing was written: choose an empty folder, e.g. `gtplan init --task-type ... my-plan`",
        ));
    }
    for f in &files {
        let path = dir.join(&f.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &f.body));
        if let Err(e) = written {
            return Err(Error::user(
                format!("failed to write `{}`: {e}", path.display()),
                "check that the folder is writable",
            ));
        }
    }
    Ok(Initialized {
        task,
        plan: dir.join(PLAN_FILE),
        files: files.len(),
    })
}
