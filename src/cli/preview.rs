//! `gtplan preview PLAN JOB [--objects N] [--out FILE]`: the job's worker template rendered
//! with its first manifest objects, as HTML to open in a browser (`ops::preview`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::common::{ConnectArgs, VarArgs};
use crate::ops::{self, Error};

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    /// The job: its key in the plan (`pets`), its address (`job.pets`) or its name.
    pub job: String,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// How many manifest objects to render, one page each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub objects: u16,
    /// The HTML file to write (several objects: numbered beside it). Default:
    /// `.gtplan/preview/<job>.html`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn exec(args: &PreviewArgs) -> Result<ExitCode, Error> {
    let request = super::common::read_request(&args.plan, &args.vars, &args.connect);
    let out = args.out.clone().unwrap_or_else(|| {
        let key = args.job.strip_prefix("job.").unwrap_or(&args.job);
        PathBuf::from(".gtplan/preview").join(format!("{key}.html"))
    });
    let done = Box::pin(ops::preview(
        &request,
        &args.job,
        usize::from(args.objects),
        &out,
    ))
    .await?;
    for (page, object) in done.pages.iter().zip(&done.objects) {
        let shown = std::path::absolute(page).unwrap_or_else(|_| page.clone());
        println!("Rendered `{object}`: file://{}", shown.display());
    }
    println!(
        "Open the page in a browser to see what workers see. The task's buttons come from Ground Truth's crowd-html-elements.js, which the browser loads from assets.crowd.aws."
    );
    Ok(ExitCode::SUCCESS)
}
