"""The ``tests`` gate: the target's own test suite, in its own test environment.

The seed's first P0 finding was a pytest run that aborted before running
anything (undefined markers, test extras not installed), and so produced no
coverage at all. This gate finds and explains that, and proves it fixed:

1. **environment**: :func:`readiness.environments.ensure` builds (or reuses)
   a virtualenv with the target installed editable with its test extra and/or
   ``test`` dependency group, constrained by ``constraints/test.txt`` when the
   target has one, plus pytest-cov (and pytest when the target does not
   declare it), on an interpreter that satisfies ``requires-python``;
2. **static pre-check**: every import in the test modules and conftests
   (read with :mod:`ast`) must be provided by a declared dependency: import
   names are mapped to distributions with ``packages_distributions()`` run
   inside the environment (plus ``imports.WELL_KNOWN`` for packages that are
   not installed at all); the stdlib, the target's own modules and local test
   helpers are left out;
3. **run**: ``python -m pytest`` in the target's root with its own
   configuration, a marker selection (the seed's by default, restricted to
   the markers the target has), JUnit XML (``xunit1``, which carries file and
   line) and coverage JSON written into the scratch folder and read back. The
   target stays untouched by the run itself: no cache provider, no bytecode,
   ``COVERAGE_FILE`` and hypothesis's database in scratch (what the target's
   own tests write is theirs);
4. **diagnosis**: collection errors from the JUnit file become findings
   (unregistered marker at its use sites, found with the static survey
   :mod:`readiness.pytest_survey` the markers gate reads too; missing module
   with the distribution and the extra that should declare it; syntax error;
   conftest crash). The terminal is read
   only where pytest writes nothing else: a conftest that fails while pytest
   starts (stderr, before any report exists) and usage or internal errors
   (``ERROR:`` and ``INTERNALERROR>`` lines);
5. **limits**: the gate's timeout kills pytest's whole process group; a tiny
   plugin (``run.PLUGIN_SOURCE``) appends each test's start and finish to a
   file as it happens, so the tests that were running can be named even
   though pytest writes no JUnit file when it is killed.

A target whose tests run ``readiness audit`` on themselves would start this
gate again inside its own run; the environment variable ``run.GUARD_ENV``
names the roots whose suite is already running, and the gate skips those.

The package follows those steps: ``config`` (``[tool.readiness.tests]``),
``probe`` (what the environment has), ``imports`` (undeclared test imports),
``selection`` (``-m``/``-k``), ``run`` (pytest and the files it writes),
``diagnosis`` (findings), ``rules``, and ``gate`` (the gate and its criteria).
"""

from __future__ import annotations

from .gate import TestsGate
from .rules import RULES

__all__ = ["RULES", "TestsGate"]
