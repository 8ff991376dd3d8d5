"""The typing gate's precision on the field corpus (issue 12): each false-alarm
class judged by hand, as a minimal project run through the real checker.

Tests marked ``tools`` build a typing environment (uv, from PyPI) and run the
real mypy or pyright; the others decide from the project's files alone.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness.errors import ConfigError
from readiness.findings import GateResult, Status
from readiness.gates.interface import GateContext
from readiness.gates.typing import (
    MYPY_VERSION,
    Checker,
    MypyError,
    TypingGate,
    choose,
    read_options,
    stub_findings,
)
from readiness.gates.typing.findings import optional_packages
from readiness.gates.typing.rules import PYRIGHT_VERSION
from readiness.runner import execute
from readiness.session import Session
from readiness.target import discover
from tests.conftest import REPO_ROOT

if TYPE_CHECKING:  # tests/ fixtures' types, for mypy
    from tests.conftest import MakeRepo


def context(root: Path, scratch: Path) -> GateContext:
    session = Session.open(root)
    return GateContext.start(
        "typing",
        target=session.target,
        settings=session.settings,
        scratch=scratch,
        timeout_s=600,
    )


def run_typing(root: Path, scratch: Path) -> GateResult:
    return execute(TypingGate(), context(root, scratch), time.monotonic())


def findings(result: GateResult) -> list[tuple[str, str, str]]:
    return [(f.rule, f.location, f.message) for f in result.findings]


# --- class 1: the checker the project runs --------------------------------------

PROJECT = """
[project]
name = "app"
version = "0"
"""


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"pyproject.toml": PROJECT + "[tool.pyright]\ninclude = ['app']\n"},
            Checker(name="pyright", evidence="pyproject.toml [tool.pyright]"),
        ),
        (
            {"pyproject.toml": PROJECT, "pyrightconfig.json": "{}"},
            Checker(name="pyright", evidence="pyrightconfig.json"),
        ),
        (
            {
                "pyproject.toml": PROJECT
                + "[dependency-groups]\ntypecheck = ['pyright', 'typing_extensions']\n"
            },
            Checker(name="pyright", evidence="the 'typecheck' dependency group"),
        ),
        (
            {
                "pyproject.toml": PROJECT
                + "[project.optional-dependencies]\ndev = ['basedpyright>=1.20']\n"
            },
            Checker(name="basedpyright", evidence="the 'dev' extra"),
        ),
        (
            {
                "pyproject.toml": PROJECT,
                ".pre-commit-config.yaml": (
                    "repos:\n- repo: https://github.com/RobertCraigie/pyright-python\n"
                    "  rev: v1.1.400\n  hooks:\n  - id: pyright\n"
                ),
            },
            Checker(name="pyright", evidence="the pyright pre-commit hook"),
        ),
        (
            {"pyproject.toml": PROJECT, "requirements-dev.txt": "pyright==1.1.400\n"},
            Checker(name="pyright", evidence="requirements-dev.txt"),
        ),
        # flask configures both: mypy's configuration decides
        (
            {
                "pyproject.toml": PROJECT
                + "[tool.mypy]\nfiles = ['app']\n"
                + "[tool.pyright]\npythonVersion = '3.10'\n"
            },
            Checker(name="mypy", evidence="pyproject.toml"),
        ),
        (
            {
                "pyproject.toml": PROJECT
                + "[dependency-groups]\ntyping = ['mypy', 'pyright']\n"
            },
            Checker(name="mypy", evidence="the 'typing' dependency group"),
        ),
        (
            {
                "pyproject.toml": PROJECT,
                "mypy.ini": "[mypy]\n",
                "pyrightconfig.json": "",
            },
            Checker(name="mypy", evidence="mypy.ini"),
        ),
        (
            {"pyproject.toml": PROJECT},
            Checker(name="mypy", evidence="the default (no type checker configured)"),
        ),
        (
            {
                "pyproject.toml": PROJECT
                + "[tool.pyright]\n[tool.readiness.typing]\nchecker = 'mypy'\n"
            },
            Checker(name="mypy", evidence="[tool.readiness.typing] checker"),
        ),
    ],
)
def test_the_checker_is_the_one_the_project_uses(
    make_repo: MakeRepo, tmp_path: Path, files: dict[str, str], expected: Checker
) -> None:
    """requests checks its types with pyright strict ([tool.pyright], a `typecheck`
    group) and configures no mypy: mypy's dialect gave it 44 false findings."""
    root = make_repo({**files, "app/__init__.py": ""})
    ctx = context(root, tmp_path / "scratch")
    assert choose(ctx.target, read_options(ctx).checker) == expected


def test_an_unknown_checker_is_a_one_line_error(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(
        {
            "pyproject.toml": PROJECT + "[tool.readiness.typing]\nchecker = 'pytype'\n",
            "app/__init__.py": "",
        }
    )
    with pytest.raises(ConfigError) as raised:
        read_options(context(root, tmp_path / "scratch"))
    assert str(raised.value) == (
        "[tool.readiness.typing] checker must be one of: mypy, pyright, basedpyright"
    )


DEV_LOCK = (REPO_ROOT / "constraints" / "dev.txt").read_text(encoding="utf-8")


def test_the_pyright_version_installed_for_targets_is_the_dev_lock_s() -> None:
    """As MYPY_VERSION: the pyright readiness installs for a target that pins none
    is the one its own dev environment is locked at."""
    assert re.findall(
        r"^pyright(?:\[nodejs\])?==([^\s;]+)", DEV_LOCK, re.MULTILINE
    ) == [PYRIGHT_VERSION]


#: The three dialect differences requests showed, pyright-strict clean.
REQUESTS_LIKE = {
    "app/_version.py": '__version__ = "1.0"\n',
    "app/__init__.py": '''
    """requests/__init__.py, hooks.py and compat.py, in miniature."""

    from collections.abc import Callable
    from urllib.request import (
        getproxies,
        proxy_bypass_environment,  # type: ignore[attr-defined]
    )

    try:
        from app._version import __version__ as version
    except ImportError:
        version = None

    __all__ = ["call_all", "getproxies", "proxy_bypass_environment", "version"]


    def call_all(
        hooks: Callable[[int], None] | list[Callable[[int], None]], value: int
    ) -> None:
        if isinstance(hooks, Callable):
            hooks = [hooks]
        for hook in hooks:
            hook(value)
    ''',
}


@pytest.mark.tools
def test_a_pyright_project_is_checked_with_pyright(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """requests (pyright strict, no mypy): `isinstance(x, Callable)`, `x = None` in
    an `except ImportError` branch and an ignore on the name's own line of a
    multi-line import are clean for pyright, false findings under mypy."""
    root = make_repo(
        {
            "pyproject.toml": PROJECT
            + "[tool.pyright]\ninclude = ['app']\ntypeCheckingMode = 'strict'\n",
            **REQUESTS_LIKE,
        }
    )
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    assert findings(result) == []
    assert result.tools == {"pyright": PYRIGHT_VERSION}
    assert result.command[:6] == (
        "python",
        "-I",
        "-m",
        "pyright",
        "--outputjson",
        "--pythonpath",
    )
    assert result.command[6].endswith("/bin/python")
    assert next((c.text, c.met) for c in result.criteria) == (
        "pyright clean on the strict-scoped modules (app, app._version: 0 errors)",
        True,
    )
    assert {k: result.metrics[k] for k in ("checker", "strict_scope", "config")} == {
        "checker": "pyright (pyproject.toml [tool.pyright])",
        "strict_scope": 'typeCheckingMode = "strict" (pyproject.toml [tool.pyright])',
        "config": "pyproject.toml [tool.pyright]",
    }


@pytest.mark.tools
def test_pyright_errors_are_findings_in_its_strict_scope(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """pyright's own errors are judged as mypy's are: in the strict scope (here its
    `strict` paths) they fail the gate; elsewhere they are legacy."""
    root = make_repo(
        {
            "pyproject.toml": PROJECT + "[tool.pyright]\nstrict = ['app/core.py']\n",
            "app/__init__.py": "",
            "app/core.py": "x: int = 'a'\n",
            "app/legacy.py": "y: str = 1\n",
        }
    )
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.location, f.severity.value) for f in result.findings] == [
        ("reportAssignmentType", "app/core.py:1", "medium"),
        ("reportAssignmentType", "app/legacy.py:1", "low"),
    ]
    assert result.metrics["strict_scope"] == (
        "the strict paths of pyproject.toml [tool.pyright]"
    )


@pytest.mark.tools
def test_mypy_still_runs_on_a_pyright_project_that_asks_for_it(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """The same code under `checker = "mypy"`: mypy's dialect, its own findings.

    requests compat.py:100/105: mypy reports a multi-line import at its first
    line and honours a `# type: ignore` there only (mypy 2.4.1 checked here), so
    the ignore on the name's own line does not silence it. In a mypy project the
    project's own mypy run reports it too: a true mypy error, kept."""
    root = make_repo(
        {
            "pyproject.toml": PROJECT
            + "[tool.pyright]\n[tool.readiness.typing]\nchecker = 'mypy'\n",
            **REQUESTS_LIKE,
        }
    )
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason  # legacy, no baseline
    assert result.tools == {"mypy": MYPY_VERSION}
    assert findings(result) == [
        (
            "attr-defined",
            "app/__init__.py:4",
            'Module "urllib.request" has no attribute "proxy_bypass_environment"',
        ),
        (
            "assignment",
            "app/__init__.py:12",
            (
                'Incompatible types in assignment (expression has type "None",'
                ' variable has type "str")'
            ),
        ),
        (
            "arg-type",
            "app/__init__.py:20",
            (
                'Argument 2 to "isinstance" has incompatible type "<typing special'
                ' form>"; expected "_ClassInfo"'
            ),
        ),
        (
            "list-item",
            "app/__init__.py:21",
            (
                'List item 0 has incompatible type "Callable[[int], None] |'
                ' list[Callable[[int], None]]"; expected "Callable[[int], None]"'
            ),
        ),
        (
            "union-attr",
            "app/__init__.py:22",
            (
                'Item "function" of "Callable[[int], None] | list[Callable[[int],'
                ' None]]" has no attribute "__iter__" (not iterable)'
            ),
        ),
    ]


# --- classes 2, 3, 4: missing modules ---------------------------------------------

MISSING = {
    "pyproject.toml": PROJECT + "[tool.mypy]\nfiles = ['app']\n",
    "app/__init__.py": """
    try:
        import simplejson as json
    except ImportError:
        import json

    import keyring
    import nothere.bar, nothere.baz

    __all__ = ["json", "keyring", "nothere"]
    """,
}


@pytest.mark.tools
def test_each_missing_module_once_and_optional_fallbacks_left_out(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """requests compat.py:67: `simplejson` under `except ImportError`, declared
    nowhere, got a TY001 advising types-simplejson; unearth auth.py:64: `keyring`
    reported twice (mypy's import-not-found and its TY001); a legacy codebase's
    TY001 said "2 errors: ctx.py:82, ctx.py:82"."""
    root = make_repo(MISSING)
    result = run_typing(root, tmp_path / "scratch")
    assert result.status is Status.PASS, result.reason
    assert findings(result) == [
        (
            "TY001",
            "app/__init__.py:6",
            (
                'no type information for an imported package: "keyring" (1 error:'
                " app/__init__.py:6); not installed in the typing environment: declare"
                " the distribution that provides it (dev extra or"
                " [tool.readiness.typing] packages), or keep ignore_missing_imports"
                ' for module = ["keyring",'
                ' "keyring.*"] only'
            ),
        ),
        (
            "TY001",
            "app/__init__.py:7",
            (
                'no type information for an imported package: "nothere" (3 errors:'
                " app/__init__.py:7); not installed in the typing environment: declare"
                " the distribution that provides it (dev extra or"
                " [tool.readiness.typing] packages), or keep ignore_missing_imports"
                ' for module = ["nothere",'
                ' "nothere.*"] only'
            ),
        ),
    ]
    assert [(c.text, c.met) for c in result.criteria][-1] == (
        (
            "1 optional import of a package the project does not declare left out of"
            " the missing-stub findings (try/except ImportError fallbacks): simplejson"
            " (app/__init__.py:2)"
        ),
        True,
    )
    assert (result.metrics["total"], result.metrics["optional_imports"]) == (
        5,
        "simplejson",
    )


@pytest.mark.tools
def test_a_declared_optional_package_keeps_its_finding(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """The rule's other side: a guarded import of a package the project declares
    (an extra) is a dependency, and its missing types are a finding."""
    root = make_repo(
        {
            **MISSING,
            "pyproject.toml": MISSING["pyproject.toml"]
            + "[project.optional-dependencies]\nspeed = ['simplejson']\n",
        }
    )
    result = run_typing(root, tmp_path / "scratch")
    assert [f.location for f in result.findings if "simplejson" in f.message] == [
        "app/__init__.py:2"
    ]
    assert "optional_imports" not in result.metrics


def error(path: str, line: int, code: str, module: str, name: str) -> MypyError:
    return MypyError(
        path=path,
        line=line,
        column=1,
        code=code,
        message=f'Cannot find implementation or library stub for module named "{name}"',
        hint="",
        module=module,
    )


def test_a_strict_scoped_missing_module_is_medium_and_never_left_out() -> None:
    """In the strict scope an optional import's error fails mypy's own run: it
    stays, and its TY001 carries the strict error's weight."""
    errors = [error("app/core.py", 3, "import-not-found", "app.core", "nothere")]
    assert not optional_packages(
        errors,
        optional={("app/core.py", 3)},
        declared=frozenset(),
        strict={"app.core"},
    )
    (found,) = stub_findings(errors, strict=("app.core",))
    assert (found.rule, found.severity.value, found.location) == (
        "TY001",
        "medium",
        "app/core.py:3",
    )


#: Unannotated code mypy's inference rejects (httpie cli/options.py:139).
UNCHECKED = {
    "src/app/__init__.py": (
        "def options() -> object:\n"
        "    result = {}\n"
        "    result['options'] = ['-v']\n"
        "    result.update({'is_optional': True})\n"
        "    return result\n"
        "x: int = 'a'\n"
    ),
}


@pytest.mark.tools
def test_a_project_that_checks_no_types_gets_one_finding(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """httpie configures and installs no type checker: mypy's defaults gave 286
    Low findings, such as an inferred `dict[str, list[str]]` meeting an
    unannotated update, judged mypy's inference imposed on unchecked code. One
    TY003 for the choice instead."""
    root = make_repo({"pyproject.toml": "[project]\nname = 'app'\n", **UNCHECKED})
    result = run_typing(root, tmp_path / "scratch")
    assert findings(result) == [
        (
            "TY003",
            "",
            (
                "no type checking adopted; mypy with its defaults (readiness's"
                " choice) reports 2 errors in 1 module, most: assignment=1,"
                " dict-item=1"
            ),
        )
    ]
    assert result.findings[0].details == {"errors": 2, "modules": 1}


@pytest.mark.tools
def test_a_project_that_adopts_mypy_gets_each_error(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    root = make_repo(
        {"pyproject.toml": "[project]\nname = 'app'\n[tool.mypy]\n", **UNCHECKED}
    )
    result = run_typing(root, tmp_path / "scratch")
    assert [rule for rule, _, _ in findings(result)] == ["dict-item", "assignment"]


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        ({"src/app/py.typed": ""}, "src/app/py.typed (the package ships its types)"),
        (
            {"src/app/core.py": "x = f()  # type: ignore[name-defined]\n"},
            "`# type: ignore` comments (src/app/core.py)",
        ),
        ({"src/app/core.py": "x = 1\n"}, "the default (no type checker configured)"),
    ],
)
def test_signs_of_a_checker_the_repository_does_not_name(
    make_repo: MakeRepo, files: dict[str, str], evidence: str
) -> None:
    """unearth 0.19.0 ships py.typed and `# type: ignore` comments; its mypy runs
    from a pre-commit config the sdist leaves out. Its errors are findings each,
    not one TY003."""
    root = make_repo(
        {
            "pyproject.toml": "[project]\nname = 'app'\n",
            "src/app/__init__.py": "",
            **files,
        }
    )
    checker = choose(discover(root), None)
    assert (checker.name, checker.evidence) == ("mypy", evidence)
    assert checker.adopted is (evidence != "the default (no type checker configured)")
