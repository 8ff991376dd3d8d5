"""The shared requirement helpers: parsing, names, and the declared set."""

from __future__ import annotations

from readiness import requirements, wording
from readiness.target import discover
from tests.conftest import MakeRepo

#: ``app[all]`` pulls in both extras, ``app[dev]`` (in dev) refers back to dev
#: once, and ``not a requirement!`` is not PEP 508.
PYPROJECT = """
[project]
name = "App"
version = "1"
dependencies = ["requests>=2", "not a requirement!"]
[project.optional-dependencies]
test = ["pytest", "app[all]"]
all = ["app[dev,docs]"]
dev = ["ruff", "App[dev]"]
docs = ["sphinx"]
[dependency-groups]
lint = ["black"]
"""


def test_parse_and_name_of_leave_invalid_strings_out() -> None:
    parsed = requirements.parse("Pytest_Cov[toml]>=5; python_version >= '3.11'")
    assert parsed is not None
    assert (parsed.name, parsed.extras) == ("Pytest_Cov", {"toml"})
    assert requirements.parse("not a requirement!") is None
    assert requirements.name_of("Pytest_Cov>=5") == "pytest-cov"
    assert requirements.name_of("") is None


def test_declared_expands_the_targets_own_extras_once(make_repo: MakeRepo) -> None:
    target = discover(make_repo({"pyproject.toml": PYPROJECT}))
    found = requirements.declared(target, extras=("test",), groups=("lint",))
    assert [str(r) for r in found] == [
        "requests>=2",
        "pytest",
        "black",
        "ruff",
        "sphinx",
    ]
    assert requirements.names(found) == {
        "requests",
        "pytest",
        "black",
        "ruff",
        "sphinx",
    }
    bare = requirements.declared(target)
    assert [str(r) for r in bare] == ["requests>=2"]


def test_plural() -> None:
    assert wording.plural(1, "error") == "1 error"
    assert wording.plural(0, "error") == "0 errors"
    assert wording.plural(8, "error") == "8 errors"
