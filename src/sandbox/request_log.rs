//! The optional request log: one JSON line per request (service, operation, whether it writes,
//! status, when it arrived and how long it took), for tests and benchmarks that count calls and
//! find which ran one after another.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct LogEntry<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    /// Whether the operation changes state.
    pub write: bool,
    /// When the request arrived: milliseconds since the Unix epoch (real time, not the
    /// sandbox's clock, which may stand still).
    pub start_ms: f64,
    /// 0 when the connection was closed without an answer.
    pub status: u16,
    pub duration_ms: f64,
    /// The bucket an S3 request is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<&'a str>,
    /// The injected fault, if any (`throttle`, `error`, `reset`, `drop`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<&'static str>,
}

pub struct RequestLog {
    file: Mutex<File>,
}

impl RequestLog {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// Appends one line. A failed write is ignored: logging must never fail a request.
    pub fn append(&self, entry: &LogEntry<'_>) {
        if let Ok(mut line) = serde_json::to_vec(entry) {
            line.push(b'\n');
            let mut f = self
                .file
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = f.write_all(&line);
        }
    }
}
