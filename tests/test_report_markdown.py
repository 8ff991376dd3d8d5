"""The Markdown report as a maintainer reads it (the layout is in test_reports.py).

Blockers named in sentences, every action listed and grouped, each criterion
once, ownership and risks, links to the code, and a command reference that
runs in the project.
"""

from __future__ import annotations

from readiness.findings import Criterion, Report, Severity, Status
from readiness.reports.markdown import MarkdownRenderer
from tests.test_reports import finding, gate, make_report, sample_report


def markdown(report: Report, source_url: str | None = None) -> list[str]:
    return MarkdownRenderer().render(report, source_url=source_url).splitlines()


def section(lines: list[str], heading: str) -> list[str]:
    start = lines.index(heading)
    following = [i for i, line in enumerate(lines) if line.startswith("## ")]
    end = next((i for i in following if i > start), len(lines))
    return lines[start:end]


def test_the_summary_names_the_blockers_in_sentences() -> None:
    lines = markdown(sample_report())
    assert lines[8] == (
        "Security hotfixes (P0) blocks the verdict with 2 unmet criteria: sast found"
        " 1 High, 25 Medium. Test unblocking and coverage (P0) blocks the verdict"
        " with 2 unmet criteria: markers found 3 Medium and the tests gate could not"
        " run (pytest is not installed in the test environment). Dependency hygiene"
        " (P1) blocks the verdict with 1 unmet criterion: deps found 1 Critical,"
        " 1 High."
    )
    ready = markdown(make_report(gate("lint")))
    assert not any("blocks the verdict" in line for line in ready)


def test_every_action_is_listed_grouped_by_rule() -> None:
    fixes = [
        finding("B102", path=f"src/m{i:02}.py", fix=f"replace exec in m{i:02}")
        for i in range(12)
    ]
    same = [finding("B113", path=f"src/c{i}.py", fix="pass timeout=") for i in range(3)]
    url = finding("E711", path="a.py", fix="https://docs.astral.sh/ruff/rules/x")
    report = make_report(
        gate("sast", Status.FAIL, findings=[*fixes, *same]),
        gate("lint", Status.FAIL, findings=[url]),
    )
    lines = markdown(report)
    start = lines.index("Actions:")
    actions = lines[start + 2 : lines.index("", start + 2)]
    assert actions[0] == "- B102 (12 sites):"
    assert actions[1:13] == [
        f"  - `src/m{i:02}.py:12`: replace exec in m{i:02}" for i in range(12)
    ]
    assert actions[13:] == ["- B113 (3 sites): pass timeout="]
    assert "- E711 (1 site): see <https://docs.astral.sh/ruff/rules/x>" in lines
    assert not any(line.endswith(" more") for line in lines)


def test_a_passing_gate_with_fixable_findings_lists_its_actions() -> None:
    advisory = finding(
        "PYSEC-1",
        severity=Severity.HIGH,
        message="gitpython 3.1.30 in the dev lock",
        path="pyproject.toml",
        line=None,
        fix="upgrade gitpython to 3.1.41 or later",
    )
    lines = markdown(make_report(gate("deps", Status.PASS, findings=[advisory])))
    assert "- PYSEC-1 (1 site): upgrade gitpython to 3.1.41 or later" in lines
    assert "- None: the acceptance criteria hold." not in lines


def test_each_criterion_is_listed_once() -> None:
    text = MarkdownRenderer().render(sample_report())
    for item in sample_report().plan:
        for criterion in item.criteria:
            assert text.count(f"] {criterion.text}\n") == 1, criterion.text
    assert "## Acceptance Criteria" not in text


def test_ownership_and_risks() -> None:
    lines = markdown(sample_report())
    owned = [
        ("Security", "Security hotfixes (P0)", 1, "0 of 2"),
        ("QA/Testing", "Test unblocking and coverage (P0)", 2, "0 of 2"),
        ("DX/Quality", "Lint and format baseline (P1)", 3, "1 of 1"),
        ("Release", "Dependency hygiene (P1)", 4, "0 of 1"),
    ]
    assert section(lines, "## Ownership & Acceptance Criteria")[2:6] == [
        f"- {owner}: {area}, accepted when the criteria of section {number} hold:"
        f" {met} met"
        for owner, area, number, met in owned
    ]
    risks = section(lines, "## Risks if Unaddressed")
    assert [line.split(":")[0] for line in risks[2:] if line] == [
        "- Security hotfixes (P0)",
        "- Test unblocking and coverage (P0)",
        "- Dependency hygiene (P1)",
    ]
    ready = markdown(make_report(gate("lint")))
    assert "None: every area's acceptance criteria hold." in ready


def test_sites_link_to_the_code_when_its_url_is_known() -> None:
    lines = markdown(sample_report(), source_url="https://git.example/r/blob/abc/app/")
    assert (
        "  - [`src/app/data.py:326`](https://git.example/r/blob/abc/app/"
        "src/app/data.py#L326)" in lines
    )
    plain = markdown(sample_report())
    assert "  - `src/app/data.py:326`" in plain


def test_the_command_reference_runs_in_the_project() -> None:
    tmp = "/var/scratch/r-1"
    commands = [
        ["uv", "venv", "--python", "/usr/bin/python3", "/root/.cache/readiness/envs/x"],
        ["uv", "pip", "install", "--python", "/root/.cache/x/bin/python", "-e", "."],
        [
            *("python", "-m", "pytest", "-p", "no:cacheprovider"),
            *("-p", "_readiness_pytest_progress", f"--junitxml={tmp}/junit.xml"),
            *("--cov=app", f"--cov-report=json:{tmp}/cov.json", "-m", "not slow"),
        ],
        ["bandit", "-r", "src", "-f", "json", "-o", f"{tmp}/bandit.json", "-q"],
        ["mypy", "--cache-dir", f"{tmp}/mypy", "src"],
    ]
    lines = markdown(make_report(gate("tests", Status.FAIL, commands=commands)))
    reference = section(lines, "## Command Reference")
    assert reference[reference.index("# tests: what the gate ran") + 1 :][:3] == [
        "python -m pytest -p no:cacheprovider --cov=app -m 'not slow'",
        "bandit -r src -f json -q",
        "mypy src",
    ]
    assert not any("/var/" in line or "/root/" in line for line in reference)
    assert not any("_readiness" in line for line in reference)


def test_a_criterion_with_markup_is_escaped_once() -> None:
    report = make_report(
        gate(
            "typing",
            Status.FAIL,
            criteria=[Criterion(text="mypy clean on my_pkg/*", met=False)],
        )
    )
    lines = markdown(report)
    assert lines.count("- [ ] mypy clean on my_pkg/\\*") == 1
