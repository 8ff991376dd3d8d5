"""The markers gate on small fixture repositories: uses, registrations, verdicts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates import registry
from readiness.gates.markers import (
    UNDEFINED,
    UNPARSABLE,
    MarkersGate,
    unknown_mark_is_error,
)
from readiness.pytest_survey.marks import BUILTIN_MARKERS
from readiness.target import PytestConfig
from tests.conftest import MakeRepo, RunGate

STRICT = """
[tool.pytest.ini_options]
addopts = "--strict-markers"
markers = ["slow: takes long"]
"""
#: A test module using the unregistered marker ``memory`` on line 3.
MEMORY_TEST = "import pytest\n\n@pytest.mark.memory\ndef test_a(): ...\n"
LENIENT = """
[tool.pytest.ini_options]
markers = ["slow: takes long"]
"""


def run(make_repo: MakeRepo, run_gate: RunGate, files: dict[str, str]) -> GateResult:
    return run_gate(MarkersGate(), make_repo(files))


def sites(result: GateResult, rule: str = UNDEFINED.id) -> list[str]:
    """``path:line marker`` for each finding of ``rule``, in report order."""
    return [
        f"{f.location} {f.details.get('marker', '')}".rstrip()
        for f in result.findings
        if f.rule == rule
    ]


def only(result: GateResult) -> Finding:
    assert len(result.findings) == 1, result.findings
    return result.findings[0]


# --- the gate as a whole ----------------------------------------------------


def test_registered_in_the_registry_with_its_description() -> None:
    assert registry()["markers"] is MarkersGate
    assert MarkersGate.priority is Priority.P0
    assert MarkersGate.title == "pytest markers"
    assert MarkersGate.description() == (
        "Every pytest marker the tests use is registered in the config pytest reads."
    )


def test_passes_when_every_marker_is_registered(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.slow
                @pytest.mark.skip(reason="later")
                def test_a():
                    pass
            """,
        },
    )
    assert result.status is Status.PASS
    assert result.findings == ()
    assert [(c.text, c.met) for c in result.criteria] == [
        ("every pytest marker the tests use is registered", True)
    ]
    assert result.metrics == {
        "markers_used": 2,
        "markers_registered": 1,
        "undefined": 0,
        "possibly_registered": 0,
        "use_sites": 0,
        "files_scanned": 1,
        "not_collected": 0,
        "parse_errors": 0,
        "strict_markers": "yes",
    }


def test_fails_with_one_finding_per_use_site_under_strict_markers(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.memory
                def test_a():
                    pass

                @pytest.mark.api_integration
                @pytest.mark.memory
                def test_b():
                    pass
            """,
        },
    )
    assert result.status is Status.FAIL
    assert sites(result) == [
        "tests/test_a.py:3 memory",
        "tests/test_a.py:7 api_integration",
        "tests/test_a.py:8 memory",
    ]
    first = result.findings[0]
    assert first.rule == "MK001"
    assert first.severity is Severity.HIGH
    assert first.priority is Priority.P0
    assert first.message == (
        "marker 'memory' is not registered;"
        " --strict-markers makes pytest abort collection"
    )
    assert first.fix == (
        "register it in pyproject.toml [tool.pytest.ini_options] markers:"
        ' "memory: <description>"'
    )
    assert dict(first.details) == {"marker": "memory", "config": "pyproject.toml"}
    assert [(c.text, c.met) for c in result.criteria] == [
        (
            (
                "every pytest marker the tests use is registered"
                " (2 undefined markers at 3 sites: api_integration, memory)"
            ),
            False,
        )
    ]
    assert result.metrics["markers_used"] == 2
    assert result.metrics["undefined"] == 2
    assert result.metrics["use_sites"] == 3


def test_without_strict_markers_pytest_only_warns(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": LENIENT,
            "tests/test_a.py": MEMORY_TEST,
        },
    )
    finding = only(result)
    assert finding.severity is Severity.MEDIUM
    assert finding.message == (
        "marker 'memory' is not registered; pytest only warns"
        " (PytestUnknownMarkWarning) without --strict-markers"
    )
    assert result.status is Status.FAIL
    assert result.metrics["strict_markers"] == "no"


def test_filterwarnings_error_makes_an_unknown_marker_an_error(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pytest.ini": "[pytest]\nfilterwarnings =\n    error\n",
            "tests/test_a.py": MEMORY_TEST,
        },
    )
    finding = only(result)
    assert finding.severity is Severity.HIGH
    assert finding.message == (
        "marker 'memory' is not registered; filterwarnings in pytest.ini"
        " turns PytestUnknownMarkWarning into an error"
    )
    assert result.metrics["strict_markers"] == "no"


def test_without_any_pytest_config_the_fix_names_pyproject(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {"tests/test_a.py": MEMORY_TEST},
    )
    finding = only(result)
    assert finding.severity is Severity.MEDIUM
    assert finding.fix == (
        "register it in pyproject.toml [tool.pytest.ini_options] markers:"
        ' "memory: <description>"'
    )
    assert dict(finding.details) == {"marker": "memory", "config": "pyproject.toml"}
    assert result.metrics["strict_markers"] == "no"
    assert result.metrics["markers_registered"] == 0


# --- usage forms ------------------------------------------------------------


def test_decorators_on_functions_classes_and_methods(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.on_function
                def test_a():
                    pass

                @pytest.mark.on_call(reason="x", limit=3)
                def test_b():
                    pass

                @pytest.mark.on_class
                class TestC:
                    @pytest.mark.on_method
                    def test_d(self):
                        pass

                    @pytest.mark.on_chained.with_args(len)
                    def test_e(self):
                        pass
            """,
        },
    )
    assert sites(result) == [
        "tests/test_a.py:3 on_function",
        "tests/test_a.py:7 on_call",
        "tests/test_a.py:11 on_class",
        "tests/test_a.py:13 on_method",
        "tests/test_a.py:17 on_chained",
    ]


def test_pytestmark_at_module_and_class_level(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                pytestmark = pytest.mark.module_single

                class TestA:
                    pytestmark = (pytest.mark.class_tuple, pytest.mark.slow)

                    def test_a(self):
                        pass
            """,
            "tests/test_b.py": """
                import pytest

                pytestmark = [
                    pytest.mark.module_list,
                    pytest.mark.module_list_called("x"),
                ]

                def test_b():
                    pass
            """,
        },
    )
    assert sites(result) == [
        "tests/test_a.py:3 module_single",
        "tests/test_a.py:6 class_tuple",
        "tests/test_b.py:4 module_list",
        "tests/test_b.py:5 module_list_called",
    ]


def test_param_marks_single_and_list(make_repo: MakeRepo, run_gate: RunGate) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.parametrize(
                    "value",
                    [
                        pytest.param(1, marks=pytest.mark.param_single),
                        pytest.param(2, marks=[pytest.mark.param_list]),
                        3,
                    ],
                )
                def test_a(value):
                    pass
            """,
        },
    )
    assert sites(result) == [
        "tests/test_a.py:6 param_single",
        "tests/test_a.py:7 param_list",
    ]


def test_add_marker_with_a_mark_or_a_string(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                def test_a(request):
                    request.node.add_marker(pytest.mark.added_mark)
                    request.node.add_marker("added_string")
                    request.node.add_marker(marker="added_keyword")
                    request.node.add_marker(computed_name())
                    request.node.add_marker("slow", append=False)

                def pytest_collection_modifyitems(items):
                    for item in items:
                        item.add_marker("in_hook")
            """,
        },
    )
    assert sites(result) == [
        "tests/test_a.py:4 added_mark",
        "tests/test_a.py:5 added_string",
        "tests/test_a.py:6 added_keyword",
        "tests/test_a.py:12 in_hook",
    ]


def test_aliases_of_pytest_and_of_its_mark_namespace(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_from.py": """
                from pytest import mark

                @mark.from_import
                def test_a():
                    pass
            """,
            "tests/test_as.py": """
                import os, pytest as pt
                from pytest import mark as m, raises

                slowly = pt.mark
                alias = slowly

                @pt.mark.import_as
                @m.from_import_as
                @slowly.assigned
                @alias.assigned_twice
                def test_a():
                    pass
            """,
            "tests/test_star.py": """
                from pytest import *

                @mark.star_import
                def test_a():
                    pass
            """,
        },
    )
    assert sites(result) == [
        "tests/test_as.py:7 import_as",
        "tests/test_as.py:8 from_import_as",
        "tests/test_as.py:9 assigned",
        "tests/test_as.py:10 assigned_twice",
        "tests/test_from.py:3 from_import",
        "tests/test_star.py:3 star_import",
    ]


def test_names_that_are_not_pytest_marks_are_ignored(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest
                from .pytest import mark as relative
                from other import mark

                @mark.other_library
                @relative.relative_import
                @pytest.fixture
                def thing():
                    return pytest.mark._config, pytest.mark

                def test_a(thing, other):
                    other.mark.not_pytest
                    other.add_marker(42)
            """,
        },
    )
    assert result.status is Status.PASS
    assert result.metrics["markers_used"] == 0


# --- registration sources ---------------------------------------------------


@pytest.mark.parametrize(
    ("files", "config", "section"),
    [
        pytest.param(
            {"pyproject.toml": """
                    [tool.pytest.ini_options]
                    addopts = ["--strict-markers"]
                    markers = ["slow: takes long", "db(name): needs a database"]
                """},
            "pyproject.toml",
            "tool.pytest.ini_options",
            id="pyproject-ini-options",
        ),
        pytest.param(
            {"pyproject.toml": """
                    [tool.pytest]
                    strict_markers = true
                    markers = ["slow: takes long", "db(name): needs a database"]
                """},
            "pyproject.toml",
            "tool.pytest",
            id="pyproject-native",
        ),
        pytest.param(
            {"pytest.ini": """
                    [pytest]
                    addopts = --strict-markers
                    markers =
                        slow: takes long
                        db(name): needs a database
                """},
            "pytest.ini",
            "pytest",
            id="pytest-ini",
        ),
        pytest.param(
            {"pytest.toml": """
                    [pytest]
                    strict = true
                    markers = ["slow: takes long", "db(name): needs a database"]
                """},
            "pytest.toml",
            "pytest",
            id="pytest-toml",
        ),
        pytest.param(
            {"tox.ini": """
                    [pytest]
                    addopts = --strict-markers
                    markers =
                        slow: takes long
                        db(name): needs a database
                """},
            "tox.ini",
            "pytest",
            id="tox-ini",
        ),
        pytest.param(
            {"setup.cfg": """
                    [tool:pytest]
                    addopts = --strict-markers
                    markers =
                        slow: takes long
                        db(name): needs a database
                """},
            "setup.cfg",
            "tool:pytest",
            id="setup-cfg",
        ),
    ],
)
def test_markers_of_each_config_file(
    make_repo: MakeRepo,
    run_gate: RunGate,
    files: dict[str, str],
    config: str,
    section: str,
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            **files,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.slow
                @pytest.mark.db("main")
                @pytest.mark.memory
                def test_a():
                    pass
            """,
        },
    )
    finding = only(result)
    assert finding.location == "tests/test_a.py:5"
    assert finding.severity is Severity.HIGH
    assert finding.fix == (
        f'register it in {config} [{section}] markers: "memory: <description>"'
    )
    assert finding.details["config"] == config
    assert result.metrics["markers_registered"] == 2
    assert result.metrics["strict_markers"] == "yes"


def test_conftest_addinivalue_line_in_the_conftests_pytest_loads(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "conftest.py": """
                def pytest_configure(config):
                    config.addinivalue_line("markers", "root_level: at the root")
                    config.addinivalue_line(
                        "markers",
                        "with_args(a, b): "
                        "implicitly concatenated",
                    )
            """,
            "tests/sub/conftest.py": """
                NAME = "computed: not visible statically"

                def pytest_configure(config):
                    config.addinivalue_line("markers", "nested: in a sub folder")
                    config.addinivalue_line("markers", NAME)
                    config.addinivalue_line("filterwarnings", "other_key: not a marker")
                    config.addinivalue_line("markers", ":")
                    config.addinivalue_line("markers")
                    config.addinivalue_line
            """,
            "examples/app/conftest.py": """
                import pytest

                def pytest_configure(config):
                    config.addinivalue_line("markers", "elsewhere: not loaded")

                @pytest.mark.not_loaded
                def helper():
                    pass
            """,
            "tests/sub/test_a.py": """
                import pytest

                @pytest.mark.root_level
                @pytest.mark.with_args(1, 2)
                @pytest.mark.nested
                @pytest.mark.computed
                @pytest.mark.other_key
                @pytest.mark.elsewhere
                def test_a():
                    pass
            """,
        },
    )
    assert sites(result) == [
        "tests/sub/test_a.py:7 other_key",
        "tests/sub/test_a.py:8 elsewhere",
    ]
    # "computed" too: a module constant is read like a literal
    assert result.metrics["markers_registered"] == 5
    assert result.metrics["files_scanned"] == 3


def test_addinivalue_line_in_a_test_module_registers_nothing(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                def pytest_configure(config):
                    config.addinivalue_line("markers", "late: too late, not a plugin")

                @pytest.mark.late
                def test_a():
                    pass
            """,
        },
    )
    assert sites(result) == ["tests/test_a.py:6 late"]


def test_local_pytest_plugins_register_markers_recursively(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "conftest.py": """
                pytest_plugins = ["tests.helpers.markers", "pytest_installed_elsewhere"]
            """,
            "tests/conftest.py": """
                pytest_plugins: tuple[str, ...] = ("beside",)
                pytest_plugins = "srcplugin"
                other: list[str] = ["not_a_plugin"]
                declared_only: str
                if True:
                    pytest_plugins = "nested_is_not_read"
            """,
            "tests/beside.py": """
                def pytest_configure(config):
                    config.addinivalue_line("markers", "beside: next to the conftest")
            """,
            "tests/helpers/__init__.py": "",
            "tests/helpers/markers.py": """
                pytest_plugins = ["tests.helpers.deeper", "tests.helpers.markers"]

                def pytest_configure(config):
                    config.addinivalue_line("markers", "helper: from a plugin module")
            """,
            "tests/helpers/deeper/__init__.py": """
                def pytest_configure(config):
                    config.addinivalue_line("markers", "deeper: from a package")
            """,
            "src/srcplugin.py": """
                def pytest_configure(config):
                    config.addinivalue_line("markers", "from_src: in src")
            """,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.helper
                @pytest.mark.deeper
                @pytest.mark.beside
                @pytest.mark.from_src
                @pytest.mark.nested_is_not_read
                def test_a():
                    pass
            """,
        },
    )
    assert sites(result) == ["tests/test_a.py:7 nested_is_not_read"]
    assert result.metrics["markers_registered"] == 5


def test_declared_test_plugins_register_their_markers(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": """
                [project]
                name = "app"
                version = "1"
                dependencies = ["requests>=2"]

                [project.optional-dependencies]
                test = ["pytest>=8", "pytest-asyncio>=0.23", "not a valid requirement!"]

                [dependency-groups]
                dev = ["Pytest_Timeout[extra]==2.3; python_version >= '3.8'"]

                [tool.pytest.ini_options]
                addopts = "--strict-markers"
            """,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.asyncio
                @pytest.mark.timeout(5)
                @pytest.mark.django_db
                async def test_a():
                    pass
            """,
        },
    )
    assert sites(result) == ["tests/test_a.py:5 django_db"]
    assert result.metrics["markers_registered"] == 2


def test_builtin_markers_are_always_registered(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.skip
                @pytest.mark.skipif(True, reason="x")
                @pytest.mark.xfail
                @pytest.mark.parametrize("a", [1])
                @pytest.mark.usefixtures("tmp_path")
                @pytest.mark.filterwarnings("ignore")
                @pytest.mark.tryfirst
                @pytest.mark.trylast
                def test_a(a):
                    pass
            """,
        },
    )
    assert result.status is Status.PASS
    assert result.metrics["markers_used"] == 8
    assert result.metrics["markers_registered"] == 1


def test_builtin_markers_match_the_installed_pytest(tmp_path: Path) -> None:
    """``pytest --markers`` with no plugin loaded lists exactly the built-ins."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    names = {
        line.removeprefix("@pytest.mark.").split(":")[0].split("(")[0]
        for line in listed.splitlines()
        if line.startswith("@pytest.mark.")
    }
    assert names == BUILTIN_MARKERS


def test_marker_registered_only_in_a_file_pytest_does_not_read(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tox.ini": "[pytest]\nmarkers =\n    memory: registered too late\n",
            "setup.cfg": "[tool:pytest]\nmarkers =\n    memory: also ignored\n",
            "tests/test_a.py": MEMORY_TEST,
        },
    )
    finding = only(result)
    assert finding.message == (
        "marker 'memory' is not registered; --strict-markers makes pytest abort"
        " collection (it is registered in tox.ini [pytest], which pytest does not"
        " read: it reads pyproject.toml)"
    )
    assert dict(finding.details) == {
        "marker": "memory",
        "config": "pyproject.toml",
        "registered_in": "tox.ini",
    }
    assert result.metrics["markers_registered"] == 1


# --- which files are read ---------------------------------------------------


def test_fallback_to_test_named_files_in_the_whole_root(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "test_top.py": MEMORY_TEST,
            "pkg/__init__.py": "",
            "pkg/engine.py": MEMORY_TEST,
            "pkg/engine_test.py": MEMORY_TEST,
            ".venv/lib/test_vendored.py": MEMORY_TEST,
            ".venv/lib/conftest.py": MEMORY_TEST,
            "build/lib/test_built.py": MEMORY_TEST,
            "node_modules/x/test_js.py": MEMORY_TEST,
            "pkg/__pycache__/test_cached.py": MEMORY_TEST,
            "notes/test_data.txt": MEMORY_TEST,
        },
    )
    assert sites(result) == ["pkg/engine_test.py:3 memory", "test_top.py:3 memory"]
    # pkg/__init__.py too: importing pkg.engine_test runs it
    assert result.metrics["files_scanned"] == 3


def test_fallback_honours_python_files(make_repo: MakeRepo, run_gate: RunGate) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pytest.ini": "[pytest]\npython_files = check_*.py\n",
            "check_a.py": MEMORY_TEST,
            "test_b.py": MEMORY_TEST,
        },
    )
    assert sites(result) == ["check_a.py:3 memory"]


def test_empty_python_files_falls_back_to_pytest_default(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": "[tool.pytest]\npython_files = []\n",
            "test_b.py": MEMORY_TEST,
        },
    )
    assert sites(result) == ["test_b.py:3 memory"]


def test_collected_and_imported_files_under_declared_test_paths(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Under the test folders pytest collects files named like ``python_files``
    and imports what they import; other files are never read."""
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                testpaths = ["checks", "extra/one.py", "README.md"]
            """,
            "README.md": "# app\n",
            "checks/helpers.py": "import pytest\nslow = pytest.mark.helper_mark\n",
            "checks/unused.py": "import pytest\nslow = pytest.mark.unused_mark\n",
            "checks/deep/test_x.py": (
                "import pytest\nfrom checks.helpers import slow\n"
                "pytestmark = pytest.mark.deep\n"
            ),
            "extra/one.py": "import pytest\npytestmark = pytest.mark.single\n",
            "extra/test_two.py": "import pytest\npytestmark = pytest.mark.not_read\n",
        },
    )
    assert sites(result) == [
        "checks/deep/test_x.py:3 deep",
        "checks/helpers.py:2 helper_mark",
        "extra/one.py:2 single",
    ]
    assert result.metrics["files_scanned"] == 3
    assert result.metrics["not_collected"] == 1


def test_skipped_without_test_files(make_repo: MakeRepo, run_gate: RunGate) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "src/app/__init__.py": "",
            "conftest.py": "import pytest\n",
        },
    )
    assert result.status is Status.SKIPPED
    assert result.reason == "no test files found"


def test_skipped_when_the_test_folder_holds_only_a_conftest(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(make_repo, run_gate, {"tests/conftest.py": "import pytest\n"})
    assert result.status is Status.SKIPPED
    assert result.reason == "no test files found"


# --- files that do not parse ------------------------------------------------


def test_a_file_that_does_not_parse_is_a_finding(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/test_bad.py": "import pytest\n\ndef test_a(:\n    pass\n",
            "tests/test_good.py": MEMORY_TEST,
            "tests/conftest.py": "def pytest_configure(config)\n",
        },
    )
    assert result.status is Status.FAIL
    assert sites(result, UNPARSABLE.id) == [
        "tests/conftest.py:1",
        "tests/test_bad.py:3",
    ]
    assert sites(result) == ["tests/test_good.py:3 memory"]
    bad = next(f for f in result.findings if f.path == "tests/test_bad.py")
    assert bad.severity is Severity.HIGH
    assert bad.priority is Priority.P0
    assert bad.message == (
        "test file does not parse (SyntaxError: invalid syntax);"
        " pytest cannot collect it"
    )
    assert bad.fix == "fix the syntax error"
    assert dict(bad.details) == {"reason": "SyntaxError: invalid syntax"}
    assert [(c.text, c.met) for c in result.criteria] == [
        (
            (
                "every pytest marker the tests use is registered"
                " (1 undefined marker at 1 site: memory)"
            ),
            False,
        ),
        (
            (
                "every test module and conftest.py parses"
                " (2 do not: tests/conftest.py, tests/test_bad.py)"
            ),
            False,
        ),
    ]
    assert result.metrics["parse_errors"] == 2
    assert result.metrics["files_scanned"] == 3


def test_a_file_without_a_line_number_still_reports(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo({"tests/test_ok.py": "def test_a(): ...\n"})
    (root / "tests" / "test_nul.py").write_bytes(b"x = 1\x00\n")
    result = run_gate(MarkersGate(), root)
    assert sites(result, UNPARSABLE.id) == ["tests/test_nul.py"]
    assert result.findings[0].line is None
    assert result.criteria[0].met is True
    assert result.status is Status.FAIL


# --- warning filters --------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({}, False, id="no-filters"),
        pytest.param({"filterwarnings": "error"}, True, id="ini-string"),
        pytest.param({"filterwarnings": ["error"]}, True, id="toml-list"),
        pytest.param({"filterwarnings": "\n  e\n"}, True, id="abbreviated-action"),
        pytest.param({"filterwarnings": ":::"}, False, id="empty-action-is-default"),
        pytest.param({"filterwarnings": "bogus"}, False, id="unknown-action"),
        pytest.param(
            {"filterwarnings": ["error", "ignore::pytest.PytestUnknownMarkWarning"]},
            False,
            id="later-ignore-wins",
        ),
        pytest.param(
            {"filterwarnings": ["error::UserWarning"]}, True, id="base-category"
        ),
        pytest.param(
            {"filterwarnings": ["error::DeprecationWarning"]},
            False,
            id="other-category",
        ),
        pytest.param(
            {"filterwarnings": ["error:unknown pytest\\.mark\\.mem"]},
            True,
            id="message-regex",
        ),
        pytest.param(
            {"filterwarnings": ["error:Unknown pytest.mark.other"]},
            False,
            id="message-other-marker",
        ),
        pytest.param({"filterwarnings": ["error:(unclosed"]}, False, id="bad-regex"),
        pytest.param(
            {"filterwarnings": ["error:::tests.test_a"]}, False, id="module-bound"
        ),
        pytest.param({"filterwarnings": ["error::::12"]}, False, id="line-bound"),
        pytest.param({"addopts": "-W error"}, True, id="addopts-W"),
        pytest.param({"addopts": "-Werror"}, True, id="addopts-W-joined"),
        pytest.param({"addopts": ["--pythonwarnings", "error"]}, True, id="long"),
        pytest.param({"addopts": "--pythonwarnings=error"}, True, id="long-equals"),
        pytest.param({"addopts": "-W"}, False, id="addopts-W-without-value"),
        pytest.param(
            {"addopts": "-W error:Unknown.pytest"}, False, id="addopts-message-escaped"
        ),
        pytest.param(
            {"filterwarnings": "error", "addopts": "-W ignore"},
            False,
            id="command-line-wins",
        ),
    ],
)
def test_whether_warning_filters_make_unknown_marks_errors(
    options: dict[str, object], *, expected: bool
) -> None:
    config = PytestConfig(path="pytest.ini", section="pytest", options=options)
    assert unknown_mark_is_error(config, "memory") is expected


# --- files pytest never collects (field corpus: black) ---------------------


def test_data_files_under_the_test_folder_are_not_test_files(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black keeps formatter input cases as ``tests/data/cases/*.py``, some in
    syntax newer than the running Python: pytest never collects or imports
    them, so they are counted, not reported (black 26.10.1 had 23 MK002).
    A helper a collected module imports is read, and breaks collection."""
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": STRICT,
            "tests/__init__.py": "",
            "tests/test_format.py": (
                "import pytest\nfrom tests.util import read_data\n"
                "from . import broken_helper\n"
            ),
            "tests/util.py": "import pytest\nslow = pytest.mark.util_mark\n",
            "tests/broken_helper.py": "def f(:\n",
            "tests/data/cases/pep_750.py": "t'{x}' match case(:\n",
            "tests/data/cases/async_as_identifier.py": "async = 1\n",
            "tests/data/miscellaneous/test_in_data.py": "x = 1\n",
        },
    )
    assert sites(result, UNPARSABLE.id) == ["tests/broken_helper.py:1"]
    assert sites(result) == ["tests/util.py:2 util_mark"]
    # tests/__init__.py, test_format.py, util.py, broken_helper.py and the
    # test-named file in data, which pytest does collect
    assert result.metrics["files_scanned"] == 5
    assert result.metrics["not_collected"] == 2


def test_norecursedirs_ignore_options_and_collect_ignore(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """What pytest is told to leave out is not a test file either."""
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                testpaths = ["tests"]
                norecursedirs = ["fixtures*"]
                addopts = "--ignore=tests/test_skip_a.py --ignore-glob=tests/*_b.py"
            """,
            "tests/conftest.py": """
                collect_ignore = ["test_skip_c.py"]
                collect_ignore.append("old")
                collect_ignore_glob = ["*_d.py"]
            """,
            "tests/test_ok.py": "def test_a(): ...\n",
            "tests/fixturesdir/test_bad.py": "def f(:\n",
            "tests/test_skip_a.py": "def f(:\n",
            "tests/test_skip_b.py": "def f(:\n",
            "tests/test_skip_c.py": "def f(:\n",
            "tests/old/test_e.py": "def f(:\n",
            "tests/test_skip_d.py": "def f(:\n",
        },
    )
    assert result.status is Status.PASS
    assert result.findings == ()
    assert result.metrics["files_scanned"] == 2


# --- markers registered at run time (field corpus: black) ------------------


def test_a_loop_over_an_ini_option_registers_its_values(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """``for line in config.getini("K"): addinivalue_line("markers", line)``
    registers the names of the option's lines, read from the configuration."""
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                addopts = "--strict-markers"
                extra-markers = ["gpu: needs a GPU", "network: talks to the net"]
                other = ["db: a database"]
            """,
            "tests/conftest.py": """
                def pytest_addoption(parser):
                    parser.addini("extra-markers", "markers", "linelist")

                def pytest_configure(config):
                    for line in config.getini("extra-markers"):
                        config.addinivalue_line("markers", line)
                    for name in config.inicfg.get("other"):
                        config.addinivalue_line("markers", f"{name} (from other)")
            """,
            "tests/test_a.py": """
                import pytest

                @pytest.mark.gpu
                @pytest.mark.network
                @pytest.mark.db
                @pytest.mark.typo
                def test_a():
                    pass
            """,
        },
    )
    assert sites(result) == ["tests/test_a.py:6 typo"]
    assert result.findings[0].severity is Severity.HIGH
    assert result.metrics["markers_registered"] == 3


def test_markers_computed_at_run_time_are_counted_not_reported(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black's ``tests/optional.py`` (a ``pytest_plugins`` module) turns each
    line of its ``optional-tests`` ini option into two markers, ``x`` and
    ``no_x``, through a regex: not resolvable statically. Its markers are not
    findings (black 26.10.1 had 6 MK001 at High for blackd, jupyter and
    no_jupyter, then 6 MK003 at Low with nothing to act on): the criterion
    counts them and names the registrations, and the gate passes. Plants one
    such marker at two sites, and one marker used nowhere else, ``jupyter``."""
    result = run(
        make_repo,
        run_gate,
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                addopts = "--strict-markers"
                optional-tests = ["no_blackd: run when `d` extra NOT installed"]
            """,
            "tests/__init__.py": "",
            "tests/conftest.py": 'pytest_plugins = ["tests.optional"]\n',
            "tests/optional.py": """
                import re

                def pytest_configure(config):
                    raw = config.inicfg.get("optional-tests")
                    for ot in raw:
                        m = re.match(r"(?P<no>no_)?(?P<marker>\\w+)", ot)
                        marker = (m.group("no") or "") + m.group("marker")
                        config.addinivalue_line("markers", f"{marker}: optional")
                        config.addinivalue_line("markers", f"{no(marker)}: not")
            """,
            "tests/test_blackd.py": """
                import pytest

                pytestmark = pytest.mark.blackd

                @pytest.mark.blackd
                def test_a():
                    pass

                @pytest.mark.jupyter
                def test_b():
                    pass
            """,
        },
    )
    assert result.status is Status.PASS
    assert result.findings == ()
    registered = (
        "every pytest marker the tests use is registered (2 markers may be"
        " registered at run time by tests/optional.py:8, tests/optional.py:9"
        " from ini option 'optional-tests', not reported: blackd, jupyter)"
    )
    assert [(c.text, c.met) for c in result.criteria] == [(registered, True)]
    assert result.metrics["undefined"] == 0
    assert result.metrics["possibly_registered"] == 2
    assert result.metrics["use_sites"] == 3
