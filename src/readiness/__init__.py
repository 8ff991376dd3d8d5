"""readiness: a production-readiness auditor and remediation runner.

Nothing is imported here: ``python -m readiness`` imports this package while
the working folder (the audited project's root, often) is still first on
``sys.path``, before ``__main__`` takes it off; a module imported now could
be the project's own.
"""

from __future__ import annotations

__all__ = ["__version__"]

#: ``typing.TYPE_CHECKING`` without importing typing (see the docstring);
#: mypy takes any constant of this name as true.
TYPE_CHECKING = False

if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        """``__version__``: the installed distribution's version (PEP 562:
        looked up when asked for, see the module docstring)."""
        if name != "__version__":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from readiness.installed import version  # noqa: PLC0415

        # "0.0.0": a bare checkout, not installed
        found = version("readiness") or "0.0.0"
        globals()["__version__"] = found
        return found
