"""The tests gate's machine causes and coverage targets, round 4: each class
of false alarm judged on the field corpus, from a minimal input (the real
project that showed it is named in each test's docstring)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from readiness.errors import ConfigError
from readiness.findings import Severity
from readiness.gates.tests import config as tests_config
from readiness.gates.tests import diagnosis as tests_diagnosis
from readiness.gates.tests import gate as tests_gate
from readiness.gates.tests import machine
from readiness.gates.tests import run as tests_run
from readiness.gates.tests.run import Case, Coverage, FileCoverage
from readiness.target import discover
from tests.conftest import MakeRepo
from tests.gate_tests_support import app_repo, fake_inputs, options, outcome

ROOT_REASON = (
    "running as root defeats file permissions: the test gives a file mode 0o000"
    " to deny access, and root reads and writes any file"
)

#: httpie's tests/test_config.py, cut down: the mode is set in the test itself.
HTTPIE_TEST = """
def test_config_file_inaccessible(tmp_path):
    config_path = tmp_path / "config.json"
    config_path.touch(0o000)
    assert "cannot read config file" in read(config_path)


def test_other_modes(tmp_path):
    os.chmod(tmp_path / "a", 0o644)
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    assert read(tmp_path / "a") == "x"
"""

#: What pytest's JUnit file carried for httpie's failure (shortened).
HTTPIE_FAILURE = """\
tmp_path = PosixPath('/tmp/pytest-of-root/pytest-0/test_config_file_inaccessible0')

    def test_config_file_inaccessible(tmp_path):
        config_path = tmp_path / "config.json"
        config_path.touch(0o000)
>       assert "cannot read config file" in read(config_path)
E       AssertionError: assert 'cannot read config file' in 'http: warning: \
invalid config file: Expecting value: line 1 column 1 (char 0)'

tests/test_config.py:4: AssertionError"""


def _failed(
    nodeid: str, *, text: str = "", message: str = "", output: str = ""
) -> Case:
    path = nodeid.partition("::")[0]
    return Case(
        nodeid=nodeid,
        path=path,
        line=1,
        outcome="failed",
        message=message,
        text=text,
        output=output,
    )


# --- root defeats the file permissions a test relies on ----------------------


def test_root_defeats_a_mode_the_test_sets(tmp_path: Path) -> None:
    """httpie's ``test_config_file_inaccessible`` touches its config file with
    mode 000 and expects "cannot read config file"; run as root, httpie read
    the empty file and the failure was a High "fix the code". The machine's
    when pytest ran as root and the test withholds a permission; the code's
    otherwise (another user, or a mode that withholds nothing)."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_config.py").write_text(HTTPIE_TEST)
    case = _failed(
        "tests/test_config.py::test_config_file_inaccessible", text=HTTPIE_FAILURE
    )
    assert machine.cause(case, tmp_path, euid=0) == machine.Cause(
        reason=ROOT_REASON, remedy="run the tests as a user other than root"
    )
    assert machine.cause(case, tmp_path, euid=1000) is None
    assert machine.cause(case, tmp_path) is None  # the user is not known
    other = _failed("tests/test_config.py::test_other_modes", text="E   assert 1 == 2")
    assert machine.cause(other, tmp_path, euid=0) is None


@pytest.mark.parametrize(
    ("line", "mode"),
    [
        pytest.param("os.chmod(path, 0)", "0o000", id="os-chmod-0"),
        pytest.param("path.chmod(mode=0o200)", "0o200", id="write-only"),
        pytest.param("os.mkdir(path, 0o555)", "0o555", id="read-only-folder"),
        pytest.param(
            'subprocess.run(["chmod", "000", str(path)])', "0o000", id="chmod-command"
        ),
        pytest.param("os.chmod(path, 0o644)", None, id="owner-keeps-read-write"),
        pytest.param("path.touch(exist_ok=True)", None, id="a-flag-is-no-mode"),
        pytest.param("os.chmod(path, mode)", None, id="not-a-literal"),
    ],
)
def test_a_withheld_mode_is_read_from_the_quoted_traceback(
    line: str, mode: str | None, tmp_path: Path
) -> None:
    """The traceback's quoted lines count for the mode (the source a test
    shows of itself); the test file need not exist."""
    text = f"    def test_x(path):\n        {line}\n>       check(path)\nE   assert 0"
    case = _failed("tests/gone.py::test_x", text=text)
    assert machine.withheld_mode(case, tmp_path) == mode


def test_root_is_read_from_the_run_and_passed_to_the_diagnosis(
    make_repo: MakeRepo,
) -> None:
    """The user id pytest ran as travels in the outcome: the same failure is
    the machine's as root and the code's as another user."""
    root = app_repo(make_repo)
    (root / "tests/test_config.py").write_text(HTTPIE_TEST)
    case = _failed(
        "tests/test_config.py::test_config_file_inaccessible", text=HTTPIE_FAILURE
    )
    inputs = fake_inputs(root)
    as_root = tests_gate.evaluate(inputs, replace(outcome(1, cases=(case,)), euid=0))
    (finding,) = as_root.findings
    assert (finding.rule, finding.severity, finding.location) == (
        "TS011",
        Severity.LOW,
        "tests/test_config.py:4",
    )
    assert finding.message == (
        "tests/test_config.py::test_config_file_inaccessible failed because of"
        f" the machine: {ROOT_REASON}"
    )
    assert finding.fix == (
        "run the tests as a user other than root, or leave it out here:"
        ' --deselect "tests/test_config.py::test_config_file_inaccessible"'
    )
    as_user = tests_gate.evaluate(inputs, replace(outcome(1, cases=(case,)), euid=1000))
    assert [(f.rule, f.severity) for f in as_user.findings] == [
        ("TS006", Severity.HIGH)
    ]


# --- what a child process printed ---------------------------------------------

NOX_OUTPUT = """\
----------------------------- Captured Out -----------------------------
nox > Running session example
nox > Creating virtual environment (uv) using python in .nox/example
  x Failed to download and build `nox @ git+https://github.com/wntrblm/nox.git`
  `-> Git operation failed
      fatal: unable to access 'https://github.com/wntrblm/nox.git/': Could
      not resolve host: github.com
nox > Session example failed.
"""


def test_a_child_process_s_dns_failure_is_read_from_the_captured_output(
    tmp_path: Path,
) -> None:
    """nox's ``test_noxfile_script_mode_url_req`` runs nox on a script that
    installs ``nox @ git+https://github.com/...``: the test saw only
    ``assert 1 == 0``, the child's "Could not resolve host: github.com" is in
    what the test printed (wrapped by uv across two lines). A loopback host
    in the output proves nothing."""
    text = ">       assert job.returncode == 0\nE       assert 1 == 0"
    nodeid = "tests/test_main.py::test_noxfile_script_mode_url_req"
    case = _failed(nodeid, message="assert 1 == 0", text=text, output=NOX_OUTPUT)
    assert machine.cause(case, tmp_path) == machine.Cause(
        reason="a host name could not be resolved (no DNS on this machine)"
    )
    local = NOX_OUTPUT.replace("github.com", "localhost")
    assert machine.cause(_failed(nodeid, text=text, output=local), tmp_path) is None
    refused = "ERROR: HTTPConnectionPool(host='pypi.org', port=443): Connection refused"
    assert machine.cause(
        _failed(nodeid, text=text, output=refused), tmp_path
    ) == machine.Cause(
        reason="a connection to pypi.org failed (no network from this machine)"
    )
    lonely = "Connection refused\nretrying pypi.org"  # not on one line: no proof
    assert machine.cause(_failed(nodeid, text=text, output=lonely), tmp_path) is None


def test_a_missing_interpreter_is_read_from_the_captured_output(
    tmp_path: Path,
) -> None:
    """nox's ``test_main_requires`` expected a session for python3.10 that the
    machine could not run; only a message naming the missing interpreter in
    the test's output proves it (without one the failure stays the code's)."""
    text = "E       AssertionError: assert ('k-3.11', 'm') == ('k-3.10', 'k-3.11', 'm')"
    nodeid = "tests/test_main.py::test_main_requires[sessions1-expected_order1]"
    said = "nox > Session k-3.10 skipped: Python interpreter 3.10 not found."
    assert machine.cause(
        _failed(nodeid, text=text, output=said), tmp_path
    ) == machine.Cause(
        reason="the interpreter '3.10' was not found on this machine's PATH"
    )
    assert (
        machine.cause(_failed(nodeid, text=text, output="k-3.11\nm"), tmp_path) is None
    )


# --- network evidence from what was raised, never from quoted source ----------

UNEARTH_FAILURE = """\
            if isinstance(e.reason, _SSLError):
                # This branch is for urllib3 v1.22 and later.
                # [1] <https://github.com/urllib3/urllib3/issues/651>
                raise ConnectionError(err, request=request)
>               raise SSLError(e, request=request)
E               requests.exceptions.SSLError: HTTPSConnectionPool(host='localhost', \
port=42561): Max retries exceeded with url: / (Caused by SSLError(\
SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify \
failed: unable to get local issuer certificate (_ssl.c:1006)')))

.venv/lib/python3.11/site-packages/requests/adapters.py:727: SSLError"""


def test_a_host_in_quoted_source_is_no_evidence(tmp_path: Path) -> None:
    """unearth's ``test_session_with_selfsigned_ca`` failed certificate
    verification against its own localhost server; 'github.com' came from a
    comment of requests' source the traceback quoted, and ``ConnectionError``
    from a source line too: the failure was filed as the machine's (no
    network). The raised text names only localhost: the code's (TS006)."""
    case = _failed(
        "tests/test_session.py::test_session_with_selfsigned_ca[legacy]",
        message="requests.exceptions.SSLError: HTTPSConnectionPool(host='localhost',"
        " port=42561): Max retries exceeded",
        text=UNEARTH_FAILURE,
        output="WARNING  urllib3.connectionpool:connectionpool.py:874 Retrying"
        " after connection broken by 'SSLError(SSLCertVerificationError(1))': /",
    )
    assert machine.cause(case, tmp_path, euid=0) is None
    raised = UNEARTH_FAILURE.splitlines()[5].removeprefix("E" + " " * 15)
    assert machine.evidence(case).splitlines() == [case.message, raised]


def test_a_refusal_naming_only_loopback_does_not_fall_back_to_the_source(
    tmp_path: Path,
) -> None:
    """A test that names a remote URL in its source but failed against its own
    localhost server: the raised text names the host, so the source is not
    read (it is read only when the raised text names no host at all)."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_a.py").write_text(
        'def test_x():\n    get("http://localhost:1")\n    get("https://example.org")\n'
    )
    case = _failed(
        "tests/test_a.py::test_x",
        text="E   ConnectionRefusedError: [Errno 111] Connection refused:"
        " ('127.0.0.1', 1)",
    )
    assert machine.cause(case, tmp_path) is None
    nameless = _failed("tests/test_a.py::test_x", text="E   TimeoutError: timed out")
    assert machine.cause(nameless, tmp_path) == machine.Cause(
        reason="a connection to example.org failed (no network from this machine)"
    )


# --- coverage: readiness's default target is not the project's ---------------


def _coverage(percent: float, *files: tuple[str, float, int, int]) -> Coverage:
    return Coverage(
        percent=percent,
        statements=sum(f[2] for f in files),
        missing=sum(f[3] for f in files),
        files=tuple(
            FileCoverage(
                path=path,
                percent=share,
                statements=statements,
                missing=missing,
                first_missing=1 if missing else None,
            )
            for path, share, statements, missing in files
        ),
    )


#: requests' shape: an ``__init__`` of import fallbacks, an uncovered shim.
REQUESTS_LIKE = _coverage(
    75.0,
    ("src/app/__init__.py", 50.0, 4, 2),
    ("src/app/session.py", 0.0, 3, 3),
    ("src/app/core.py", 100.0, 13, 0),
)


def test_no_module_findings_under_readiness_s_default_target(
    make_repo: MakeRepo,
) -> None:
    """requests' ``__init__.py`` (import fallbacks), unearth's ``session.py``
    (a three-statement deprecation shim) and pytest-xdist's worker-side
    ``remote.py`` were TS010 findings against readiness's 90 %, which none of
    those projects chose. Now one Low finding for the total, the modules in
    the metrics."""
    root = app_repo(make_repo)
    inputs = fake_inputs(root)
    passed = Case(
        nodeid="tests/test_a.py::test_a", path=None, line=None, outcome="passed"
    )
    result = tests_gate.evaluate(
        inputs, outcome(0, cases=(passed,), coverage=REQUESTS_LIKE)
    )
    (total,) = result.findings
    assert (total.rule, total.severity, total.path, total.line) == (
        "TS010",
        Severity.LOW,
        None,
        None,
    )
    assert total.message == (
        "75.00 % of the code is covered (5 of 20 statements missed), below"
        " readiness's default of 90 % (the project sets no coverage target);"
        " 2 modules below it, listed in the gate's metrics"
    )
    assert result.metrics["coverage_modules_below"] == 2
    assert result.metrics["coverage_lowest"] == (
        "src/app/session.py 0.00 %, src/app/__init__.py 50.00 %"
    )
    above = tests_gate.evaluate(
        inputs,
        outcome(0, cases=(passed,), coverage=replace(REQUESTS_LIKE, percent=95.0)),
    )
    assert above.findings == ()
    assert above.metrics["coverage_modules_below"] == 2


def test_cov_fail_under_in_addopts_is_the_project_s_target(
    make_repo: MakeRepo,
) -> None:
    """A project that asks pytest-cov for ``--cov-fail-under`` chose its
    target: the modules below it are findings, as with coverage's own
    ``fail_under`` (examples/legacy-app)."""
    root = make_repo(
        {
            "pyproject.toml": """
                [project]
                name = "app"
                version = "1"
                [tool.pytest.ini_options]
                addopts = "-ra --cov-fail-under 85"
            """,
            "src/app/__init__.py": "",
        }
    )
    target = discover(root)
    config = tests_config.configure(target, options())
    assert (config.threshold, config.threshold_source) == (
        85.0,
        "pyproject.toml [tool.pytest.ini_options] addopts",
    )
    findings = tests_diagnosis.coverage_findings(config, REQUESTS_LIKE)
    assert [(f.location, f.severity, f.message) for f in findings] == [
        (
            "src/app/session.py:1",
            Severity.MEDIUM,
            (
                "0.00 % covered (3 of 3 statements missed), below 85 %"
                " (pyproject.toml [tool.pytest.ini_options] addopts)"
            ),
        ),
        (
            "src/app/__init__.py:1",
            Severity.MEDIUM,
            (
                "50.00 % covered (2 of 4 statements missed), below 85 %"
                " (pyproject.toml [tool.pytest.ini_options] addopts)"
            ),
        ),
    ]
    (root / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\n'
        "[tool.pytest.ini_options]\naddopts = ['--cov-fail-under=many']\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"^pyproject.toml \[tool.pytest.ini_options\] addopts must be a number",
    ):
        tests_config.configure(discover(root), options())
    explicit = tests_config.configure(discover(root), options(fail_under=70))
    assert explicit.threshold_source == "[tool.readiness.tests] fail_under"


NATIVE_FAILURE = """\
Traceback (most recent call last):
  File "/env/lib/python3.11/site-packages/_pytest/runner.py", line 361, in from_call
    result: TResult | None = func()
  File "/repo/tests/test_a.py", line 9, in test_fetch
    # see https://github.com/psf/requests/issues/1
    fetch("http://127.0.0.1:8000/")
ConnectionRefusedError: [Errno 111] Connection refused

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/repo/tests/test_a.py", line 11, in test_fetch
    raise FetchError(url)
app.FetchError: http://pypi.org/simple/ unreachable: Connection refused"""


def test_a_native_traceback_s_exception_lines_are_the_evidence(
    tmp_path: Path,
) -> None:
    """httpie runs with ``--tb=native``: no ``E`` lines, the exceptions are
    the unindented lines; the quoted source (a comment naming github.com)
    stays out of the evidence."""
    case = _failed("tests/test_a.py::test_fetch", text=NATIVE_FAILURE)
    assert machine.evidence(case).splitlines() == [
        "",
        "ConnectionRefusedError: [Errno 111] Connection refused",
        "app.FetchError: http://pypi.org/simple/ unreachable: Connection refused",
    ]
    assert machine.cause(case, tmp_path) == machine.Cause(
        reason="a connection to pypi.org failed (no network from this machine)"
    )
    local = NATIVE_FAILURE.replace("pypi.org", "localhost")
    assert (
        machine.cause(_failed("tests/test_a.py::test_fetch", text=local), tmp_path)
        is None
    )


def test_the_captured_output_of_a_failure_is_read_from_junit(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """``junit_logging=all`` writes what a failing test printed and logged as
    ``system-out``/``system-err`` (pytest 9.2's layout): it becomes the case's
    output; the run asks for it, for failing tests only."""
    target = discover(make_repo({"README.md": ""}))
    report = tmp_path / "junit.xml"
    report.write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite>'
        '<testcase classname="tests.test_main" name="test_url_req"'
        ' file="tests/test_main.py" line="10">'
        '<failure message="assert 1 == 0">E   assert 1 == 0</failure>'
        "<system-out>--- Captured Out ---\nnox &gt; Running</system-out>"
        "<system-err>--- Captured Err ---\nCould not resolve host: github.com"
        "</system-err></testcase></testsuite></testsuites>"
    )
    (case,) = tests_run.read_junit(report, target) or ()
    assert case.output == (
        "--- Captured Out ---\nnox > Running\n"
        "--- Captured Err ---\nCould not resolve host: github.com"
    )
    assert tests_run.JUNIT_OPTIONS == (
        "--override-ini=junit_family=xunit1",
        "--override-ini=junit_logging=all",
        "--override-ini=junit_log_passing_tests=false",
    )
