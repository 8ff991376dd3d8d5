"""readiness: a production-readiness auditor and remediation runner."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("readiness")
except PackageNotFoundError:  # pragma: no cover - only when run from a bare checkout
    __version__ = "0.0.0"

__all__ = ["__version__"]
