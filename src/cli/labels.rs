//! `gtplan labels PLAN JOB [--format jsonl|csv] [--out FILE]`: a finished job's labels, one
//! row per object, with a summary of the label distribution on stderr.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use super::common::{ConnectArgs, VarArgs};
use crate::ops::{self, Error, LabelRow, LabelSummary, PlanRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated, with a header row; several labels are joined with `;`.
    Csv,
}

#[derive(Debug, Args)]
pub struct LabelsArgs {
    /// The plan file (TOML).
    pub plan: PathBuf,
    /// The job: its key in the plan (`pets`), its address (`job.pets`) or its name.
    pub job: String,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write the rows to this file instead of standard output (replaced only when complete).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn exec(args: &LabelsArgs) -> Result<ExitCode, Error> {
    let request = super::common::read_request(&args.plan, &args.vars, &args.connect);
    let summary = match &args.out {
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let summary = write_rows(&request, args, &mut out).await?;
            out.flush().map_err(|e| write_error(&e))?;
            summary
        }
        Some(path) => write_file(&request, args, path).await?,
    };
    eprint!("{}", describe(&summary, args.out.as_deref()));
    Ok(ExitCode::SUCCESS)
}

/// Writes next to `path` and renames into place: a failed run leaves no partial file (and an
/// earlier file as it was).
async fn write_file(
    request: &PlanRequest,
    args: &LabelsArgs,
    path: &Path,
) -> Result<LabelSummary, Error> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial).map_err(|e| {
        Error::user(
            format!("failed to create `{}`: {e}", partial.display()),
            "check that the folder exists and is writable",
        )
    })?;
    let mut out = BufWriter::new(file);
    let written = async {
        let summary = write_rows(request, args, &mut out).await?;
        out.flush().map_err(|e| write_error(&e))?;
        std::fs::rename(&partial, path).map_err(|e| {
            Error::user(
                format!("failed to move the labels to `{}`: {e}", path.display()),
                "check that the folder is writable",
            )
        })?;
        Ok(summary)
    }
    .await;
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

async fn write_rows(
    request: &PlanRequest,
    args: &LabelsArgs,
    out: &mut impl Write,
) -> Result<LabelSummary, Error> {
    if args.format == Format::Csv {
        writeln!(out, "object,label,confidence,labeled_by,label_ref,failure")
            .map_err(|e| write_error(&e))?;
    }
    // Boxed: the session it holds makes the future large.
    Box::pin(ops::labels(request, &args.job, |row| match args.format {
        Format::Jsonl => writeln!(out, "{}", jsonl(row)),
        Format::Csv => writeln!(out, "{}", csv(row)),
    }))
    .await
}

fn write_error(e: &std::io::Error) -> Error {
    Error::user(
        format!("failed to write the labels: {e}"),
        "check the disk or the pipe they go to",
    )
}

fn jsonl(row: &LabelRow) -> String {
    // A single label as a string, several (multi-label, boxes) as a list.
    let label = match row.labels.as_slice() {
        [] => json!(null),
        [one] => json!(one),
        many => json!(many),
    };
    json!({
        "object": row.object,
        "label": label,
        "confidence": row.confidence,
        "labeled_by": row.labeled_by,
        "label_ref": row.label_ref,
        "failure": row.failure,
    })
    .to_string()
}

fn csv(row: &LabelRow) -> String {
    let labeled_by = match row.labeled_by {
        ops::LabeledBy::Human => "human",
        ops::LabeledBy::Machine => "machine",
        ops::LabeledBy::None => "",
    };
    [
        row.object.clone(),
        row.labels.join(";"),
        row.confidence.map(|c| c.to_string()).unwrap_or_default(),
        labeled_by.to_owned(),
        row.label_ref.clone().unwrap_or_default(),
        row.failure.clone().unwrap_or_default(),
    ]
    .iter()
    .map(|cell| csv_cell(cell))
    .collect::<Vec<_>>()
    .join(",")
}

/// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// `5 objects from s3://…: 5 labeled (5 human, 0 machine), 0 without a label` and the classes.
fn describe(s: &LabelSummary, out: Option<&Path>) -> String {
    use std::fmt::Write as _;
    let mut text = format!(
        "{} objects from {}: {} labeled ({} human, {} machine), {} without a label\n",
        s.objects,
        s.output_manifest,
        s.human + s.machine,
        s.human,
        s.machine,
        s.unlabeled
    );
    let width = s
        .classes
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0);
    let total: u64 = s.classes.values().sum();
    let mut classes: Vec<(&String, &u64)> = s.classes.iter().collect();
    classes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (class, n) in classes {
        #[expect(
            clippy::cast_precision_loss,
            reason = "a percentage shown to one decimal"
        )]
        let share = *n as f64 * 100.0 / total.max(1) as f64;
        let _ = writeln!(text, "  {class:<width$}  {n:>6}  {share:5.1}%");
    }
    if let Some(path) = out {
        let _ = writeln!(text, "Wrote the labels to `{}`.", path.display());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
