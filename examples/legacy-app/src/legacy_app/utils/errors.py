"""Errors reported to users; the first module migrated to strict typing."""

from __future__ import annotations

import json
from pathlib import Path


class LegacyAppError(Exception):
    """Base class of the errors legacy-app reports to its users."""

    code = "E000"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def context(self) -> dict:
        return {"code": self.code, "message": str(self), "hint": self.hint}


class DataSourceError(LegacyAppError):
    code = "E100"


class ConfigError(LegacyAppError):
    code = "E200"


def load_catalog(path: Path) -> dict[str, str]:
    with path.open() as fh:
        return json.load(fh)


def exit_code(error: LegacyAppError) -> int:
    return error.code[1:]


def format_error(error):
    text = f"{error.code}: {error}"
    if error.hint:
        text += f" (hint: {error.hint})"
    return text
