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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, Self, runtime_checkable

from readiness.baselines import Recorded
from readiness.cache import probed, probes_folder
from readiness.context import Context
from readiness.errors import ReadinessError
from readiness.findings import Criterion, Finding, Priority
from readiness.settings import Settings
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
    #: The result's title when it names the tool the gate chose to run (the
    #: lint gate's ruff or flake8); the gate's own ``title`` otherwise.
    title: str | None = None


class GateContext(Context):
    """What a gate gets: the target, its settings, a scratch folder, a deadline.

    Commands run through :meth:`run` are recorded for the report, and tool
    versions read through :meth:`tool_version` enter the report's tool table.
    Build one with :meth:`start`, as the runner does.
    """

    def __init__(
        self,
        *,
        gate: str,
        target: Target,
        settings: Settings,
        scratch: Path,
        deadline: float,
        processes: int = 1,
    ) -> None:
        #: How many processes the gate's tool may run at once (its own
        #: parallelism): more than one for the audit's longest pole.
        self.processes = processes
        super().__init__(
            name=gate,
            target=target,
            settings=settings,
            scratch=scratch,
            deadline=deadline,
        )

    @classmethod
    def start(
        cls,
        gate: str,
        *,
        target: Target,
        settings: Settings,
        scratch: Path,
        started: float | None = None,
        timeout_s: float | None = None,
        processes: int = 1,
    ) -> Self:
        """The context of ``gate`` starting now (or at ``started``, a monotonic
        time): its deadline is the gate's configured timeout (or ``timeout_s``)
        later, its ``scratch`` folder is created if missing."""
        scratch.mkdir(parents=True, exist_ok=True)
        begin = time.monotonic() if started is None else started
        limit = settings.timeout_for(gate) if timeout_s is None else timeout_s
        return cls(
            gate=gate,
            target=target,
            settings=settings,
            scratch=scratch,
            deadline=begin + limit,
            processes=processes,
        )

    @property
    def gate(self) -> str:
        return self.name

    def priority(self, rule: str, default: Priority) -> Priority:
        return self.settings.priority_for(rule, default)

    def tool_version(self, tool: str) -> str:
        """``tool --version``, reduced to the version number, recorded once
        (and remembered in the cache while the executable is unchanged)."""
        known = self.tools.get(tool)
        if known is None:
            folder = probes_folder(self.settings.cache_dir)
            known = probed(folder, [tool, "--version"], lambda: self._version(tool))
            self.record_tool(tool, known)
        return known

    def _version(self, tool: str) -> str:
        completed = self.run([tool, "--version"], record=False)
        match = _VERSION.search(completed.stdout or completed.stderr)
        if match is None:
            raise GateError(f"{tool} --version printed no version number")
        return match.group(0)


@runtime_checkable
class Baselined(Protocol):
    """A gate that can record its current results as the accepted baseline
    (``readiness baseline GATE``); :mod:`readiness.baselines` keeps the file."""

    def record_baseline(self, ctx: GateContext) -> Recorded: ...


#: Python sources in every form the tools read.
PYTHON_SOURCES = ("*.py", "*.pyi", "*.ipynb")
#: Where a project configures its tools and pins their versions.
PROJECT_FILES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "tox.ini",
    "*.lock",
    "pylock.toml",
    "*requirements*.txt",
    "*constraints*.txt",
    ".pre-commit-config.yaml",
)


class Gate(ABC):
    """A check of the readiness checklist. The class docstring is its description."""

    name: ClassVar[str]
    title: ClassVar[str]
    priority: ClassVar[Priority]
    #: The target's files the result depends on (``fnmatch`` patterns over
    #: paths relative to the root; ``*`` spans folders): the result cache
    #: reuses the result while none of them changed. Every file by default.
    inputs: ClassVar[tuple[str, ...]] = ("*",)
    #: Expected seconds on a mid-sized project, for scheduling the heaviest
    #: gates first on a cold run (a measured duration replaces it later).
    cost: ClassVar[float] = 10.0
    #: Whether the gate can spread its tool's work over ``ctx.processes``
    #: processes: the runner gives it the cores on a first audit, when the
    #: pole is not known yet (any gate gets them when it is the measured pole
    #: or runs alone: :func:`readiness.runner.processes`).
    splits: ClassVar[bool] = False
    #: Whether every criterion the gate can leave unmet follows from its
    #: findings, so that a baseline or waivers accepting all of them meet it
    #: (:mod:`readiness.accepted`). Not so for "pytest passes" or a coverage
    #: target, or for a gate that keeps a baseline of its own; a gate says so
    #: when it is (accepted debt never meets a criterion by default).
    criteria_from_findings: ClassVar[bool] = False

    @classmethod
    def description(cls) -> str:
        return (cls.__doc__ or cls.title).strip().splitlines()[0]

    def cache_extra(self, ctx: GateContext) -> str | None:
        """What else the result depends on, as text for the cache key; ``None``
        when the result depends on the outside world and must never be reused."""
        del ctx
        return ""

    @abstractmethod
    def run(self, ctx: GateContext) -> Evaluation:
        """Run the tool on ``ctx.target`` and evaluate its output."""
