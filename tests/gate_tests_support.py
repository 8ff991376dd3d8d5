"""Fakes and fixture texts shared by the tests gate's unit tests.

Kept apart from the test modules so that the set-up and diagnosis tests, split
along the gate's own modules, build their inputs the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

from packaging.version import Version

from readiness import environments
from readiness.gates.tests import config as tests_config
from readiness.gates.tests.diagnosis import Inputs
from readiness.gates.tests.imports import Undeclared
from readiness.gates.tests.probe import Installed
from readiness.gates.tests.run import Case, Coverage, Outcome, Progress
from readiness.gates.tests.selection import Selection
from readiness.pytest_survey.marks import Survey, Use
from readiness.settings import GateOptions
from readiness.target import discover
from tests.conftest import MakeRepo

SAMPLE_PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "sample-app"
version = "0.1.0"
requires-python = ">=3.10"

[project.optional-dependencies]
test = ["pytest>=8", "pytest-cov>=5"]

[tool.hatch.build.targets.wheel]
packages = ["src/sample_app"]

[tool.pytest.ini_options]
addopts = "--strict-markers"
testpaths = ["tests"]
markers = ["live: talks to a live service"]

[tool.coverage.report]
fail_under = 80
"""


def options(**values: object) -> GateOptions:
    return GateOptions(gate="tests", values=values)


def installed(**overrides: object) -> Installed:
    values: dict[str, object] = {
        "python": "3.11.7",
        "stdlib": frozenset(sys.stdlib_module_names),
        "providers": {
            "app": ("app",),
            "requests": ("requests",),
            "urllib3": ("urllib3",),
            "idna": ("idna",),
            "pytest": ("pytest",),
            "_pytest": ("pytest",),
            "pluggy": ("pluggy",),
            "coverage": ("coverage",),
            "pytest_cov": ("pytest-cov",),
        },
        "requires": {
            "app": ("requests>=2", "pytest; extra == 'test'", "ruff; extra == 'dev'"),
            "requests": ("urllib3", "idna; python_version < '3'"),
            "pytest": ("pluggy", "colorama; sys_platform == 'win32'"),
            "pytest-cov": ("coverage[toml]", "pytest"),
            "coverage": (
                "tomli; python_full_version <= '3.11.0a6' and extra == 'toml'",
            ),
            "urllib3": (
                "brotli; extra == 'brotli'",
                "h2; python_version ~= '3'",
                "not a requirement!",
            ),
        },
        "versions": {"app": "1", "pytest": "9.2.0"},
        "environment": {
            "python_version": "3.11",
            "python_full_version": "3.11.7",
            "sys_platform": "linux",
        },
    }
    values.update(overrides)
    return Installed(**values)  # type: ignore[arg-type]


APP_PYPROJECT = """
[project]
name = "app"
version = "1"
dependencies = ["requests>=2"]
[project.optional-dependencies]
test = ["pytest"]
[dependency-groups]
lint = ["ruff"]
"""


def fake_inputs(
    target_root: Path,
    *,
    undeclared: tuple[Undeclared, ...] = (),
    coverage: tuple[str, ...] = ("app",),
    uses: tuple[Use, ...] = (),
) -> Inputs:
    target = discover(target_root)
    config = tests_config.configure(target, options(coverage=list(coverage)))
    interpreter = environments.Interpreter(
        path=Path(sys.executable), version=Version("3.11.7")
    )
    return Inputs(
        target=target,
        config=config,
        survey=Survey(files=1, uses=uses, registered=frozenset(), errors=()),
        selection=Selection(markers="", keywords=""),
        undeclared=undeclared,
        environment=environments.Environment(
            path=target_root / ".venv",
            python=Path(sys.executable),
            interpreter=interpreter,
            reused=True,
        ),
    )


def outcome(
    code: int,
    *,
    stdout: str = "",
    stderr: str = "",
    cases: tuple[Case, ...] | None = None,
    coverage: Coverage | None = None,
) -> Outcome:
    return Outcome(
        returncode=code,
        stdout=stdout,
        stderr=stderr,
        duration_s=0.5,
        cases=cases,
        coverage=coverage,
        progress=Progress(),
    )


def app_repo(make_repo: MakeRepo) -> Path:
    """A repository named ``app`` with one package and one empty test module."""
    return make_repo(
        {
            "pyproject.toml": APP_PYPROJECT,
            "src/app/__init__.py": "",
            "tests/test_a.py": "",
        }
    )
