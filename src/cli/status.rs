//! `gtplan status [PLAN] [--watch] [--json]`: each labeling job of a plan with its status and
//! label counters; `--watch` follows them until every job has finished, for people (progress
//! bars) and for CI (plain lines, and an exit code that says whether every job completed).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use super::common::{ConnectArgs, VarArgs, parse_duration};
use crate::config::format_seconds;
use crate::model::job::JobStatus;
use crate::ops::{self, Error, JobReport, JobState, JobWatch};

/// `--watch`: a job failed or was stopped (0: every job completed; 1: gtplan itself failed).
pub const EXIT_NOT_COMPLETED: u8 = 3;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The plan file (TOML).
    #[arg(default_value = crate::scaffold::PLAN_FILE)]
    pub plan: PathBuf,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
    /// Follow the jobs until every one has finished; exit 0 when all completed, 3 when one
    /// failed or was stopped.
    #[arg(long)]
    pub watch: bool,
    /// How often `--watch` asks SageMaker, e.g. `30s`, `2m`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,
    /// Give up watching after this long (exit 1), e.g. `2h`; by default watch until done.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Print JSON (with `--watch`: one document per line, each time something changes).
    #[arg(long)]
    pub json: bool,
}

pub async fn exec(args: &StatusArgs) -> Result<ExitCode, Error> {
    let request = super::common::read_request(&args.plan, &args.vars, &args.connect);
    let watch = JobWatch::open(&request).await?;
    if !args.watch {
        let reports = watch.read().await?;
        if args.json {
            let doc = to_json(&watch, &reports, ops::now_millis());
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        } else {
            print!("{}", table(&reports, ops::now_millis()));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut view = if args.json {
        View::Json(String::new())
    } else if std::io::stdout().is_terminal() {
        View::Bars(Bars::default())
    } else {
        View::Lines(BTreeMap::new())
    };
    let started = Instant::now();
    loop {
        let reports = watch.read().await?;
        view.show(&watch, &reports);
        // Jobs that do not exist are not waited for: only an apply creates them.
        let waiting_on = reports
            .iter()
            .filter(|r| matches!(r.state, JobState::Exists(_)) && !r.is_finished())
            .count();
        if waiting_on == 0 {
            view.finish();
            return Ok(outcome(&reports));
        }
        if let Some(limit) = args
            .timeout
            .filter(|t| started.elapsed() + args.interval > *t)
        {
            view.finish();
            return Err(Error::user(
                format!(
                    "{waiting_on} labeling job(s) still running after {}",
                    format_seconds(limit.as_secs())
                ),
                "watch longer with a larger `--timeout`, or stop the jobs by removing them from the plan and applying",
            ));
        }
        tokio::time::sleep(args.interval).await;
    }
}

/// 0 when every job that exists completed; [`EXIT_NOT_COMPLETED`] otherwise.
fn outcome(reports: &[JobReport]) -> ExitCode {
    let all_completed = reports.iter().all(|r| match &r.state {
        JobState::Exists(job) => job.status == JobStatus::Completed,
        _ => true,
    });
    if all_completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_NOT_COMPLETED)
    }
}

/// How `--watch` shows progress.
enum View {
    /// A progress bar per job on a terminal.
    Bars(Bars),
    /// A line per job whenever it changes, for logs; the last line shown per job.
    Lines(BTreeMap<String, String>),
    /// A JSON document per change; the last one shown.
    Json(String),
}

impl View {
    fn show(&mut self, watch: &JobWatch, reports: &[JobReport]) {
        let now = ops::now_millis();
        match self {
            View::Bars(bars) => bars.show(reports, now),
            View::Lines(shown) => {
                for r in reports {
                    // Without the running time: a line is printed when the job changes.
                    let line = format!("{}: {}", r.address, summary(r));
                    if shown.get(&r.name) != Some(&line) {
                        println!("{line}");
                        shown.insert(r.name.clone(), line);
                    }
                }
            }
            View::Json(last) => {
                let mut doc = to_json(watch, reports, now);
                // Compare without the clock, which moves on every poll.
                strip_running(&mut doc);
                let text = doc.to_string();
                if *last != text {
                    println!("{text}");
                    *last = text;
                }
            }
        }
    }

    fn finish(&mut self) {
        if let View::Bars(bars) = self {
            for bar in bars.bars.values() {
                bar.abandon();
            }
        }
    }
}

fn strip_running(doc: &mut Value) {
    if let Some(jobs) = doc["jobs"].as_array_mut() {
        for job in jobs {
            if let Some(job) = job.as_object_mut() {
                job.remove("running_seconds");
            }
        }
    }
}

#[derive(Default)]
struct Bars {
    multi: Option<MultiProgress>,
    bars: BTreeMap<String, ProgressBar>,
}

impl Bars {
    fn show(&mut self, reports: &[JobReport], now: i64) {
        let multi = self
            .multi
            .get_or_insert_with(|| MultiProgress::with_draw_target(ProgressDrawTarget::stdout()));
        // Rate and ETA come from SageMaker's counters and times, not from when this process
        // happened to see them change.
        let style = ProgressStyle::with_template("{prefix:20} [{bar:30}] {pos}/{len}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        for r in reports {
            let total = u64::from(r.total().unwrap_or(0));
            let bar = self.bars.entry(r.name.clone()).or_insert_with(|| {
                let bar = multi.add(ProgressBar::new(total));
                bar.set_style(style.clone());
                bar.set_prefix(r.address.to_string());
                bar
            });
            if let JobState::Exists(job) = &r.state {
                bar.set_length(total);
                bar.set_position(u64::from(
                    job.counters.total_labeled + job.counters.failed_non_retryable_error,
                ));
            }
            let mut message = status_word(r);
            if let Some(took) = running(r, now) {
                let _ = write!(message, ", {took}");
            }
            if let Some(pace) = pace(r, now) {
                let _ = write!(message, ", {pace}");
            }
            bar.set_message(message);
            if r.is_finished() {
                bar.abandon();
            }
        }
    }
}

/// `1.5 labels/s, eta 2m` for a running job that has labeled something.
fn pace(r: &JobReport, now: i64) -> Option<String> {
    let JobState::Exists(job) = &r.state else {
        return None;
    };
    let seconds = u64::try_from(r.running_millis(now)? / 1000).ok()?;
    let done = u64::from(job.counters.total_labeled + job.counters.failed_non_retryable_error);
    if !job.status.is_running() || done == 0 || seconds == 0 {
        return None;
    }
    let tenths_per_second = done * 10 / seconds;
    let eta = (u64::from(job.counters.unlabeled) * seconds).div_ceil(done);
    Some(format!(
        "{}.{} labels/s, eta {}",
        tenths_per_second / 10,
        tenths_per_second % 10,
        format_seconds(eta)
    ))
}

/// How long the job has run, as `1h2m3s`.
fn running(r: &JobReport, now: i64) -> Option<String> {
    r.running_millis(now)
        .map(|ms| format_seconds(u64::try_from(ms / 1000).unwrap_or(0)))
}

/// The status as one word: SageMaker's, or why there is none.
fn status_word(r: &JobReport) -> String {
    match &r.state {
        JobState::NotCreated => "not created (apply creates it)".to_owned(),
        JobState::Waiting { upstream } => format!("waiting for {upstream}"),
        JobState::Exists(job) => job.status.as_str().to_owned(),
    }
}

/// `InProgress, 3 of 5 labeled (3 human, 0 machine), 0 failed, 2 unlabeled`, and why it failed.
fn summary(r: &JobReport) -> String {
    let JobState::Exists(job) = &r.state else {
        return status_word(r);
    };
    let c = &job.counters;
    let mut out = format!(
        "{}, {} of {} labeled ({} human, {} machine), {} failed, {} unlabeled",
        job.status.as_str(),
        c.total_labeled,
        ops::total(c),
        c.human_labeled,
        c.machine_labeled,
        c.failed_non_retryable_error,
        c.unlabeled
    );
    if let Some(reason) = &job.failure_reason {
        let _ = write!(out, ": {reason}");
    }
    out
}

/// The jobs as an aligned table, then the reasons of failed jobs.
fn table(reports: &[JobReport], now: i64) -> String {
    let header = [
        "JOB",
        "NAME",
        "STATUS",
        "LABELED",
        "HUMAN",
        "MACHINE",
        "FAILED",
        "UNLABELED",
        "TOTAL",
        "RUNNING",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(ToString::to_string).collect()];
    for r in reports {
        let mut row = vec![r.address.to_string(), r.name.clone(), status_word(r)];
        match &r.state {
            JobState::Exists(job) => {
                let c = &job.counters;
                row.extend(
                    [
                        c.total_labeled,
                        c.human_labeled,
                        c.machine_labeled,
                        c.failed_non_retryable_error,
                        c.unlabeled,
                        ops::total(c),
                    ]
                    .map(|n| n.to_string()),
                );
                row.push(running(r, now).unwrap_or_else(|| "-".to_owned()));
            }
            _ => row.extend(std::iter::repeat_n("-".to_owned(), 7)),
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", line.join("  ").trim_end());
    }
    for r in reports {
        if let JobState::Exists(job) = &r.state
            && let Some(reason) = &job.failure_reason
        {
            let _ = writeln!(out, "\n{} failed: {reason}", r.address);
        }
    }
    out
}

/// `gtplan status --json` (documented in docs/status-json.md).
fn to_json(watch: &JobWatch, reports: &[JobReport], now: i64) -> Value {
    let jobs: Vec<Value> = reports
        .iter()
        .map(|r| {
            let mut v = json!({
                "address": r.address.to_string(),
                "name": r.name,
            });
            match &r.state {
                JobState::NotCreated => v["status"] = json!("NotCreated"),
                JobState::Waiting { upstream } => {
                    v["status"] = json!("Waiting");
                    v["waits_for"] = json!(upstream.to_string());
                }
                JobState::Exists(job) => {
                    let c = &job.counters;
                    v["status"] = json!(job.status.as_str().to_owned());
                    v["arn"] = json!(job.arn);
                    v["counters"] = json!({
                        "labeled": c.total_labeled,
                        "human": c.human_labeled,
                        "machine": c.machine_labeled,
                        "failed": c.failed_non_retryable_error,
                        "unlabeled": c.unlabeled,
                        "total": ops::total(c),
                    });
                    v["failure_reason"] = json!(job.failure_reason);
                    v["output_manifest"] = json!(job.output_manifest_uri);
                    v["running_seconds"] = json!(r.running_millis(now).map(|ms| ms / 1000));
                }
            }
            v
        })
        .collect();
    let existing: Vec<&JobReport> = reports
        .iter()
        .filter(|r| matches!(r.state, JobState::Exists(_)))
        .collect();
    json!({
        "plan": watch.plan().plan.as_str(),
        "region": watch.plan().region.as_str(),
        "finished": existing.iter().all(|r| r.is_finished()),
        "all_completed": existing.iter().all(|r| matches!(&r.state, JobState::Exists(j) if j.status == JobStatus::Completed)),
        "jobs": jobs,
    })
}
