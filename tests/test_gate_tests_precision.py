"""The tests gate's false alarms seen on the field corpus, each from a minimal
fixture: the real project that showed it is named in each test's docstring.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from readiness import command, metadata
from readiness import settings as settings_module
from readiness.findings import Priority, Severity, Status
from readiness.gates.interface import GateContext, GateError
from readiness.gates.tests import TestsGate, machine
from readiness.gates.tests import config as tests_config
from readiness.gates.tests import diagnosis as tests_diagnosis
from readiness.gates.tests import gate as tests_gate
from readiness.gates.tests import imports as tests_imports
from readiness.gates.tests import probe as tests_probe
from readiness.gates.tests import run as tests_run
from readiness.gates.tests.imports import Undeclared
from readiness.gates.tests.run import Case, Coverage, FileCoverage
from readiness.pytest_survey import imports as survey_imports
from readiness.pytest_survey.files import files_to_scan
from readiness.pytest_survey.imports import ImportSite
from readiness.target import discover
from tests.conftest import MakeRepo, RunGate
from tests.gate_tests_support import (
    APP_PYPROJECT,
    app_repo,
    fake_inputs,
    installed,
    options,
    outcome,
)

# --- TS002: only unguarded imports in files pytest imports --------------------


def test_suppress_and_importorskip_guard_an_import(make_repo: MakeRepo) -> None:
    """pytest-xdist's ``testing/test_plugin.py`` imports psutil under ``with
    suppress(ImportError):``; requests' conftest falls back to Python 2's
    ``BaseHTTPServer`` under ``except ImportError:``; ``pytest.importorskip``
    guards the same way."""
    root = make_repo(
        {
            "pyproject.toml": APP_PYPROJECT,
            "tests/test_a.py": """
                import contextlib
                from contextlib import suppress

                import pytest

                with suppress(ImportError):
                    import psutil
                with contextlib.suppress(ModuleNotFoundError, OSError):
                    import numpy
                with suppress(OSError):
                    import unguarded_by_oserror
                docutils = pytest.importorskip("docutils")
                from docutils import nodes
                try:
                    from http.server import HTTPServer
                except ImportError:
                    from BaseHTTPServer import HTTPServer


                def test_x():
                    import inside_a_test
            """,
        }
    )
    target = discover(root)
    sites = survey_imports.import_sites(target, [root / "tests/test_a.py"])
    assert [(s.module, s.line, s.in_function) for s in sites] == [
        ("contextlib", 1, False),
        ("contextlib", 2, False),
        ("pytest", 4, False),
        ("unguarded_by_oserror", 11, False),
        ("inside_a_test", 21, True),
    ]


FLASK_LIKE = {
    "pyproject.toml": APP_PYPROJECT,
    "src/app/__init__.py": "",
    "src/app/compat.py": "import importlib_metadata\n",
    "tests/conftest.py": "import pytest\n",
    "tests/test_apps/cliapp/__init__.py": "",
    "tests/test_config.py": """
        import cliapp
        from .helpers import make


        def test_written(tmp_path):
            (tmp_path / "config_module_app.py").write_text("x = 1")
            from config_module_app import x
            import yaml_in_a_test
    """,
    "tests/helpers.py": "import freezegun\n",
    "tests/resources/noxfile_script_mode.py": "import cowsay\n",
}


def test_undeclared_imports_only_where_pytest_imports_and_nothing_creates_them(
    make_repo: MakeRepo,
) -> None:
    """flask's ``config_module_app`` is written by the test that imports it;
    its ``tests/test_apps`` folder is put on sys.path by a fixture; nox's
    ``tests/resources/noxfile_script_mode.py`` is data pytest never imports;
    httpie's ``httpie/compat.py`` is package code (testpaths name it)."""
    root = make_repo(FLASK_LIKE)
    target = discover(root)
    tests, conftests = files_to_scan(target)
    collected, written = tests_imports.collected_files(target, tests, conftests)
    assert sorted(collected) == [
        "tests/conftest.py",
        "tests/helpers.py",
        "tests/test_config.py",
    ]
    assert {"config_module_app", "x = 1"} & written == {"config_module_app"}
    config = tests_config.configure(target, options())
    sites = survey_imports.import_sites(
        target, [*tests, *conftests, root / "src/app/compat.py"]
    )
    found = tests_imports.undeclared_imports(
        target,
        sites,
        installed(),
        tests_probe.declared_closure(target, config, installed()),
        collected=frozenset({*collected, "src/app/compat.py"}),
        written=written,
    )
    assert [(u.site.path, u.site.module, u.distribution) for u in found] == [
        ("tests/helpers.py", "freezegun", "freezegun"),
        ("tests/test_config.py", "yaml_in_a_test", None),
    ]


def test_ts002_severity_follows_its_evidence(make_repo: MakeRepo) -> None:
    """TS002 was High on every site on four projects (flask, requests, httpie,
    nox) though pytest imported each file fine; High now needs pytest's own
    word that it could not import the file."""
    inputs = fake_inputs(app_repo(make_repo))
    module_level = ImportSite(module="freezegun", path="tests/test_a.py", line=1)
    in_test = ImportSite(
        module="yaml_in_a_test", path="tests/test_a.py", line=9, in_function=True
    )

    def finding(site: ImportSite, distribution: str | None, *, aborted: bool) -> str:
        item = Undeclared(site=site, distribution=distribution, installed=False)
        made = tests_diagnosis.undeclared_finding(inputs, item, aborted=aborted)
        return f"{made.severity.value}: {made.message} -> {made.fix}"

    assert finding(module_level, "freezegun", aborted=True) == (
        "high: the tests import 'freezegun' but no declared dependency provides it"
        " (freezegun); pytest could not import tests/test_a.py -> add"
        ' "freezegun" to pyproject.toml [project.optional-dependencies] test'
    )
    assert finding(module_level, "freezegun", aborted=False).startswith("medium: ")
    assert finding(in_test, None, aborted=False) == (
        "low: the tests import 'yaml_in_a_test' but no declared dependency"
        " provides it; the test environment does not have it; no known"
        " distribution provides it -> declare the distribution that provides"
        " 'yaml_in_a_test' in pyproject.toml [project.optional-dependencies] test"
    )


# --- test requirements: every layout's test extra or group -------------------


def test_pdm_dev_dependencies_and_a_dev_group_are_the_test_requirements(
    make_repo: MakeRepo,
) -> None:
    """unearth declares its test requirements in ``[tool.pdm.dev-dependencies]
    test``; tomlkit in the PEP 735 group ``dev``, with no test group."""
    pdm = discover(make_repo({"pyproject.toml": """
                    [project]
                    name = "a"
                    version = "1"
                    [tool.pdm.dev-dependencies]
                    test = ["pytest>=6.1", "flask>=2.1.2", "-e file:///x#egg=x"]
                    doc = ["sphinx"]
                """}))
    config = tests_config.configure(pdm, options())
    assert (config.extras, config.groups, config.packages, config.source) == (
        (),
        (),
        ("pytest>=6.1", "flask>=2.1.2"),
        "pyproject.toml [tool.pdm.dev-dependencies] test",
    )
    spec = tests_config.environment_spec(pdm, config)
    assert spec.packages == ("pytest>=6.1", "flask>=2.1.2", "pytest-cov")
    dev = discover(make_repo({"pyproject.toml": """
                    [project]
                    name = "b"
                    version = "1"
                    [dependency-groups]
                    dev = ["pytest~=7.2"]
                    docs = ["sphinx"]
                """}))
    config = tests_config.configure(dev, options())
    assert (config.groups, config.source) == (
        ("dev",),
        "pyproject.toml [dependency-groups] dev (no test group)",
    )
    assert tests_config.environment_spec(dev, config).packages == ("pytest-cov",)


def test_a_setup_cfg_test_extra_comes_from_the_backend_metadata(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpie declares its ``test`` extra in setup.cfg only: the environment was
    built without pytest_httpbin and the suite aborted. The backend's prepared
    metadata (cached, planted here) names the extra."""
    root = make_repo(
        {
            "setup.cfg": "[metadata]\nname = cfgapp\n"
            "[options.extras_require]\ntest =\n    pytest\n    pytest-httpbin\n",
            "setup.py": "raise SystemExit('the cached metadata is used')\n",
        }
    )
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    cache = tmp_path / "cache" / "metadata" / f"{metadata.input_hash(root)}.json"
    cache.parent.mkdir(parents=True)
    prepared = metadata.Metadata(
        name="cfgapp",
        requires_python=">=3.9",
        dependencies=("requests",),
        extras={"test": ("pytest", "pytest-httpbin")},
        scripts={},
        source="setuptools.build_meta:__legacy__ (prepared metadata)",
    )
    cache.write_text(json.dumps(metadata._to_json(prepared)), encoding="utf-8")
    # discovery reads the project model from the build backend's metadata
    target = discover(root)
    assert (target.name, target.dependencies, dict(target.extras)) == (
        "cfgapp",
        ("requests",),
        {"test": ("pytest", "pytest-httpbin")},
    )
    config = tests_config.configure(target, options())
    assert (config.extras, config.source) == (
        ("test",),
        "setup.cfg [options.extras_require] test",
    )
    # a complete static [project] is read as is, without the backend
    plain = discover(make_repo({"pyproject.toml": APP_PYPROJECT}))
    assert plain.metadata_source == "pyproject.toml [project]"


# --- failures whose cause is the machine -------------------------------------


def _case(text: str, *, nodeid: str = "tests/test_a.py::test_x") -> Case:
    return Case(
        nodeid=nodeid, path="tests/test_a.py", line=3, outcome="failed", text=text
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "E   socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "a host name could not be resolved (no DNS on this machine)",
            id="pip-audit-dns",
        ),
        pytest.param(
            "E   OSError: [Errno 101] Network is unreachable",
            "the network is unreachable from this machine",
            id="unreachable",
        ),
        pytest.param(
            "E   requests.exceptions.ConnectionError: HTTPSConnectionPool("
            "host='pypi.org', port=443): Max retries exceeded (Connection refused)",
            "a connection to pypi.org failed (no network from this machine)",
            id="refused-remote",
        ),
        pytest.param(
            "E   ConnectionRefusedError: [Errno 111] Connection refused to"
            " http://127.0.0.1:8080/",
            None,
            id="refused-loopback-is-the-code",
        ),
        pytest.param(
            "E   FileNotFoundError: [Errno 2] No such file or directory: 'python3.8'",
            "the executable 'python3.8' was not found on this machine's PATH",
            id="nox-interpreter",
        ),
        pytest.param(
            "E   nox.virtualenv.InterpreterNotFound: Python interpreter 3.8 not found",
            "the interpreter '3.8' was not found on this machine's PATH",
            id="interpreter-not-found",
        ),
        pytest.param(
            "E   FileNotFoundError: [Errno 2] No such file or directory: 'data.json'",
            None,
            id="a-missing-data-file-is-the-code",
        ),
        pytest.param(
            "E   PermissionError: [Errno 1] Operation not permitted",
            "the sandbox does not permit the operation",
            id="sandbox",
        ),
        pytest.param("E   assert 1 == 2", None, id="assertion"),
    ],
)
def test_machine_causes_from_the_failure_text(
    text: str, expected: str | None, tmp_path: Path
) -> None:
    found = machine.cause(_case(text), tmp_path)
    assert (found.reason if found else None) == expected


def test_a_timeout_test_is_read_for_the_host_it_connects_to(tmp_path: Path) -> None:
    """requests' ``test_connect_timeout`` fails with its own ``pytest.fail`` text;
    only its source says it connects to the non-routable 10.255.255.1."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_a.py").write_text(
        'TARPIT = "http://10.255.255.1"\nLOCAL = "http://localhost"\n\n\n'
        "class TestTimeout:\n"
        "    def test_connect_timeout(self, timeout):\n"
        "        get(TARPIT, timeout=timeout)\n"
        '        fail("The connect() request should time out.")\n'
        "    def test_local(self):\n"
        "        get(LOCAL)\n"
        '        fail("The connect() request should time out.")\n'
    )
    failed = "Failed: The connect() request should time out."
    remote = Case(
        nodeid="tests/test_a.py::TestTimeout::test_connect_timeout[timeout0]",
        path="tests/test_a.py",
        line=6,
        outcome="failed",
        message=failed,
    )
    assert machine.cause(remote, tmp_path) == machine.Cause(
        reason="a connection to 10.255.255.1 failed (no network from this machine)"
    )
    local = Case(
        nodeid="tests/test_a.py::TestTimeout::test_local",
        path="tests/test_a.py",
        line=9,
        outcome="failed",
        message=failed,
    )
    assert machine.cause(local, tmp_path) is None


def test_machine_failures_are_listed_apart_and_do_not_fail_pytest_passes(
    app_root_factory: Path,
) -> None:
    """pip-audit's suite failed 13 of 13 tests on DNS: each was a High/P0 "fix
    the code or the test". Now Low, P2, with the deselection that leaves it out."""
    dns = _case(
        "E   socket.gaierror: [Errno -2] Name or service not known",
        nodeid="tests/test_a.py::test_audit",
    )
    passed = Case(
        nodeid="tests/test_a.py::test_ok", path=None, line=None, outcome="passed"
    )
    result = tests_gate.evaluate(
        fake_inputs(app_root_factory), outcome(1, cases=(passed, dns))
    )
    (finding,) = result.findings
    assert (finding.rule, finding.severity, finding.priority) == (
        "TS011",
        Severity.LOW,
        Priority.P2,
    )
    assert finding.message == (
        "tests/test_a.py::test_audit failed because of the machine: a host name"
        " could not be resolved (no DNS on this machine)"
    )
    assert finding.fix == (
        "run it where that exists, or leave it out here:"
        ' --deselect "tests/test_a.py::test_audit"'
    )
    assert result.metrics["environment_failures"] == 1
    assert result.metrics["environment_deselect"] == (
        '--deselect "tests/test_a.py::test_audit"'
    )
    assert result.criteria[0].met is True
    assert result.criteria[0].text.endswith(
        "every failure is the machine's (TS011) or passed when rerun (TS012), none"
        " the code's"
    )
    code = _case("E   assert 1 == 2", nodeid="tests/test_a.py::test_b")
    mixed = tests_gate.evaluate(
        fake_inputs(app_root_factory), outcome(1, cases=(dns, code))
    )
    assert [f.rule for f in mixed.findings] == ["TS006", "TS011"]
    assert mixed.criteria[0].met is False


@pytest.fixture
def app_root_factory(make_repo: MakeRepo) -> Path:
    return app_repo(make_repo)


# --- coverage -----------------------------------------------------------------


def test_no_per_file_coverage_when_no_test_ran(app_root_factory: Path) -> None:
    """pip-audit's sdist has no tests: TS009 said so, and five TS010 (0 %)
    repeated it for each module."""
    zero = Coverage(
        percent=0.0,
        statements=1,
        missing=1,
        files=(
            FileCoverage(
                path="src/app/__init__.py",
                percent=0.0,
                statements=1,
                missing=1,
                first_missing=1,
            ),
        ),
    )
    result = tests_gate.evaluate(
        fake_inputs(app_root_factory), outcome(5, cases=(), coverage=zero)
    )
    assert [f.rule for f in result.findings] == ["TS009"]


def test_a_pytest_plugin_is_known_from_its_entry_point() -> None:
    """pytest-xdist is a ``pytest11`` plugin: pytest imports it before pytest-cov
    starts, so its module-level lines read as 0 % unless measured otherwise."""
    data = {
        "python": "3.12.1",
        "stdlib": ["os"],
        "environment": {},
        "providers": {},
        "distributions": [
            {
                "name": "pytest_xdist",
                "version": "3.8",
                "requires": [],
                "pytest11": ["xdist.plugin", "xdist.looponfail"],
            },
            {"name": "requests", "version": "2", "requires": []},
        ],
    }
    found = tests_probe.parse_probe(data)
    assert found.plugins == {"pytest-xdist": ("xdist.plugin", "xdist.looponfail")}
    assert found.is_plugin("pytest_xdist")
    assert not found.is_plugin("requests")


# --- a run that cannot be trusted, and a run that keeps to its scratch -------


def test_exit_0_without_a_junit_file_is_an_error(tmp_path: Path) -> None:
    """A false pass: pytest exited 0 without writing its JUnit file."""
    ran = command.Completed(
        args=("pytest",), returncode=0, stdout="", stderr="", duration_s=1.0
    )
    with pytest.raises(GateError) as raised:
        tests_run.check_complete(ran, None, tmp_path / "junit.xml")
    assert str(raised.value) == (
        "pytest exited 0 (all selected tests passed) but wrote no JUnit report"
        " (junit.xml), so which tests ran is unknown; check that the target's"
        " configuration or a plugin does not disable --junitxml"
    )
    tests_run.check_complete(ran, (), tmp_path / "junit.xml")  # a report: fine
    usage = command.Completed(
        args=("pytest",),
        returncode=4,
        stdout="",
        stderr="x" * 10,
        duration_s=1.0,
        truncated=True,
    )
    with pytest.raises(GateError, match="its output was cut"):
        tests_run.check_complete(usage, None, tmp_path / "junit.xml")
    junit = tmp_path / "cut.xml"
    junit.write_text('<testsuites><testsuite><testcase name="a"')
    with pytest.raises(GateError, match="JUnit file that cannot be read"):
        tests_run.read_junit(junit, discover(tmp_path))


def test_the_run_keeps_its_temporary_files_and_caches_in_scratch(
    app_root_factory: Path, tmp_path: Path
) -> None:
    """pytest-xdist lost 130 tests' folders when another pytest on the machine
    pruned the shared ``pytest-of-<user>`` base temp folder."""
    inputs = fake_inputs(app_root_factory)
    calls: list[tuple[list[str], dict[str, str]]] = []

    class Recording(GateContext):
        def run(self, args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append((list(args), dict(kwargs["env"])))
            (tmp_path / "junit.xml").write_text("<testsuites/>")
            return command.Completed(
                args=tuple(args), returncode=5, stdout="", stderr="", duration_s=0.1
            )

    ctx = Recording(
        gate="tests",
        target=inputs.target,
        settings=settings_module.Settings(),
        scratch=tmp_path,
        deadline=time.monotonic() + 30,
    )
    config = tests_config.configure(inputs.target, options(coverage=[]))
    tests_run.run_pytest(ctx, inputs.environment, config, inputs.selection)
    ((args, env),) = calls
    assert f"--basetemp={tmp_path / 'basetemp'}" in args
    assert "no:cacheprovider" in args
    assert {key: env[key] for key in ("TMPDIR", "XDG_CACHE_HOME", "COVERAGE_FILE")} == {
        "TMPDIR": str(tmp_path / "tmp"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "COVERAGE_FILE": str(tmp_path / ".coverage"),
    }
    assert (tmp_path / "tmp").is_dir()
    plugin = tests_config.configure(inputs.target, options(coverage=["app"]))
    calls.clear()
    tests_run.run_pytest(ctx, inputs.environment, plugin, inputs.selection, plugin=True)
    (args, _), combine, report = calls
    assert [combine[0][1:], report[0][1:5]] == [
        ["-m", "coverage", "combine"],
        ["-m", "coverage", "json", "-o"],
    ]
    assert args[1:7] == ["-m", "coverage", "run", "--source", "app", "-m"]
    assert "--no-cov" in args
    assert not any(a.startswith("--cov=") for a in args)


PLUGIN_PROJECT = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "plugapp"
        version = "1"

        [project.entry-points.pytest11]
        plugapp = "plugapp"

        [tool.pytest.ini_options]
        testpaths = ["tests"]
    """,
    "src/plugapp/__init__.py": """
        VALUE = 1
        OTHER = 2


        def helper():
            return VALUE + OTHER
    """,
    "tests/test_plugin.py": """
        from plugapp import helper


        def test_helper():
            assert helper() == 3
    """,
}


@pytest.mark.tools
def test_a_pytest_plugin_is_measured_from_its_import(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """pytest-xdist's ``xdist/__init__.py`` read 0 % and the plugin 69 %: pytest
    imports a ``pytest11`` plugin before pytest-cov starts, so its module-level
    lines were never counted. Planted: a plugin whose only test calls one
    function; every one of its 5 statements runs."""
    result = run_gate(TestsGate(), make_repo(PLUGIN_PROJECT))
    assert result.status is Status.PASS, result.reason
    assert result.metrics["coverage"] == 100.0
    assert result.metrics["coverage_measured_by"] == "coverage run"
    assert result.metrics["passed"] == 1
    assert result.findings == ()
