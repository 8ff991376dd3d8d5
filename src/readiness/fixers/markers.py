"""``markers``: register the undefined pytest markers where pytest reads them.

The file is the one the markers gate named (the first pytest configuration in
pytest's own order), so the registration lands where it takes effect:

* TOML (``pyproject.toml`` with ``[tool.pytest.ini_options]`` or pytest 9's
  native ``[tool.pytest]``, ``pytest.toml``): edited with tomlkit, which keeps
  comments and layout; a missing table or ``markers`` array is created;
* INI (``pytest.ini``, ``tox.ini``, ``setup.cfg``): edited line by line, the
  way pytest's iniconfig reads them (indented lines continue a value, blank and
  comment lines are skipped), never through configparser, which would rewrite
  the whole file. New lines take the indentation of the existing ones.

Each marker gets a description: the one it has in a configuration file pytest
does not read, if any, else where it is used, so that ``pytest --markers``
says something true. Either way the edit only adds text; that is checked.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, Table

from readiness.findings import Finding, Priority
from readiness.fixers.interface import (
    FileEdit,
    FixContext,
    Fixer,
    FixError,
    Left,
    Outcome,
    outcome,
    require_insertion,
)
from readiness.gates.markers import UNDEFINED
from readiness.pytest_survey.marks import marker_name
from readiness.target import PytestConfig

#: How many files a generated description names before "and N more".
MAX_FILES = 3
#: The table of each configuration file when the gate names no section.
DEFAULT_SECTIONS = {
    "pyproject.toml": "tool.pytest.ini_options",
    "pytest.toml": "pytest",
    ".pytest.toml": "pytest",
    "pytest.ini": "pytest",
    ".pytest.ini": "pytest",
    "tox.ini": "pytest",
    "setup.cfg": "tool:pytest",
}
_KEY = re.compile(r"^(?P<key>[^=:\s][^=:]*?)\s*[=:]")


class MarkersFixer(Fixer):
    """Registers undefined pytest markers in the configuration file pytest reads."""

    name = "markers"
    title = "register undefined pytest markers"
    priority = Priority.P0
    #: MK001 from the markers gate; TS001 is the tests gate's view of the same
    #: problem (pytest aborted collecting a module over that marker).
    takes: ClassVar[Mapping[str, frozenset[str]]] = {
        "markers": frozenset({UNDEFINED.id}),
        "tests": frozenset({"TS001"}),
    }

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        by_file: dict[str, list[Finding]] = {}
        for finding in findings:
            config = str(finding.details.get("config", "pyproject.toml"))
            by_file.setdefault(config, []).append(finding)
        edits: list[FileEdit] = []
        addressed: list[Finding] = []
        left: list[Left] = []
        for path, group in sorted(by_file.items()):
            lines = marker_lines(ctx, group)
            section = section_of(ctx.target.pytest_configs, path)
            try:
                edits.append(register(ctx, path, section, lines))
            except FixError as error:
                left.extend(Left(finding=f, reason=str(error)) for f in group)
                continue
            addressed.extend(group)
        return outcome(edits, addressed, left)


def section_of(configs: Iterable[PytestConfig], path: str) -> str:
    for config in configs:
        if config.path == path:
            return config.section
    return DEFAULT_SECTIONS.get(path.rsplit("/", 1)[-1], "pytest")


def marker_lines(ctx: FixContext, findings: Sequence[Finding]) -> list[str]:
    """``"name: description"`` for each marker, in name order."""
    uses: dict[str, list[str]] = {}
    elsewhere: dict[str, str] = {}
    for finding in findings:
        name = str(finding.details.get("marker", ""))
        if not name:
            continue
        uses.setdefault(name, [])
        if finding.path and finding.path not in uses[name]:
            uses[name].append(finding.path)
        if "registered_in" in finding.details:
            elsewhere[name] = str(finding.details["registered_in"])
    lines = []
    for name in sorted(uses):
        description = inactive_description(ctx, name, elsewhere.get(name))
        if description is None:
            files = sorted(uses[name])
            listed = ", ".join(files[:MAX_FILES])
            if len(files) > MAX_FILES:
                listed += f" and {len(files) - MAX_FILES} more"
            description = f"registered by readiness fix (used in {listed})"
        lines.append(f"{name}: {description}")
    return lines


def inactive_description(ctx: FixContext, name: str, path: str | None) -> str | None:
    """The description ``name`` has in a config file pytest does not read."""
    for config in ctx.target.pytest_configs:
        if config.path != path:
            continue
        for marker in config.markers:
            if marker.name == name and marker.description:
                return marker.description
    return None


def register(
    ctx: FixContext, path: str, section: str, lines: Sequence[str]
) -> FileEdit:
    exists = ctx.exists(path)
    if not exists and path != "pyproject.toml":
        raise FixError(f"{path} does not exist")
    if not exists:
        raise FixError(
            "no pytest configuration file: create one (pyproject.toml"
            " [tool.pytest.ini_options] markers) by hand"
        )
    before = ctx.read(path)
    if path.endswith(".toml"):
        after = register_toml(path, before, section.split("."), lines)
    else:
        after = register_ini(path, before, section, lines)
    require_insertion(path, before, after)
    return FileEdit(path=path, before=before, after=after)


# --- TOML ----------------------------------------------------------------------


def register_toml(
    path: str, text: str, keys: Sequence[str], lines: Sequence[str]
) -> str:
    """Append ``lines`` to the ``markers`` array of table ``keys``."""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise FixError(f"{path} is not valid TOML ({first}); not edited") from None
    table: Container | Table = document
    for key in keys:
        if key not in table:
            table.add(key, tomlkit.table(is_super_table=key != keys[-1]))
        child = table[key]
        if not isinstance(child, Table | Container):
            raise FixError(f"{path}: [{'.'.join(keys)}] is not a table; not edited")
        table = child
    existing = table.get("markers")
    if existing is None:
        array = tomlkit.array()
        array.multiline(multiline=True)
        table.add("markers", array)
        existing = table["markers"]
    if not isinstance(existing, Array):
        raise FixError(
            f"{path}: [{'.'.join(keys)}] markers is not a list; register"
            f" {', '.join(marker_name(line) for line in lines)} by hand"
        )
    known = {marker_name(str(item)) for item in existing}
    for line in lines:
        if marker_name(line) not in known:
            existing.append(line)
    after = tomlkit.dumps(document)
    check_toml(path, after, keys, known, lines)
    return after


def check_toml(
    path: str,
    text: str,
    keys: Sequence[str],
    known: set[str],
    lines: Sequence[str],
) -> None:
    """The edited file parses and its markers are the old ones plus ``lines``."""
    try:
        data: Mapping[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FixError(f"{path}: the edit would not parse ({error})") from None
    for key in keys:
        value = data.get(key, {})
        data = value if isinstance(value, Mapping) else {}
    markers = data.get("markers", [])
    names = (
        {marker_name(str(item)) for item in markers}
        if isinstance(markers, list)
        else set()
    )
    if names != known | {marker_name(line) for line in lines}:
        raise FixError(f"{path}: the edited markers list is not what was meant")


# --- INI -----------------------------------------------------------------------


def register_ini(path: str, text: str, section: str, lines: Sequence[str]) -> str:
    """Add ``lines`` to ``markers`` in ``[section]``, touching no other line."""
    rows = text.splitlines(keepends=True)
    newline = "\r\n" if rows and rows[0].endswith("\r\n") else "\n"
    header = next(
        (index for index, row in enumerate(rows) if row.rstrip() == f"[{section}]"),
        None,
    )
    if header is None:
        header = next(
            (
                index
                for index, row in enumerate(rows)
                if row.startswith("[") and row.split("]")[0][1:] == section
            ),
            None,
        )
    if header is None:
        raise FixError(f"{path} has no [{section}] section; not edited")
    end = next(
        (i for i in range(header + 1, len(rows)) if rows[i].startswith("[")),
        len(rows),
    )
    key = None
    for index in range(header + 1, end):
        match = _KEY.match(rows[index])
        if match and match["key"].strip() == "markers" and not is_comment(rows[index]):
            key = index
            break
    if key is None:
        last = last_content_line(rows, header, end)
        indent = "    "
        block = [f"markers ={newline}"]
        insert_at = last + 1
    else:
        value = [
            i
            for i in range(key + 1, end)
            if rows[i].strip() and not is_comment(rows[i]) and rows[i][0] in " \t"
        ]
        # the value ends at the next line that is not a continuation
        stop = next(
            (
                i
                for i in range(key + 1, end)
                if rows[i].strip()
                and not is_comment(rows[i])
                and rows[i][0] not in " \t"
            ),
            end,
        )
        value = [i for i in value if i < stop]
        last = value[-1] if value else key
        indent = leading(rows[value[-1]]) if value else "    "
        block = []
        insert_at = last + 1
        known = {marker_name(rows[i]) for i in value}
        head_value = rows[key].split("=", 1)[-1] if "=" in rows[key] else ""
        if head_value.strip():
            known.add(marker_name(head_value))
        lines = [line for line in lines if marker_name(line) not in known]
    block.extend(f"{indent}{line}{newline}" for line in lines)
    if not block:
        return text
    before = rows[:insert_at]
    if before and not before[-1].endswith(("\n", "\r")):
        block[0] = newline + block[0]
    return "".join([*before, *block, *rows[insert_at:]])


def is_comment(row: str) -> bool:
    return row.lstrip()[:1] in ("#", ";")


def leading(row: str) -> str:
    return row[: len(row) - len(row.lstrip(" \t"))]


def last_content_line(rows: Sequence[str], header: int, end: int) -> int:
    """The last line of the section that is not blank (the header if none)."""
    for index in range(end - 1, header, -1):
        if rows[index].strip():
            return index
    return header
