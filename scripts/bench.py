"""gtplan's benchmark (run it through scripts/bench, which builds gtplan and prepares .venv).

Every figure is printed next to its ideal, as a ratio measured in this run:
- against a sandbox that delays each request by a fixed latency, the ideal of a run is its
  dependency depth times the latency (calls that depend on each other cannot overlap), or, for
  big plans, the resources divided by --parallelism times the latency;
- call counts come from the sandbox's request log, which also gives the longest chain of calls
  that ran one after another ("levels").
"""

import argparse
import bisect
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "000000000000"
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_REGION": "us-east-1",
    "NO_COLOR": "1",
}
ENV.pop("AWS_PROFILE", None)
PARALLELISM = 16  # gtplan's default --parallelism
# A bucket, a role, a label config, a UI template and an image per group of jobs.
JOBS_PER_GROUP = 50


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    """A `gtplan sandbox` process with its own state directory and request log."""

    def __init__(self, gtplan, work, latency_ms, extra=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = work / f"requests-{self.port}.jsonl"
        self.proc = subprocess.Popen(
            [
                gtplan, "sandbox", "--listen", f"127.0.0.1:{self.port}",
                "--state-dir", str(work / f"state-{self.port}"),
                "--request-log", str(self.log), "--latency-ms", str(latency_ms), *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/_gtplan/health", timeout=1)
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the sandbox did not start: {self.proc.stderr.read()}")
                time.sleep(0.05)
        self.mark()

    def admin(self, method, path):
        req = urllib.request.Request(f"{self.url}{path}", method=method)
        return urllib.request.urlopen(req, timeout=10).read()

    def set_latency(self, ms):
        self.admin("PUT", f"/_gtplan/latency?ms={ms}")

    def mark(self):
        """Starts a new window of the request log."""
        self.offset = self.log.stat().st_size if self.log.exists() else 0

    def requests(self):
        """The requests logged since the last mark."""
        with open(self.log, "rb") as f:
            f.seek(self.offset)
            return [json.loads(line) for line in f.read().splitlines() if line.strip()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def levels(requests):
    """The longest chain of requests each of which arrived after the previous one was answered:
    how many round trips ran one after another."""
    if any("start_ms" not in r for r in requests):
        return "?"  # a build whose log has no arrival times
    spans = sorted(((r["start_ms"], r["start_ms"] + r["duration_ms"]) for r in requests),
                   key=lambda s: s[1])
    ends, best = [], []
    for start, end in spans:
        # 1 ms of slack: a dependent call starts right after its predecessor's answer.
        k = bisect.bisect_right(ends, start + 1.0)
        chain = 1 + (best[k - 1] if k else 0)
        ends.append(end)
        best.append(max(chain, best[-1] if best else 0))
    return best[-1] if best else 0


def gtplan_run(gtplan, sandbox, args, cwd):
    """Runs one gtplan command against the sandbox; returns (seconds, requests)."""
    sandbox.mark()
    started = time.perf_counter()
    out = subprocess.run(
        [gtplan, *args, "--endpoint-url", sandbox.url],
        cwd=cwd, env=ENV, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - started
    if out.returncode not in (0, 2):
        raise SystemExit(f"gtplan {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return seconds, sandbox.requests()


# ---------------------------------------------------------------------------------------------
# Plans


def write_plan(work, jobs):
    """A plan of `jobs` image-classification jobs, each with its own manifest; every group of
    JOBS_PER_GROUP jobs shares a bucket, a role, a label config, a UI template and an image.
    Returns (path, number of resources)."""
    work.mkdir(parents=True, exist_ok=True)
    quick = REPO / "plans" / "quickstart"
    shutil.copy(quick / "ui" / "image-classification.liquid.html", work / "ui.liquid.html")
    shutil.copy(quick / "images" / "cat-1.png", work / "cat.png")
    (work / "manifests").mkdir(exist_ok=True)
    groups = (jobs + JOBS_PER_GROUP - 1) // JOBS_PER_GROUP
    out = [f'name = "bench{jobs}"', 'region = "us-east-1"', ""]
    for g in range(groups):
        out += [
            f"[buckets.data{g}]",
            f'name = "gtplan-bench{jobs}-{g}-${{account_id}}"',
            "force_destroy = true",
            "",
            f"[roles.labeling{g}]",
            f'name = "gtplan-bench{jobs}-labeling-{g}"',
            "",
            f"[uploads.image{g}]",
            f'bucket = "data{g}"',
            'key = "images/cat.png"',
            'file = "cat.png"',
            "",
            f"[uploads.labels{g}]",
            f'bucket = "data{g}"',
            'key = "config/labels.json"',
            'labels = ["cat", "dog", "bird"]',
            "",
            f"[uploads.ui{g}]",
            f'bucket = "data{g}"',
            'key = "config/ui.liquid.html"',
            'file = "ui.liquid.html"',
            "",
        ]
    for i in range(jobs):
        g = i // JOBS_PER_GROUP
        (work / "manifests" / f"{i}.jsonl").write_text(
            f'{{"source-ref": "s3://gtplan-bench{jobs}-{g}-${{account_id}}/images/cat.png"}}\n'
        )
        out += [
            f"[uploads.manifest{i}]",
            f'bucket = "data{g}"',
            f'key = "input/{i}.jsonl"',
            f'file = "manifests/{i}.jsonl"',
            "expand_vars = true",
            "",
            f"[jobs.job{i}]",
            f'name = "gtplan-bench-{i}"',
            'task_type = "ImageMultiClass"',
            f'role = "labeling{g}"',
            f'manifest = "manifest{i}"',
            f'label_config = "labels{g}"',
            f'ui_template = "ui{g}"',
            f'output = "data{g}"',
            'label_attribute = "animal"',
            'title = "Which animal is in the picture?"',
            'description = "Choose the animal the picture shows."',
            'task_time_limit = "5m"',
            'task_availability_lifetime = "6h"',
            'workteam = "public"',
            'public_price = "0.012"',
            'content_classifiers = ["FreeOfPersonallyIdentifiableInformation"]',
            "",
        ]
    path = work / "plan.toml"
    path.write_text("\n".join(out))
    return path, groups * 5 + jobs * 2


QUICKSTART_RESOURCES = 11


def quickstart_copy(work):
    shutil.copytree(REPO / "plans", work / "plans")
    return work / "plans", "quickstart.toml", QUICKSTART_RESOURCES


# ---------------------------------------------------------------------------------------------
# Report


ROWS = []


def row(what, measured, ideal, unit="s", goal=None):
    ratio = measured / ideal if ideal else float("nan")
    ROWS.append((what, measured, ideal, ratio, unit, goal))
    fmt = (lambda v: f"{v:.3f} s") if unit == "s" else (lambda v: f"{v:.2f} {unit}")
    mark = ""
    if goal is not None:
        mark = "  ok" if ratio <= goal else f"  OVER the goal of {goal}"
        mark = f"  (goal <= {goal}x){mark}"
    print(f"  {what:<58} {fmt(measured):>12}  ideal {fmt(ideal):>12}  {ratio:6.2f}x{mark}",
          flush=True)


def note(text):
    print(f"  {text}", flush=True)


def is_write(r):
    if "write" in r:
        return r["write"]
    # Builds before the log said so: reads are named Get/Head/List/Describe.
    return not r["operation"].startswith(("Get", "Head", "List", "Describe"))


def calls(requests):
    writes = sum(1 for r in requests if is_write(r))
    return len(requests) - writes, writes


def is_lock(r):
    return (r.get("bucket") or "").startswith("gtplan-locks-")


# ---------------------------------------------------------------------------------------------
# Sections


def s3_client(url):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


def quickstart_round(a, work):
    """One round on a fresh sandbox: {figure: (seconds, requests)}."""
    work.mkdir()
    sb = Sandbox(a.gtplan, work, a.latency_ms)
    try:
        cwd, plan, _ = quickstart_copy(work)
        runs = {"plan, fresh": gtplan_run(a.gtplan, sb, ["plan", plan], cwd)}
        s3_client(sb.url).create_bucket(Bucket=f"gtplan-locks-{ACCOUNT}-us-east-1")
        runs["apply, fresh"] = gtplan_run(a.gtplan, sb, ["apply", plan, "--auto-approve"], cwd)
        runs["plan, applied"] = gtplan_run(a.gtplan, sb, ["plan", plan], cwd)
        runs["apply, no changes"] = gtplan_run(
            a.gtplan, sb, ["apply", plan, "--auto-approve"], cwd)
        return runs
    finally:
        sb.stop()


def section_quickstart(a, work):
    """The quickstart at 100 ms per call: depth 2 for a plan (the account, then every read at
    once), 5 for a fresh apply (account, reads, bucket and role, their settings and the
    uploads, the job), which includes one verification read level. The lock adds two levels
    (take it after the account is known, release it while verifying) and, on the first apply
    of an account and region, two more to create its bucket: the figure is for an account
    where gtplan has run before, whose lock bucket exists. Each figure is the median of
    `--rounds` rounds, each on a fresh sandbox: one run on this shared machine varies by a few
    milliseconds, which is a few hundredths of a ratio."""
    lat = a.latency_ms
    print(f"\nquickstart, {lat} ms per call, median of {a.rounds} rounds", flush=True)
    rounds = [quickstart_round(a, work / f"quickstart-{i}") for i in range(a.rounds)]
    resources = QUICKSTART_RESOURCES

    def median(what):
        """The round whose time for `what` is the median: (seconds, its requests, all times)."""
        times = sorted((r[what][0], i) for i, r in enumerate(rounds))
        t, i = times[len(times) // 2]
        return t, rounds[i][what][1], [f"{x:.3f}" for x, _ in times]

    t, req, times = median("plan, fresh")
    row("plan, fresh", t, 2 * lat / 1000, goal=1.3)
    note(f"{len(req)} calls, {levels(req)} levels; rounds: {', '.join(times)} s")
    t, req, times = median("apply, fresh")
    row("apply, fresh (depth 5, verification included)", t, 5 * lat / 1000, goal=1.5)
    lock = sum(1 for r in req if is_lock(r))
    note(f"{len(req)} calls ({lock} for the lock), {levels(req)} levels; lock and account"
         f" included the ideal is 7 levels: {t / (7 * lat / 1000):.2f}x of that;"
         f" rounds: {', '.join(times)} s")
    t, req, times = median("plan, applied")
    row("plan, applied", t, 2 * lat / 1000, goal=1.3)
    note(f"{len(req)} calls, {levels(req)} levels; rounds: {', '.join(times)} s")
    t, req, times = median("apply, no changes")
    reads, writes = calls([r for r in req if not is_lock(r)])
    lock = [r["operation"] for r in req if is_lock(r)]
    row("apply, no changes", t, 2 * lat / 1000)
    note(f"{reads} reads for {resources} resources = {reads / resources:.2f} per resource"
         f" (goal <= 1.5); {writes} writes; the lock: {', '.join(lock) or 'none'}")


def section_scale(a, work):
    """Plans of 1, 50 and 200 jobs at 50 ms per call."""
    lat = a.scale_latency_ms
    for jobs in a.jobs:
        print(f"\n{jobs}-job plan, {lat} ms per call, --parallelism {PARALLELISM}", flush=True)
        sb = Sandbox(a.gtplan, work, lat, ["--init-seconds", "86400"])
        try:
            path, resources = write_plan(work / f"scale{jobs}", jobs)
            cwd = path.parent
            bound = lambda: max(2, resources / PARALLELISM) * lat / 1000  # noqa: E731
            t, req = gtplan_run(a.gtplan, sb, ["plan", path.name], cwd)
            row(f"plan, fresh ({resources} resources)", t, bound())
            note(f"{len(req)} calls, {levels(req)} levels")
            t, req = gtplan_run(a.gtplan, sb, ["apply", path.name, "--auto-approve"], cwd)
            reads, writes = calls(req)
            # Every resource is at least one write; the job level waits for the others.
            ideal = (4 + writes / PARALLELISM) * lat / 1000
            row("apply, fresh", t, ideal)
            note(f"{reads} reads, {writes} writes, {levels(req)} levels")
            t, req = gtplan_run(a.gtplan, sb, ["plan", path.name], cwd)
            row("plan, applied", t, bound(), goal=1.5)
            note(f"{len(req)} calls, {levels(req)} levels")
            t, req = gtplan_run(a.gtplan, sb, ["apply", path.name, "--auto-approve"], cwd)
            reads, writes = calls([r for r in req if not is_lock(r)])
            row("apply, no changes", t, bound())
            note(f"{reads / resources:.2f} reads per resource, {writes} writes outside the lock")
        finally:
            sb.stop()


def crowd(sb, jobs):
    """`jobs` running labeling jobs of another plan, created straight through boto3."""
    import boto3
    from botocore.config import Config

    kw = dict(endpoint_url=sb.url, aws_access_key_id="test", aws_secret_access_key="test",
              region_name="us-east-1")
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **kw)
    iam = boto3.client("iam", **kw)
    sm = boto3.client("sagemaker", **kw,
                      config=Config(max_pool_connections=16, retries={"mode": "standard"}))
    s3.create_bucket(Bucket="crowd-data")
    s3.put_object(Bucket="crowd-data", Key="m.jsonl",
                  Body=b'{"source-ref": "s3://crowd-data/a.png"}\n')
    s3.put_object(Bucket="crowd-data", Key="l.json",
                  Body=b'{"document-version":"2018-11-28","labels":[{"label":"a"},{"label":"b"}]}')
    s3.put_object(Bucket="crowd-data", Key="ui.html", Body=b"<crowd-form></crowd-form>")
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="crowd", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="crowd", PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                "Resource": "*"}]}))
    region = "us-east-1"
    pre = f"arn:aws:lambda:{region}:432418664414:function:PRE-ImageMultiClass"
    acs = f"arn:aws:lambda:{region}:432418664414:function:ACS-ImageMultiClass"

    def create(i):
        sm.create_labeling_job(
            LabelingJobName=f"crowd-{i}",
            LabelAttributeName="label",
            InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://crowd-data/m.jsonl"}}},
            OutputConfig={"S3OutputPath": "s3://crowd-data/out/"},
            RoleArn=role["Role"]["Arn"],
            LabelCategoryConfigS3Uri="s3://crowd-data/l.json",
            HumanTaskConfig={
                "WorkteamArn": f"arn:aws:sagemaker:{region}:394669845002:workteam/public-crowd/default",
                "UiConfig": {"UiTemplateS3Uri": "s3://crowd-data/ui.html"},
                "PreHumanTaskLambdaArn": pre,
                "TaskTitle": "t", "TaskDescription": "d", "NumberOfHumanWorkersPerDataObject": 1,
                "TaskTimeLimitInSeconds": 300,
                "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": acs},
                "PublicWorkforceTaskPrice": {"AmountInUsd": {"Dollars": 0, "Cents": 1,
                                                             "TenthFractionsOfACent": 2}},
            },
            Tags=[{"Key": "gtplan:plan", "Value": f"someone-else-{i % 7}"}],
        )

    threads, errors = [], []

    def worker(start):
        try:
            for i in range(start, jobs, 8):
                create(i)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    for w in range(8):
        threads.append(threading.Thread(target=worker, args=(w,)))
        threads[-1].start()
    for th in threads:
        th.join()
    if errors:
        raise SystemExit(f"creating the crowd failed: {errors[0]}")


def section_discovery(a, work):
    """The quickstart's plan with and without 2000 unrelated running jobs in its region."""
    lat = a.latency_ms
    print(f"\ndiscovery: the applied quickstart's plan, {lat} ms per call", flush=True)
    sb = Sandbox(a.gtplan, work, 0, ["--init-seconds", "86400"])
    try:
        cwd, plan, _ = quickstart_copy(work / "discovery")
        gtplan_run(a.gtplan, sb, ["apply", plan, "--auto-approve"], cwd)
        sb.set_latency(lat)
        alone = min(gtplan_run(a.gtplan, sb, ["plan", plan], cwd)[0] for _ in range(3))
        row("plan, nothing else in the region", alone, 2 * lat / 1000)
        sb.set_latency(0)
        started = time.perf_counter()
        crowd(sb, a.crowd)
        note(f"created {a.crowd} running jobs of other plans in {time.perf_counter() - started:.1f} s")
        sb.set_latency(lat)
        runs = [gtplan_run(a.gtplan, sb, ["plan", plan], cwd) for _ in range(3)]
        crowded = min(t for t, _ in runs)
        row(f"plan, {a.crowd} other running jobs (ideal: the plan alone)", crowded, alone,
            goal=1.3)
        note(f"{len(runs[0][1])} calls")
    finally:
        sb.stop()


def section_validate(a, work):
    """`gtplan validate` of a 1000-job plan: no AWS calls, all CPU."""
    print("\nvalidate", flush=True)
    path, resources = write_plan(work / "validate", a.validate_jobs)
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "out = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "t = time.perf_counter() - t\n"
        "assert out.returncode == 0, out.stderr\n"
        "print(t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    samples = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", probe, a.gtplan, "validate", path.name],
            cwd=path.parent, env=ENV, capture_output=True, text=True, check=True,
        )
        t, rss = out.stdout.split()
        samples.append((float(t), int(rss) / 1024))
    t = min(s[0] for s in samples)
    rss = max(s[1] for s in samples)
    row(f"validate, {a.validate_jobs} jobs ({resources} resources), best of 5", t, 0.1,
        goal=1.0)
    row("  peak memory", rss, 50, unit="MB", goal=1.0)


def s3_rate_tool():
    """Builds benches/s3_rate.rs (release profile) and returns its path."""
    out = subprocess.run(
        ["cargo", "bench", "--bench", "s3_rate", "--no-run", "--message-format=json"],
        cwd=REPO, capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "s3_rate":
            return msg["executable"]
    raise SystemExit("cargo did not build benches/s3_rate.rs")


def s3_rate(tool, url, op, n):
    """One run of benches/s3_rate.rs: its JSON line."""
    out = subprocess.run([tool, "--url", url, op, str(n)], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def wait_for(url, what):
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{what} did not start")
            time.sleep(0.1)


def interleaved_rates(tool, n, servers, rounds):
    """{server: {op: best run}} for `servers` ({name: (process, url)}): they take turns, round
    after round, so that a slow spell of this shared machine falls on all of them, and the
    ones not measured are stopped (SIGSTOP), since even idle they cost the other CPU time.
    Each figure is the best of its rounds."""
    rates = {name: {} for name in servers}
    for _ in range(rounds):
        for name, (_, url) in servers.items():
            others = [proc for other, (proc, _) in servers.items() if other != name]
            for proc in others:
                proc.send_signal(signal.SIGSTOP)
            try:
                for op in ("put", "get"):
                    run = s3_rate(tool, url, op, n)
                    best = rates[name].get(op)
                    if best is None or run["mean_ms"] < best["mean_ms"]:
                        rates[name][op] = run
            finally:
                for proc in others:
                    proc.send_signal(signal.SIGCONT)
    return rates


def section_sandbox(a, work):
    """The sandbox against moto's server with the same client (aws-sdk-rust, as gtplan uses
    it; sequential calls on one connection, 1 KB objects), and against a sandbox holding many
    objects; all three measured in turns."""
    rounds = 5
    print(f"\nsandbox request rate (aws-sdk-rust, one connection, 1 KB objects, best of {rounds}"
          " rounds taken in turns)", flush=True)
    tool = s3_rate_tool()
    empty = Sandbox(a.gtplan, work, 0)
    big = Sandbox(a.gtplan, work, 0)
    port = free_port()
    moto = subprocess.Popen([str(REPO / ".venv" / "bin" / "moto_server"), "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fill = s3_rate(tool, big.url, "fill", a.big_state)
        os.sync()  # the filled objects' writeback must not fall into a measured round
        wait_for(f"http://127.0.0.1:{port}", "moto's server")
        rates = interleaved_rates(tool, a.requests, {
            "sandbox": (empty.proc, empty.url),
            "moto": (moto, f"http://127.0.0.1:{port}"),
            "big": (big.proc, big.url),
        }, rounds)
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        empty.stop()
        big.stop()
    moto_put, sb_put = rates["moto"]["put"], rates["sandbox"]["put"]
    row("sandbox PutObject mean (ideal: moto's / 10)", sb_put["mean_ms"],
        moto_put["mean_ms"] / 10, unit="ms", goal=1.0)
    note(f"PutObject: moto {moto_put['mean_ms']:.2f} ms, sandbox {sb_put['mean_ms']:.2f} ms"
         f" = {moto_put['mean_ms'] / sb_put['mean_ms']:.1f}x faster; sandbox p99"
         f" {sb_put['p99_ms']:.2f} ms (goal < 5 ms)")
    moto_get, sb_get = rates["moto"]["get"], rates["sandbox"]["get"]
    note(f"GetObject: moto {moto_get['mean_ms']:.2f} ms, sandbox {sb_get['mean_ms']:.2f} ms"
         f" = {moto_get['mean_ms'] / sb_get['mean_ms']:.1f}x faster")
    # A sandbox holding many objects: a write must not cost more.
    note(f"stored {a.big_state} objects in another sandbox in {fill['seconds']:.1f} s")
    big_put = rates["big"]["put"]
    row(f"sandbox PutObject with {a.big_state} objects (ideal: empty state)",
        big_put["mean_ms"], sb_put["mean_ms"], unit="ms", goal=2.0)
    note(f"p99 {big_put['p99_ms']:.2f} ms")


SECTIONS = {
    "quickstart": section_quickstart,
    "scale": section_scale,
    "discovery": section_discovery,
    "validate": section_validate,
    "sandbox": section_sandbox,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sections", nargs="*", default=[], help=f"any of: {', '.join(SECTIONS)}")
    p.add_argument("--gtplan", required=True, help="the gtplan binary to measure")
    p.add_argument("--latency-ms", type=int, default=100)
    p.add_argument("--rounds", type=int, default=5, help="quickstart rounds to take the median of")
    p.add_argument("--scale-latency-ms", type=int, default=50)
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 50, 200])
    p.add_argument("--crowd", type=int, default=2000)
    p.add_argument("--validate-jobs", type=int, default=1000)
    p.add_argument("--requests", type=int, default=500)
    p.add_argument("--big-state", type=int, default=10000)
    a = p.parse_args()
    unknown = [s for s in a.sections if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section {unknown[0]!r}: choose from {', '.join(SECTIONS)}")
    a.gtplan = str(Path(a.gtplan).resolve())
    version = subprocess.run([a.gtplan, "--version"], capture_output=True, text=True).stdout
    print(f"{version.strip()} at {a.gtplan}; {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="gtplan-bench-") as tmp:
        for name in a.sections or SECTIONS:
            SECTIONS[name](a, Path(tmp))
    over = [r for r in ROWS if r[5] is not None and r[3] > r[5]]
    print(f"\n{len(ROWS)} figures, {len(over)} over their goal", flush=True)


if __name__ == "__main__":
    main()
