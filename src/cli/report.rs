//! The one error report: every error a command ends with is rendered the same way, by miette,
//! as `× what went wrong` with its `help:` (and, for plan-file problems, the file, line and a
//! caret under the value). Several errors are shown together, the first as the main one.

use std::fmt;
use std::io::IsTerminal;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::cloud::CloudError;
use crate::error_chain::error_chain;
use crate::ops::Error;
use crate::plan::render;

/// Prints `err` to stderr, in color when stderr is a terminal.
pub fn report(err: &Error) {
    eprint!("{}", render(err, std::io::stderr().is_terminal()));
}

/// The report for `err`, as [`report`] prints it.
pub fn render(err: &Error, color: bool) -> String {
    let handler = handler(color);
    let mut out = String::new();
    let rendered = match err {
        Error::Config(e) => handler.render_report(&mut out, e.as_ref()),
        other => handler.render_report(&mut out, &diagnostic(other)),
    };
    if rendered.is_err() {
        out = format!("error: {}\n", error_chain(err));
    }
    if let Some(footer) = footer(err) {
        out.push('\n');
        out.push_str(&footer);
        out.push('\n');
    }
    out
}

/// The renderer of every report. Long lines wrap at spaces only: a hyphen in a region name or
/// an ARN is not a place to break.
pub fn handler(color: bool) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    })
    .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// A message with its help, and more of them shown after it.
#[derive(Debug)]
struct Report {
    message: String,
    help: Option<String>,
    more: Vec<Report>,
}

impl Report {
    fn new(message: String, help: Option<String>) -> Self {
        Self {
            message,
            help,
            more: Vec::new(),
        }
    }

    /// The first of `reports` as the main one, the rest after it.
    fn many(mut reports: Vec<Report>) -> Self {
        if reports.is_empty() {
            return Self::new("failed without a reason (a gtplan bug)".to_owned(), None);
        }
        let mut first = reports.remove(0);
        first.more = reports;
        first
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.more.is_empty())
            .then(|| Box::new(self.more.iter().map(|r| r as &dyn Diagnostic)) as Box<_>)
    }
}

fn diagnostic(err: &Error) -> Report {
    match err {
        Error::Config(e) => Report::new(e.to_string(), None),
        Error::Plan(errors) => Report::many(
            errors
                .0
                .iter()
                .map(|e| {
                    let fields = render::error_fields(e);
                    let message = format!("{}: {}\n{}", e.address, e.message, fields);
                    Report::new(message.trim_end().to_owned(), Some(e.hint.clone()))
                })
                .collect(),
        ),
        Error::Apply { failure, .. } => Report::many(
            failure
                .errors
                .iter()
                .map(|e| Report::new(error_chain(e), e.hint().map(ToOwned::to_owned)))
                .collect(),
        ),
        Error::Cloud(e) => Report::new(error_chain(e), cloud_hint(e).map(ToOwned::to_owned)),
        Error::LockHeld { spot, holder, .. } => Report::new(
            err.to_string(),
            Some(format!(
                "wait for that run to finish (or pass a longer `--lock-timeout`); if it is gone, `gtplan force-unlock PLAN {}` deletes the lock `{spot}`",
                holder.id
            )),
        ),
        Error::Interrupted => Report::new(
            "interrupted: changes already started have finished, the lock is released".to_owned(),
            Some("run `gtplan apply` again: it continues from what exists".to_owned()),
        ),
        Error::Verify(_) => Report::new(
            err.to_string(),
            Some("something changed them while apply ran, or AWS did not keep a write: run `gtplan plan` to see the differences, and `gtplan apply` to converge".to_owned()),
        ),
        Error::User { message, hint } => Report::new(message.clone(), hint.clone()),
    }
}

/// What the user should know after the errors: what was (not) changed.
fn footer(err: &Error) -> Option<String> {
    match err {
        Error::Plan(errors) => {
            let n = errors.0.len();
            Some(format!(
                "planning failed with {n} error{}; nothing was changed",
                if n == 1 { "" } else { "s" }
            ))
        }
        Error::Apply { command, failure } => Some(format!(
            "{} changes were applied ({} writes) before {} stopped.",
            failure.report.applied,
            failure.report.writes,
            command.name()
        )),
        _ => None,
    }
}

fn cloud_hint(e: &CloudError) -> Option<&'static str> {
    match e {
        CloudError::Unreachable { .. } => {
            Some("check the endpoint and your network; to try gtplan without AWS, pass `--sandbox`")
        }
        CloudError::Transport { .. } => Some(
            "check your credentials and network (`aws sts get-caller-identity` should work), or pass `--sandbox` to try gtplan without AWS",
        ),
        CloudError::Service { code, .. } if code.contains("AccessDenied") => Some(
            "the caller lacks a permission gtplan needs; see docs/plan-file.md for the IAM actions gtplan calls",
        ),
        _ => None,
    }
}
