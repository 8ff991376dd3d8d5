"""The ``typing`` gate: mypy as the target configures it, strict scope, legacy ratchet.

A project that checks its types with pyright or basedpyright and configures no
mypy is checked with that checker instead (:mod:`.checker` says how the
evidence decides, :mod:`.pyright` how it runs): mypy's dialect differences
would otherwise be false findings. The rest of this text says mypy; the
strict scope, the ratchet and the environment work the same for pyright.

The seed found 2000+ errors when ``--strict`` was forced on a whole legacy tree
and recommended the opposite: run mypy with the project's own configuration,
demand zero errors only where the project has migrated to strict typing, keep
the legacy modules on a tracked path, and install stubs where they exist. So:

* **mypy as configured.** The configuration file mypy itself would pick at the
  target's root (``mypy.ini``, ``.mypy.ini``, ``pyproject.toml`` with
  ``[tool.mypy]``, ``setup.cfg`` with ``[mypy]``) is passed explicitly, with
  its overrides; no strictness flag is ever added. Without one, mypy runs with
  its defaults (an empty configuration, so that neither a parent folder's nor
  the user's configuration leaks in). The files are the configuration's
  ``files`` (or ``modules``/``packages``), else the target's packages.
* **The typing environment** (:mod:`.environment`, kind ``typing``) holds what
  the project's own mypy setup installs: the target with the extras and
  dependency groups named in ``[tool.readiness.typing]`` (by default those of
  ``dev``, ``test``, ``typing``, ``types``, ``typecheck`` that exist), the extras whose
  packages the code imports under an ``except ImportError`` guard, the
  ``additional_dependencies`` of the project's mypy pre-commit hook, and mypy
  at the version the project pins (its lock, its dev pins, the hook's ``rev``;
  readiness's :data:`MYPY_VERSION` only when it pins none). With a committed
  ``uv.lock`` every version is the locked one. A target that does not build is
  left out (its dependencies installed instead) and mypy checks its source
  anyway. The report says where each of these came from. mypy runs there
  (``python -m mypy``) with ``-O json`` (mypy >= 1.11; older versions are read
  from their text output) and ``--cache-dir`` outside the target; a configured
  ``python_version`` older than that mypy supports is replaced by the
  interpreter's, and the report says so.
* **Strict scope.** ``[tool.readiness.typing] strict = [...]`` (module names,
  mypy patterns such as ``pkg.sub.*``, or shell globs) when set. Otherwise the
  modules whose *effective* mypy options (the global section, then the matching
  overrides, with mypy's own precedence) turn on ``disallow_untyped_defs`` and
  at least 6 of the other eleven per-module flags that ``--strict`` implies
  (:mod:`readiness.mypy_config`). ``disallow_untyped_defs`` alone is the usual
  first step of gradual typing, applied to whole trees, not a migration to
  strict typing; an override that lists most of the strict flags is one
  (``strict = true`` cannot be used per module: mypy then applies it to every
  module, which the gate models and reports as TY002). Any error in a
  strict-scoped module fails the gate.
* **Legacy ratchet.** Errors outside the strict scope are counted per module and
  compared with the ``typing`` section of the baseline file
  (:mod:`readiness.baselines`), which ``readiness baseline typing`` writes. Its
  keys are module, error code and message, never line numbers, so edits above
  an error do not churn it. A module with more errors than its baseline fails
  the gate, with the errors whose count grew; fewer is reported as improvement.
  Without a baseline, legacy errors are reported as findings but do not fail.
* **Missing stubs.** ``import-untyped``/``import-not-found`` errors are grouped
  by top-level package into one TY001 each (the raw errors are not findings of
  their own; each location listed once), with the stub distribution to install
  (mypy's own hint, else :data:`STUBS`) or the advice to keep
  ``ignore_missing_imports`` for that package only. An optional import (under
  ``except ImportError``, outside the strict scope) of a package the project
  neither declares nor installs is left out, counted (:mod:`.findings`).
"""

from __future__ import annotations

from readiness import baselines
from readiness.findings import Priority
from readiness.gates.interface import (
    PROJECT_FILES,
    PYTHON_SOURCES,
    Evaluation,
    Gate,
    GateContext,
    GateError,
)
from readiness.wording import plural

from .checked import Checked
from .checker import Checker, choose
from .environment import MypyChoice, Prepared, mypy_requirement, prepare
from .findings import error_finding, names, override_findings, stub_findings
from .judge import evaluate
from .options import (
    TypingOptions,
    declared,
    guarded,
    guarded_extras,
    guarded_imports,
    read_options,
)
from .output import MypyError, read_json, read_text
from .ratchet import Ratchet, baseline_counts, legacy_counts, ratchet
from .rules import MISSING_STUBS, MYPY_VERSION, RULES, STRICT_OVERRIDE
from .run import check

__all__ = [
    "MISSING_STUBS",
    "MYPY_VERSION",
    "RULES",
    "STRICT_OVERRIDE",
    "Checked",
    "Checker",
    "MypyChoice",
    "MypyError",
    "Prepared",
    "Ratchet",
    "TypingGate",
    "TypingOptions",
    "baseline_counts",
    "check",
    "choose",
    "declared",
    "error_finding",
    "evaluate",
    "guarded",
    "guarded_extras",
    "guarded_imports",
    "legacy_counts",
    "mypy_requirement",
    "names",
    "override_findings",
    "prepare",
    "ratchet",
    "read_json",
    "read_options",
    "read_text",
    "stub_findings",
]


class TypingGate(Gate):
    """The project's type checker as it configures it: strict scope clean, legacy
    no worse."""

    name = "typing"
    title = "type check (mypy or pyright)"
    priority = Priority.P1
    inputs = (
        PYTHON_SOURCES
        + PROJECT_FILES
        + ("mypy.ini", ".mypy.ini", "*py.typed", "readiness-baseline.json")
        + ("pyrightconfig.json", "basedpyrightconfig.json")
    )
    cost = 60.0

    def run(self, ctx: GateContext) -> Evaluation:
        path = baselines.location(ctx.target.root, ctx.settings.baseline)
        section = baselines.section(path, self.name)
        counts = None if section is None else baseline_counts(section, path)
        checked = check(ctx)
        recorded_with = None if section is None else section.get(checked.checker.name)
        return evaluate(
            checked,
            counts,
            ctx.target.rel(path),
            recorded_with=recorded_with if isinstance(recorded_with, str) else None,
        )

    def record_baseline(self, ctx: GateContext) -> baselines.Recorded:
        checked = check(ctx)
        if checked.blocked:
            first = checked.errors[0]
            raise GateError(
                f"{checked.checker.name} stopped at a blocking error"
                f" ({first.location}: {first.message});"
                " fix it before recording a baseline"
            )
        legacy = checked.legacy_errors
        counts = legacy_counts(legacy)
        return baselines.Recorded(
            data={checked.checker.name: checked.version, "modules": counts},
            summary=(
                f"{plural(len(legacy), 'legacy error')} in"
                f" {plural(len(counts), 'module')}"
                f" ({checked.checker.name} {checked.version});"
                f" {plural(len(checked.strict_errors), 'error')} in the strict scope"
                " are not baselined"
            ),
        )
