"""The wheel's `stripe-eventbridge` command as a Python team runs it: the script in this fresh virtual environment, in a
copy of examples/python-app (cdk.json: `python3 app.py`), with a PATH whose first python3 is another Python, one
without aws-cdk-lib. The replay runs the app on the environment the command was started from, shows an error from the
library once and in Python's spelling, and passes no jsii notice through from the app. The app's thin events (its
replay/events.jsonl) reach its meter error handler, whose fetches the local Stripe API serves from
replay/stripe-objects.json."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_DIR, REPO_ROOT, readme_blocks

EVENTS = REPO_ROOT / "examples" / "babes-club" / "replay" / "sample-events.jsonl"
THIN_TYPE = "v1.billing.meter.error_report_triggered"
CLI = Path(sys.executable).parent / "stripe-eventbridge"
BANNER = re.compile(r"^b'!!")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory) -> dict:
    """This process's environment, with a python3 first on PATH that has no aws-cdk-lib (the base interpreter of this
    virtual environment), and jsii's Node.js notices not silenced, so that any that passes through is seen."""
    other = tmp_path_factory.mktemp("other-python")
    (other / "python3").symlink_to(sys._base_executable)
    lacks = subprocess.run([str(other / "python3"), "-c", "import aws_cdk"], capture_output=True, text=True)
    assert "No module named 'aws_cdk'" in lacks.stderr, "the other python3 must lack aws-cdk-lib for this test to mean anything"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JSII_SILENCE_WARNING") and k != "VIRTUAL_ENV"}
    env["PATH"] = f"{other}{os.pathsep}{env['PATH']}"
    # The handlers' local Lambda runtime: the one the jest run made, when there is one (else the CLI makes its own).
    local_lambda = REPO_ROOT / ".tmp" / "python" / "local-lambda" / "bin" / "python"
    if local_lambda.exists():
        env["STRIPE_EB_LOCAL_PYTHON"] = str(local_lambda)
    return env


def app_copy() -> Path:
    """A copy of the example app inside the repository, whose package.json lists DynamoDB Local (so the replay uses
    node_modules' instead of installing it into a cache)."""
    scratch = REPO_ROOT / ".tmp"
    scratch.mkdir(exist_ok=True)
    app = Path(subprocess.run(["mktemp", "-d", str(scratch / "python-cli-XXXXXX")], capture_output=True, text=True, check=True).stdout.strip())
    shutil.copytree(EXAMPLE_DIR, app, dirs_exist_ok=True, ignore=shutil.ignore_patterns("cdk.out", "__pycache__", ".venv"))
    return app


@pytest.fixture(scope="module")
def runs(cli_env):
    """The runs of the command, started together (each spends most of its time starting jsii's runtime twice, for
    the command and for the app): the quick start's replay in the example app, a replay of the app with a misspelt
    event type, and a replay of the app's own thin events with its Stripe objects. Each test waits for its own."""
    fine, broken, thin = app_copy(), app_copy(), app_copy()
    args = readme_command()
    assert args == ["replay", "--events", "events.jsonl"]
    for app in (fine, broken):
        shutil.copy(EVENTS, app / "events.jsonl")
    own = (thin / "replay" / "events.jsonl").read_text().splitlines()
    (thin / "events.jsonl").write_text("".join(f"{line}\n" for line in own if THIN_TYPE in line))
    app = broken / "app.py"
    app.write_text(app.read_text().replace('"checkout.session.completed"', '"checkout.session.complete"'))
    start = lambda cwd, extra: subprocess.Popen([str(CLI), *args, *extra], cwd=cwd, env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # One event at a time: the two deliveries of the same checkout get their outcomes in stream order.
    started = {
        "fine": start(fine, ["--json", "--concurrency", "1"]),
        "broken": start(broken, []),
        "thin": start(thin, ["--json", "--concurrency", "1", "--stripe-objects", "replay/stripe-objects.json"]),
    }
    yield {name: (lambda p=p: finished(p)) for name, p in started.items()}
    for p in started.values():
        p.kill()
    for app in (fine, broken, thin):
        shutil.rmtree(app, ignore_errors=True)


def finished(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def after_launch(stderr: str) -> list:
    """Standard error after the notice the command's own launcher (jsii's runtime for the wheel) may print first."""
    lines = stderr.splitlines()
    while lines and BANNER.match(lines[0]):
        lines.pop(0)
    return lines


def test_the_wheel_installs_the_command():
    assert CLI.exists(), f"the wheel installs no stripe-eventbridge script into {CLI.parent}"
    # Its first line names this environment's interpreter: how the command finds the Python it was started from.
    shebang = CLI.read_text().splitlines()[0]
    assert shebang.startswith("#!/") and Path(shebang[2:]).parent == Path(sys.executable).parent, shebang


def readme_command() -> list:
    """The command the Python quick start shows for the tools (`.venv/bin/stripe-eventbridge replay --events …`)."""
    (line,) = [
        line
        for b in readme_blocks()
        if b.section == "quickstart-python" and b.lang == "sh"
        for line in b.code.splitlines()
        if "stripe-eventbridge replay" in line
    ]
    program, *args = line.split()
    assert program == ".venv/bin/stripe-eventbridge", line
    return args


def test_replay_runs_the_app_on_the_environment_it_was_started_from(runs):
    """The quick start's command, with this environment's script for .venv/bin/stripe-eventbridge."""
    done = runs["fine"]()
    assert done.returncode == 0, f"replay failed:\n{done.stderr}"
    report = json.loads(done.stdout)
    outcomes = [[f"{d['handler']}: {d['outcome']}" for d in e["deliveries"]] for e in report["events"]]
    assert outcomes == [["Orders: processed"], ["Orders: duplicate"], [], ["Memberships: processed"], ["Memberships: processed"]]
    rest = after_launch(done.stderr)
    assert not [line for line in rest if BANNER.match(line)], "a jsii notice passed through from the app:\n" + "\n".join(rest)
    assert rest[0].startswith("Payments (synthesized in "), rest


def test_an_error_from_the_library_is_said_once_in_python_spelling_with_the_app_lines(runs):
    done = runs["broken"]()
    assert done.returncode == 2
    stderr = "\n".join(after_launch(done.stderr))
    assert stderr.count("'checkout.session.complete' is not a Stripe event type") == 1, stderr
    assert "set allow_unknown_event_types=True" in stderr
    # The app's own lines, as Python shows them; none of jsii's.
    assert re.search(r'^  File "app\.py", line \d+, in __init__\n    self\.stripe = StripeEventBridgeIntegration\($', stderr, re.M), stderr
    assert "JavaScriptError" not in stderr and "site-packages" not in stderr and "    at " not in stderr, stderr
    assert len(stderr.splitlines()) <= 8, stderr


def test_the_apps_thin_events_reach_its_handler_which_fetches_the_meter_and_the_event_once_each(runs):
    """replay/events.jsonl's meter error reports (two in envelopes, one delivered again, one bare): each processed once
    by MeterErrors, whose stripe-python fetched the meter and the full event from the local Stripe API."""
    done = runs["thin"]()
    assert done.returncode == 0, f"replay failed:\n{done.stderr}"
    report = json.loads(done.stdout)
    outcomes = [[f"{d['handler']}: {d['outcome']}" for d in e["deliveries"]] for e in report["events"]]
    assert outcomes == [["MeterErrors: processed"], ["MeterErrors: processed"], ["MeterErrors: duplicate"], ["MeterErrors: processed"]]
    requests = report["stripeApi"]["requests"]
    assert report["stripeApi"]["problems"] == []
    # Two reads per processed event, none for the duplicate: the meter (fetch_related_object) and the event (fetch_event).
    lines = [line for line in (EXAMPLE_DIR / "replay" / "events.jsonl").read_text().splitlines() if THIN_TYPE in line]
    expected = []
    for line, event in zip(lines, report["events"]):
        if event["deliveries"][0]["outcome"] == "processed":
            notification = json.loads(line).get("detail", json.loads(line))
            expected += [("GET", notification["related_object"]["url"], 200), ("GET", f"/v2/core/events/{notification['id']}", 200)]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == expected
