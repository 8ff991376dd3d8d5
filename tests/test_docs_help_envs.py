"""Where the docs gate walks ``--help``: with an extra, or not at all.

nox 2026.10.20: ``tox-to-nox`` imports jinja2, which only its ``tox-to-nox``
extra declares, and its source shows no command line the static model can
follow, so its 18 documented invocations went unchecked. A script whose help
fails for want of an extra is now walked in the prod environment plus that
extra. And a target that does not build still has its statically known
scripts checked; only when nothing can be checked is the gate ``error``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from readiness.findings import Status
from readiness.gates.docs import UNKNOWN_OPTION, DocsGate

if TYPE_CHECKING:  # tests/ is not a package; the fixtures' types are for mypy
    from tests.conftest import MakeRepo, RunGate

PYPROJECT = """
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "conv"
version = "1"

[project.optional-dependencies]
render = ["Jinja2"]

[project.scripts]
conv = "conv.__main__:main"
"""
#: Plants a parser the source hides (built in a module imported at call time)
#: in a module that imports jinja2, only the [render] extra's package.
FILES = {
    "conv/__init__.py": "",
    "conv/__main__.py": """
        def main():
            from conv.core import run

            run()
    """,
    "conv/core.py": """
        from conv.cli import parser


        def run():
            parser.parse_args()
    """,
    "conv/cli.py": """
        import argparse

        import jinja2

        SPEC = {"Rendering": ["--template"]}


        def to_argparse(spec):
            built = argparse.ArgumentParser(prog="conv")
            for title, names in spec.items():
                group = built.add_argument_group(title)
                for name in names:
                    group.add_argument(name)
            return built


        parser = to_argparse(SPEC)
    """,
    "README.md": "`conv --template x.j2` or `conv --templat x.j2`\n",
}


@pytest.mark.tools
def test_a_script_needing_an_extra_is_walked_with_it(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    result = run_gate(DocsGate(), make_repo({"pyproject.toml": PYPROJECT, **FILES}))
    assert result.status is Status.FAIL, result.reason
    assert [(f.rule, f.location, f.message) for f in result.findings] == [
        (
            UNKNOWN_OPTION.id,
            "README.md:1",
            (
                "`conv --templat`: conv does not accept --templat (did you mean"
                " --template?); its options: --help, --template"
            ),
        )
    ]
    assert result.metrics["unchecked"] == 0


@pytest.mark.tools
def test_no_prod_environment_is_an_error_when_nothing_can_be_checked(
    make_repo: MakeRepo, run_gate: RunGate
) -> None:
    """Plants the same project with a setup.py that stops the build."""
    setup = 'open("conv/_data/version.txt")\n'
    root = make_repo({"pyproject.toml": PYPROJECT, "setup.py": setup, **FILES})
    result = run_gate(DocsGate(), root)
    assert result.status is Status.ERROR
    assert result.reason == (
        "no invocation could be checked: 2 invocations of conv not checked (help"
        " walk not run, no prod environment: blocked: the package does not build"
        " (FileNotFoundError: [Errno 2] No such file or directory:"
        " 'conv/_data/version.txt'))"
    )
