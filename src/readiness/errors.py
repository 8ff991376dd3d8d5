"""The error classes whose message is the one line a user sees.

Every error the CLI turns into an exit code derives from :class:`ReadinessError`.
"""

from __future__ import annotations


class ReadinessError(Exception):
    """Base class; ``str(error)`` is a complete one-line message."""

    exit_code = 3


class UsageError(ReadinessError):
    """The command line or the audited repository's configuration is wrong."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration file of the target cannot be read or has a wrong value."""
