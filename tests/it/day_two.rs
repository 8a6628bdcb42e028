//! Day two, through the real binary against the sandbox: `status` (and `--watch` driven by the
//! sandbox's clock), `labels`, the cost estimate, `plan --markdown`, completions and the plan
//! file's JSON Schema.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc;
use std::time::Duration;

use crate::engine::Project;
use crate::support::assert_contains;

/// Collects a child's stdout lines on a thread, so the test can wait for one with a bound.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits (at most 60 s) for the child to exit; its exit code.
fn exit_code(child: &mut Child) -> i32 {
    for _ in 0..600 {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("gtplan did not exit within 60 s");
}

fn next_line(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_mins(1))
        .expect("a line within 60 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_before_and_after_apply_and_watch_until_completed() {
    let p = Project::quickstart_labeling_at(1.0).await;
    let none = p.gtplan(&["status", "quickstart.toml"]).await;
    assert_eq!(none.code, 1, "{}", none.stdout);
    assert!(
        none.stderr
            .contains("none of plan `quickstart`'s labeling jobs exists yet"),
        "{}",
        none.stderr
    );
    assert_contains(&none.stderr, "gtplan apply");

    p.apply_converges("quickstart.toml").await;
    let table = p.gtplan(&["status", "quickstart.toml"]).await.success();
    let row = table
        .stdout
        .lines()
        .find(|l| l.starts_with("job.pets"))
        .expect("a row for job.pets");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cells[..9],
        [
            "job.pets",
            "gtplan-quickstart-pets-1",
            "Initializing",
            "0",
            "0",
            "0",
            "0",
            "5",
            "5"
        ],
        "{}",
        table.stdout
    );

    let mut cmd = p.command(&["status", "quickstart.toml", "--watch", "--interval", "1s"]);
    let mut child = cmd.spawn().expect("gtplan runs");
    let lines = lines_of(&mut child);
    let first = next_line(&lines);
    assert!(
        first.starts_with("job.pets: Initializing, 0 of 5 labeled"),
        "{first}"
    );
    // Halfway, then past the end: watch prints each change and exits when the job completes.
    p.sb.advance(3.0).await;
    p.sb.advance(60.0).await;
    let code = exit_code(&mut child);
    let rest: Vec<String> = lines.try_iter().collect();
    assert_eq!(code, 0, "{first}\n{}", rest.join("\n"));
    let last = rest.last().expect("a final line");
    assert_eq!(
        last,
        "job.pets: Completed, 5 of 5 labeled (5 human, 0 machine), 0 failed, 0 unlabeled"
    );

    let json = p
        .gtplan(&["status", "quickstart.toml", "--json"])
        .await
        .success();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(doc["all_completed"], true);
    assert_eq!(doc["jobs"][0]["status"], "Completed");
    assert_eq!(doc["jobs"][0]["counters"]["labeled"], 5);
    assert_eq!(doc["jobs"][0]["counters"]["total"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_exits_non_zero_when_a_job_is_stopped() {
    let p = Project::quickstart_labeling_at(0.1).await;
    p.apply_converges("quickstart.toml").await;
    p.sb.advance(20.0).await;
    p.sb.sagemaker
        .stop_labeling_job()
        .labeling_job_name("gtplan-quickstart-pets-1")
        .send()
        .await
        .expect("stop");
    p.sb.advance(5.0).await;
    let run = p
        .gtplan(&["status", "quickstart.toml", "--watch", "--interval", "1s"])
        .await;
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert_contains(&run.stdout, "job.pets: Stopped, 1 of 5");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_of_a_finished_job_with_class_names() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;

    // Not finished: a clear error, and nothing written.
    let early = p
        .gtplan(&["labels", "quickstart.toml", "pets", "--out", "labels.csv"])
        .await;
    assert_eq!(early.code, 1);
    assert!(
        early
            .stderr
            .contains("has no output yet: it is Initializing (0 of 5 labeled)"),
        "{}",
        early.stderr
    );
    assert_contains(&early.stderr, "status PLAN --watch");
    assert!(!p.path("labels.csv").exists());
    assert!(!p.path("labels.csv.partial").exists());

    p.sb.advance(60.0).await;
    let rows = p
        .gtplan(&["labels", "quickstart.toml", "job.pets"])
        .await
        .success();
    let rows: Vec<serde_json::Value> = rows
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect();
    assert_eq!(rows.len(), 5);
    let manifest = std::fs::read_to_string(p.path("quickstart/manifest.jsonl")).expect("manifest");
    assert!(
        manifest.contains("images/cat-1.png"),
        "rows follow the manifest"
    );
    for row in &rows {
        let label = row["label"].as_str().expect("a class name, not an index");
        assert!(["cat", "dog", "bird"].contains(&label), "{row}");
        assert_eq!(row["labeled_by"], "human");
        assert!(
            row["object"]
                .as_str()
                .is_some_and(|o| o.starts_with("s3://") && o.contains("/images/")),
            "{row}"
        );
    }
    let csv = p
        .gtplan(&[
            "labels",
            "quickstart.toml",
            "gtplan-quickstart-pets-1",
            "--format",
            "csv",
            "--out",
            "labels.csv",
        ])
        .await
        .success();
    assert_contains(&csv.stderr, "5 objects from s3://");
    assert_contains(&csv.stderr, "5 labeled (5 human, 0 machine)");
    let text = std::fs::read_to_string(p.path("labels.csv")).expect("labels.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("object,label,confidence,labeled_by,label_ref,failure")
    );
    assert_eq!(lines.count(), 5);

    let unknown = p.gtplan(&["labels", "quickstart.toml", "cats"]).await;
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("has no job `cats`") && unknown.stderr.contains("pets"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_estimates_cost_and_renders_markdown() {
    let p = Project::quickstart().await;
    let json = p
        .gtplan(&["plan", "quickstart.toml", "--json"])
        .await
        .success();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let cost = &doc["cost"];
    assert_eq!(cost["currency"], "USD");
    assert_eq!(cost["total"], "0.060");
    assert_eq!(cost["complete"], true);
    assert_eq!(cost["jobs"][0]["objects"], 5);
    assert_eq!(cost["jobs"][0]["workforce"], "public");
    assert_eq!(cost["jobs"][0]["price_per_task"], "0.012");
    let text = p.gtplan(&["plan", "quickstart.toml"]).await.success();
    assert_contains(
        &text.stdout,
        "job.pets (gtplan-quickstart-pets-1): $0.060 = 5 objects × 1 worker × $0.012 per task",
    );
    assert!(
        !text.stdout.contains("\x1b["),
        "no colour without a terminal"
    );

    let md = p
        .gtplan(&["plan", "quickstart.toml", "--markdown"])
        .await
        .success();
    assert!(
        md.stdout.starts_with("### gtplan plan `quickstart`"),
        "{}",
        md.stdout
    );
    assert_contains(&md.stdout, "| 🟢 + | `bucket.data` |");
    assert_contains(&md.stdout, "```diff\n+ {");
    assert_contains(&md.stdout, "| **Total** | **$0.060** | |");

    // Once the job exists, nothing is created and nothing is estimated.
    p.apply_converges("quickstart.toml").await;
    let after = p
        .gtplan(&["plan", "quickstart.toml", "--json"])
        .await
        .success();
    let doc: serde_json::Value = serde_json::from_str(&after.stdout).expect("JSON");
    assert!(doc["cost"].is_null(), "{}", doc["cost"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_and_the_plan_schema() {
    let p = Project::empty().await;
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = p.gtplan(&["completions", shell]).await.success();
        assert!(run.stdout.contains("gtplan"), "{shell}");
        assert!(
            run.stdout.contains("status"),
            "{shell}: subcommands complete"
        );
    }
    let man = p.gtplan(&["man", "--out-dir", "man"]).await.success();
    assert_contains(&man.stdout, "Wrote man pages");
    let page = std::fs::read_to_string(p.path("man/gtplan-status.1")).expect("a page per command");
    assert!(page.contains(".TH gtplan-status"), "roff: {page}");
    assert_contains(&page, "watch");

    let schema = p.gtplan(&["schema"]).await.success();
    let schema: serde_json::Value = serde_json::from_str(&schema.stdout).expect("schema JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let plans = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("plans");
    let mut checked = 0;
    for entry in std::fs::read_dir(&plans).expect("plans/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read plan");
        let plan: serde_json::Value = toml::from_str(&text).expect("TOML");
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 4, "every example plan is checked");

    let quickstart = std::fs::read_to_string(plans.join("quickstart.toml")).expect("read");
    let typo = quickstart.replace("task_time_limit =", "task_time_limt =");
    let plan: serde_json::Value = toml::from_str(&typo).expect("TOML");
    assert!(!validator.is_valid(&plan), "an unknown key is refused");
}

/// Chromium from the system packages (`.ci/run` installs it; `GTPLAN_CHROMIUM` overrides).
fn chromium() -> std::path::PathBuf {
    let path = std::env::var_os("GTPLAN_CHROMIUM")
        .map_or_else(|| std::path::PathBuf::from("/usr/bin/chromium"), Into::into);
    assert!(
        path.exists(),
        "the preview test needs Chromium at {}: `apt-get install chromium` (as .ci/run does) or set GTPLAN_CHROMIUM",
        path.display()
    );
    path
}

/// Loads `page` in headless Chromium: its DOM after scripts ran, and the console errors
/// (uncaught exceptions) it logged.
fn load_in_browser(page: &std::path::Path) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            // Bounded: virtual time runs out after 5 s of the page's own clock.
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let errors = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") && l.contains("Uncaught"))
        .map(ToOwned::to_owned)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), errors)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_renders_a_page_that_loads_in_a_browser_without_script_errors() {
    let p = Project::quickstart().await;
    let run = p
        .gtplan(&[
            "preview",
            "quickstart.toml",
            "pets",
            "--out",
            "preview/pets.html",
        ])
        .await
        .success();
    assert!(
        run.stdout
            .contains("Rendered `s3://gtplan-quickstart-000000000000/images/cat-1.png`: file://"),
        "{}",
        run.stdout
    );
    let page = p.path("preview/pets.html");
    let (dom, errors) = load_in_browser(&page);
    // The only script is Ground Truth's crowd-html-elements.js, which cannot load offline.
    assert!(errors.is_empty(), "script errors: {errors:?}");
    assert_contains(&dom, "<crowd-image-classifier");
    let picture = std::fs::read(p.path("quickstart/images/cat-1.png")).expect("picture");
    let inline = format!(
        "src=\"data:image/png;base64,{}\"",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, picture)
    );
    assert!(dom.contains(&inline), "the picture is inlined: {dom}");
    assert_contains(
        &dom,
        "categories=\"[&quot;cat&quot;,&quot;dog&quot;,&quot;bird&quot;]\"",
    );

    // The same check sees a page with a script error.
    p.write(
        "broken.html",
        "<script>notDefinedAnywhere();</script><p>x</p>",
    );
    let (_, errors) = load_in_browser(&p.path("broken.html"));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("notDefinedAnywhere"), "{errors:?}");

    // Several objects: a page each.
    let run = p
        .gtplan(&[
            "preview",
            "quickstart.toml",
            "pets",
            "--objects",
            "3",
            "--out",
            "preview/p.html",
        ])
        .await
        .success();
    assert_eq!(
        run.stdout.matches("Rendered `").count(),
        3,
        "{}",
        run.stdout
    );
    for n in 1..=3 {
        assert!(p.path(&format!("preview/p-{n}.html")).exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_refuses_what_it_cannot_render_and_writes_nothing() {
    let p = Project::quickstart().await;
    std::fs::write(p.path("quickstart/manifest.jsonl"), "").expect("empty the manifest");
    let empty = p
        .gtplan(&["preview", "quickstart.toml", "pets", "--out", "out.html"])
        .await;
    assert_eq!(empty.code, 1);
    assert_contains(&empty.stderr, "manifest.jsonl` is empty");
    assert!(!p.path("out.html").exists());

    let ner = p
        .gtplan(&["init", "--task-type", "NamedEntityRecognition", "ner"])
        .await
        .success();
    assert_contains(&ner.stdout, "plan");
    let aws_ui = p
        .gtplan(&["preview", "ner/plan.toml", "sample", "--out", "out.html"])
        .await;
    assert_eq!(aws_ui.code, 1);
    assert!(
        aws_ui.stderr.contains("AWS-owned UI") && aws_ui.stderr.contains("nothing to preview"),
        "{}",
        aws_ui.stderr
    );
    assert!(!p.path("out.html").exists());

    let waiting = p
        .gtplan(&[
            "preview",
            "boxes-then-verify.toml",
            "check",
            "--out",
            "out.html",
        ])
        .await;
    assert_eq!(waiting.code, 1);
    assert!(
        waiting
            .stderr
            .contains("reads the output manifest of job.boxes, which does not exist yet"),
        "{}",
        waiting.stderr
    );
    assert!(!p.path("out.html").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_checks_custom_templates_with_render_ui_template() {
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    // A second job whose template parses but cannot render: grant_read_access on a list.
    p.write(
        "quickstart/ui/broken.liquid.html",
        "<crowd-form><img src=\"{{ task.input.labels | grant_read_access }}\"></crowd-form>\n",
    );
    let text = std::fs::read_to_string(p.path("quickstart.toml")).expect("plan");
    let job = text.split("[jobs.pets]").nth(1).expect("the job");
    let second = format!(
        "{text}\n[uploads.broken-ui]\nbucket = \"data\"\nkey = \"input/broken.liquid.html\"\nfile = \"quickstart/ui/broken.liquid.html\"\n\n[jobs.again]{}",
        job.replace("gtplan-quickstart-pets-1", "gtplan-quickstart-pets-2")
            .replace("ui_template = \"ui\"", "ui_template = \"broken-ui\"")
    );
    std::fs::write(p.path("quickstart.toml"), second).expect("write");
    let seen = p.requests("RenderUiTemplate");
    let plan = p.gtplan(&["plan", "quickstart.toml"]).await;
    assert_eq!(plan.code, 1, "{}", plan.stdout);
    assert!(
        plan.stderr.contains("job.again")
            && plan
                .stderr
                .contains("SageMaker cannot render the worker template")
            && plan.stderr.contains("grant_read_access needs an s3:// URI"),
        "{}",
        plan.stderr
    );
    assert_eq!(
        p.requests("RenderUiTemplate"),
        seen + 1,
        "one render: only the new job's template"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_render_ui_template_through_the_sdk() {
    use aws_sdk_sagemaker::types::{RenderableTask, UiTemplate};
    let p = Project::quickstart().await;
    p.apply_converges("quickstart.toml").await;
    let role = "arn:aws:iam::000000000000:role/gtplan/quickstart/gtplan-quickstart-labeling";
    let render = |content: &str, input: &str, role: &str| {
        p.sb.sagemaker
            .render_ui_template()
            .ui_template(UiTemplate::builder().content(content).build())
            .task(RenderableTask::builder().input(input).build())
            .role_arn(role)
            .send()
    };
    let ok = render(
        "<p>{{ task.input.taskObject }}</p><img src=\"{{ task.input.taskObject | grant_read_access }}\">",
        r#"{"taskObject":"s3://b/<a>.png"}"#,
        role,
    )
    .await
    .expect("renders");
    assert!(ok.errors().is_empty());
    let html = ok.rendered_content().expect("content");
    assert!(html.starts_with("<p>s3://b/&lt;a&gt;.png</p>"), "{html}");
    // Escaped like every output: the browser reads `&amp;` in an attribute as `&`.
    assert_contains(
        html,
        "src=\"https://s3.amazonaws.com/b/&lt;a&gt;.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;",
    );

    let bad = render("{% if x %}never closed", "{}", role)
        .await
        .expect("answers");
    assert_eq!(bad.errors().len(), 1);
    assert_eq!(bad.errors()[0].code(), Some("TemplateSyntaxError"));

    let no_role = render("<p></p>", "{}", "arn:aws:iam::000000000000:role/nobody")
        .await
        .expect_err("refused");
    assert_eq!(
        no_role.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationException")
    );
    let not_json = render("<p></p>", "{not json", role)
        .await
        .expect_err("refused");
    assert_eq!(
        not_json.as_service_error().and_then(|e| e.meta().code()),
        Some("ValidationException")
    );
}

/// On a terminal (a pseudo-terminal from util-linux's `script`) the plan is coloured;
/// `--no-color` and `NO_COLOR` turn it off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colours_on_a_terminal_unless_turned_off() {
    let p = Project::quickstart().await;
    let on_a_tty = |extra: &str, no_color: bool| {
        let command = format!(
            "{} plan quickstart.toml --endpoint-url {} {extra}",
            env!("CARGO_BIN_EXE_gtplan"),
            p.sb.endpoint()
        );
        let mut script = std::process::Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .current_dir(p.dir.path())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", p.path("no-aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", p.path("no-aws-credentials"))
            .env_remove("AWS_PROFILE")
            .env_remove("NO_COLOR");
        if no_color {
            script.env("NO_COLOR", "1");
        }
        let out = script.output().expect("script runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_a_tty("", false);
    assert_contains(&coloured, "\x1b[32m+ bucket.data");
    assert!(!on_a_tty("--no-color", false).contains("\x1b[32m"));
    assert!(!on_a_tty("", true).contains("\x1b[32m"));
}
