//! Admin endpoints under `/_gtplan/` (not part of any AWS API):
//!
//! - `POST /_gtplan/reset` — forget every resource (blobs stay on disk, unreferenced).
//! - `GET  /_gtplan/state` — the whole world as JSON.
//! - `PUT  /_gtplan/latency?ms=N` — answer every non-admin request N ms after it arrives.
//! - `GET  /_gtplan/health` — `ok` once the server accepts requests.
//! - `PUT  /_gtplan/hold-writes?after=N` — let N more writes through, then hold every write
//!   until `DELETE /_gtplan/hold-writes` (tests interrupt clients at exact points with it);
//!   `GET /_gtplan/hold-writes` says how many writes are waiting.
//! - `PUT  /_gtplan/faults?seed=N&throttle=R&error=R&reset=R&drop=R` — inject faults into that
//!   share of requests (see `fault`); `GET` says what is set and what was injected, `DELETE`
//!   stops. `PUT /_gtplan/faults/drop-next?operation=CreateRole` drops the answer of the next
//!   such call after carrying it out.
//! - `PUT  /_gtplan/consistency?iam-propagation-seconds=N&tag-index-seconds=N` — how long IAM
//!   changes take to reach SageMaker and tag changes to reach `GetResources` (see
//!   `consistency`); either may be left out; `GET` says what is set.
//! - `GET  /_gtplan/clock` — the sandbox's time; `PUT /_gtplan/clock?advance=SECONDS` moves it
//!   forward (seconds may have a fraction), in either clock mode.

use std::sync::atomic::Ordering;

use http::{Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use s3s::Body;

use super::Shared;
use super::fault::FaultSpec;
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
        (&Method::GET, "hold-writes") => plain(
            StatusCode::OK,
            format!("{} writes held", shared.write_gate.held()),
        ),
        (&Method::GET, "clock") => clock(shared),
        (&Method::PUT | &Method::POST, "faults") => {
            let query = req.uri().query().unwrap_or_default();
            let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            match FaultSpec::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
                Ok(spec) => {
                    shared.faults.set(spec);
                    faults(shared)
                }
                Err(e) => plain(StatusCode::BAD_REQUEST, e),
            }
        }
        (&Method::GET, "faults") => faults(shared),
        (&Method::PUT | &Method::POST, "faults/drop-next") => {
            match query(req, "operation").filter(|o| !o.is_empty()) {
                Some(operation) => {
                    shared.faults.drop_next(&operation);
                    plain(
                        StatusCode::OK,
                        format!("dropping the answer of the next {operation}"),
                    )
                }
                None => plain(StatusCode::BAD_REQUEST, "expected ?operation=NAME"),
            }
        }
        (&Method::DELETE, "faults") => {
            shared.faults.clear();
            faults(shared)
        }
        (&Method::PUT | &Method::POST, "clock") => advance_clock(req, shared),
        (&Method::GET, "consistency") => consistency(shared),
        (&Method::PUT | &Method::POST, "consistency") => set_consistency(req, shared),
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

fn query(req: &Request<Incoming>, name: &str) -> Option<String> {
    let q = req.uri().query()?;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn query_u64(req: &Request<Incoming>, name: &str) -> Option<u64> {
    query(req, name).and_then(|v| v.parse().ok())
}

fn advance_clock(req: &Request<Incoming>, shared: &Shared) -> Response<Body> {
    match query(req, "advance")
        .and_then(|v| v.parse::<f64>().ok())
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
    {
        Some(by) => match shared.advance_clock(by) {
            Ok(_) => clock(shared),
            Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        },
        None => plain(
            StatusCode::BAD_REQUEST,
            "expected ?advance=SECONDS with a number of seconds of 0 or more",
        ),
    }
}

fn set_consistency(req: &Request<Incoming>, shared: &Shared) -> Response<Body> {
    match consistency_query(req, shared) {
        Ok(windows) => {
            shared.consistency.set(windows);
            consistency(shared)
        }
        Err(name) => plain(
            StatusCode::BAD_REQUEST,
            format!("expected ?{name}=SECONDS with a number of seconds of 0 or more"),
        ),
    }
}

/// The windows after this request's query: each parameter given replaces its window.
fn consistency_query(
    req: &Request<Incoming>,
    shared: &Shared,
) -> Result<crate::sandbox::consistency::Windows, &'static str> {
    let mut windows = shared.consistency.windows();
    for (name, slot) in [
        (
            "iam-propagation-seconds",
            &mut windows.iam_propagation_seconds,
        ),
        ("tag-index-seconds", &mut windows.tag_index_seconds),
    ] {
        if let Some(v) = query(req, name) {
            *slot = v
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or(name)?;
        }
    }
    Ok(windows)
}

/// `{"iam-propagation-seconds": 8, "tag-index-seconds": 0}`.
fn consistency(shared: &Shared) -> Response<Body> {
    let w = shared.consistency.windows();
    json(&serde_json::json!({
        "iam-propagation-seconds": w.iam_propagation_seconds,
        "tag-index-seconds": w.tag_index_seconds,
    }))
}

/// `{"spec": "seed=7,throttle=0.2,...", "injected": {"requests": 120, "throttle": 25, ...}}`,
/// or `{"spec": null}` when no faults are injected.
fn faults(shared: &Shared) -> Response<Body> {
    let body = match shared.faults.status() {
        Some((spec, counts)) => serde_json::json!({
            "spec": spec.to_string(),
            "injected": counts,
        }),
        None => serde_json::json!({ "spec": null }),
    };
    json(&body)
}

fn json(body: &serde_json::Value) -> Response<Body> {
    let mut r = plain(StatusCode::OK, body.to_string());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

/// `{"mode": "manual", "now": "2026-12-01T10:00:00Z", "epoch_millis": 1796119200000}`
fn clock(shared: &Shared) -> Response<Body> {
    let now = shared.clock.now();
    json(&serde_json::json!({
        "mode": shared.clock.mode(),
        "now": super::clock::iso8601(now),
        "epoch_millis": now,
    }))
}
