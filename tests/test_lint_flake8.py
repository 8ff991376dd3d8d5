"""The lint gate runs flake8 for a project that lints with flake8 and
configures no ruff: the real flake8 on small fixture repositories."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from readiness import command, flake8_config, precommit
from readiness.findings import Finding, GateResult, Priority, Severity, Status
from readiness.gates.lint import LintGate

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

pytestmark = pytest.mark.tools

BLACK_FLAKE8 = """
    [flake8]
    ignore = E203, E266, E501, E701, E704, W503, B907
    max-line-length = 80
    max-complexity = 18
    select = B,E,F,W,T4,B9
"""
#: black's ``src/black/brackets.py``: ``l`` as the second loop target.
BRACKETS = """
    import os


    def last_two(leaves):
        for i, l in enumerate(leaves):
            print(i, l)


    def one():
        l = 1
        return l
"""
PYCODESTYLE_DOCS = "https://pycodestyle.pycqa.org/en/latest/intro.html#error-codes"
PYFLAKES_DOCS = "https://flake8.pycqa.org/en/latest/user/error-codes.html"


def lint(run_gate: RunGate, root: Path) -> GateResult:
    return run_gate(LintGate(), root)


def sites(result: GateResult) -> list[str]:
    return [f"{f.location} {f.rule}" for f in result.findings]


def test_flake8_never_reads_a_file_link_leaving_the_target(
    make_repo: MakeRepo, run_gate: RunGate, tmp_path: Path
) -> None:
    """flake8 walked into ``app/link.py -> ../outside/secret.py`` and reported
    that outside file's unused import (ruff, black and bandit exclude such
    links). Found by reading the gate, not on a field project.

    Plants: a ``.flake8`` whose ``extend-exclude`` names ``vendored`` (which a
    command-line value would replace: its F401 must stay excluded), a link to a
    file outside the tree with F401, and ``app/ok.py`` with F401 (reported)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("import os\n", encoding="utf-8")
    root = make_repo(
        {
            ".flake8": "[flake8]\nextend-exclude = vendored\n",
            "app/ok.py": "import sys\n",
            "vendored/lib.py": "import json\n",
        }
    )
    (root / "app" / "link.py").symlink_to(outside / "secret.py")

    result = lint(run_gate, root)

    assert sites(result) == ["app/ok.py:1 F401"]
    assert result.commands[0] == (
        "flake8",
        "--config",
        ".flake8",
        "--extend-exclude=vendored,./app/link.py",
        "--exit-zero",
        "--count",
        f"--format={flake8_config.FORMAT}",
        ".",
    )


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        pytest.param(
            {}, ("--isolated",), ("--extend-exclude=./a?b?[[]c].py",), id="odd-name"
        ),
        pytest.param(
            {"setup.cfg": "[flake8]\nextend_exclude = ./docs/conf.py,\n  build\n"},
            ("--config", "setup.cfg"),
            ("--extend-exclude=./docs/conf.py,build,./a?b?[[]c].py",),
            id="config",
        ),
        pytest.param(
            {"ci/flake8.cfg": "[flake8]\nextend-exclude = ./gen\n"},
            ("--config=ci/flake8.cfg", "--extend-exclude", "x,y"),
            ("--extend-exclude=x,y,./a?b?[[]c].py",),
            id="command-line-wins",
        ),
        pytest.param(
            {"ci/flake8.cfg": "[flake8]\nextend-exclude = ./gen\n"},
            ("--append-config", "ci/flake8.cfg"),
            ("--extend-exclude=ci/gen,./a?b?[[]c].py",),
            id="appended-config-folder",
        ),
    ],
)
def test_link_exclusion_keeps_the_projects_extend_exclude(
    make_repo: MakeRepo,
    files: dict[str, str],
    args: tuple[str, ...],
    expected: tuple[str, ...],
) -> None:
    """flake8 keeps one extend-exclude; its patterns split at commas and
    whitespace and are fnmatch globs (a link named ``a b,[c].py`` is escaped)."""
    root = make_repo(files)
    assert flake8_config.link_exclusion(root, args, ["a b,[c].py"]) == expected
    assert flake8_config.link_exclusion(root, args, []) == ()


def test_a_flake8_project_is_linted_by_flake8_not_by_ruffs_rules(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black lints with flake8 (``.flake8`` selects E) and has no ruff
    configuration; ruff's E741 flagged ``for i, l in enumerate(...)`` in
    ``src/black/brackets.py``, pycodestyle's does not.

    Plants black's ``.flake8`` and a module with that loop (not a finding), a
    local ``l = 1`` (E741 under pycodestyle too) and an unused import."""
    root = make_repo({".flake8": BLACK_FLAKE8, "src/brackets.py": BRACKETS})

    result = lint(run_gate, root)

    assert result.status is Status.FAIL
    assert result.findings == (
        Finding(
            rule="F401",
            severity=Severity.MEDIUM,
            priority=Priority.P1,
            message="'os' imported but unused",
            path="src/brackets.py",
            line=1,
            fix=PYFLAKES_DOCS,
        ),
        Finding(
            rule="E741",
            severity=Severity.LOW,
            priority=Priority.P1,
            message="ambiguous variable name 'l'",
            path="src/brackets.py",
            line=10,
            fix=PYCODESTYLE_DOCS,
        ),
    )
    assert [(c.text, c.met) for c in result.criteria] == [
        ("flake8 passes (2 findings)", False)
    ]
    assert result.title == "flake8 lint"  # was "ruff lint", whatever ran
    assert result.metrics == {
        "total": 2,
        "fixable": 0,
        "by_rule": "E741=1, F401=1",
        "invalid_noqa": 0,
        "blanket_noqa": 0,
        "config": ".flake8",
        "flake8_source": "readiness's own",
        "ruff_source": "readiness's own",
        "linter": "flake8",
        "linter_evidence": "[flake8] in .flake8",
    }
    assert result.commands[0] == (
        "flake8",
        "--config",
        ".flake8",
        "--exit-zero",
        "--count",
        f"--format={flake8_config.FORMAT}",
        ".",
    )
    assert set(result.tools) == {"flake8", "ruff"}


def test_the_flake8_hook_pins_flake8_and_its_plugins_and_decides_the_scope(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """black's pre-commit layout: a flake8 hook at a ``rev`` with plugins in
    ``additional_dependencies``, an ``exclude``, and configuration ``args``.

    Plants: a mutable default argument (B006, from the pinned bugbear), a
    91-character line (E501 over the hook's ``--max-line-length=90``), an
    unused import under ``src/vendored/`` (the hook's exclude), and an
    unpinned plugin (named, not installed)."""
    long_line = "x = '" + "a" * 85 + "'\n"
    root = make_repo(
        {
            ".pre-commit-config.yaml": """
                repos:
                  - repo: https://github.com/pycqa/flake8
                    rev: 7.3.0
                    hooks:
                      - id: flake8
                        args: [--max-line-length=90, --show-source]
                        additional_dependencies:
                          - flake8-bugbear==24.12.12
                          - flake8-simplify
                        exclude: ^src/vendored/
            """,
            "src/app.py": f"def f(items=[]):\n    return items\n\n\n{long_line}",
            "src/vendored/lib.py": "import os\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["src/app.py:1 B006", "src/app.py:5 E501"]
    assert result.tools["flake8"] == "7.3.0"
    assert result.metrics["flake8_source"] == ".pre-commit-config.yaml (hook rev)"
    assert result.metrics["linter_evidence"] == "the flake8 pre-commit hook"
    assert result.metrics["config"] == "none (flake8 defaults, --isolated)"
    assert result.metrics["plugins"] == "flake8-bugbear==24.12.12"
    assert result.metrics["plugins_not_installed"] == (
        "flake8-simplify (no pinned version)"
    )
    assert result.metrics["hook_args"] == "--max-line-length=90"
    assert result.metrics["hook_args_ignored"] == "--show-source"
    assert result.metrics["exclusions"] == ".pre-commit-config.yaml flake8 hook"
    assert result.metrics["excluded_findings"] == 1
    assert result.metrics["excluded_by"] == ("flake8 hook exclude `^src/vendored/`=1")
    assert result.commands[0][:3] == ("flake8", "--isolated", "--max-line-length=90")


def test_flake8_in_the_dev_dependencies_alone_means_flake8_defaults(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants flake8 in a dev extra, no configuration, a blanket ``# noqa``
    (reported by readiness's ruff pass, as for a ruff project) and an E741."""
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "app"
                version = "1"
                [project.optional-dependencies]
                dev = ["flake8"]
            """,
            "app.py": "import os  # noqa\nl = 1\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["app.py:2 E741", "app.py:1 PGH004"]
    assert result.metrics["linter_evidence"] == "flake8 in the dev/test dependencies"
    assert result.metrics["blanket_noqa"] == 1


def test_a_ruff_configuration_keeps_ruff_whatever_flake8_says(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    root = make_repo(
        {
            ".flake8": "[flake8]\nselect = E\n",
            "ruff.toml": '[lint]\nselect = ["F"]\n',
            "app.py": "import os\n",
        }
    )

    result = lint(run_gate, root)

    assert sites(result) == ["app.py:1 F401"]
    assert result.metrics["linter"] == "ruff"
    assert result.metrics["linter_evidence"] == "ruff configuration in ruff.toml"


def fake_flake8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stdout: str, code: int
) -> None:
    script = tmp_path / "fake-flake8"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "if '--version' in sys.argv:\n"
        "    print('7.9.9 (pyflakes: 3.0.0) CPython 3.11')\n"
        "    sys.exit(0)\n"
        f"sys.stdout.write({stdout!r})\n"
        "sys.stderr.write('Traceback: boom\\n')\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    real = command.which
    monkeypatch.setattr(
        command, "which", lambda tool: str(script) if tool == "flake8" else real(tool)
    )


@pytest.mark.parametrize(
    ("stdout", "code", "reason"),
    [
        (
            "./app.py:1:1: F401 'os' imported but unused\n1\n",
            0,
            (
                "flake8's output cannot be read: not a flake8 diagnostic:"
                " \"./app.py:1:1: F401 'os' imported but unused\""
            ),
        ),
        ("", 1, "flake8 exited with code 1"),
        # a flake8 that prints nothing is not a clean one: --count proves it ran
        (
            "",
            0,
            (
                "flake8's output cannot be read: no error count at its end"
                " (--count), so its output is incomplete: '(no output)'"
            ),
        ),
    ],
)
def test_unreadable_output_or_a_crash_is_a_gate_error(
    *,
    make_repo: MakeRepo,
    run_gate: RunGate,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stdout: str,
    code: int,
    reason: str,
) -> None:
    fake_flake8(tmp_path, monkeypatch, stdout, code)

    result = lint(run_gate, make_repo({".flake8": "[flake8]\n", "app.py": "x = 1\n"}))

    assert result.status is Status.ERROR
    assert result.reason is not None
    assert result.reason.startswith(reason)


def test_format_lines_are_read_exactly() -> None:
    sep = flake8_config.SEPARATOR
    text = f"./a b.py{sep}3{sep}1{sep}E741{sep}ambiguous: 'l'{sep}odd\n\n"
    assert flake8_config.parse(text) == [
        flake8_config.Diagnostic(
            path="./a b.py", row=3, col=1, code="E741", text=f"ambiguous: 'l'{sep}odd"
        )
    ]
    with pytest.raises(ValueError, match="not a flake8 diagnostic"):
        flake8_config.parse(f"a.py{sep}x{sep}1{sep}E1{sep}t\n")


def hook(*args: str) -> precommit.Hook:
    return precommit.Hook(id="flake8", args=args)


@pytest.mark.parametrize(
    ("args", "kept", "dropped"),
    [
        (
            ("--max-line-length", "100", "--count"),
            ("--max-line-length", "100"),
            ("--count",),
        ),
        (("--extend-ignore=E203,W503",), ("--extend-ignore=E203,W503",), ()),
        (("--doctests", "src"), ("--doctests",), ("src",)),
        (("--format=pylint", "-v"), (), ("--format=pylint", "-v")),
    ],
)
def test_hook_args_keep_only_configuration_options(
    args: tuple[str, ...], kept: tuple[str, ...], dropped: tuple[str, ...]
) -> None:
    assert flake8_config.hook_args([hook(*args)]) == (kept, dropped)


def test_plugins_are_pinned_by_the_requirement_or_the_lock(
    make_repo: MakeRepo,
) -> None:
    """Plants a requirements lock pinning flake8-comprehensions."""
    root = make_repo({"requirements-dev.txt": "flake8-comprehensions==3.16.0\n"})
    hooks = [
        precommit.Hook(
            id="flake8", additional_dependencies=("flake8-bugbear==24.12.12",)
        )
    ]
    dev = ["flake8-comprehensions", "flake8-tuple>=0.4", "pytest==8.0", "flake8"]

    assert flake8_config.plugins(root, hooks, dev) == flake8_config.Plugins(
        pinned=("flake8-bugbear==24.12.12", "flake8-comprehensions==3.16.0"),
        unpinned=("flake8-tuple",),
    )


def test_flake8_excludes_become_ruff_globs(make_repo: MakeRepo) -> None:
    root = make_repo({"setup.cfg": "[flake8]\nexclude = .git,build/,./docs/conf.py\n"})
    assert flake8_config.excludes(root, "setup.cfg") == (
        ".git",
        "build",
        "./docs/conf.py",
    )
    assert flake8_config.excludes(root, None)[:2] == (".svn", "CVS")


def test_flake8s_own_order_of_configuration_files(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"tox.ini": "[flake8]\n", ".flake8": "[flake8]\n", "setup.cfg": "[metadata]\n"}
    )
    assert flake8_config.config_file(root) == "tox.ini"
    (root / "tox.ini").write_text("[tox]\n", encoding="utf-8")
    assert flake8_config.config_file(root) == ".flake8"


def test_only_files_names_each_file_as_flake8s_walk_spells_it() -> None:
    assert flake8_config.only_files(["app/a.py", "app/[x]*?.py"]) == (
        "--filename=./app/a.py,./app/[[]x][*][?].py"
    )
    assert flake8_config.only_files(["app/a b.py"]) is None  # flake8 would split
    assert flake8_config.only_files(["app/a,b.py"]) is None
    many = [f"pkg/module_{n:06}.py" for n in range(10_000)]
    assert flake8_config.only_files(many) is None  # over 100,000 characters


def test_a_project_choosing_flake8s_file_names_is_checked_whole(
    make_repo: MakeRepo,
) -> None:
    """``--filename`` would replace the project's ``filename``: no memo then."""
    root = make_repo({"tox.ini": "[flake8]\nfilename = *.py,*.pyx\n"})
    assert flake8_config.chooses_files(root, "tox.ini", ())
    assert flake8_config.chooses_files(root, None, ("--filename=*.py",))
    assert not flake8_config.chooses_files(root, None, ("--max-line-length=99",))
    (root / "tox.ini").write_text("[flake8]\nmax-line-length = 99\n", "utf-8")
    assert not flake8_config.chooses_files(root, "tox.ini", ())
