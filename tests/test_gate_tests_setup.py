"""The tests gate's set-up, without running pytest: configuration, the test
environment's spec, the probe of what it has, test-time imports and the
marker selection.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from readiness import environments
from readiness import settings as settings_module
from readiness.errors import ConfigError
from readiness.gates.interface import GateContext, GateError
from readiness.gates.tests import config as tests_config
from readiness.gates.tests import imports as tests_imports
from readiness.gates.tests import probe as tests_probe
from readiness.gates.tests import selection as tests_selection
from readiness.gates.tests.config import Config
from readiness.gates.tests.selection import Selection
from readiness.pytest_survey import imports as survey_imports
from readiness.pytest_survey.marks import Survey, Use
from readiness.target import discover
from tests.conftest import MakeRepo
from tests.gate_tests_support import (
    APP_PYPROJECT,
    SAMPLE_PYPROJECT,
    app_repo,
    fake_inputs,
    installed,
    options,
)


@pytest.fixture
def app_root(make_repo: MakeRepo) -> Path:
    return app_repo(make_repo)


# --- configuration (no environment needed) ----------------------------------


def test_configure_defaults_come_from_the_target(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": SAMPLE_PYPROJECT, "src/sample_app/a.py": ""})
    (root / "src/sample_app/__init__.py").write_text("")
    config = tests_config.configure(discover(root), options())
    assert config == Config(
        extras=("test",),
        groups=(),
        constraints=None,
        python=None,
        markers=None,
        keywords="",
        coverage=("sample_app",),
        threshold=80.0,
        threshold_source="pyproject.toml [tool.coverage.report] fail_under",
        args=(),
        source="pyproject.toml [project.optional-dependencies] test",
    )
    (root / "constraints").mkdir()
    (root / "constraints" / "test.txt").write_text("pytest==9.2.0\n")
    config = tests_config.configure(discover(root), options())
    assert config.constraints == root / "constraints" / "test.txt"


def test_configure_reads_every_option(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": SAMPLE_PYPROJECT
            + '\n[dependency-groups]\ntests = ["pytest"]\n',
            "locks/test.txt": "",
        }
    )
    config = tests_config.configure(
        discover(root),
        options(
            timeout=60,
            python="3.12",
            extras=[],
            groups=["tests"],
            constraints="locks/test.txt",
            markers="not slow",
            keywords="not flaky",
            coverage=["sample_app", "other"],
            fail_under=75.5,
            args=["-x"],
        ),
    )
    assert (config.extras, config.groups) == ((), ("tests",))
    assert config.constraints == root / "locks" / "test.txt"
    assert (config.python, config.markers, config.keywords) == (
        "3.12",
        "not slow",
        "not flaky",
    )
    assert config.coverage == ("sample_app", "other")
    assert (config.threshold, config.threshold_source) == (
        75.5,
        "[tool.readiness.tests] fail_under",
    )
    assert config.args == ("-x",)
    assert (
        tests_config.configure(discover(root), options(constraints="")).constraints
        is None
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param(
            {"marker": "x"},
            "[tool.readiness.tests] has unknown key 'marker'; known keys: args,",
            id="unknown-key",
        ),
        pytest.param(
            {"extras": ["dev"]},
            "[tool.readiness.tests] extras: sample-app has no extra 'dev'",
            id="extra",
        ),
        pytest.param(
            {"groups": ["test"]},
            "[tool.readiness.tests] groups: sample-app has no dependency group 'test'",
            id="group",
        ),
        pytest.param(
            {"constraints": "nope.txt"},
            "[tool.readiness.tests] constraints: nope.txt not found",
            id="constraints",
        ),
        pytest.param(
            {"markers": ["not slow"]},
            "[tool.readiness.tests] markers must be a string",
            id="markers-type",
        ),
        pytest.param(
            {"fail_under": 101},
            "[tool.readiness.tests] fail_under must be a number from 0 to 100",
            id="over-100",
        ),
        pytest.param(
            {"fail_under": "lots"},
            "[tool.readiness.tests] fail_under must be a number from 0 to 100",
            id="not-a-number",
        ),
        pytest.param(
            {"fail_under": True},
            "[tool.readiness.tests] fail_under must be a number from 0 to 100",
            id="bool",
        ),
    ],
)
def test_configure_rejects_wrong_options_in_one_line(
    make_repo: MakeRepo, values: dict[str, object], message: str
) -> None:
    target = discover(make_repo({"pyproject.toml": SAMPLE_PYPROJECT}))
    with pytest.raises(ConfigError) as caught:
        tests_config.configure(target, options(**values))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({}, (90.0, "default"), id="default"),
        pytest.param(
            {".coveragerc": "[report]\nfail_under = 85\n"},
            (85.0, ".coveragerc [report] fail_under"),
            id="coveragerc",
        ),
        pytest.param(
            {"setup.cfg": "[coverage:report]\nfail_under = 70\n"},
            (70.0, "setup.cfg [coverage:report] fail_under"),
            id="setup-cfg",
        ),
        pytest.param(
            {
                "tox.ini": "[coverage:report]\nfail_under = 60\n",
                "pyproject.toml": "[tool.coverage.report]\nfail_under = 95\n",
            },
            (60.0, "tox.ini [coverage:report] fail_under"),
            id="tox-ini-before-pyproject",
        ),
        pytest.param(
            {"pyproject.toml": "[tool.coverage.report]\nfail_under = 95\n"},
            (95.0, "pyproject.toml [tool.coverage.report] fail_under"),
            id="pyproject",
        ),
    ],
)
def test_the_coverage_threshold_is_read_where_coverage_reads_it(
    make_repo: MakeRepo, files: dict[str, str], expected: tuple[float, str]
) -> None:
    target = discover(make_repo({"README.md": "", **files}))
    assert tests_config.coverage_threshold(target, {}) == expected


def test_the_environment_adds_pytest_only_when_the_target_does_not_declare_it(
    make_repo: MakeRepo,
) -> None:
    sample = discover(make_repo({"pyproject.toml": SAMPLE_PYPROJECT}))
    spec = tests_config.environment_spec(
        sample, tests_config.configure(sample, options())
    )
    assert spec == environments.Spec(
        kind="test", extras=("test",), packages=("pytest-cov",)
    )
    bare = discover(make_repo({"pyproject.toml": """
                    [project]
                    name = "app"
                    version = "1"
                    [project.optional-dependencies]
                    test = ["hypothesis"]
                    dev = ["app[test]", "pytest", "ruff"]
                """}))
    spec = tests_config.environment_spec(bare, tests_config.configure(bare, options()))
    assert spec.packages == ("pytest", "pytest-cov")
    # the dev extra includes the test extra and pytest: nothing to add
    dev = tests_config.configure(bare, options(extras=["dev"]))
    assert tests_config.environment_spec(bare, dev).packages == ("pytest-cov",)
    assert tests_config.declared_names(bare, dev) == {"hypothesis", "pytest", "ruff"}


def test_a_folder_without_project_metadata_is_not_installed(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"tests/test_a.py": ""}))
    spec = tests_config.environment_spec(
        target, tests_config.configure(target, options())
    )
    assert spec.install_target is False
    assert spec.packages == ("pytest", "pytest-cov")


# --- what the environment has, and what the tests import --------------------


def test_the_declared_closure_follows_requirements_with_their_markers(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"pyproject.toml": APP_PYPROJECT}))
    config = tests_config.configure(target, options(groups=["lint"]))
    closure = tests_probe.declared_closure(target, config, installed())
    # idna (python < 3), colorama (win32) and brotli (an extra not asked for)
    # are left out; h2's marker cannot be evaluated (~= needs two components),
    # which must not hide a dependency: it is kept
    assert closure == {"app", "requests", "urllib3", "pytest", "pluggy", "ruff", "h2"}


def test_parse_probe_keeps_the_first_of_duplicate_distributions() -> None:
    result = tests_probe.parse_probe(
        {
            "python": "3.9.18",
            "stdlib": [],
            "environment": {"python_version": "3.9"},
            "providers": {"yaml": ["PyYAML"]},
            "distributions": [
                {"name": "PyYAML", "version": "6.0.3", "requires": []},
                {"name": "pyyaml", "version": "5.0", "requires": ["x"]},
            ],
        }
    )
    assert result.versions == {"pyyaml": "6.0.3"}
    assert result.requires == {"pyyaml": ()}
    assert result.providers == {"yaml": ("pyyaml",)}
    # Python < 3.10 has no sys.stdlib_module_names: ours stands in
    assert "json" in result.stdlib


def test_import_sites_leave_out_optional_and_relative_imports(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "tests/test_a.py": """
                import os, json as j
                import xml.etree.ElementTree
                from . import helpers
                from .helpers import thing
                from typing import TYPE_CHECKING
                import typing

                try:
                    import numpy
                except (ImportError, AttributeError):
                    numpy = None
                else:
                    import orjson
                finally:
                    import gc

                try:
                    import ujson
                except ValueError:
                    pass

                if TYPE_CHECKING:
                    import pandas
                else:
                    import csv

                if typing.TYPE_CHECKING:
                    import polars

                try:
                    import simdjson
                except:
                    pass


                def test_a():
                    from PIL import Image
            """,
            "tests/test_broken.py": "def (:\n",
        }
    )
    sites = survey_imports.import_sites(discover(root), sorted(root.rglob("*.py")))
    assert [(s.module, s.line) for s in sites] == [
        ("os", 1),
        ("json", 1),
        ("xml.etree.ElementTree", 2),
        ("typing", 5),
        ("typing", 6),
        ("orjson", 13),
        ("gc", 15),
        ("ujson", 18),
        ("csv", 25),
        ("PIL", 37),
    ]
    assert {s.path for s in sites} == {"tests/test_a.py"}
    assert sites[-1].top == "PIL"


def test_undeclared_imports_leave_out_stdlib_own_and_local_modules(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "pyproject.toml": APP_PYPROJECT
            + '[tool.pytest.ini_options]\npythonpath = "lib"\n',
            "src/app/__init__.py": "",
            "lib/shared.py": "",
            "tests/helpers/__init__.py": "",
            "tests/test_a.py": """
                import os
                import app
                import helpers
                import shared
                import pytest
                import requests
                import urllib3
                import coverage
                import PIL
                import totally_unknown
            """,
        }
    )
    target = discover(root)
    config = tests_config.configure(target, options())
    found = tests_imports.undeclared_imports(
        target,
        survey_imports.import_sites(target, [root / "tests/test_a.py"]),
        installed(),
        tests_probe.declared_closure(target, config, installed()),
    )
    assert [(u.site.module, u.distribution, u.installed) for u in found] == [
        ("coverage", "coverage", True),
        ("PIL", "Pillow", False),
        ("totally_unknown", None, False),
    ]
    ancient = installed(providers={}, requires={}, versions={})
    sites = survey_imports.import_sites(target, [root / "tests/test_a.py"])
    assert tests_imports.undeclared_imports(target, sites, ancient, frozenset()) == []


def test_the_seed_selection_is_restricted_to_the_markers_the_target_has(
    make_repo: MakeRepo,
) -> None:
    target = discover(make_repo({"pyproject.toml": SAMPLE_PYPROJECT}))
    config = tests_config.configure(target, options())
    survey = Survey(
        files=1,
        uses=(Use(marker="memory", path="tests/test_a.py", line=3),),
        registered=frozenset({"ib_integration"}),
        errors=(),
    )
    selection = tests_selection.marker_selection(config, target, survey, installed())
    assert str(selection) == '-m "not memory and not live and not ib_integration"'
    none = Survey(files=0, uses=(), registered=frozenset(), errors=())
    bare = discover(make_repo({"pyproject.toml": APP_PYPROJECT}))
    empty = tests_selection.marker_selection(
        tests_config.configure(bare, options()), bare, none, installed()
    )
    assert (str(empty), empty.args) == ("all tests", [])
    configured = tests_selection.marker_selection(
        tests_config.configure(target, options(markers="", keywords="not slow")),
        target,
        survey,
        installed(),
    )
    assert (str(configured), configured.args) == ('-k "not slow"', ["-k", "not slow"])
    both = Selection(markers="not live", keywords="fast")
    assert both.args == ["-m", "not live", "-k", "fast"]


def test_a_probe_that_prints_nothing_useful_is_a_gate_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app_root: Path
) -> None:
    inputs = fake_inputs(app_root)
    ctx = GateContext(
        gate="tests",
        target=inputs.target,
        settings=settings_module.Settings(),
        scratch=tmp_path,
        deadline=time.monotonic() + 30,
    )
    env = environments.Environment(
        path=tmp_path,
        python=Path(sys.executable),
        interpreter=inputs.environment.interpreter,
        reused=True,
    )
    monkeypatch.setattr(tests_probe, "PROBE_SOURCE", "print('not json')")
    with pytest.raises(GateError, match="printed no package list"):
        tests_probe.probe(ctx, env)
    monkeypatch.setattr(tests_probe, "PROBE_SOURCE", "print('{}')")
    with pytest.raises(GateError, match="printed no package list"):
        tests_probe.probe(ctx, env)


def test_the_probe_reads_this_interpreter(tmp_path: Path, app_root: Path) -> None:
    """The probe script itself, run by the interpreter running these tests."""
    inputs = fake_inputs(app_root)
    ctx = GateContext(
        gate="tests",
        target=inputs.target,
        settings=settings_module.Settings(),
        scratch=tmp_path,
        deadline=time.monotonic() + 30,
    )
    env = environments.Environment(
        path=tmp_path,
        python=Path(sys.executable),
        interpreter=inputs.environment.interpreter,
        reused=True,
    )
    found = tests_probe.probe(ctx, env)
    assert "pytest" in found.versions
    assert "pytest" in found.providers["_pytest"]
    assert "json" in found.stdlib
    assert found.environment["python_version"] == "{}.{}".format(*sys.version_info)
    assert ctx.commands == ()  # the probe is not one of the gate's commands
