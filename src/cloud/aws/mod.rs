//! The AWS SDK implementation of [`super::Cloud`]: the only code that touches `aws_sdk_*`
//! types. Reads turn AWS's answers into gtplan's `Observed*` types (decoding what AWS encodes,
//! e.g. IAM's URL-encoded policies); `execute` turns each [`Step`] into one SDK call (or a few,
//! for `EmptyBucket`). The SDK retries throttling, 5xx and connection errors, gtplan only IAM
//! propagation (see [`retry`]); every error gets its context once, where the call is made.
//!
//! One module per service: [`s3`] (buckets, objects), [`iam`] (roles), [`sagemaker`]
//! (labeling jobs), [`workforce`] (the private workforce, its teams, their Cognito side).

mod discovery;
mod iam;
mod lock;
mod multipart;
mod retry;
mod s3;
mod sagemaker;
mod workforce;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::DateTime;

use super::{Cloud, CloudError};
use crate::model::Step;
use crate::model::lock::{Lock, LockInfo, LockSpot, TryLock};
use crate::model::names::{BucketName, JobName, ObjectKey, PlanName, RoleName};
use crate::model::observed::{
    BucketLookup, BucketRegion, ObjectListing, ObservedJob, ObservedObject, ObservedRole,
    PlanResources,
};
use crate::model::workforce::{ObservedPool, ObservedTeam, ObservedWorkforce};

/// How to reach AWS: like the AWS CLI, anything left `None` comes from the standard chain
/// (environment, shared config and credentials files, SSO, container and instance roles).
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Send every request here (the sandbox, moto); S3 then uses path-style addressing.
    pub endpoint_url: Option<String>,
    /// A static access key id and secret (the sandbox's `test`/`test`).
    pub credentials: Option<(String, String)>,
}

/// No region was given and the AWS configuration chain has none either.
#[derive(Debug, thiserror::Error)]
#[error("no AWS region is configured (set the plan's `region`, `--region` or AWS_REGION)")]
pub struct NoRegion;

/// [`Cloud`] over the AWS SDK clients of one account and region.
pub struct AwsCloud {
    /// Kept to build S3 clients for buckets in other regions.
    config: SdkConfig,
    region: String,
    /// The first call of every command reads the account.
    sts: aws_sdk_sts::Client,
    /// Built on first use, or by [`AwsCloud::connect`] on a thread of its own while that first
    /// call is on its way: five SDK clients take a millisecond or two to build.
    services: Arc<OnceLock<Services>>,
    /// When this process last wrote each role (lower-case name): CreateLabelingJob retries a
    /// rejection of a role written moments ago (IAM propagation).
    role_writes: Mutex<HashMap<String, Instant>>,
    /// The credentials' account, once read: a job's ARN follows from it, so a job's tags can be
    /// read at the same time as the job.
    account: OnceLock<String>,
}

/// A client of an `aws_sdk_*` crate for a region, with gtplan's retries in a partition of its
/// own.
macro_rules! client {
    ($sdk:ident, $config:expr, $region:expr, $partition:literal) => {
        $sdk::Client::from_conf(
            $sdk::config::Builder::from($config)
                .region($region.clone())
                .retry_config(retry::sdk_retry_config())
                .retry_partition(retry::partition($partition))
                .build(),
        )
    };
}

/// The clients besides STS's.
struct Services {
    s3: aws_sdk_s3::Client,
    iam: aws_sdk_iam::Client,
    sagemaker: aws_sdk_sagemaker::Client,
    tagging: aws_sdk_resourcegroupstagging::Client,
    cognito: aws_sdk_cognitoidentityprovider::Client,
}

impl Services {
    fn new(config: &SdkConfig, region: &str) -> Self {
        let s3 = s3_client(config, region);
        let region = Region::new(region.to_owned());
        Self {
            s3,
            iam: client!(aws_sdk_iam, config, &region, "gtplan-iam"),
            sagemaker: client!(aws_sdk_sagemaker, config, &region, "gtplan-sagemaker"),
            tagging: client!(
                aws_sdk_resourcegroupstagging,
                config,
                &region,
                "gtplan-tagging"
            ),
            cognito: client!(
                aws_sdk_cognitoidentityprovider,
                config,
                &region,
                "gtplan-cognito"
            ),
        }
    }
}

impl AwsCloud {
    /// Clients for `region` from an SDK configuration. With an endpoint URL (sandbox, moto),
    /// S3 uses path-style addressing, since such servers have no per-bucket host names.
    pub fn new(config: &SdkConfig, region: impl Into<String>) -> Self {
        let region = region.into();
        let sts = client!(
            aws_sdk_sts,
            config,
            &Region::new(region.clone()),
            "gtplan-sts"
        );
        Self {
            sts,
            services: Arc::default(),
            config: config.clone(),
            region,
            role_writes: Mutex::new(HashMap::new()),
            account: OnceLock::new(),
        }
    }

    fn services(&self) -> &Services {
        self.services
            .get_or_init(|| Services::new(&self.config, &self.region))
    }

    /// Builds the clients besides STS's on a thread that yields to the request path
    /// ([`crate::ahead`]); a caller that needs them sooner waits for that build rather than
    /// starting its own.
    fn build_services_ahead(&self) {
        let (services, config, region) = (
            Arc::clone(&self.services),
            self.config.clone(),
            self.region.clone(),
        );
        drop(crate::ahead::spawn("clients", move || {
            services.get_or_init(|| Services::new(&config, &region));
        }));
    }

    /// Loads the AWS configuration the way the AWS CLI does, with `opts` taking precedence.
    pub async fn connect(opts: &ConnectOptions) -> Result<AwsCloud, CloudError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &opts.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &opts.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
            // A plain-HTTP endpoint (the sandbox, moto) needs no TLS: skip loading the
            // system's root certificates, which costs more than a sandbox call.
            if url.starts_with("http://") {
                loader = loader.http_client(aws_smithy_http_client::Builder::new().build_http());
            }
        }
        if let Some((key, secret)) = &opts.credentials {
            loader = loader.credentials_provider(Credentials::new(
                key.clone(),
                secret.clone(),
                None,
                None,
                "gtplan",
            ));
        }
        let config = loader.load().await;
        let region =
            config
                .region()
                .map(ToString::to_string)
                .ok_or_else(|| CloudError::Transport {
                    action: "configure the AWS SDK".to_owned(),
                    source: Box::new(NoRegion),
                })?;
        let cloud = Self::new(&config, region);
        cloud.build_services_ahead();
        Ok(cloud)
    }

    /// Where requests go, for messages: the endpoint URL, or AWS and the region.
    fn endpoint(&self) -> String {
        self.config
            .endpoint_url()
            .map_or_else(|| format!("AWS in {}", self.region), ToOwned::to_owned)
    }

    /// `err` with the endpoint filled in when it could not be reached.
    fn located(&self, err: CloudError) -> CloudError {
        match err {
            CloudError::Unreachable { action, reason, .. } => CloudError::Unreachable {
                action,
                endpoint: self.endpoint(),
                reason,
            },
            other => other,
        }
    }

    /// The region this adapter works in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The S3 client for a bucket in `region` (S3 answers a request sent to the wrong region
    /// with a redirect).
    fn s3_in(&self, region: &str) -> aws_sdk_s3::Client {
        if region == self.region || region.is_empty() {
            self.services().s3.clone()
        } else {
            s3_client(&self.config, region)
        }
    }

    fn note_role_write(&self, role: &str) {
        self.role_writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(role.to_ascii_lowercase(), Instant::now());
    }

    /// How long ago this process last wrote `role`, if it did.
    fn role_written_ago(&self, role: &str) -> Option<Duration> {
        self.role_writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&role.to_ascii_lowercase())
            .map(Instant::elapsed)
    }
}

fn s3_client(config: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .region(Region::new(region.to_owned()))
            .force_path_style(config.endpoint_url().is_some())
            .retry_config(retry::sdk_retry_config())
            .retry_partition(retry::partition("gtplan-s3"))
            .build(),
    )
}

/// An SDK failure as a [`CloudError`]: AWS's code and message when it answered, the transport
/// error otherwise. `action` says what gtplan was doing ("read bucket policy of `x`").
fn cloud_error<E>(action: impl Into<String>, err: SdkError<E, HttpResponse>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let action = action.into();
    match &err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let meta = service.err();
            CloudError::Service {
                action,
                // A HEAD response has no body, hence no code: the status is all there is.
                code: meta
                    .code()
                    .map_or_else(|| format!("HTTP {status}"), ToOwned::to_owned),
                message: meta.message().unwrap_or_default().to_owned(),
            }
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => match unreachable(&err) {
            Some(reason) => CloudError::Unreachable {
                action,
                // Filled in by `AwsCloud::located`, which knows where requests go.
                endpoint: String::new(),
                reason,
            },
            None => CloudError::Transport {
                action,
                source: Box::new(err),
            },
        },
        _ => CloudError::Transport {
            action,
            source: Box::new(err),
        },
    }
}

/// Why a request never reached AWS, in plain words, when the cause is the connection; `None`
/// for other dispatch failures (credentials, signing), whose own message says more.
fn unreachable<E>(err: &SdkError<E, HttpResponse>) -> Option<String>
where
    E: std::error::Error + 'static,
{
    if let SdkError::TimeoutError(_) = err {
        return Some("timed out".to_owned());
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut connect = false;
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind;
            let reason = match io.kind() {
                ErrorKind::ConnectionRefused => "connection refused".to_owned(),
                ErrorKind::TimedOut => "timed out".to_owned(),
                ErrorKind::ConnectionReset => "connection reset".to_owned(),
                ErrorKind::ConnectionAborted => "connection aborted".to_owned(),
                ErrorKind::AddrNotAvailable => "address not available".to_owned(),
                _ => io.to_string(),
            };
            return Some(reason);
        }
        let text = e.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return Some("the host name does not resolve".to_owned());
        }
        connect |= text.contains("connect");
        cause = e.source();
    }
    if let SdkError::DispatchFailure(d) = err
        && (d.is_io() || d.is_timeout())
    {
        return Some(
            if d.is_timeout() {
                "timed out"
            } else {
                "connection failed"
            }
            .to_owned(),
        );
    }
    connect.then(|| "connection failed".to_owned())
}

/// A write's outcome: nothing on success, the error with what gtplan was doing otherwise.
fn written<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    action: impl FnOnce() -> String,
) -> Result<(), CloudError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    result.map(drop).map_err(|e| cloud_error(action(), e))
}

/// A delete's outcome: also success when AWS says the thing is not there (`gone` codes), which
/// is what a delete sent again after its answer was lost finds.
fn deleted<T, E>(
    result: Result<T, SdkError<E, HttpResponse>>,
    gone: &[&str],
    action: impl FnOnce() -> String,
) -> Result<(), CloudError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Err(err) if code_of(&err).is_some_and(|c| gone.contains(&c)) => Ok(()),
        other => written(other, action),
    }
}

/// The error code of a failed call, if AWS answered.
fn code_of<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Option<&str> {
    err.as_service_error().and_then(ProvideErrorMetadata::code)
}

/// The HTTP status of a failed call, if AWS answered.
fn status_of<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// AWS answered, but with something gtplan cannot read (a policy that is not JSON).
fn malformed(action: impl Into<String>, what: impl Into<String>) -> CloudError {
    CloudError::Service {
        action: action.into(),
        code: "MalformedResponse".to_owned(),
        message: what.into(),
    }
}

/// A request that could not be built (a required member missing): a bug in the adapter.
fn build_error(action: &str, err: BuildError) -> CloudError {
    CloudError::Transport {
        action: action.to_owned(),
        source: Box::new(err),
    }
}

/// Age of something created at `created` (zero when the clock says it is in the future).
fn age(created: &DateTime) -> Option<Duration> {
    let created = SystemTime::try_from(*created).ok()?;
    Some(
        SystemTime::now()
            .duration_since(created)
            .unwrap_or_default(),
    )
}

#[async_trait::async_trait]
impl Cloud for AwsCloud {
    async fn account_id(&self) -> Result<String, CloudError> {
        const ACTION: &str = "find the account of the AWS credentials";
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.located(cloud_error(ACTION, e)))?;
        let account = out
            .account()
            .ok_or_else(|| malformed(ACTION, "GetCallerIdentity returned no account"))?;
        Ok(self.account.get_or_init(|| account.to_owned()).clone())
    }

    async fn bucket_and_objects(
        &self,
        name: &BucketName,
        list: Option<&str>,
    ) -> Result<(BucketLookup, Option<ObjectListing>), CloudError> {
        Box::pin(self.read_bucket(name.as_str(), list))
            .await
            .map_err(|e| self.located(e))
    }

    async fn bucket_region(&self, name: &str) -> Result<BucketRegion, CloudError> {
        self.read_bucket_region(name)
            .await
            .map_err(|e| self.located(e))
    }

    async fn role(
        &self,
        name: &RoleName,
        expected_policies: &[String],
    ) -> Result<Option<ObservedRole>, CloudError> {
        Box::pin(self.read_role(name.as_str(), expected_policies))
            .await
            .map_err(|e| self.located(e))
    }

    async fn object(
        &self,
        bucket: &BucketName,
        key: &ObjectKey,
    ) -> Result<Option<ObservedObject>, CloudError> {
        self.read_object(bucket.as_str(), key.as_str())
            .await
            .map_err(|e| self.located(e))
    }

    async fn object_body(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<crate::cloud::ObjectBody>, CloudError> {
        self.read_object_body(bucket, key)
            .await
            .map_err(|e| self.located(e))
    }

    async fn presigned_get(&self, bucket: &str, key: &str) -> Result<String, CloudError> {
        self.presign_get(bucket, key)
            .await
            .map_err(|e| self.located(e))
    }

    async fn render_ui_template(
        &self,
        template: &str,
        input: &str,
        role_arn: &str,
    ) -> Result<Result<String, Vec<(String, String)>>, CloudError> {
        self.render_template(template, input, role_arn)
            .await
            .map_err(|e| self.located(e))
    }

    async fn workforce(&self) -> Result<Option<ObservedWorkforce>, CloudError> {
        self.read_workforce().await.map_err(|e| self.located(e))
    }

    async fn user_pool(&self, name: &str) -> Result<Option<ObservedPool>, CloudError> {
        self.read_pool(name).await.map_err(|e| self.located(e))
    }

    async fn team(&self, name: &str) -> Result<Option<ObservedTeam>, CloudError> {
        self.read_team(name).await.map_err(|e| self.located(e))
    }

    async fn jobs_using_team(&self, workteam_arn: &str) -> Result<Vec<String>, CloudError> {
        self.jobs_using(workteam_arn)
            .await
            .map_err(|e| self.located(e))
    }

    async fn job(&self, name: &JobName) -> Result<Option<ObservedJob>, CloudError> {
        self.read_job(name.as_str(), false)
            .await
            .map_err(|e| self.located(e))
    }

    async fn running_job(&self, name: &JobName) -> Result<Option<ObservedJob>, CloudError> {
        self.read_job(name.as_str(), true)
            .await
            .map_err(|e| self.located(e))
    }

    async fn plan_resources(&self, plan: &PlanName) -> Result<PlanResources, CloudError> {
        self.find_plan_resources(plan.as_str())
            .await
            .map_err(|e| self.located(e))
    }

    async fn execute(&self, step: &Step) -> Result<(), CloudError> {
        let result = match step {
            Step::CreateBucket { .. }
            | Step::PutBucketTagging { .. }
            | Step::PutPublicAccessBlock { .. }
            | Step::PutBucketEncryption { .. }
            | Step::PutBucketPolicy { .. }
            | Step::DeleteBucketPolicy { .. }
            | Step::PutBucketCors { .. }
            | Step::DeleteBucketCors { .. }
            | Step::DeleteBucket { .. }
            | Step::PutObject { .. }
            | Step::DeleteObject { .. } => self.execute_s3(step).await,
            Step::CreateRole { .. }
            | Step::UpdateAssumeRolePolicy { .. }
            | Step::UpdateRole { .. }
            | Step::PutRolePolicy { .. }
            | Step::DeleteRolePolicy { .. }
            | Step::DetachRolePolicy { .. }
            | Step::TagRole { .. }
            | Step::UntagRole { .. }
            | Step::DeleteRole { .. } => Box::pin(self.execute_iam(step)).await,
            Step::CreateLabelingJob { .. } | Step::StopLabelingJob { .. } => {
                self.execute_sagemaker(step).await
            }
            _ => Box::pin(self.execute_workforce(step)).await,
        };
        result.map_err(|e| self.located(e))
    }

    async fn try_lock(&self, spot: &LockSpot, info: &LockInfo) -> Result<TryLock, CloudError> {
        self.put_lock(spot, info).await.map_err(|e| self.located(e))
    }

    async fn read_lock(&self, spot: &LockSpot) -> Result<Option<Lock>, CloudError> {
        self.get_lock(spot).await.map_err(|e| self.located(e))
    }

    async fn delete_lock(&self, spot: &LockSpot, version: &str) -> Result<bool, CloudError> {
        self.remove_lock(spot, version)
            .await
            .map_err(|e| self.located(e))
    }
}
