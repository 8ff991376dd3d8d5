"""What a gate and a fixer both get: the target, its settings, a scratch folder,
a deadline, and one way to run tools within it.

:class:`Context` is the shared base of ``GateContext`` (``gates/interface.py``)
and ``FixContext`` (``fixers/interface.py``). Commands and tool versions enter
it only through :meth:`Context.record_command` and :meth:`Context.record_tool`
(or :meth:`Context.run`, which records the command); what was recorded is
read back through the read-only :attr:`Context.commands` and
:attr:`Context.tools`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from readiness import command
from readiness.settings import GateOptions, Settings
from readiness.target import Target


class Context:
    """The target, settings, scratch folder and deadline of one gate or fixer."""

    def __init__(
        self,
        *,
        name: str,
        target: Target,
        settings: Settings,
        scratch: Path,
        deadline: float,
    ) -> None:
        #: The gate's or fixer's name.
        self.name = name
        self.target = target
        self.settings = settings
        self.scratch = scratch
        self.deadline = deadline
        #: The whole time budget, as timeout messages name it (not what is left).
        self._budget_s = round(max(deadline - time.monotonic(), 0.0), 1)
        self._commands: list[tuple[str, ...]] = []
        self._tools: dict[str, str] = {}

    @property
    def options(self) -> GateOptions:
        """This gate's ``[tool.readiness.NAME]`` table."""
        return self.settings.options(self.name)

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

    def remaining(self) -> float:
        """Seconds left before the deadline (0 once it has passed)."""
        return max(self.deadline - time.monotonic(), 0.0)

    def run(
        self,
        args: Sequence[str],
        *,
        ok_codes: Iterable[int] = (0,),
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        input_text: str | None = None,
        record: bool = True,
        timeout_s: float | None = None,
        name: str | None = None,
    ) -> command.Completed:
        """Run a tool (in the target's root unless ``cwd``) within the deadline,
        and within ``timeout_s`` when that is shorter; see :func:`command.run`.

        ``TMPDIR`` is the scratch folder unless ``env`` sets it: what a tool
        leaves in its temporary folder (uv's ``uv-setuptools-*.lock`` files)
        goes when the scratch folder does."""
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
            env={"TMPDIR": str(self.scratch), **(env or {})},
            input_text=input_text,
            shown_timeout_s=timeout_s if own else self._budget_s,
            name=name,
        )
