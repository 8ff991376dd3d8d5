"""What one type checker run found, with what is needed to judge it."""

from __future__ import annotations

from dataclasses import dataclass

from readiness.mypy_config import MypyConfig, StrictScope

from .checker import Checker
from .environment import Prepared
from .output import MypyError

MYPY = Checker(name="mypy", evidence="the default (no type checker configured)")


@dataclass(frozen=True, kw_only=True)
class Checked:
    """One run of the project's checker (mypy unless :mod:`.checker` says otherwise)."""

    #: mypy's configuration (``None`` when the checker is not mypy).
    config: MypyConfig | None
    scope: StrictScope
    errors: tuple[MypyError, ...]
    modules: tuple[str, ...]
    version: str
    duration_s: float
    blocked: bool
    checker: Checker = MYPY
    #: The checker's configuration file when it is not mypy (mypy's is ``config``).
    config_path: str | None = None
    prepared: Prepared | None = None
    #: ``(configured, used)`` when the configured python_version is unsupported.
    python_version: tuple[str, str] | None = None
    #: ``(path, line)`` of the imports in a ``try`` whose handler catches
    #: ImportError: the code's optional imports.
    optional_imports: frozenset[tuple[str, int]] = frozenset()
    #: Top-level modules (lower case) that the project's requirements name or the
    #: typing environment holds: an optional import of one of them is a dependency.
    provided: frozenset[str] = frozenset()
    #: Warnings the checker printed (pyright; they do not fail its run either).
    warnings: int = 0

    @property
    def strict_errors(self) -> list[MypyError]:
        return [error for error in self.errors if error.module in self.scope]

    @property
    def legacy_errors(self) -> list[MypyError]:
        return [error for error in self.errors if error.module not in self.scope]

    @property
    def strict_modules(self) -> list[str]:
        return [module for module in self.modules if module in self.scope]

    @property
    def config_file(self) -> str | None:
        """The configuration file the checker read (``None``: its defaults)."""
        return self.config.path if self.config is not None else self.config_path
