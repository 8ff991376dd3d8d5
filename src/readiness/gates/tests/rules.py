"""The tests gate's rules: what each finding means and how to fix it."""

from __future__ import annotations

from readiness.findings import Rule

UNREGISTERED_MARKER = Rule(
    id="TS001",
    title="an unregistered marker aborts collection",
    explanation=(
        "With --strict-markers (or strict = true) pytest refuses to collect a"
        " module that applies a marker its configuration does not register, and"
        " a collection error stops the whole run: no test runs, no coverage."
    ),
    fix="register the marker in the markers option of the file pytest reads",
)
UNDECLARED_IMPORT = Rule(
    id="TS002",
    title="a test import that no declared dependency provides",
    explanation=(
        "The tests import a package that neither the project's dependencies nor"
        " its test extra (or dependency group) declares, so a fresh test"
        " environment cannot import the module and pytest aborts collecting it."
    ),
    fix="declare the distribution in the test extra",
)
SYNTAX_ERROR = Rule(
    id="TS003",
    title="a test module is not valid Python",
    explanation="pytest cannot import the module, which aborts collection.",
    fix="fix the syntax error",
)
CONFTEST_CRASH = Rule(
    id="TS004",
    title="a conftest.py raises when pytest loads it",
    explanation=(
        "pytest imports every conftest.py on the way to the tests; one that raises"
        " stops collection of everything below it (or the whole run, when pytest"
        " loads it at start-up)."
    ),
    fix="fix the conftest.py so that it imports cleanly",
)
COLLECTION_ERROR = Rule(
    id="TS005",
    title="pytest cannot collect a test module",
    explanation="A collection error interrupts the run before any test runs.",
    fix="fix the error pytest reports for the module",
)
FAILING_TEST = Rule(
    id="TS006",
    title="a test fails",
    explanation="The agreed selection must pass before the suite proves anything.",
    fix="fix the code or the test",
)
ERRORING_TEST = Rule(
    id="TS007",
    title="a test errors in setup or teardown",
    explanation="A fixture raised, so the test's result is unknown.",
    fix="fix the fixture",
)
PYTEST_UNUSABLE = Rule(
    id="TS008",
    title="pytest could not run the suite",
    explanation=(
        "pytest stopped with a usage or internal error, so no test result exists."
    ),
    fix="fix the pytest configuration or the selection it reports",
)
NO_TESTS = Rule(
    id="TS009",
    title="no tests collected",
    explanation=(
        "pytest found no test under the agreed selection (exit code 5): a suite"
        " that runs nothing proves nothing, so this is not a pass."
    ),
    fix="add tests, or fix testpaths/python_files and the marker selection",
)
LOW_COVERAGE = Rule(
    id="TS010",
    title="coverage is below the target",
    explanation=(
        "With a coverage target the project sets (fail_under, --cov-fail-under),"
        " the modules furthest below it, worst first. With readiness's default"
        " target only, one finding for the total coverage, and the modules below"
        " it in the gate's metrics: the project agreed to no figure per module."
    ),
    fix="add tests that exercise the missing lines",
)
ENVIRONMENT_FAILURE = Rule(
    id="TS011",
    title="a test fails because of the machine, not the code",
    explanation=(
        "The failure names a cause outside the project: no DNS or no route to a"
        " remote host, a missing interpreter or executable, an operation the"
        " sandbox forbids, a file permission that root (the user the tests ran"
        " as) ignores. It says nothing about the code, so it is listed apart"
        " and does not block the verdict; run the test where that resource"
        " exists, or leave it out on this machine."
    ),
    fix="run it where the resource exists, or deselect it on this machine",
)
FLAKY_TEST = Rule(
    id="TS012",
    title="a test fails, then passes when rerun alone",
    explanation=(
        "readiness reruns each failing test once, alone, in the same"
        " environment; one that passes then depends on timing, ordering or the"
        " machine's load (pytest-xdist's worker-order test failed on a busy"
        " machine). It is not counted as a failure of the code, but a flaky test"
        " makes CI red at random and hides real failures."
    ),
    fix="make the test independent of timing and order (or mark it flaky)",
)
TREE_CHANGED = Rule(
    id="TS013",
    title="the test suite changes the project's own files",
    explanation=(
        "readiness runs the suite on a copy of the project and compares the"
        " copy with the original afterwards (byte code, caches and coverage"
        " data left out). Tests that delete, create or rewrite the project's"
        " files make every run depend on the last one, and destroy work when"
        " run in a developer's checkout; the project itself was not touched."
    ),
    fix=(
        "make the tests write into pytest's tmp_path (or another temporary"
        " folder), never into the project's own files"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (
    UNREGISTERED_MARKER,
    UNDECLARED_IMPORT,
    SYNTAX_ERROR,
    CONFTEST_CRASH,
    COLLECTION_ERROR,
    FAILING_TEST,
    ERRORING_TEST,
    PYTEST_UNUSABLE,
    NO_TESTS,
    LOW_COVERAGE,
    ENVIRONMENT_FAILURE,
    FLAKY_TEST,
    TREE_CHANGED,
)
