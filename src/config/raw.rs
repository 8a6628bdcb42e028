//! The plan file as written: TOML parsed into spanned structs, every key checked for its type
//! and every unknown key reported. Strings are kept as written (variables not yet expanded) with
//! their position, so the resolver can point at them. First step of the pipeline
//! (`load` → `resolve`).

use toml::de::DeTable;

use super::error::{ConfigError, Problem, Problems, SourceFile};
use super::reader::{Cx, Located, Table, describe_type};

pub type Str = Located<String>;
pub type StrList = Located<Vec<Str>>;
pub type StrMap = Located<Vec<(Str, Str)>>;

#[derive(Debug, Clone)]
pub struct RawPlan {
    pub name: Str,
    pub region: Str,
    pub vars: Vec<(Str, Str)>,
    pub templates: RawTemplates,
    pub buckets: Vec<(Str, RawBucket)>,
    pub roles: Vec<(Str, RawRole)>,
    pub uploads: Vec<(Str, RawUpload)>,
    pub jobs: Vec<(Str, RawJob)>,
    pub workforce: Option<RawWorkforce>,
    pub teams: Vec<(Str, RawTeam)>,
}

/// `[workforce]`: the region's private workforce.
#[derive(Debug, Clone)]
pub struct RawWorkforce {
    pub span: std::ops::Range<usize>,
    pub name: Option<Str>,
    /// A pool gtplan creates, and its sign-in domain.
    pub user_pool_name: Option<Str>,
    pub domain: Option<Str>,
    /// An existing pool and app client.
    pub user_pool_id: Option<Str>,
    pub client_id: Option<Str>,
    pub oidc: Option<RawOidc>,
    pub source_ip_cidrs: Option<StrList>,
    pub destroy_users: Option<Located<bool>>,
}

/// `[workforce.oidc]`: the user's own identity provider.
#[derive(Debug, Clone)]
pub struct RawOidc {
    pub span: std::ops::Range<usize>,
    pub client_id: Option<Str>,
    pub client_secret: Option<Str>,
    pub client_secret_env: Option<Str>,
    pub client_secret_file: Option<Str>,
    pub issuer: Option<Str>,
    pub authorization_endpoint: Option<Str>,
    pub token_endpoint: Option<Str>,
    pub user_info_endpoint: Option<Str>,
    pub logout_endpoint: Option<Str>,
    pub jwks_uri: Option<Str>,
    pub scope: Option<Str>,
}

/// `[teams.NAME]`: a private work team.
#[derive(Debug, Clone)]
pub struct RawTeam {
    pub span: std::ops::Range<usize>,
    pub name: Str,
    pub description: Option<Str>,
    pub workers: Option<StrList>,
    pub groups: Option<StrList>,
    pub notification_topic: Option<Str>,
    pub tags: Option<StrMap>,
}

/// `[templates]`: per-plan overrides of the built-in tera templates.
#[derive(Debug, Clone, Default)]
pub struct RawTemplates {
    pub bucket_policy: Option<Str>,
    pub role_trust_policy: Option<Str>,
    pub role_policy: Option<Str>,
    pub label_config: Option<Str>,
}

#[derive(Debug, Clone)]
pub struct RawBucket {
    pub name: Str,
    pub encryption: Option<Str>,
    pub kms_key_id: Option<Str>,
    pub bucket_key: Option<Located<bool>>,
    pub cors: Option<Str>,
    pub cors_rules: Option<Located<Vec<RawCorsRule>>>,
    pub public_access_block: Option<Located<bool>>,
    pub force_destroy: Option<Located<bool>>,
    pub adopt: Option<Located<bool>>,
    pub tags: Option<StrMap>,
}

#[derive(Debug, Clone)]
pub struct RawCorsRule {
    pub span: std::ops::Range<usize>,
    pub allowed_headers: Option<StrList>,
    pub allowed_methods: Option<StrList>,
    pub allowed_origins: Option<StrList>,
    pub expose_headers: Option<StrList>,
    pub max_age_seconds: Option<Located<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawRole {
    pub span: std::ops::Range<usize>,
    pub name: Str,
    pub description: Option<Str>,
    pub tags: Option<StrMap>,
    pub adopt: Option<Located<bool>>,
}

#[derive(Debug, Clone)]
pub struct RawUpload {
    pub span: std::ops::Range<usize>,
    pub bucket: Str,
    pub key: Str,
    pub file: Option<Str>,
    pub labels: Option<StrList>,
    pub instructions: Option<RawInstructions>,
    /// Generate the worker UI from gtplan's built-in template for this task type.
    pub worker_ui: Option<Str>,
    /// Attribute-format label configs (3D point cloud, video frame): `annotationType`.
    pub annotation_type: Option<Str>,
    /// `editsAllowed` of every label (`"none"` makes a 3D/video audit a verification).
    pub edits_allowed: Option<Str>,
    pub global_attributes: Option<Located<Vec<RawAttribute>>>,
    pub label_attributes: Option<Located<Vec<RawAttribute>>>,
    pub frame_attributes: Option<Located<Vec<RawAttribute>>>,
    pub content_type: Option<Str>,
    pub expand_vars: Option<Located<bool>>,
}

/// One attribute of an attribute-format label config (fact sheet §3.1).
#[derive(Debug, Clone)]
pub struct RawAttribute {
    pub span: std::ops::Range<usize>,
    pub name: Option<Str>,
    pub kind: Option<Str>,
    pub values: Option<StrList>,
    pub description: Option<Str>,
    pub minimum: Option<Located<i64>>,
    pub maximum: Option<Located<i64>>,
    pub required: Option<Located<bool>>,
    pub edits_allowed: Option<Str>,
    /// `label_attributes` only: the labels the attribute belongs to.
    pub labels: Option<StrList>,
}

/// Worker instructions in a generated label config (named entity recognition needs them).
#[derive(Debug, Clone)]
pub struct RawInstructions {
    pub span: std::ops::Range<usize>,
    pub short: Option<Str>,
    pub full: Option<Str>,
}

#[derive(Debug, Clone)]
pub struct RawJob {
    pub span: std::ops::Range<usize>,
    pub name: Str,
    pub task_type: Str,
    pub role: Str,
    pub manifest: Option<Str>,
    /// Chaining: take the input from this plan job's output manifest.
    pub input_job: Option<Str>,
    /// Verification/adjustment: the label attribute whose labels are audited.
    pub audit_label_attribute: Option<Str>,
    pub label_config: Option<Str>,
    pub ui_template: Option<Str>,
    pub output: Str,
    pub output_prefix: Option<Str>,
    pub label_attribute: Str,
    pub title: Str,
    pub description: Str,
    pub keywords: Option<StrList>,
    pub workers_per_object: Option<Located<i64>>,
    pub task_time_limit: Option<Str>,
    pub task_availability_lifetime: Option<Str>,
    pub max_concurrent_tasks: Option<Located<i64>>,
    pub workteam: Str,
    pub public_price: Option<Str>,
    pub content_classifiers: Option<StrList>,
    pub max_labeled_objects: Option<Located<i64>>,
    pub max_percent_labeled: Option<Located<i64>>,
    pub output_kms_key_id: Option<Str>,
    pub human_task_ui_arn: Option<Str>,
    pub pre_lambda: Option<Str>,
    pub acs_lambda: Option<Str>,
    pub input_sns_topic: Option<Str>,
    pub output_sns_topic: Option<Str>,
    pub tags: Option<StrMap>,
    pub automated_labeling: Option<RawAutomatedLabeling>,
}

#[derive(Debug, Clone)]
pub struct RawAutomatedLabeling {
    pub span: std::ops::Range<usize>,
    pub algorithm: Option<Str>,
    pub initial_model: Option<Str>,
    pub volume_kms_key_id: Option<Str>,
    pub security_group_ids: Option<StrList>,
    pub subnets: Option<StrList>,
}

/// Parses and checks the plan file's text.
pub fn parse(src: &SourceFile) -> Result<RawPlan, ConfigError> {
    let doc = match DeTable::parse(src.text()) {
        Ok(doc) => doc,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            return Err(ConfigError::single(
                Problem::at(
                    src,
                    span,
                    format!("invalid TOML: {}", e.message().trim_end()),
                    "here",
                )
                .help("see docs/plan-file.md for the plan file's syntax"),
            ));
        }
    };
    let mut cx = Cx {
        src,
        problems: Problems::default(),
    };
    let mut root = Table::root(doc.get_ref(), 0..0);
    let name = root.required_string(&mut cx, "name", "\"my-plan\"");
    let region = root.required_string(&mut cx, "region", "\"us-east-1\"");
    let vars = root
        .table(&mut cx, "vars")
        .map(|t| read_vars(&mut cx, &t))
        .unwrap_or_default();
    let templates = root
        .table(&mut cx, "templates")
        .map(|t| read_templates(&mut cx, t))
        .unwrap_or_default();
    let buckets = named(
        &mut cx,
        &mut root,
        "buckets",
        "with `name = \"...\"`",
        read_bucket,
    );
    let roles = named(
        &mut cx,
        &mut root,
        "roles",
        "with `name = \"...\"`",
        read_role,
    );
    let uploads = named(
        &mut cx,
        &mut root,
        "uploads",
        "with `bucket`, `key` and `file`",
        read_upload,
    );
    let jobs = named(
        &mut cx,
        &mut root,
        "jobs",
        "with `name`, `task_type`, ...",
        read_job,
    );
    let workforce = root
        .table(&mut cx, "workforce")
        .map(|t| read_workforce(&mut cx, t));
    let teams = named(
        &mut cx,
        &mut root,
        "teams",
        "with `name`, `description` and `workers`",
        read_team,
    );
    root.finish(&mut cx);
    match (name, region) {
        (Some(name), Some(region)) if cx.problems.is_empty() => Ok(RawPlan {
            name,
            region,
            vars,
            templates,
            buckets,
            roles,
            uploads,
            jobs,
            workforce,
            teams,
        }),
        _ => Err(cx.problems.into_error()),
    }
}

fn named<'a, 'i, T>(
    cx: &mut Cx<'_>,
    root: &mut Table<'a, 'i>,
    key: &'static str,
    example: &str,
    read: fn(&mut Cx<'_>, Table<'a, 'i>) -> Option<T>,
) -> Vec<(Str, T)> {
    root.named_tables(cx, key, example)
        .into_iter()
        .filter_map(|(name, table)| read(cx, table).map(|t| (name, t)))
        .collect()
}

/// `[vars]` has free-form keys, so it is read as a map rather than key by key.
fn read_vars(cx: &mut Cx<'_>, table: &Table<'_, '_>) -> Vec<(Str, Str)> {
    let mut out = Vec::new();
    for (k, v) in table.inner() {
        let name = Located::new(k.get_ref().to_string(), k.span());
        if let Some(s) = v.get_ref().as_str() {
            out.push((name, Located::new(s.to_owned(), v.span())));
        } else {
            cx.at(
                v.span(),
                format!(
                    "variable `{}` in `[vars]` must be a string, not {}",
                    name.value,
                    describe_type(v.get_ref())
                ),
                "expected a string",
                Some("variables are text: quote the value".to_owned()),
            );
        }
    }
    out
}

fn read_templates(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> RawTemplates {
    let out = RawTemplates {
        bucket_policy: t.string(cx, "bucket_policy"),
        role_trust_policy: t.string(cx, "role_trust_policy"),
        role_policy: t.string(cx, "role_policy"),
        label_config: t.string(cx, "label_config"),
    };
    t.finish(cx);
    out
}

fn read_bucket(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> Option<RawBucket> {
    let name = t.required_string(cx, "name", "\"my-bucket-name\"");
    let encryption = t.string(cx, "encryption");
    let kms_key_id = t.string(cx, "kms_key_id");
    let bucket_key = t.boolean(cx, "bucket_key");
    let cors = t.string(cx, "cors");
    let cors_rules = t.table_list(cx, "cors_rules").map(|rules| {
        Located::new(
            rules
                .value
                .into_iter()
                .map(|r| read_cors_rule(cx, r))
                .collect(),
            rules.span,
        )
    });
    let public_access_block = t.boolean(cx, "public_access_block");
    let force_destroy = t.boolean(cx, "force_destroy");
    let adopt = t.boolean(cx, "adopt");
    let tags = t.string_map(cx, "tags");
    t.finish(cx);
    Some(RawBucket {
        name: name?,
        encryption,
        kms_key_id,
        bucket_key,
        cors,
        cors_rules,
        public_access_block,
        force_destroy,
        adopt,
        tags,
    })
}

fn read_cors_rule(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> RawCorsRule {
    let rule = RawCorsRule {
        span: t.span.clone(),
        allowed_headers: t.string_list(cx, "allowed_headers"),
        allowed_methods: t.string_list(cx, "allowed_methods"),
        allowed_origins: t.string_list(cx, "allowed_origins"),
        expose_headers: t.string_list(cx, "expose_headers"),
        max_age_seconds: t.integer(cx, "max_age_seconds"),
    };
    t.finish(cx);
    rule
}

fn read_role(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> Option<RawRole> {
    let name = t.required_string(cx, "name", "\"my-labeling-role\"");
    let description = t.string(cx, "description");
    let tags = t.string_map(cx, "tags");
    let adopt = t.boolean(cx, "adopt");
    let span = t.span.clone();
    t.finish(cx);
    Some(RawRole {
        span,
        name: name?,
        description,
        tags,
        adopt,
    })
}

fn read_upload(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> Option<RawUpload> {
    let bucket = t.required_string(cx, "bucket", "\"data\"");
    let key = t.required_string(cx, "key", "\"input/manifest.jsonl\"");
    let file = t.string(cx, "file");
    let labels = t.string_list(cx, "labels");
    let instructions = t.table(cx, "instructions").map(|mut i| {
        let out = RawInstructions {
            span: i.span.clone(),
            short: i.string(cx, "short"),
            full: i.string(cx, "full"),
        };
        i.finish(cx);
        out
    });
    let worker_ui = t.string(cx, "worker_ui");
    let annotation_type = t.string(cx, "annotation_type");
    let edits_allowed = t.string(cx, "edits_allowed");
    let mut attributes = |cx: &mut Cx<'_>, key: &'static str| {
        t.table_list(cx, key).map(|list| {
            Located::new(
                list.value
                    .into_iter()
                    .map(|a| read_attribute(cx, a))
                    .collect(),
                list.span,
            )
        })
    };
    let global_attributes = attributes(cx, "global_attributes");
    let label_attributes = attributes(cx, "label_attributes");
    let frame_attributes = attributes(cx, "frame_attributes");
    let content_type = t.string(cx, "content_type");
    let expand_vars = t.boolean(cx, "expand_vars");
    let span = t.span.clone();
    t.finish(cx);
    Some(RawUpload {
        span,
        bucket: bucket?,
        key: key?,
        file,
        labels,
        instructions,
        worker_ui,
        annotation_type,
        edits_allowed,
        global_attributes,
        label_attributes,
        frame_attributes,
        content_type,
        expand_vars,
    })
}

fn read_attribute(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> RawAttribute {
    let attribute = RawAttribute {
        span: t.span.clone(),
        name: t.required_string(cx, "name", "\"color\""),
        kind: t.required_string(cx, "type", "\"string\""),
        values: t.string_list(cx, "enum"),
        description: t.string(cx, "description"),
        minimum: t.integer(cx, "minimum"),
        maximum: t.integer(cx, "maximum"),
        required: t.boolean(cx, "required"),
        edits_allowed: t.string(cx, "edits_allowed"),
        labels: t.string_list(cx, "labels"),
    };
    t.finish(cx);
    attribute
}

fn read_job(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> Option<RawJob> {
    let name = t.required_string(cx, "name", "\"my-job-1\"");
    let task_type = t.required_string(cx, "task_type", "\"ImageMultiClass\"");
    let role = t.required_string(cx, "role", "\"labeling\"");
    let manifest = t.string(cx, "manifest");
    let input_job = t.string(cx, "input_job");
    let audit_label_attribute = t.string(cx, "audit_label_attribute");
    let label_config = t.string(cx, "label_config");
    let ui_template = t.string(cx, "ui_template");
    let output = t.required_string(cx, "output", "\"data\"");
    let output_prefix = t.string(cx, "output_prefix");
    let label_attribute = t.required_string(cx, "label_attribute", "\"label\"");
    let title = t.required_string(cx, "title", "\"Classify images\"");
    let description = t.required_string(cx, "description", "\"Choose the best label\"");
    let keywords = t.string_list(cx, "keywords");
    let workers_per_object = t.integer(cx, "workers_per_object");
    let task_time_limit = t.string(cx, "task_time_limit");
    let task_availability_lifetime = t.string(cx, "task_availability_lifetime");
    let max_concurrent_tasks = t.integer(cx, "max_concurrent_tasks");
    let workteam = t.required_string(cx, "workteam", "\"public\"");
    let public_price = t.string(cx, "public_price");
    let content_classifiers = t.string_list(cx, "content_classifiers");
    let max_labeled_objects = t.integer(cx, "max_labeled_objects");
    let max_percent_labeled = t.integer(cx, "max_percent_labeled");
    let output_kms_key_id = t.string(cx, "output_kms_key_id");
    let human_task_ui_arn = t.string(cx, "human_task_ui_arn");
    let pre_lambda = t.string(cx, "pre_lambda");
    let acs_lambda = t.string(cx, "acs_lambda");
    let input_sns_topic = t.string(cx, "input_sns_topic");
    let output_sns_topic = t.string(cx, "output_sns_topic");
    let tags = t.string_map(cx, "tags");
    let automated_labeling = t.table(cx, "automated_labeling").map(|mut a| {
        let out = RawAutomatedLabeling {
            span: a.span.clone(),
            algorithm: a.string(cx, "algorithm"),
            initial_model: a.string(cx, "initial_model"),
            volume_kms_key_id: a.string(cx, "volume_kms_key_id"),
            security_group_ids: a.string_list(cx, "security_group_ids"),
            subnets: a.string_list(cx, "subnets"),
        };
        a.finish(cx);
        out
    });
    let span = t.span.clone();
    t.finish(cx);
    Some(RawJob {
        span,
        name: name?,
        task_type: task_type?,
        role: role?,
        manifest,
        input_job,
        audit_label_attribute,
        label_config,
        ui_template,
        output: output?,
        output_prefix,
        label_attribute: label_attribute?,
        title: title?,
        description: description?,
        keywords,
        workers_per_object,
        task_time_limit,
        task_availability_lifetime,
        max_concurrent_tasks,
        workteam: workteam?,
        public_price,
        content_classifiers,
        max_labeled_objects,
        max_percent_labeled,
        output_kms_key_id,
        human_task_ui_arn,
        pre_lambda,
        acs_lambda,
        input_sns_topic,
        output_sns_topic,
        tags,
        automated_labeling,
    })
}

fn read_workforce(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> RawWorkforce {
    let span = t.span.clone();
    let name = t.string(cx, "name");
    let user_pool_name = t.string(cx, "user_pool_name");
    let domain = t.string(cx, "domain");
    let user_pool_id = t.string(cx, "user_pool_id");
    let client_id = t.string(cx, "client_id");
    let oidc = t.table(cx, "oidc").map(|mut o| {
        let out = RawOidc {
            span: o.span.clone(),
            client_id: o.string(cx, "client_id"),
            client_secret: o.string(cx, "client_secret"),
            client_secret_env: o.string(cx, "client_secret_env"),
            client_secret_file: o.string(cx, "client_secret_file"),
            issuer: o.string(cx, "issuer"),
            authorization_endpoint: o.string(cx, "authorization_endpoint"),
            token_endpoint: o.string(cx, "token_endpoint"),
            user_info_endpoint: o.string(cx, "user_info_endpoint"),
            logout_endpoint: o.string(cx, "logout_endpoint"),
            jwks_uri: o.string(cx, "jwks_uri"),
            scope: o.string(cx, "scope"),
        };
        o.finish(cx);
        out
    });
    let source_ip_cidrs = t.string_list(cx, "source_ip_cidrs");
    let destroy_users = t.boolean(cx, "destroy_users");
    t.finish(cx);
    RawWorkforce {
        span,
        name,
        user_pool_name,
        domain,
        user_pool_id,
        client_id,
        oidc,
        source_ip_cidrs,
        destroy_users,
    }
}

fn read_team(cx: &mut Cx<'_>, mut t: Table<'_, '_>) -> Option<RawTeam> {
    let name = t.required_string(cx, "name", "\"annotators\"");
    let description = t.string(cx, "description");
    let workers = t.string_list(cx, "workers");
    let groups = t.string_list(cx, "groups");
    let notification_topic = t.string(cx, "notification_topic");
    let tags = t.string_map(cx, "tags");
    let span = t.span.clone();
    t.finish(cx);
    Some(RawTeam {
        span,
        name: name?,
        description,
        workers,
        groups,
        notification_topic,
        tags,
    })
}
