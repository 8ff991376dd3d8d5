"""``tar-extract``: make bandit's B202 tar extractions safe.

Which fix depends on the Pythons the target supports, read from its
``requires-python``: tarfile's extraction filters (PEP 706) exist in 3.12 and
were backported to 3.11.4, 3.10.12, 3.9.17 and 3.8.17.

* every Python the specifier allows has them: ``extractall(...)`` and
  ``extract(...)`` gain ``filter="data"``, which refuses absolute paths, paths
  leaving the destination, links pointing outside it and device files;
* otherwise (or when ``requires-python`` is missing): ``extractall(dest)``
  becomes ``extractall(dest, members=_safe_tar_members(tar, dest))`` and the
  module gains that function, which raises before anything is extracted when a
  member would land outside the resolved destination or is a link or a device.
  bandit then reports B202 at Low ("make sure your function discards dangerous
  members"), which is its way of saying a validation function is in place.

Left for a human, with the reason: a call that already passes ``filter=`` or
``members=``, ``**kwargs``, a destination or archive expression that is not a
plain name (evaluating it twice could have side effects), ``extract()`` of a
single member on a Python without filters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from readiness.findings import Finding, Priority
from readiness.fixers.interface import (
    FileEdit,
    FixContext,
    Fixer,
    FixError,
    Left,
    Outcome,
    by_path,
    outcome,
    require_insertion,
)
from readiness.fixers.python import keep_black_clean

#: The first patch release of each minor version with extraction filters.
FILTERS_SINCE = {(3, 8): 17, (3, 9): 17, (3, 10): 12, (3, 11): 4}
#: The newest patch release probed for minors that never got the backport.
MAX_PATCH = 30


class TarExtractFixer(Fixer):
    """Adds filter="data" (or a member check) to unsafe tarfile extractions."""

    name = "tar-extract"
    title = "harden tar extraction"
    priority = Priority.P0
    takes: ClassVar[Mapping[str, frozenset[str]]] = {"sast": frozenset({"B202"})}

    def plan(self, ctx: FixContext, findings: Sequence[Finding]) -> Outcome:
        from readiness.fixers.edits.tar import HELPER, harden  # noqa: PLC0415

        use_filter = supports_filters(ctx.target.requires_python)
        edits: list[FileEdit] = []
        addressed: list[Finding] = []
        left: list[Left] = []
        notes: list[str] = []
        for path, group in by_path(findings).items():
            try:
                before = ctx.read(path)
            except FixError as error:
                left.extend(Left(finding=f, reason=str(error)) for f in group)
                continue
            lines = [(f, ctx.line(path, f.line or 0)) for f in group]
            try:
                result = harden(
                    path,
                    before,
                    {line for _, line in lines if line},
                    use_filter=use_filter,
                )
            except FixError as error:
                left.extend(Left(finding=f, reason=str(error)) for f in group)
                continue
            require_insertion(path, before, result.text)
            for finding, line in lines:
                if line in result.fixed:
                    addressed.append(finding)
                else:
                    reason = result.left.get(
                        line or 0, "no tarfile extraction on the line"
                    )
                    left.append(Left(finding=finding, reason=reason))
            after = keep_black_clean(ctx, path, before, result.text)
            edits.append(FileEdit(path=path, before=before, after=after))
            if result.fixed and not use_filter:
                notes.append(
                    f"{path}: requires-python"
                    f" {ctx.target.requires_python or '(not declared)'} allows Pythons"
                    f" without extraction filters, so {HELPER}() checks the members;"
                    " bandit still lists B202 at Low for it"
                )
        return outcome(edits, addressed, left, notes=notes)


def lacking_filters() -> Iterator[Version]:
    """Every release (up to a patch bound) that has no extraction filters."""
    for major, minors in ((2, range(8)), (3, range(12))):
        for minor in minors:
            since = FILTERS_SINCE.get((major, minor), MAX_PATCH + 1)
            for patch in range(min(since, MAX_PATCH + 1)):
                yield Version(f"{major}.{minor}.{patch}")


def supports_filters(requires_python: str | None) -> bool:
    """Whether every Python ``requires_python`` allows has extraction filters."""
    if not requires_python:
        return False
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return False
    return not any(specifier.contains(version) for version in lacking_filters())
