"""How the target configures bandit, and readiness's default skips where it does not.

bandit reads its test selection from a config file given with ``-c`` (YAML, or
``[tool.bandit]`` of a TOML file) and from the ``[bandit]`` section of an INI
file given with ``--ini``: ``tests`` (run only these) and ``skips`` (run all
but these). It runs the union of both sources' ``tests`` (every test when there
are none) minus the union of their ``skips`` (``bandit/cli/main.py``
``_get_profile``, ``bandit/core/test_set.py``). readiness passes what the
project's own runs would:

- ``-c pyproject.toml`` when it has ``[tool.bandit]``, else ``-c`` a root
  ``bandit.yaml``, ``bandit.yml``, ``.bandit.yaml`` or ``.bandit.yml``;
- ``--ini .bandit`` when there is one, else ``--ini setup.cfg`` (or
  ``tox.ini``) when it has a ``[bandit]`` section.

The target's configuration decides. Only where none of these sets ``tests`` or
``skips`` (an empty list is a choice, and counts as set) does readiness apply
:data:`DEFAULT_SKIPS`: bandit's import notes whose risky calls bandit reports
by themselves, and B603 (a process started without a shell, where no shell
injection can happen; B602, B605 and B607 stay). The import notes of telnetlib,
ftplib and B411-B415 stay: there the import itself is the risk. The defaults
are applied to bandit's results, not passed to bandit, so the gate can say how
many results each default left out.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: readiness's default skips, and why each has nothing to act on.
DEFAULT_SKIPS: Mapping[str, str] = {
    "B403": "import of pickle (its loads are B301)",
    "B404": "import of subprocess (its calls are B602-B607)",
    "B405": "import of xml.etree (its parsers are B313, B314)",
    "B406": "import of xml.sax (its parsers are B315, B317)",
    "B407": "import of xml.dom.expatbuilder (its parsers are B316)",
    "B408": "import of xml.dom.minidom (its parsers are B318)",
    "B409": "import of xml.dom.pulldom (its parsers are B319)",
    "B410": "import of lxml (its parsers are B320)",
    "B603": "subprocess without a shell (no shell injection; B602/B605/B607 stay)",
}
YAML_FILES = ("bandit.yaml", "bandit.yml", ".bandit.yaml", ".bandit.yml")
INI_FILES = (".bandit", "setup.cfg", "tox.ini")
SELECTION_KEYS = ("tests", "skips")


@dataclass(frozen=True, kw_only=True)
class BanditSetup:
    """The target's bandit configuration as readiness passes it to bandit."""

    #: ``-c FILE`` and ``--ini FILE``, as bandit's arguments.
    args: tuple[str, ...] = ()
    #: Where each part came from, e.g. ``pyproject.toml [tool.bandit]``.
    sources: tuple[str, ...] = ()
    tests: frozenset[str] = frozenset()
    skips: frozenset[str] = frozenset()
    #: The target sets ``tests`` or ``skips`` somewhere: its choice decides.
    selects: bool = False
    #: The configuration files' text, for keys of remembered results.
    texts: tuple[str, ...] = ()

    @property
    def default_skips(self) -> Mapping[str, str]:
        """readiness's defaults, or nothing when the target chose its own."""
        return {} if self.selects else DEFAULT_SKIPS

    def scope(self, left_out: Mapping[str, int]) -> str:
        """The scope note: whose selection applies, and what defaults left out."""
        if not self.selects:
            ids = ", ".join(DEFAULT_SKIPS)
            counts = ", ".join(
                f"{test} {count}" for test, count in sorted(left_out.items()) if count
            )
            return (
                f"readiness's default skips: {ids} (the target's bandit configuration"
                f" sets none); left out: {counts or 'none'}"
            )
        chosen = [f"tests {', '.join(sorted(self.tests))}"] if self.tests else []
        chosen.append(f"skips {', '.join(sorted(self.skips)) or 'none'}")
        return (
            "bandit's tests as the target's configuration selects them"
            f" ({'; '.join(self.sources)}): {'; '.join(chosen)}"
        )


def read(root: Path, tool: Mapping[str, Any]) -> BanditSetup:
    """The target's bandit configuration: files to pass, and its selection."""
    args: list[str] = []
    sources: list[str] = []
    texts: list[str] = []
    tables: list[Mapping[str, Any]] = []
    pyproject = tool.get("bandit")
    if isinstance(pyproject, Mapping):
        args += ["-c", "pyproject.toml"]
        sources.append("pyproject.toml [tool.bandit]")
        tables.append(pyproject)
        texts.append(repr(sorted(pyproject.items())))
    else:
        for name in YAML_FILES:
            if (root / name).is_file():
                text, table = _yaml(root / name)
                args += ["-c", name]
                sources.append(name)
                tables.append(table)
                texts.append(text)
                break
    for name in INI_FILES:
        path = root / name
        if not path.is_file():
            continue
        text, section = _ini(path)
        if section is None and name != ".bandit":
            continue
        args += ["--ini", name]
        sources.append(f"{name} [bandit]")
        tables.append(section or {})
        texts.append(text)
        break
    tests = _ids(tables, "tests")
    skips = _ids(tables, "skips")
    return BanditSetup(
        args=tuple(args),
        sources=tuple(sources),
        tests=tests,
        skips=skips,
        selects=any(key in table for table in tables for key in SELECTION_KEYS),
        texts=tuple(texts),
    )


def _yaml(path: Path) -> tuple[str, Mapping[str, Any]]:
    """The file's text and its mapping; ``{}`` when bandit would reject it
    (bandit then ends with its own error, which the gate reports)."""
    # Imported here: PyYAML loads when a YAML file is read, not for every audit.
    import yaml  # noqa: PLC0415

    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return "", {}
    return text, data if isinstance(data, Mapping) else {}


def _ini(path: Path) -> tuple[str, Mapping[str, Any] | None]:
    """The file's text and its ``[bandit]`` section (``None`` when it has none)."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text, source=str(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return "", None
    if not parser.has_section("bandit"):
        return text, None
    return text, dict(parser.items("bandit"))


def _ids(tables: Iterable[Mapping[str, Any]], key: str) -> frozenset[str]:
    """The test IDs ``key`` names across the sources (lists or comma strings)."""
    found: set[str] = set()
    for table in tables:
        value = table.get(key)
        items = value.split(",") if isinstance(value, str) else value
        if isinstance(items, list | tuple):
            found.update(str(item).strip() for item in items if str(item).strip())
    return frozenset(found)
