//! Admin endpoints under `/_gtplan/` (not part of any AWS API):
//!
//! - `POST /_gtplan/reset` — forget every resource (blobs stay on disk, unreferenced).
//! - `GET  /_gtplan/state` — the whole world as JSON.
//! - `PUT  /_gtplan/latency?ms=N` — add a fixed delay of N ms to every non-admin request.
//! - `GET  /_gtplan/health` — `ok` once the server accepts requests.
//! - `PUT  /_gtplan/hold-writes?after=N` — let N more writes through, then hold every write
//!   until `DELETE /_gtplan/hold-writes` (tests interrupt clients at exact points with it).

use std::sync::atomic::Ordering;

use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use s3s::Body;

use super::Shared;
use super::router::plain;

pub fn handle(req: &Request<Incoming>, shared: &Shared) -> (String, Response<Body>) {
    let path = req.uri().path().trim_start_matches(super::ADMIN_PREFIX);
    let op = path.to_owned();
    let response = match (req.method(), path) {
        (&Method::GET, "health") => plain(StatusCode::OK, "ok"),
        (&Method::POST, "reset") => match shared
            .store
            .reset(|w| crate::sandbox::sagemaker::seed(w, &shared.config.account_id))
        {
            Ok(()) => plain(StatusCode::OK, "reset"),
            Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        },
        (&Method::GET, "state") => {
            let world = shared.store.snapshot();
            match serde_json::to_string_pretty(&world) {
                Ok(json) => {
                    let mut r = plain(StatusCode::OK, json);
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    r
                }
                Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
        (&Method::PUT | &Method::POST, "latency") => match query_u64(req, "ms") {
            Some(ms) => {
                shared.latency_ms.store(ms, Ordering::Relaxed);
                plain(StatusCode::OK, format!("latency {ms} ms"))
            }
            None => plain(
                StatusCode::BAD_REQUEST,
                "expected ?ms=N with N a whole number of milliseconds",
            ),
        },
        (&Method::PUT, "hold-writes") => match query_u64(req, "after") {
            Some(n) => {
                shared.write_gate.hold_after(n);
                plain(StatusCode::OK, format!("holding writes after {n} more"))
            }
            None => plain(StatusCode::BAD_REQUEST, "expected ?after=N"),
        },
        (&Method::DELETE, "hold-writes") => {
            shared.write_gate.release();
            plain(StatusCode::OK, "released")
        }
        _ => plain(
            StatusCode::NOT_FOUND,
            "unknown admin endpoint; see `gtplan sandbox --help`",
        ),
    };
    (op, response)
}

fn query_u64(req: &Request<Incoming>, name: &str) -> Option<u64> {
    let q = req.uri().query()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}
