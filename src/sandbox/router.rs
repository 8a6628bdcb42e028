//! Accepts connections and routes each request to a service by the service name in its SigV4
//! credential scope (`Credential=AKID/20260101/us-east-1/iam/aws4_request`), the way one
//! endpoint URL can serve the AWS CLI, boto3 and aws-sdk-rust for every service. A request with
//! no signature is told apart by its shape: `X-Amz-Target: SageMaker.*` is SageMaker,
//! `AWSCognitoIdentityProviderService.*` is Cognito, a `POST /`
//! is IAM or STS (by its `Action`), anything else is an anonymous S3 request; each is then
//! refused the way its service refuses unsigned calls. Paths under [`super::ADMIN_PREFIX`] are
//! admin calls.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use s3s::Body;
use s3s::service::S3Service;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::error::ApiError;
use super::fault::Fault;
use super::protocol::{json, query};
use super::request_log::LogEntry;
use super::sigv4::{self, SigError};
use super::{
    ADMIN_PREFIX, Shared, admin, cognito, fault, iam, latency, s3, sagemaker, sts, tagging,
};

/// Which emulated service a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    Admin,
    S3,
    Iam,
    Sts,
    SageMaker,
    Tagging,
    Cognito,
    Other(String),
}

impl Service {
    pub fn name(&self) -> &str {
        match self {
            Self::Admin => "admin",
            Self::S3 => "s3",
            Self::Iam => "iam",
            Self::Sts => "sts",
            Self::SageMaker => "sagemaker",
            Self::Tagging => "tagging",
            Self::Cognito => "cognito-idp",
            Self::Other(s) => s,
        }
    }
}

/// The parts of a SigV4 credential scope the router needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
}

/// Finds the credential scope in the `Authorization` header or, for presigned URLs, in the
/// `X-Amz-Credential` query parameter.
pub fn credential_scope<B>(req: &Request<B>) -> Option<CredentialScope> {
    let from_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| {
            let rest = auth.strip_prefix("AWS4-HMAC-SHA256")?;
            let cred = rest
                .split(',')
                .map(str::trim)
                .find_map(|part| part.strip_prefix("Credential="))?;
            Some(cred.to_owned())
        });
    let credential = from_header.or_else(|| {
        let q = req.uri().query()?;
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "X-Amz-Credential")
            .map(|(_, v)| v.into_owned())
    })?;
    let mut parts = credential.split('/');
    let access_key_id = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    Some(CredentialScope {
        access_key_id,
        region,
        service,
    })
}

pub fn classify<B>(req: &Request<B>, scope: Option<&CredentialScope>) -> Service {
    if req.uri().path().starts_with(ADMIN_PREFIX) {
        return Service::Admin;
    }
    let Some(scope) = scope else {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return if target.starts_with("SageMaker.") {
            Service::SageMaker
        } else if target.starts_with("AWSCognitoIdentityProviderService.") {
            Service::Cognito
        } else if req.method() == http::Method::POST && req.uri().path() == "/" {
            // S3 has no operation on `POST /`; the query protocol has only that.
            Service::Iam
        } else {
            Service::S3
        };
    };
    match scope.service.as_str() {
        "s3" => Service::S3,
        "iam" => Service::Iam,
        "sts" => Service::Sts,
        "sagemaker" => Service::SageMaker,
        "tagging" => Service::Tagging,
        "cognito-idp" => Service::Cognito,
        other => Service::Other(other.to_owned()),
    }
}

pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let s3 = s3::service(Arc::clone(&shared));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                let s3 = s3.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(req, Arc::clone(&shared), s3.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
}

/// The connection is closed without an answer (an injected reset or dropped answer); hyper
/// closes a connection whose service fails.
#[derive(Debug, thiserror::Error)]
#[error("connection closed by an injected fault")]
pub struct Aborted;

async fn handle(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    s3: S3Service,
) -> Result<Response<Body>, Aborted> {
    let started = Instant::now();
    let arrived_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let method = req.method().clone();
    let scope = credential_scope(&req);
    let service = classify(&req, scope.as_ref());
    let bucket = (service == Service::S3)
        .then(|| s3::wire::bucket_of(&req).map(ToOwned::to_owned))
        .flatten();
    // Half the latency on the way in, the rest on the way out: like a service across a network,
    // the sandbox does its work in between, so a level's calls, which it serves one at a time,
    // are not queued behind each other's latency the way AWS's fleet would not queue them.
    let latency = match service {
        Service::Admin => Duration::ZERO,
        _ => Duration::from_millis(shared.latency_ms.load(Ordering::Relaxed)),
    };
    if !latency.is_zero() {
        tokio::time::sleep_until((started + latency / 2).into()).await;
    }
    let fault = if service == Service::Admin {
        Fault::None
    } else {
        shared.faults.draw()
    };
    let log = |operation: &str, status: u16, fault: Fault| {
        if let Some(log) = &shared.request_log {
            log.append(&LogEntry {
                service: service.name(),
                operation,
                write: fault::is_write(&service, &method, operation),
                start_ms: arrived_ms,
                status,
                duration_ms: started.elapsed().as_secs_f64() * 1000.0,
                bucket: bucket.as_deref(),
                fault: (fault != Fault::None).then(|| fault.name()),
            });
        }
    };
    let (operation, response) = match fault {
        Fault::Reset => {
            latency::delay(started, latency).await;
            log(&operation_hint(&req, &service), 0, fault);
            return Err(Aborted);
        }
        Fault::Throttle | Fault::Error => (
            operation_hint(&req, &service),
            fault_response(&service, req.method(), fault),
        ),
        Fault::None | Fault::Drop => carry_out(req, &service, scope.as_ref(), &shared, s3).await,
    };
    let fault = if fault == Fault::None && shared.faults.take_drop_next(&operation) {
        Fault::Drop
    } else {
        fault
    };
    latency::delay(started, latency).await;
    if fault == Fault::Drop {
        // Carried out, and the answer is lost: the client cannot tell this from a reset.
        log(&operation, 0, fault);
        return Err(Aborted);
    }
    log(&operation, response.status().as_u16(), fault);
    Ok(response)
}

/// The operation as far as the request line and headers tell, without reading the body (the
/// query protocol names it only there).
fn operation_hint<B>(req: &Request<B>, service: &Service) -> String {
    match service {
        Service::S3 => s3::operation_name(req),
        Service::SageMaker | Service::Tagging | Service::Cognito => req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .map(json::operation_from_target)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// The answer of an injected throttling or server error, in the service's own shape: S3's
/// `503 SlowDown` and `500 InternalError` (a HEAD answer has no body, so no code either), the
/// query protocol's `Throttling` and `ServiceFailure`, SageMaker's `ThrottlingException` and
/// `InternalFailure`.
fn fault_response(service: &Service, method: &http::Method, fault: Fault) -> Response<Body> {
    let throttle = fault == Fault::Throttle;
    let request_id = uuid::Uuid::new_v4().to_string();
    match service {
        Service::S3 => {
            let (status, code, message) = if throttle {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "SlowDown",
                    "Please reduce your request rate.",
                )
            } else {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                )
            };
            let ids = s3::wire::RequestIds::fresh();
            let body = if method == http::Method::HEAD {
                Body::empty()
            } else {
                Body::from(format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{}</RequestId><HostId>{}</HostId></Error>",
                    ids.request_id, ids.host_id
                ))
            };
            let mut r = Response::new(body);
            *r.status_mut() = status;
            if method != http::Method::HEAD {
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/xml"),
                );
            }
            ids.insert(r.headers_mut());
            r
        }
        Service::SageMaker | Service::Tagging | Service::Cognito | Service::Other(_) => {
            let err = ApiError {
                status: if throttle { 400 } else { 500 },
                code: if throttle {
                    "ThrottlingException"
                } else {
                    "InternalFailure"
                },
                message: if throttle {
                    "Rate exceeded".to_owned()
                } else {
                    "We encountered an internal error. Please try again.".to_owned()
                },
            };
            json_error_response(&err, &request_id)
        }
        Service::Iam | Service::Sts | Service::Admin => {
            let err = ApiError {
                status: if throttle { 400 } else { 500 },
                code: if throttle {
                    "Throttling"
                } else {
                    "ServiceFailure"
                },
                message: if throttle {
                    "Rate exceeded".to_owned()
                } else {
                    "Service failure".to_owned()
                },
            };
            let namespace = if *service == Service::Sts {
                sts::NAMESPACE
            } else {
                iam::NAMESPACE
            };
            query_response(
                status(err.status),
                query::render_error(namespace, &err, &request_id),
                &request_id,
            )
        }
    }
}

/// Carries out one request and answers it.
async fn carry_out(
    req: Request<Incoming>,
    service: &Service,
    scope: Option<&CredentialScope>,
    shared: &Arc<Shared>,
    s3: S3Service,
) -> (String, Response<Body>) {
    match service {
        Service::Admin => admin::handle(&req, shared),
        Service::S3 => {
            let op = s3::operation_name(&req);
            let ids = s3::wire::RequestIds::fresh();
            let redirect =
                scope.and_then(|s| s3::wire::wrong_region(shared, &req, &op, &s.region, &ids));
            if let Some(redirect) = redirect {
                return (op, redirect);
            }
            if fault::is_write(service, req.method(), &op) {
                shared.write_gate.pass().await;
            }
            let response = match s3.call(req.map(Body::from)).await {
                Ok(r) => r,
                Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:?}")),
            };
            let key = scope.map(|s| s.access_key_id.as_str());
            let response = s3::wire::finish(&op, response, &ids, key).await;
            (op, response)
        }
        Service::Iam | Service::Sts | Service::SageMaker | Service::Tagging | Service::Cognito => {
            let region = scope.map_or_else(|| "us-east-1".to_owned(), |s| s.region.clone());
            dispatch_non_s3(req, service, region, shared).await
        }
        Service::Other(name) => {
            let err = ApiError::not_implemented(name, "*");
            let request_id = uuid::Uuid::new_v4().to_string();
            (String::new(), json_error_response(&err, &request_id))
        }
    }
}

/// What a non-S3 handler gets: the request's region and the shared sandbox.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub region: String,
    pub request_id: String,
    /// The sandbox clock's time when the request arrived.
    pub now: super::clock::EpochMillis,
}

impl Ctx<'_> {
    pub fn account_id(&self) -> &str {
        &self.shared.config.account_id
    }
}

/// The largest IAM, STS or SageMaker request body the sandbox reads. AWS publishes no limit
/// for these APIs; every valid request is far smaller (IAM's largest document, an inline
/// policy, is 10,240 characters), and a limit keeps a runaway client from filling memory.
pub const MAX_BODY_BYTES: usize = 1 << 20;

async fn dispatch_non_s3(
    req: Request<Incoming>,
    service: &Service,
    region: String,
    shared: &Shared,
) -> (String, Response<Body>) {
    let (parts, body) = req.into_parts();
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = match http_body_util::Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_large = e.is::<http_body_util::LengthLimitError>();
            let err = ApiError {
                status: if too_large { 413 } else { 400 },
                code: if too_large {
                    "RequestEntityTooLarge"
                } else {
                    "IncompleteBody"
                },
                message: if too_large {
                    format!("The request body is larger than {MAX_BODY_BYTES} bytes.")
                } else {
                    format!("Failed to read the request body: {e}")
                },
            };
            let response = match service {
                Service::SageMaker | Service::Cognito => json_error_response(&err, &request_id),
                Service::Sts => query_response(
                    status(err.status),
                    query::render_error(sts::NAMESPACE, &err, &request_id),
                    &request_id,
                ),
                _ => query_response(
                    status(err.status),
                    query::render_error(iam::NAMESPACE, &err, &request_id),
                    &request_id,
                ),
            };
            return (String::new(), response);
        }
    };
    let ctx = Ctx {
        shared,
        region,
        request_id,
        now: shared.clock.now(),
    };
    let config = &shared.config;
    let signature = sigv4::verify(
        &parts,
        &body,
        &config.access_key_id,
        &config.secret_access_key,
        // Clients sign with the real time, whatever the sandbox's clock says.
        std::time::SystemTime::now(),
    );
    if matches!(
        service,
        Service::SageMaker | Service::Tagging | Service::Cognito
    ) {
        let op = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .map(json::operation_from_target)
            .unwrap_or_default()
            .to_owned();
        if fault::is_write(service, &parts.method, &op) {
            shared.write_gate.pass().await;
        }
        let handler = match service {
            Service::Tagging => tagging::handle,
            Service::Cognito => cognito::handle,
            _ => sagemaker::handle,
        };
        let response = dispatch_json(&ctx, handler, &op, &body, signature);
        (op, response)
    } else {
        let params = query::QueryParams::parse(&body, parts.uri.query());
        let action = params.action().unwrap_or_default().to_owned();
        // An unsigned query request names its service only by its action.
        let service = if signature == Err(SigError::Missing) && sts::is_sts_action(&action) {
            &Service::Sts
        } else {
            service
        };
        if fault::is_write(service, &parts.method, &action) {
            shared.write_gate.pass().await;
        }
        let response = dispatch_query(&ctx, service, &action, &params, signature);
        (action, response)
    }
}

/// The JSON 1.1 services (SageMaker, the tagging API, Cognito): operation named by `X-Amz-Target`.
fn dispatch_json(
    ctx: &Ctx<'_>,
    handler: fn(&Ctx<'_>, &str, &[u8]) -> Result<serde_json::Value, ApiError>,
    op: &str,
    body: &[u8],
    signature: Result<(), SigError>,
) -> Response<Body> {
    let result = match signature {
        Ok(()) => handler(ctx, op, body),
        Err(e) => Err(signature_error_json(&e)),
    };
    match result {
        Ok(value) => with_type(
            Response::new(Body::from(value.to_string())),
            json::CONTENT_TYPE,
            &ctx.request_id,
        ),
        Err(e) => json_error_response(&e, &ctx.request_id),
    }
}

/// IAM and STS: the query protocol, operation named by the `Action` parameter.
fn dispatch_query(
    ctx: &Ctx<'_>,
    service: &Service,
    action: &str,
    params: &query::QueryParams,
    signature: Result<(), SigError>,
) -> Response<Body> {
    let (namespace, handler): (_, fn(&Ctx<'_>, &str, &query::QueryParams) -> _) =
        if *service == Service::Iam {
            (iam::NAMESPACE, iam::handle)
        } else {
            (sts::NAMESPACE, sts::handle)
        };
    let result = signature
        .map_err(|e| signature_error_query(&e))
        .and_then(|()| handler(ctx, action, params));
    let (status, xml) = match result {
        Ok(xml) => (
            StatusCode::OK,
            query::render_ok(
                namespace,
                action,
                &xml,
                *service == Service::Iam && iam::sends_empty_result(action),
                &ctx.request_id,
            ),
        ),
        Err(e) => (
            status(e.status),
            query::render_error(namespace, &e, &ctx.request_id),
        ),
    };
    query_response(status, xml, &ctx.request_id)
}

fn query_response(status: StatusCode, xml: String, request_id: &str) -> Response<Body> {
    let mut response = with_type(Response::new(Body::from(xml)), "text/xml", request_id);
    *response.status_mut() = status;
    response
}

/// A failed signature check in the query protocol's codes (IAM, STS).
fn signature_error_query(e: &SigError) -> ApiError {
    let code = match e {
        SigError::Missing => "MissingAuthenticationToken",
        SigError::Malformed(_) => "IncompleteSignature",
        SigError::UnknownAccessKey => "InvalidClientTokenId",
        SigError::Mismatch | SigError::Expired(_) => "SignatureDoesNotMatch",
    };
    ApiError {
        status: 403,
        code,
        message: e.to_string(),
    }
}

/// A failed signature check in the JSON protocol's codes (SageMaker).
fn signature_error_json(e: &SigError) -> ApiError {
    let (status, code) = match e {
        // 400 as DynamoDB, another JSON-protocol service, answers it (SageMaker's own status
        // for an unsigned call is not published).
        SigError::Missing => (400, "MissingAuthenticationTokenException"),
        SigError::Malformed(_) => (403, "IncompleteSignatureException"),
        SigError::UnknownAccessKey => (400, "UnrecognizedClientException"),
        SigError::Mismatch | SigError::Expired(_) => (403, "InvalidSignatureException"),
    };
    ApiError {
        status,
        code,
        message: e.to_string(),
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn with_type(
    mut r: Response<Body>,
    content_type: &'static str,
    request_id: &str,
) -> Response<Body> {
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        r.headers_mut().insert("x-amzn-requestid", v);
    }
    r
}

pub fn json_error_response(e: &ApiError, request_id: &str) -> Response<Body> {
    let mut r = with_type(
        Response::new(Body::from(json::render_error(e))),
        json::CONTENT_TYPE,
        request_id,
    );
    *r.status_mut() = status(e.status);
    if let Ok(v) = HeaderValue::from_str(e.code) {
        r.headers_mut().insert("x-amzn-errortype", v);
    }
    r
}

pub fn plain(status: StatusCode, text: impl Into<Bytes>) -> Response<Body> {
    let mut r = Response::new(Body::from(text.into()));
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(auth: Option<&str>, uri: &str) -> Request<()> {
        let mut b = Request::builder().uri(uri);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        b.body(()).expect("request")
    }

    #[test]
    fn routes_by_credential_scope() {
        let r = req(
            Some(
                "AWS4-HMAC-SHA256 Credential=test/20261129/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=abc",
            ),
            "/",
        );
        let scope = credential_scope(&r).expect("scope");
        assert_eq!(scope.service, "iam");
        assert_eq!(scope.region, "us-east-1");
        assert_eq!(classify(&r, Some(&scope)), Service::Iam);
    }

    #[test]
    fn presigned_and_anonymous_requests_are_s3() {
        let r = req(
            None,
            "/bucket/key?X-Amz-Credential=test%2F20261129%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Signature=x",
        );
        let scope = credential_scope(&r).expect("scope");
        assert_eq!(scope.region, "eu-west-1");
        assert_eq!(classify(&r, Some(&scope)), Service::S3);
        assert_eq!(classify(&req(None, "/bucket"), None), Service::S3);
        assert_eq!(classify(&req(None, "/_gtplan/state"), None), Service::Admin);
    }

    #[test]
    fn cognito_is_routed_by_scope_and_by_target() {
        let r = req(
            Some(
                "AWS4-HMAC-SHA256 Credential=test/20261129/eu-west-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=abc",
            ),
            "/",
        );
        let scope = credential_scope(&r).expect("scope");
        assert_eq!(classify(&r, Some(&scope)), Service::Cognito);
        let unsigned = Request::builder()
            .method(http::Method::POST)
            .uri("/")
            .header(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.ListUserPools",
            )
            .body(())
            .expect("request");
        assert_eq!(classify(&unsigned, None), Service::Cognito);
    }
}
