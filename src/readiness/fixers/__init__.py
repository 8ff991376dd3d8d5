"""The fixer registry: every fixer, in the order they run.

Gates do not know about fixers: a finding carries its rule, each fixer declares
the rules it takes, and :func:`readiness.fixers.routing.route` decides. The
order matters where two fixers take the same finding (the first wins) or edit
the same file: the insertion-only fixers run before ``ruff-black`` (P1), which
then formats what they inserted.

``mypy-scope`` (stub packages, strict overrides) and ``locks`` (split lock
files) read the typing and deps gates' findings; they edit pyproject.toml and
create constraints/, files no other fixer touches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the interface loads with the fixers, in registry()
    from readiness.fixers.interface import Fixer


def registry() -> dict[str, type[Fixer]]:
    """The available fixers, by name, in the order they run (a new dict each call)."""
    # Imported here: libcst and tomlkit load only when fixers are needed.
    from readiness.fixers.locks import LocksFixer  # noqa: PLC0415
    from readiness.fixers.markers import MarkersFixer  # noqa: PLC0415
    from readiness.fixers.mypy_scope import MypyScopeFixer  # noqa: PLC0415
    from readiness.fixers.request_timeouts import RequestTimeoutsFixer  # noqa: PLC0415
    from readiness.fixers.ruff_black import RuffBlackFixer  # noqa: PLC0415
    from readiness.fixers.suppressions import SuppressionCodesFixer  # noqa: PLC0415
    from readiness.fixers.tar_extract import TarExtractFixer  # noqa: PLC0415

    fixers: tuple[type[Fixer], ...] = (
        MarkersFixer,
        TarExtractFixer,
        RequestTimeoutsFixer,
        SuppressionCodesFixer,
        RuffBlackFixer,
        MypyScopeFixer,
        LocksFixer,
    )
    return {fixer.name: fixer for fixer in fixers}


__all__ = ["registry"]
