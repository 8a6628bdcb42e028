//! The conventions of a command-line tool: shell completions (`gtplan completions SHELL`),
//! man pages (`gtplan man --out-dir DIR`, run by `scripts/man`) and the plan file's JSON
//! Schema for editors (`gtplan schema`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::ops::Error;

/// The plan file's JSON Schema (draft 2020-12), for editors: Even Better TOML / taplo.
pub const PLAN_SCHEMA: &str = include_str!("../../schema/plan.schema.json");

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish.
    pub shell: Shell,
}

pub fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut command = super::Cli::command();
    clap_complete::generate(args.shell, &mut command, "gtplan", &mut std::io::stdout());
    ExitCode::SUCCESS
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Where to write `gtplan.1` and a page per command (`gtplan-plan.1`, ...).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

pub fn man(args: &ManArgs) -> Result<ExitCode, Error> {
    let failed = |e: std::io::Error| {
        Error::user(
            format!(
                "failed to write man pages to `{}`: {e}",
                args.out_dir.display()
            ),
            "check that the folder is writable",
        )
    };
    std::fs::create_dir_all(&args.out_dir).map_err(failed)?;
    clap_mangen::generate_to(super::Cli::command(), &args.out_dir).map_err(failed)?;
    println!("Wrote man pages to `{}`.", args.out_dir.display());
    Ok(ExitCode::SUCCESS)
}

pub fn schema() -> ExitCode {
    print!("{PLAN_SCHEMA}");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::PLAN_SCHEMA;

    /// Every property name anywhere in the schema.
    fn properties(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(props)) = map.get("properties") {
                    out.extend(props.keys().cloned());
                }
                for v in map.values() {
                    properties(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| properties(v, out)),
            _ => {}
        }
    }

    /// The schema and the parser (`config/raw.rs`) know the same keys: a key added to one
    /// and not the other fails here.
    #[test]
    fn the_schema_names_every_key_the_parser_reads() {
        let schema: Value = serde_json::from_str(PLAN_SCHEMA).expect("the schema is JSON");
        let mut in_schema = BTreeSet::new();
        properties(&schema, &mut in_schema);
        let parser = include_str!("../config/raw.rs");
        let read = regex::Regex::new(r#"\((?:&mut )?(?:cx|root), "([a-z_]+)""#).expect("regex");
        let in_parser: BTreeSet<String> = read
            .captures_iter(parser)
            .map(|c| c[1].to_owned())
            .collect();
        assert!(
            in_parser.len() > 60,
            "the parser's keys are found: {in_parser:?}"
        );
        let missing: Vec<&String> = in_parser.difference(&in_schema).collect();
        assert!(missing.is_empty(), "keys the schema lacks: {missing:?}");
        let unknown: Vec<&String> = in_schema
            .iter()
            .filter(|k| !parser.contains(&format!("\"{k}\"")))
            .collect();
        assert!(
            unknown.is_empty(),
            "schema keys the parser does not read: {unknown:?}"
        );
    }
}
