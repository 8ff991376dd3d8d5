"""The fixer registry: which fixer resolves which finding, in the order they run.

Gates do not know about fixers: a finding carries its rule, and
:func:`fixer_for` looks the fixer up here. The order matters where two fixers
edit the same file: the insertion-only fixers run before ``ruff-black``
(P1), which then formats what they inserted.

``mypy-scope`` (stub packages, strict overrides) and ``locks`` (split lock
files) read the typing and deps gates' findings; they edit pyproject.toml and
create constraints/, files no other fixer touches.
"""

from __future__ import annotations

from readiness.findings import Finding
from readiness.fixers.interface import Fixer


def registry() -> dict[str, type[Fixer]]:
    """The available fixers, by name, in the order they run (a new dict each call)."""
    # Imported here: libcst and tomlkit load only when a fix runs.
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


def fixer_for(gate: str, finding: Finding) -> str | None:
    """The name of the fixer that resolves ``finding`` of ``gate``, if any."""
    return next(
        (name for name, cls in registry().items() if cls().resolves(gate, finding)),
        None,
    )


__all__ = ["Fixer", "fixer_for", "registry"]
