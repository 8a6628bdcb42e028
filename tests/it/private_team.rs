//! Private workforces and teams from the plan file, through the real binary against the
//! sandbox: the example applies and plans empty, membership drift is planned and repaired, a
//! team change is an update, destroy keeps people's logins, a second plan adopts the workforce
//! without changing it, and an OIDC secret never leaves the environment.

use aws_sdk_cognitoidentityprovider::Client as Cognito;

use crate::engine::Project;
use crate::support::assert_contains;

const PLAN: &str = "private-team.toml";
/// The example with a user pool of its own instead of the region's seeded workforce.
const OWN_POOL: &str = "own-pool.toml";
/// The sandbox's seeded pool in us-east-1 (see `sandbox::sagemaker::seed`).
const SEEDED_POOL: &str = "us-east-1_sandbox";

/// A project whose us-east-1 has no workforce (the seeded one removed, as an admin would) and
/// `own-pool.toml`: the example creating its own pool.
async fn without_a_workforce() -> Project {
    let p = Project::quickstart().await;
    crate::sagemaker::without_seeded_workforce(&p.sb.sagemaker).await;
    let text = std::fs::read_to_string(p.path(PLAN)).expect("the example");
    p.write(
        OWN_POOL,
        &text.replace(
            "user_pool_id = \"${user_pool_id}\"\nclient_id = \"${client_id}\"",
            "user_pool_name = \"gtplan-private-team\"\ndomain = \"gtplan-private-team-${account_id}\"",
        ),
    );
    p
}

async fn cognito(p: &Project) -> Cognito {
    let conf = crate::support::sdk_config(&p.sb.endpoint(), "us-east-1", "test", "test").await;
    Cognito::new(&conf)
}

async fn pool_id(c: &Cognito, name: &str) -> String {
    let pools = c
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .expect("list pools");
    pools
        .user_pools()
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id())
        .unwrap_or_else(|| panic!("a pool named {name}"))
        .to_owned()
}

async fn members(c: &Cognito, pool: &str, group: &str) -> Vec<String> {
    let out = c
        .list_users_in_group()
        .user_pool_id(pool)
        .group_name(group)
        .send()
        .await
        .expect("list users in group");
    let mut names: Vec<String> = out
        .users()
        .iter()
        .filter_map(|u| u.username().map(ToOwned::to_owned))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_applies_and_membership_drift_is_repaired() {
    let p = Project::quickstart().await;
    let plan = p.gtplan(&["plan", PLAN]).await.success();
    assert_contains(
        &plan.stdout,
        "the region's workforce `default` already uses this user pool and app client; this plan uses it and leaves it as it is",
    );
    assert_contains(&plan.stdout, "+ team.annotators \"annotators\"");
    assert_contains(&plan.stdout, "+ workers.ana@example.com");
    assert_contains(&plan.stdout, "a private team: no fee per task");
    p.apply_converges(PLAN).await;

    let c = cognito(&p).await;
    let pool = SEEDED_POOL.to_owned();
    assert_eq!(
        members(&c, &pool, "annotators").await,
        ["ana@example.com", "ben@example.com"]
    );
    assert_eq!(p.requests("AdminCreateUser"), 2, "each worker invited once");
    let job =
        p.sb.sagemaker
            .describe_labeling_job()
            .labeling_job_name("gtplan-private-team-pets-1")
            .send()
            .await
            .expect("the job");
    assert_eq!(
        job.human_task_config().and_then(|h| h.workteam_arn()),
        Some("arn:aws:sagemaker:us-east-1:000000000000:workteam/private-crowd/annotators")
    );

    // Someone takes Ben out of the team by hand: drift, planned and put back.
    c.admin_remove_user_from_group()
        .user_pool_id(&pool)
        .username("ben@example.com")
        .group_name("annotators")
        .send()
        .await
        .expect("remove by hand");
    let drift = p.gtplan(&["plan", PLAN, "--detailed-exitcode"]).await;
    assert_eq!(drift.code, 2, "{}\n{}", drift.stdout, drift.stderr);
    assert_contains(&drift.stdout, "~ team.annotators");
    assert_contains(&drift.stdout, "+ workers.ben@example.com");
    p.apply_converges(PLAN).await;
    assert_eq!(
        members(&c, &pool, "annotators").await,
        ["ana@example.com", "ben@example.com"]
    );
    assert_eq!(
        p.requests("AdminCreateUser"),
        3,
        "Ben's login was kept (answered: exists)"
    );

    // A new worker and a worker who leaves; a new description: one UpdateWorkteam.
    p.edit(
        PLAN,
        "workers = [\"ana@example.com\", \"ben@example.com\"]",
        "workers = [\"ben@example.com\", \"cleo@example.com\"]",
    );
    p.edit(
        PLAN,
        "The people who classify our pictures",
        "Our picture classifiers",
    );
    let change = p.gtplan(&["plan", PLAN]).await.success();
    for line in [
        "+ workers.cleo@example.com",
        "- workers.ana@example.com",
        "~ description: \"The people who classify our pictures\" -> \"Our picture classifiers\"",
    ] {
        assert!(change.stdout.contains(line), "{line}\n{}", change.stdout);
    }
    assert_contains(&change.stdout, "1 to update");
    p.apply_converges(PLAN).await;
    assert_eq!(
        members(&c, &pool, "annotators").await,
        ["ben@example.com", "cleo@example.com"]
    );
    assert_eq!(p.requests("UpdateWorkteam"), 1);
    assert_eq!(
        p.requests("DeleteWorkteam"),
        0,
        "a change is no replacement"
    );
    c.admin_get_user()
        .user_pool_id(&pool)
        .username("ana@example.com")
        .send()
        .await
        .expect("Ana left the team but keeps her login");

    // Destroy: the team and its group go; the adopted workforce and everyone's login stay.
    let destroy = p
        .gtplan(&["destroy", PLAN, "--auto-approve"])
        .await
        .success();
    assert_contains(&destroy.stdout, "workforce.default");
    let teams = p.sb.sagemaker.list_workteams().send().await.expect("teams");
    let names: Vec<&str> = teams
        .workteams()
        .iter()
        .filter_map(|t| t.workteam_name())
        .collect();
    assert_eq!(names, ["sandbox-team"], "only the plan's team is gone");
    p.sb.sagemaker
        .describe_workforce()
        .workforce_name("default")
        .send()
        .await
        .expect("the adopted workforce stays");
    c.admin_get_user()
        .user_pool_id(&pool)
        .username("ben@example.com")
        .send()
        .await
        .expect("logins stay");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_of_its_own_and_a_destroy_that_keeps_logins_unless_told() {
    let p = without_a_workforce().await;
    let plan = p.gtplan(&["plan", OWN_POOL]).await.success();
    for line in [
        "+ workforce.default \"default\"",
        "+ user_pool: \"gtplan-private-team\"",
        "+ app_client: \"gtplan-workforce\"",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.stdout);
    }
    p.apply_converges(OWN_POOL).await;
    let c = cognito(&p).await;
    let pool = pool_id(&c, "gtplan-private-team").await;

    let destroy = p
        .gtplan(&["destroy", OWN_POOL, "--auto-approve"])
        .await
        .success();
    assert!(
        destroy
            .stdout
            .contains("keeps user pool `gtplan-private-team`"),
        "{}",
        destroy.stdout
    );
    let teams = p.sb.sagemaker.list_workteams().send().await.expect("teams");
    assert!(
        teams
            .workteams()
            .iter()
            .all(|t| t.workteam_name() != Some("annotators")),
        "the team is gone"
    );
    let groups = c
        .list_groups()
        .user_pool_id(&pool)
        .send()
        .await
        .expect("groups");
    assert!(groups.groups().is_empty(), "its group is gone");
    c.admin_get_user()
        .user_pool_id(&pool)
        .username("ana@example.com")
        .send()
        .await
        .expect("the logins stay");

    p.edit(
        OWN_POOL,
        "domain = \"gtplan-private-team-${account_id}\"",
        "domain = \"gtplan-private-team-${account_id}\"\ndestroy_users = true",
    );
    let again = p
        .gtplan(&["destroy", OWN_POOL, "--auto-approve"])
        .await
        .success();
    assert_contains(&again.stdout, "with its 2 users");
    let left = c
        .list_user_pools()
        .max_results(60)
        .send()
        .await
        .expect("pools");
    assert!(
        left.user_pools()
            .iter()
            .all(|p| p.name() != Some("gtplan-private-team")),
        "the pool is deleted when the plan says so"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_plan_adopts_the_workforce_without_changing_it() {
    let p = without_a_workforce().await;
    p.apply_converges(OWN_POOL).await;
    let c = cognito(&p).await;
    let pool = pool_id(&c, "gtplan-private-team").await;
    let clients = c
        .list_user_pool_clients()
        .user_pool_id(&pool)
        .max_results(60)
        .send()
        .await
        .expect("clients");
    let client = clients.user_pool_clients()[0]
        .client_id()
        .expect("client id")
        .to_owned();
    p.write(
        "second.toml",
        &format!(
            "name = \"second\"\nregion = \"us-east-1\"\n\n[workforce]\nuser_pool_id = \"{pool}\"\nclient_id = \"{client}\"\n\n[teams.reviewers]\nname = \"reviewers\"\ndescription = \"Second opinions\"\nworkers = [\"ana@example.com\", \"dan@example.com\"]\n"
        ),
    );
    let plan = p.gtplan(&["plan", "second.toml"]).await.success();
    assert_contains(&plan.stdout, "+ team.reviewers");
    assert!(
        !plan.stdout.contains("workforce.default\" "),
        "{}",
        plan.stdout
    );
    p.apply_converges("second.toml").await;
    let again = p.gtplan(&["plan", "second.toml"]).await.success();
    assert!(
        again.stdout.contains("adopted") || again.stdout.contains("No changes"),
        "{}",
        again.stdout
    );
    assert_eq!(
        members(&c, &pool, "reviewers").await,
        ["ana@example.com", "dan@example.com"]
    );
    // The owner plan still plans nothing: the second plan changed nothing of its.
    let owner = p.gtplan(&["plan", OWN_POOL, "--detailed-exitcode"]).await;
    assert_eq!(owner.code, 0, "{}\n{}", owner.stdout, owner.stderr);

    p.edit(
        "second.toml",
        "client_id = ",
        "source_ip_cidrs = [\"203.0.113.0/24\"]\nclient_id = ",
    );
    let refused = p.gtplan(&["plan", "second.toml"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(
        refused
            .stderr
            .contains("gtplan changes a workforce only when the plan created its user pool"),
        "{}",
        refused.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oidc_secret_comes_from_the_environment_and_is_never_shown() {
    let p = Project::empty().await;
    crate::sagemaker::without_seeded_workforce(&p.sb.sagemaker_in("eu-west-1").await).await;
    p.write(
        "oidc.toml",
        "name = \"oidc\"\nregion = \"eu-west-1\"\n\n[workforce]\nname = \"idp\"\n\n[workforce.oidc]\nclient_id = \"gtplan-workers\"\nclient_secret_env = \"GTPLAN_TEST_OIDC_SECRET\"\nissuer = \"https://idp.example.com\"\nauthorization_endpoint = \"https://idp.example.com/authorize\"\ntoken_endpoint = \"https://idp.example.com/token\"\nuser_info_endpoint = \"https://idp.example.com/userinfo\"\nlogout_endpoint = \"https://idp.example.com/logout\"\njwks_uri = \"https://idp.example.com/jwks\"\n\n[teams.labelers]\nname = \"labelers\"\ndescription = \"Everyone in the IdP group\"\ngroups = [\"labelers\"]\n",
    );
    let missing = p.gtplan(&["plan", "oidc.toml"]).await;
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("environment variable `GTPLAN_TEST_OIDC_SECRET` is not set"),
        "{}",
        missing.stderr
    );
    let with_secret = |args: &[&str]| {
        let mut cmd = p.command(args);
        cmd.env("GTPLAN_TEST_OIDC_SECRET", "very-secret-value");
        let out = cmd.output().expect("gtplan runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) =
        with_secret(&["plan", "oidc.toml", "--json", "--out", "saved.json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains("very-secret-value"));
    assert_contains(
        &stdout,
        "sensitive, from environment variable `GTPLAN_TEST_OIDC_SECRET`",
    );
    let saved = std::fs::read_to_string(p.path("saved.json")).expect("saved plan");
    assert!(
        !saved.contains("very-secret-value"),
        "a saved plan holds no secret"
    );
    let (code, _, stderr) = with_secret(&["apply", "saved.json", "--auto-approve"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, _) = with_secret(&["plan", "oidc.toml", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "{stdout}");
    let team =
        p.sb.sagemaker_in("eu-west-1")
            .await
            .describe_workteam()
            .workteam_name("labelers")
            .send()
            .await
            .expect("the team");
    let groups: Vec<String> = team
        .workteam()
        .map(|t| {
            t.member_definitions()
                .iter()
                .filter_map(|m| m.oidc_member_definition())
                .flat_map(|o| o.groups().to_vec())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(groups, ["labelers"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_removed_from_the_plan_is_deleted_after_its_job_stops() {
    let p = Project::quickstart().await;
    p.apply_converges(PLAN).await;
    let text = std::fs::read_to_string(p.path(PLAN)).expect("plan");
    let without_team = text
        .replace(
            "[teams.annotators]\nname = \"annotators\"\ndescription = \"The people who classify our pictures\"\nworkers = [\"ana@example.com\", \"ben@example.com\"]\n",
            "",
        )
        .split("[jobs.pets]")
        .next()
        .expect("before the job")
        .to_owned();
    std::fs::write(p.path(PLAN), without_team).expect("write");
    let plan = p.gtplan(&["plan", PLAN]).await.success();
    assert_contains(&plan.stdout, "- team.annotators \"annotators\"");
    assert_contains(&plan.stdout, "! job.pets");
    p.apply_converges(PLAN).await;
    let teams = p.sb.sagemaker.list_workteams().send().await.expect("teams");
    assert!(
        teams
            .workteams()
            .iter()
            .all(|t| t.workteam_name() != Some("annotators")),
        "the team is deleted"
    );
    cognito(&p)
        .await
        .admin_get_user()
        .user_pool_id(SEEDED_POOL)
        .username("ana@example.com")
        .send()
        .await
        .expect("its workers keep their logins");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_scaffolds_a_private_team_that_applies() {
    let p = Project::empty().await;
    p.gtplan(&[
        "init",
        "--task-type",
        "BoundingBox",
        "--private-team",
        "boxes",
    ])
    .await
    .success();
    let plan = std::fs::read_to_string(p.path("boxes/plan.toml")).expect("plan");
    assert_contains(&plan, "[teams.labelers]");
    assert_contains(&plan, "workteam = \"labelers\"");
    p.apply_converges("boxes/plan.toml").await;
    let c = cognito(&p).await;
    assert_eq!(
        members(&c, SEEDED_POOL, "bounding-box-labelers").await,
        ["ana@example.com", "ben@example.com"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_another_plans_running_job_uses_is_kept_and_a_deleted_group_comes_back() {
    let p = Project::quickstart().await;
    p.apply_converges(PLAN).await;
    // The group is deleted by hand: drift, planned as the group and its workers coming back.
    let c = cognito(&p).await;
    c.delete_group()
        .user_pool_id(SEEDED_POOL)
        .group_name("annotators")
        .send()
        .await
        .expect("delete the group by hand");
    let drift = p.gtplan(&["plan", PLAN]).await.success();
    assert_contains(&drift.stdout, "+ group: \"annotators\"");
    p.apply_converges(PLAN).await;
    assert_eq!(
        members(&c, SEEDED_POOL, "annotators").await,
        ["ana@example.com", "ben@example.com"]
    );

    // Another plan's job uses the team by its ARN.
    let example = std::fs::read_to_string(p.path(PLAN)).expect("plan");
    let other = example
        .replace("name = \"private-team\"", "name = \"other\"")
        .replace("gtplan-private-team-${account_id}", "gtplan-other-${account_id}")
        .replace("gtplan-private-team-labeling", "gtplan-other-labeling")
        .replace("gtplan-private-team-pets-1", "gtplan-other-pets-1")
        .replace(
            "workteam = \"annotators\"",
            "workteam = \"arn:aws:sagemaker:us-east-1:000000000000:workteam/private-crowd/annotators\"",
        )
        .replace(
            "[workforce]\nuser_pool_id = \"${user_pool_id}\"\nclient_id = \"${client_id}\"\n",
            "",
        )
        .replace(
            "[teams.annotators]\nname = \"annotators\"\ndescription = \"The people who classify our pictures\"\nworkers = [\"ana@example.com\", \"ben@example.com\"]\n",
            "",
        );
    p.write("other.toml", &other);
    p.apply_converges("other.toml").await;

    let refused = p.gtplan(&["destroy", PLAN, "--auto-approve"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert_contains(
        &refused.stderr,
        "work team `annotators` is used by running labeling jobs that are not this plan's: `gtplan-other-pets-1`",
    );
    assert_eq!(p.requests("DeleteWorkteam"), 0, "nothing was deleted");
}
