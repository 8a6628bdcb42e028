//! Test harness: an in-process sandbox on an ephemeral port and real aws-sdk-rust clients
//! pointed at it.

use aws_config::BehaviorVersion;
use aws_config::Region;
use aws_sdk_s3::config::Credentials;
use gtplan::sandbox::clock::ClockMode;
use gtplan::sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

pub struct TestSandbox {
    pub sandbox: Sandbox,
    /// Holds the state directory for as long as the sandbox runs.
    pub _dir: TempDir,
    pub s3: aws_sdk_s3::Client,
    pub iam: aws_sdk_iam::Client,
    pub sts: aws_sdk_sts::Client,
    pub sagemaker: aws_sdk_sagemaker::Client,
    pub cognito: aws_sdk_cognitoidentityprovider::Client,
}

/// An SDK configuration for `endpoint` signed with the given credentials.
pub async fn sdk_config(
    endpoint: &str,
    region: &str,
    key: &str,
    secret: &str,
) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(key, secret, None, None, "gtplan-tests"))
        .load()
        .await
}

pub fn s3_client(conf: &aws_config::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(true)
            .build(),
    )
}

impl TestSandbox {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a sandbox whose config `tweak` may adjust (rates, latency, ...). Its clock stands
    /// still until a test advances it, so nothing a test checks depends on how fast the
    /// machine is.
    pub async fn start_with(tweak: impl FnOnce(&mut SandboxConfig)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = SandboxConfig::new(dir.path().join("state"));
        config.clock = ClockMode::Manual;
        tweak(&mut config);
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        let conf = sdk_config(&sandbox.endpoint_url(), "us-east-1", "test", "test").await;
        Self {
            s3: s3_client(&conf),
            iam: aws_sdk_iam::Client::new(&conf),
            sts: aws_sdk_sts::Client::new(&conf),
            sagemaker: aws_sdk_sagemaker::Client::new(&conf),
            cognito: aws_sdk_cognitoidentityprovider::Client::new(&conf),
            sandbox,
            _dir: dir,
        }
    }

    pub fn endpoint(&self) -> String {
        self.sandbox.endpoint_url()
    }

    /// Moves the sandbox's clock forward by `seconds`, through its admin endpoint.
    pub async fn advance(&self, seconds: f64) {
        let (status, body) = http(
            "PUT",
            &format!("{}/_gtplan/clock?advance={seconds}", self.endpoint()),
        )
        .await;
        assert_eq!(status, 200, "advance the clock: {body}");
    }

    /// Returns once `n` writes wait at the write gate (`hold-writes`), failing after 30 s.
    pub async fn until_writes_held(&self, n: u64) {
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            self.sandbox.shared().write_gate.until_held(n),
        )
        .await
        .unwrap_or_else(|_| panic!("{n} writes were not held within 30 s"));
    }

    /// Creates a private workteam of the seeded workforce (a group `name` in its user pool, the
    /// team of that group) and returns its ARN.
    pub async fn private_workteam(&self, name: &str) -> String {
        let pool = gtplan::sandbox::sagemaker::sandbox_pool("us-east-1");
        self.cognito
            .create_group()
            .user_pool_id(&pool)
            .group_name(name)
            .send()
            .await
            .expect("group");
        self.sagemaker
            .create_workteam()
            .workteam_name(name)
            .description("our team")
            .member_definitions(
                aws_sdk_sagemaker::types::MemberDefinition::builder()
                    .cognito_member_definition(
                        aws_sdk_sagemaker::types::CognitoMemberDefinition::builder()
                            .user_pool(&pool)
                            .user_group(name)
                            .client_id(gtplan::sandbox::sagemaker::SANDBOX_CLIENT_ID)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("workteam")
            .workteam_arn()
            .expect("a workteam ARN")
            .to_owned()
    }

    /// An S3 client signing for another region (S3 redirects requests for a bucket signed
    /// for another region than the bucket's).
    pub async fn s3_in(&self, region: &str) -> aws_sdk_s3::Client {
        s3_client(&sdk_config(&self.endpoint(), region, "test", "test").await)
    }

    /// Clients for another region of the same sandbox.
    pub async fn sagemaker_in(&self, region: &str) -> aws_sdk_sagemaker::Client {
        let conf = sdk_config(&self.endpoint(), region, "test", "test").await;
        aws_sdk_sagemaker::Client::new(&conf)
    }
}

/// The error code of a failed SDK call, e.g. `NoSuchBucket`.
pub fn code<E, R>(err: &aws_sdk_s3::error::SdkError<E, R>) -> String
where
    E: aws_sdk_s3::error::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .unwrap_or("<not a service error>")
        .to_owned()
}

/// A bodyless HTTP/1.1 request over a plain TCP connection, for admin endpoints (no HTTP client
/// crate needed for a handful of calls). Returns the status and the body.
pub async fn http(method: &str, url: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').expect("url has a path");
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    let req = format!(
        "{method} /{path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("an HTTP status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// What came over the wire for a call, as the SDK received it (status, headers, body), for the
/// details the SDK's parsed output hides. Add it to one call with
/// `.customize().interceptor(wire.clone())`.
#[derive(Debug, Clone, Default)]
pub struct Wire(std::sync::Arc<std::sync::Mutex<Option<WireResponse>>>);

#[derive(Debug, Clone)]
pub struct WireResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl WireResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Wire {
    /// The last response seen.
    pub fn response(&self) -> WireResponse {
        self.0
            .lock()
            .expect("lock")
            .clone()
            .expect("a response was received")
    }
}

impl aws_sdk_s3::config::Intercept for Wire {
    fn name(&self) -> &'static str {
        "Wire"
    }

    fn read_after_deserialization(
        &self,
        context: &aws_sdk_s3::config::interceptors::AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &aws_sdk_s3::config::RuntimeComponents,
        _cfg: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let response = context.response();
        let body = response
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        *self.0.lock().expect("lock") = Some(WireResponse {
            status: response.status().as_u16(),
            headers,
            body,
        });
        Ok(())
    }
}

/// An `ops::Ui` for tests: approves everything and shows nothing.
pub struct AutoApprove;

impl gtplan::ops::Ui for AutoApprove {
    fn show_plan(&self, _plan: &gtplan::plan::Plan) {}

    fn confirm(&self, _question: &str) -> Result<bool, gtplan::ops::Error> {
        Ok(true)
    }

    fn event(&self, _event: gtplan::apply::ApplyEvent<'_>) {}
}

/// An ops error as the CLI would print it, for assertion messages.
pub fn report(err: &gtplan::ops::Error) -> String {
    gtplan::cli::report::render(err, false)
}

/// Fails unless `text` contains `part`, showing the whole text: most of what the tests check
/// is a line of a command's output.
#[track_caller]
pub fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "expected `{part}` in:\n{text}");
}
