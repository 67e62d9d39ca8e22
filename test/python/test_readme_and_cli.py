"""The README's Python quick start and the example app synthesize with `cdk synth`, and the README's install
and build commands are the ones this suite uses."""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


from conftest import EXAMPLE_DIR, REPO_ROOT, doc_files, readme_blocks

SECTION = "quickstart-python"


def section_blocks(lang: str) -> list:
    return [b.code for b in readme_blocks() if b.section == SECTION and b.lang == lang]


def cdk_synth(app_dir: Path, outdir: Path) -> dict:
    """`cdk synth` with the repository's CDK CLI, which runs the `app` command of the directory's cdk.json with
    this virtual environment's python3 first on PATH, as in an activated environment. Returns the template."""
    cli = REPO_ROOT / "node_modules" / ".bin" / "cdk"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    command = [str(cli), "synth", "--quiet", "--no-notices", "--output", str(outdir)]
    done = subprocess.run(command, cwd=app_dir, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"cdk synth in {app_dir} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads((outdir / "Payments.template.json").read_text())


def handlers_of(template: dict) -> dict:
    """User handler → the detail-type patterns of the rule that targets its function."""
    resources = template["Resources"]
    result = {}
    for rule in (r for r in resources.values() if r["Type"] == "AWS::Events::Rule"):
        (target,) = rule["Properties"]["Targets"]
        function = resources[target["Arn"]["Fn::GetAtt"][0]]
        assert function["Properties"]["Handler"] == "stripe_eventbridge.wrapper.handler"
        assert function["Properties"]["Runtime"] == "python3.13"
        user_handler = function["Properties"]["Environment"]["Variables"]["STRIPE_EB_USER_HANDLER"]
        result[user_handler] = rule["Properties"]["EventPattern"]["detail-type"]
    return result


EXPECTED_HANDLERS = {
    "orders.handler": ["checkout.session.completed"],
    "memberships.handler": ["invoice.payment_failed", {"wildcard": "customer.subscription.*"}],
}


def test_the_python_quick_start_synthesizes_as_pasted(tmp_path):
    app, orders, *_ = section_blocks("python")
    (cdk_json,) = section_blocks("json")
    (tmp_path / "app.py").write_text(app)
    (tmp_path / "cdk.json").write_text(cdk_json)
    shutil.copytree(EXAMPLE_DIR / "handlers", tmp_path / "handlers")
    (tmp_path / "handlers" / "orders.py").write_text(orders)

    template = cdk_synth(tmp_path, tmp_path / "cdk.out")
    assert handlers_of(template) == EXPECTED_HANDLERS


def test_the_readme_handler_is_valid_python_and_returns_its_result():
    _, orders, *_ = section_blocks("python")
    namespace = {}
    exec(compile(orders, "README.md:handlers/orders.py", "exec"), namespace)
    event = {"detail": {"data": {"object": {"id": "cs_test_1"}}}}
    assert namespace["handler"](event, None) == {"order": "cs_test_1"}


def test_the_example_app_synthesizes_with_cdk_synth(tmp_path):
    template = cdk_synth(EXAMPLE_DIR, tmp_path)
    # The quick start's handlers, and the example's handler of thin events (on its thin bus).
    assert handlers_of(template) == {**EXPECTED_HANDLERS, "meter_errors.handler": ["v1.billing.meter.error_report_triggered"]}


def test_the_readme_installs_what_the_example_requires():
    requirements = [
        re.split(r"[<>=!~;\[ ]", line)[0]
        for line in (EXAMPLE_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    pip_lines = [line for block in section_blocks("sh") for line in block.splitlines() if line.startswith("pip install b")]
    assert pip_lines == [f"pip install {' '.join(requirements)}"]


def test_the_readme_builds_the_packages_with_the_tasks_this_suite_runs():
    """The install section's build line runs projen tasks that exist: package-all is package:js and package:python, which
    scripts/test-package.sh and this suite's script run after bundle and compile (and then the section's install
    commands, on what they built)."""
    (build,) = [
        line for b in readme_blocks() if b.section == "install" and b.lang == "sh" for line in b.code.splitlines() if "npx projen" in line
    ]
    assert re.findall(r"npx projen ([\w:-]+)", build) == ["bundle", "compile", "package-all"]
    tasks = json.loads((REPO_ROOT / ".projen" / "tasks.json").read_text())["tasks"]
    assert [step["spawn"] for step in tasks["package-all"]["steps"]] == ["package:js", "package:python"]
    assert "npx projen bundle && npx projen compile && npx projen package:python" in (REPO_ROOT / "scripts" / "test-python.sh").read_text()
    assert "npx projen package:js" in (REPO_ROOT / "scripts" / "test-package.sh").read_text()
