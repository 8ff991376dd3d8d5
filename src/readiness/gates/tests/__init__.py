"""The ``tests`` gate: the target's own test suite, in its own test environment.

The seed's first P0 finding was a pytest run that aborted before running
anything (undefined markers, test extras not installed), and so produced no
coverage at all. This gate finds and explains that, and proves it fixed:

1. **environment**: :func:`readiness.environments.ensure` builds (or reuses)
   a virtualenv with the target installed editable with its test requirements
   (a ``test`` extra, from ``[project]`` or, when that is not static, the
   backend's prepared metadata such as setup.cfg's ``[options.extras_require]``;
   a ``test`` dependency group; pdm's ``[tool.pdm.dev-dependencies] test``; a
   ``dev`` group when no test one exists: the metric ``test_requirements``
   says which), constrained by ``constraints/test.txt`` when the target has
   one, plus pytest-cov (and pytest when the target does not declare it), on
   an interpreter that satisfies ``requires-python``;
2. **static pre-check**: every unguarded import in the test modules and
   conftests pytest imports (read with :mod:`ast`) must be provided by a
   declared dependency: import names are mapped to distributions with
   ``packages_distributions()`` run inside the environment (plus
   ``imports.WELL_KNOWN`` for packages that are not installed at all); the
   stdlib, every module of the target's tree, package code, fixture files no
   collected file imports, and modules the tests write at run time are left
   out (see :mod:`.imports`);
3. **run**: ``python -m pytest`` in a copy of the target's tree with its own
   configuration, a private ``HOME`` and, where the machine allows it, no
   network but loopback (:mod:`.contain`; ``[tool.readiness.tests] network =
   true`` keeps it; what the suite changed in the copy is TS013), a marker
   selection (the seed's by default, restricted to the markers the target
   has), JUnit XML (``xunit1``, which carries file and line) and coverage JSON
   written into the scratch folder and read back (a target that is a pytest
   plugin, ``pytest11``, runs under ``coverage run`` so that its import is
   measured). The target stays untouched by the run itself: no cache provider,
   no bytecode, ``--basetemp``, ``TMPDIR``, ``XDG_CACHE_HOME``,
   ``COVERAGE_FILE`` and hypothesis's database in scratch (what the target's
   own tests write goes into the copy); an exit without the JUnit file pytest must
   write is an ``error``, not a pass;
4. **diagnosis**: collection errors from the JUnit file become findings
   (unregistered marker at its use sites, found with the static survey
   :mod:`readiness.pytest_survey` the markers gate reads too; missing module
   with the distribution and the extra that should declare it; syntax error;
   conftest crash). The terminal is read
   only where pytest writes nothing else: a conftest that fails while pytest
   starts (stderr, before any report exists) and usage or internal errors
   (``ERROR:`` and ``INTERNALERROR>`` lines). Failures whose own evidence
   names a cause outside the code (no DNS, no route, a missing interpreter,
   the sandbox, root ignoring a file mode the test relies on; read from what
   was raised and printed, never from the source a traceback quotes;
   :mod:`.machine`) are TS011, Low and P2, with their ``--deselect``. Coverage
   below the project's own target names the modules furthest below it; below
   readiness's default only, one finding for the total (TS010);
5. **limits**: the gate's timeout kills pytest's whole process group; a tiny
   plugin (``run.PLUGIN_SOURCE``) appends each test's start and finish to a
   file as it happens, so the tests that were running can be named even
   though pytest writes no JUnit file when it is killed.

A target whose tests run ``readiness audit`` on themselves would start this
gate again inside its own run; the environment variable ``contain.GUARD_ENV``
names the roots whose suite is already running, and the gate skips those.

The package follows those steps: ``config`` (``[tool.readiness.tests]``),
``probe`` (what the environment has), ``imports`` (undeclared test imports),
``selection`` (``-m``/``-k``), ``contain`` (the copy, the home, the network),
``run`` (pytest and the files it writes),
``machine`` (failures the machine explains), ``diagnosis`` (findings),
``rules``, and ``gate`` (the gate and its criteria).
"""

from __future__ import annotations

from .gate import TestsGate
from .rules import RULES

__all__ = ["RULES", "TestsGate"]
