"""Fixtures for the Python tests: the repository's layout, and the example app synthesized once.

Run through scripts/test-python.sh (`npx projen test:python`), which builds the wheel and installs it into a
fresh virtual environment with aws-cdk-lib and constructs from PyPI.
"""

import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = REPO_ROOT / "examples" / "python-app"


def doc_files() -> list:
    """README.md, CONTRIBUTING.md and every page of docs/, relative to the repository (as test/support/readme.ts)."""
    pages = sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "docs").glob("*.md"))
    return ["README.md", "CONTRIBUTING.md", *pages]


def package_json() -> dict:
    return json.loads((REPO_ROOT / "package.json").read_text())


def stripe_package_version() -> str:
    """The `stripe` npm package the library checks event types against."""
    return package_json()["devDependencies"]["stripe"]


@dataclass
class CodeBlock:
    section: str
    lang: str
    code: str
    file: str  # relative to the repository, e.g. docs/handlers.md
    line: int  # of the opening fence


def readme_blocks() -> list:
    """Every fenced block of the docs (README.md, CONTRIBUTING.md, docs/*.md), tagged with the
    `<!-- section:name -->` it sits in (section names are unique across the files)."""
    blocks = []
    for file in doc_files():
        section, lines = "", (REPO_ROOT / file).read_text().split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            opened = re.match(r"^<!-- section:([\w-]+) -->$", line)
            if opened:
                section = opened.group(1)
            if line.startswith("<!-- /section:"):
                section = ""
            fence = re.match(r"^```(\w+)\s*$", line)
            if fence:
                start, body = i, []
                i += 1
                while i < len(lines) and lines[i] != "```":
                    body.append(lines[i])
                    i += 1
                blocks.append(CodeBlock(section, fence.group(1), "\n".join(body) + "\n", file, start + 1))
            i += 1
    return blocks


def load_example_app():
    """examples/python-app/app.py as a module, without putting the example directory on sys.path."""
    spec = importlib.util.spec_from_file_location("python_app_example", EXAMPLE_DIR / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Synthesized:
    stack: cdk.Stack
    template: Template
    outdir: Path

    def resources(self, resource_type: str) -> dict:
        return self.template.find_resources(resource_type)

    def asset_dir(self, s3_key) -> Path:
        """The staged directory of a file asset, from the `<hash>.zip` key the template references."""
        asset_hash = s3_key.removesuffix(".zip")
        manifest = json.loads((self.outdir / f"{self.stack.artifact_id}.assets.json").read_text())
        return self.outdir / manifest["files"][asset_hash]["source"]["path"]


@pytest.fixture(scope="session")
def example_app():
    return load_example_app()


@pytest.fixture(scope="session")
def synthesized(example_app, tmp_path_factory) -> Synthesized:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    stack = example_app.PaymentsStack(app, "Payments")
    app.synth()
    return Synthesized(stack, Template.from_stack(stack), outdir)


@pytest.fixture(scope="session")
def template(synthesized) -> Template:
    return synthesized.template


def new_stack() -> cdk.Stack:
    """A stack in an app of its own, for tests that only construct."""
    return cdk.Stack(cdk.App(), "TestStack")
