"""Which type checker the project checks its types with: mypy, pyright or basedpyright.

mypy and pyright speak different dialects of the typing rules: pyright infers a
variable's type from every branch (``x = None`` in an ``except ImportError``),
accepts ``isinstance(f, Callable)``, and honours a ``# type: ignore`` on the
line it reports; mypy does none of these. Judging a pyright project with mypy
turns each difference into a false finding (requests, checked with pyright
strict, got 44 mypy errors). So the gate runs the checker the project runs:

* **mypy** when the project configures it (``mypy.ini``, ``.mypy.ini``,
  ``[tool.mypy]``, ``setup.cfg`` ``[mypy]``) or installs it (a dev/test extra,
  a dependency group, a ``requirements*.txt``, a pre-commit hook): flask
  configures both, and mypy's configuration is the one that says the most.
* **basedpyright** or **pyright** when the project configures one of them
  (``[tool.basedpyright]``, ``basedpyrightconfig.json``, ``[tool.pyright]``,
  ``pyrightconfig.json``) or installs one, and no mypy.
* mypy otherwise. A project whose packages ship ``py.typed`` or carry
  ``# type: ignore`` comments checks its types with a checker its files do not
  name (unearth's sdist leaves the pre-commit config out): it has adopted one.
  A project with none of this evidence is checked with mypy's defaults, and
  :attr:`Checker.adopted` is false (the gate then reports one TY003).

``[tool.readiness.typing] checker = "mypy"`` (or ``"pyright"``,
``"basedpyright"``) decides instead of the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from readiness import pins
from readiness.mypy_config import read_config
from readiness.target import Target

from .options import requirement

#: Configuration files of the pyright family, by checker (pyproject tables apart).
CONFIG_FILES = {
    "basedpyright": "basedpyrightconfig.json",
    "pyright": "pyrightconfig.json",
}
DEFAULT_EVIDENCE = "the default (no type checker configured)"
_IGNORE_COMMENT = re.compile(r"#\s*type:\s*ignore\b")
_REQUIREMENT_FILES = ("requirements*.txt", "requirements/*.txt")


@dataclass(frozen=True, kw_only=True)
class Checker:
    """The type checker to run and the evidence that chose it."""

    name: str
    evidence: str

    @property
    def adopted(self) -> bool:
        """Whether the project chose it (False: readiness's default)."""
        return self.evidence != DEFAULT_EVIDENCE

    @property
    def pyright(self) -> bool:
        """Whether it is one of the pyright family (same CLI and JSON output)."""
        return self.name != "mypy"


def installed(target: Target, tool: str) -> str | None:
    """Where the project installs ``tool``: an extra, a group, a requirements
    file or a pre-commit hook (``None``: nowhere)."""
    name = canonicalize_name(tool)
    for extra, texts in target.extras.items():
        if _names(texts, name):
            return f"the {extra!r} extra"
    for group, texts in target.dependency_groups.items():
        if _names(texts, name):
            return f"the {group!r} dependency group"
    for pattern in _REQUIREMENT_FILES:
        for path in sorted(target.root.glob(pattern)):
            if _names(_lines(path), name):
                return target.rel(path)
    for _, _, hooks in pins.precommit_hooks(target.root):
        if tool in hooks:
            return f"the {tool} pre-commit hook"
    return None


def _names(texts: tuple[str, ...] | list[str], name: str) -> bool:
    return any(
        (parsed := requirement(text)) is not None
        and canonicalize_name(parsed.name) == name
        for text in texts
    )


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.split("#", 1)[0].strip() for line in text.splitlines()]


def configured(target: Target, tool: str) -> str | None:
    """The file (and table) that configures ``tool``, if one does."""
    if tool == "mypy":
        return read_config(target).path
    if tool in target.tool:
        return f"pyproject.toml [tool.{tool}]"
    name = CONFIG_FILES[tool]
    return name if (target.root / name).is_file() else None


def choose(target: Target, option: str | None) -> Checker:
    """The checker the project uses; see the module docstring for the order."""
    if option is not None:
        return Checker(name=option, evidence="[tool.readiness.typing] checker")
    mypy = configured(target, "mypy") or installed(target, "mypy")
    if mypy is not None:
        return Checker(name="mypy", evidence=mypy)
    for tool in ("basedpyright", "pyright"):
        found = configured(target, tool)
        if found is not None:
            return Checker(name=tool, evidence=found)
    for tool in ("basedpyright", "pyright"):
        found = installed(target, tool)
        if found is not None:
            return Checker(name=tool, evidence=found)
    typed = typed_evidence(target)
    if typed is not None:
        return Checker(name="mypy", evidence=typed)
    return Checker(name="mypy", evidence=DEFAULT_EVIDENCE)


def typed_evidence(target: Target) -> str | None:
    """Signs that the project checks its types with a checker its repository
    does not name (an sdist leaves the pre-commit config out, as unearth's):
    a ``py.typed`` marker (it promises its users checked types), or
    ``# type: ignore`` comments in its packages."""
    for package in target.packages:
        folder = target.root / package
        if (folder / "py.typed").is_file():
            return f"{target.rel(folder / 'py.typed')} (the package ships its types)"
    for package in target.packages:
        folder = target.root / package
        sources = sorted(folder.rglob("*.py")) if folder.is_dir() else [folder]
        for source in sources:
            try:
                text = source.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if _IGNORE_COMMENT.search(text):
                return f"`# type: ignore` comments ({target.rel(source)})"
    return None
