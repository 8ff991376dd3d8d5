"""The exit codes of the CLI and the error classes whose message is the one line
a user sees.

Every error the CLI turns into an exit code derives from :class:`ReadinessError`;
its ``exit_code`` is one of the codes below, defined here and nowhere else.
"""

from __future__ import annotations

#: Every acceptance criterion held.
EXIT_READY = 0
#: The audit found gaps (or a fix left criteria unmet).
EXIT_GAPS = 1
#: The command line or the target's configuration is wrong.
EXIT_USAGE = 2
#: readiness itself failed.
EXIT_INTERNAL = 3
#: Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class ReadinessError(Exception):
    """Base class; ``str(error)`` is a complete one-line message."""

    exit_code = EXIT_INTERNAL


class UsageError(ReadinessError):
    """The command line or the audited repository's configuration is wrong."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A configuration file of the target cannot be read or has a wrong value."""


class FixError(ReadinessError):
    """A fixer cannot go on; the message says why (it becomes a ``Failed``
    outcome). Defined here, beside the other errors, so the fix journal an
    audit consults does not load the fixers' interface."""
