"""The gate extension point: one :class:`Gate` subclass per module in ``gates/``.

A gate runs one real tool on the target, reads its machine output and returns
an :class:`Evaluation`: findings, metrics and the acceptance criteria it can
judge. Its status follows: ``fail`` when a criterion is unmet, else ``pass``.
A gate that cannot run raises :class:`GateError` (status ``error``) or
:class:`GateSkipped` (status ``skipped``); the runner catches those, and
anything else, in one place.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from readiness import command
from readiness.errors import ReadinessError
from readiness.findings import Criterion, Finding, Priority
from readiness.settings import GateOptions, Settings
from readiness.target import Target

_VERSION = re.compile(r"\d+(?:\.\d+)+(?:[-.+]?\w+)?")


class GateError(ReadinessError):
    """The gate could not run; the message says why."""


class GateSkipped(ReadinessError):
    """The gate does not apply to this target; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    criteria: tuple[Criterion, ...]
    findings: tuple[Finding, ...] = ()
    metrics: Mapping[str, int | float | str] = field(default_factory=dict)


class GateContext:
    """What a gate gets: the target, its settings, a scratch folder, a deadline.

    Commands run through :meth:`run` are recorded for the report, and tool
    versions read through :meth:`tool_version` enter the report's tool table.
    """

    def __init__(
        self,
        *,
        gate: str,
        target: Target,
        settings: Settings,
        scratch: Path,
        deadline: float,
    ) -> None:
        self.gate = gate
        self.target = target
        self.settings = settings
        self.scratch = scratch
        self.deadline = deadline
        self._budget_s = round(max(deadline - time.monotonic(), 0.0), 1)  # for messages
        self._commands: list[tuple[str, ...]] = []
        self._tools: dict[str, str] = {}

    @property
    def commands(self) -> tuple[tuple[str, ...], ...]:
        """The commands run so far, as the report shows them."""
        return tuple(self._commands)

    @property
    def tools(self) -> Mapping[str, str]:
        """Tool versions recorded so far, by tool name."""
        return dict(self._tools)

    def record_command(self, args: Sequence[str], *, first: bool = False) -> None:
        """Show ``args`` in the report's command list (``first``: at its head)."""
        entry = (Path(args[0]).name, *args[1:])
        if first:
            self._commands.insert(0, entry)
        else:
            self._commands.append(entry)

    def record_tool(self, tool: str, version: str) -> None:
        """Enter ``tool`` at ``version`` into the report's tool table."""
        self._tools[tool] = version

    @property
    def options(self) -> GateOptions:
        return self.settings.options(self.gate)

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def priority(self, rule: str, default: Priority) -> Priority:
        return self.settings.priority_for(rule, default)

    def run(
        self,
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        record: bool = True,
        timeout_s: float | None = None,
    ) -> command.Completed:
        """Run a tool within the gate's deadline (and ``timeout_s``, when shorter)."""
        if record:
            self.record_command(args)
        remaining = self.remaining()
        limit = remaining if timeout_s is None else min(timeout_s, remaining)
        own = timeout_s is not None and timeout_s <= remaining
        return command.run(
            args,
            cwd=cwd or self.target.root,
            timeout_s=max(limit, 0.1),
            ok_codes=ok_codes,
            env=env,
            shown_timeout_s=timeout_s if own else self._budget_s,
        )

    def tool_version(self, tool: str) -> str:
        """``tool --version``, reduced to the version number, recorded once."""
        if tool not in self._tools:
            completed = self.run([tool, "--version"], record=False)
            match = _VERSION.search(completed.stdout or completed.stderr)
            if match is None:
                raise GateError(f"{tool} --version printed no version number")
            self._tools[tool] = match.group(0)
        return self._tools[tool]


class Gate(ABC):
    """A check of the readiness checklist. The class docstring is its description."""

    name: ClassVar[str]
    title: ClassVar[str]
    priority: ClassVar[Priority]

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or cls.title).strip().splitlines()[0]

    @abstractmethod
    def run(self, ctx: GateContext) -> Evaluation:
        """Run the tool on ``ctx.target`` and evaluate its output."""
