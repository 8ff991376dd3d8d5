"""Reading the target's requirement strings (PEP 508) the one way.

A string that does not parse is left out rather than raised: a target with a
typo in one requirement should still be audited on the others, and the build
gate (or the backend) is where a broken requirement is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from readiness.target import Target


def parse(text: str) -> Requirement | None:
    """The requirement, or ``None`` when ``text`` is not PEP 508."""
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def name_of(text: str) -> str | None:
    """The canonical distribution name of ``text``, or ``None`` when invalid."""
    requirement = parse(text)
    return None if requirement is None else canonicalize_name(requirement.name)


def declared(
    target: Target,
    *,
    extras: Sequence[str] = (),
    groups: Sequence[str] = (),
) -> list[Requirement]:
    """The target's dependencies, ``extras`` and ``groups``, parsed.

    A requirement on the target itself (``name[extra]``, how one extra pulls
    in another) is replaced by the requirements of the extras it names, each
    extra once; invalid strings are left out.
    """
    own = canonicalize_name(target.name)
    pending = [*target.dependencies]
    for extra in extras:
        pending.extend(target.extras.get(extra, ()))
    for group in groups:
        pending.extend(target.dependency_groups.get(group, ()))
    found: list[Requirement] = []
    seen: set[str] = set()
    while pending:
        requirement = parse(pending.pop(0))
        if requirement is None:
            continue
        if canonicalize_name(requirement.name) == own:
            for extra in sorted(requirement.extras - seen):
                seen.add(extra)
                pending.extend(target.extras.get(extra, ()))
            continue
        found.append(requirement)
    return found


def names(requirements: Iterable[Requirement]) -> frozenset[str]:
    """The canonical distribution names of ``requirements``."""
    return frozenset(canonicalize_name(r.name) for r in requirements)
