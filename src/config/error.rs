//! Errors of loading and resolving a plan file. Every problem found in the text points at it:
//! the file (or a rendered template, or a data file such as a manifest) travels with the
//! problem as a miette `NamedSource`, so the report shows file:line:col, a caret under the
//! offending value and a `help:` line. Independent problems are collected and reported
//! together, the first as the main diagnostic and the rest as related ones.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode};

/// A text that problems can point into: the plan file, a rendered template, a manifest.
#[derive(Clone)]
pub struct SourceFile(Arc<NamedSource<String>>);

impl SourceFile {
    pub fn new(name: impl AsRef<str>, text: String) -> Self {
        Self(Arc::new(NamedSource::new(name, text)))
    }

    pub fn text(&self) -> &str {
        self.0.inner()
    }

    pub fn name(&self) -> &str {
        self.0.name()
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SourceFile({})", self.name())
    }
}

/// One thing wrong with a plan: a lowercase message naming the field, where it is, and a hint.
#[derive(Debug, Clone)]
pub struct Problem {
    pub message: String,
    pub source: Option<SourceFile>,
    /// The first label is the primary one.
    pub labels: Vec<(Range<usize>, String)>,
    pub help: Option<String>,
}

impl Problem {
    /// A problem at a place in `source`.
    pub fn at(
        source: &SourceFile,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.clone()),
            labels: vec![(span, label.into())],
            help: None,
        }
    }

    /// A problem that has no place in a text (a file that cannot be read, a `--var` flag).
    pub fn plain(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help: None,
        }
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn label(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.labels.push((span, label.into()));
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl Diagnostic for Problem {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source
            .as_ref()
            .map(|s| s.0.as_ref() as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.source.is_none() || self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().enumerate().map(
            |(i, (span, label))| {
                let label = (!label.is_empty()).then(|| label.clone());
                if i == 0 {
                    LabeledSpan::new_primary_with_span(label, span.clone())
                } else {
                    LabeledSpan::new_with_span(label, span.clone())
                }
            },
        )))
    }
}

/// How many problems one report shows; the rest are counted.
pub const MAX_SHOWN: usize = 50;

/// Everything wrong with a plan file (at least one problem).
#[derive(Debug, Clone)]
pub struct ConfigError {
    problems: Vec<Problem>,
}

impl ConfigError {
    /// `None` when there is nothing to report. Problems are put in reading order: grouped by
    /// file in order of first appearance, then by position.
    pub fn from_problems(mut problems: Vec<Problem>) -> Option<Self> {
        let mut files: Vec<Option<String>> = Vec::new();
        for p in &problems {
            let file = p.source.as_ref().map(|s| s.name().to_owned());
            if !files.contains(&file) {
                files.push(file);
            }
        }
        problems.sort_by_key(|p| {
            let file = p.source.as_ref().map(|s| s.name().to_owned());
            let group = files.iter().position(|f| *f == file).unwrap_or_default();
            let at = p.labels.first().map_or(0, |(span, _)| span.start);
            (group, at)
        });
        if problems.len() > MAX_SHOWN {
            let hidden = problems.len() - MAX_SHOWN;
            problems.truncate(MAX_SHOWN);
            problems.push(
                Problem::plain(format!("{hidden} more problems are not shown"))
                    .help("fix these and run again to see the rest"),
            );
        }
        (!problems.is_empty()).then_some(Self { problems })
    }

    pub fn single(problem: Problem) -> Self {
        Self {
            problems: vec![problem],
        }
    }

    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    fn first(&self) -> &Problem {
        // Constructors guarantee at least one problem.
        &self.problems[0]
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.first(), f)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.first().help()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.first().source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.first().labels()
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.problems.len() < 2 {
            return None;
        }
        Some(Box::new(
            self.problems[1..].iter().map(|p| p as &dyn Diagnostic),
        ))
    }
}

/// Collects problems while a stage keeps going, so one run reports them all.
#[derive(Debug, Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many so far: a stage compares before and after to see whether it found any.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The collected problems as an error (an internal one if, wrongly, there are none).
    pub fn into_error(self) -> ConfigError {
        ConfigError::from_problems(self.0).unwrap_or_else(|| {
            ConfigError::single(Problem::plain(
                "the plan is invalid but no problem was recorded (a gtplan bug)",
            ))
        })
    }

    pub fn into_result<T>(self, value: T) -> Result<T, ConfigError> {
        match ConfigError::from_problems(self.0) {
            Some(e) => Err(e),
            None => Ok(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_problems_show_the_first_fifty_and_count_the_rest() {
        let source = SourceFile::new("plan.toml", "x\n".repeat(1000));
        let problems = (0..1000)
            .rev()
            .map(|i| Problem::at(&source, i * 2..i * 2 + 1, format!("problem {i}"), ""))
            .collect();
        let error = ConfigError::from_problems(problems).expect("problems");
        let shown = error.problems();
        assert_eq!(shown.len(), MAX_SHOWN + 1);
        assert_eq!(shown[0].message, "problem 0", "in reading order");
        assert_eq!(shown[MAX_SHOWN - 1].message, "problem 49");
        assert_eq!(shown[MAX_SHOWN].message, "950 more problems are not shown");
    }
}
