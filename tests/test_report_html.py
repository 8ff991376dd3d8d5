"""The HTML report: one self-contained page, its anchors, chart, trend and changes.

The page is parsed back with the standard library's HTML parser; the last
test loads it in headless Chromium (Debian's ``chromium`` package) and saves
a screenshot under ``tests/artifacts/``.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 - runs chromium with list arguments
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from readiness.findings import Criterion, Report, Severity, Status
from readiness.reports.history import difference, trend
from readiness.reports.html import CSP, HtmlRenderer, anchor
from tests.test_reports import finding, gate, make_report, sample_report

ARTIFACTS = Path(__file__).parent / "artifacts"


@dataclass
class Page(HTMLParser):
    """Tags, ids, links and text of a page, as a browser's parser sees them."""

    tags: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    metas: list[dict[str, str | None]] = field(default_factory=list)
    _in_title: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if values.get("href") is not None:
            self.hrefs.append(str(values["href"]))
        if "src" in values:
            self.sources.append(str(values["src"]))
        if tag == "meta":
            self.metas.append(values)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_title:
            self.titles.append(data)

    @property
    def plain(self) -> str:
        """The text, a space between elements, whitespace collapsed."""
        return " ".join(" ".join(self.text).split())

    @property
    def inline(self) -> str:
        """The text with inline elements joined as they read."""
        return " ".join("".join(self.text).split())


def page(report: Report, previous: tuple[Report, ...] = ()) -> Page:
    parsed = Page()
    parsed.feed(HtmlRenderer().render(report, previous=previous))
    parsed.close()
    return parsed


def test_the_page_loads_nothing_from_anywhere() -> None:
    parsed = page(sample_report())
    assert {"script", "link", "img", "iframe", "object", "embed"} & set(
        parsed.tags
    ) == set()
    assert parsed.sources == []
    assert [href for href in parsed.hrefs if not href.startswith("#")] == []
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in parsed.metas
    assert parsed.tags.count("style") == 1


def test_every_link_has_its_target_and_ids_are_unique() -> None:
    parsed = page(sample_report(), previous=(earlier(),))
    assert len(parsed.ids) == len(set(parsed.ids))
    assert {href[1:] for href in parsed.hrefs} - set(parsed.ids) == set()


def test_findings_are_anchored_by_file_and_line() -> None:
    parsed = page(sample_report())
    assert "src/app/data.py:326" in parsed.ids
    assert "#src/app/client24.py:12" in parsed.hrefs
    spaced = make_report(
        gate("lint", Status.FAIL, findings=[finding("E501", path="my app/x.py")] * 2)
    )
    spaced_page = page(spaced)
    assert spaced_page.ids.count("my_app/x.py:12") == 1
    assert spaced_page.hrefs.count("#my_app/x.py:12") == 2
    assert anchor(finding(path=None, line=None)) == ""


def test_the_verdict_summary_and_blockers() -> None:
    text = page(sample_report()).plain
    assert "examples/legacy-app production readiness" not in text  # name, not path
    assert "legacy-app production readiness" in text
    assert "NOT READY" in text
    assert (
        "1 of 6 acceptance criteria met; 31 findings (29 P0, 2 P1); 6 gates"
        " (1 pass, 3 fail, 1 error, 1 skipped)." in text
    )
    assert "P0 Security hotfixes: bandit High = 0" in text
    assert "P0 Test unblocking and coverage: the tests gate runs (pytest is not" in text
    ready = page(make_report(gate("lint"))).plain
    assert "READY" in ready
    assert "1 of 1 acceptance criterion met; 0 findings; 1 gate (1 pass)." in ready


def test_the_chart_stacks_findings_by_gate_and_priority() -> None:
    parsed = page(sample_report())
    bars = [t for t in parsed.titles if ": " in t]
    assert bars == ["markers P0: 3", "sast P0: 26", "deps P1: 2"]
    assert parsed.titles[0] == sample_report().target_name + " production readiness"
    assert "Findings by gate and priority" in parsed.titles


def test_the_plan_lists_every_criterion_with_its_state() -> None:
    text = page(sample_report()).plain
    assert "P0 · Security hotfixes — open" in text
    assert "✗ bandit High = 0" in text
    assert "✗ every Medium fixed or `# nosec` with a reason" in text
    assert "Validate each member's path before extracting" in text


def test_markup_in_the_data_is_shown_as_text() -> None:
    hostile = "<script>alert('x')</script> & <b>bold</b>"
    report = make_report(
        gate(
            "lint",
            Status.FAIL,
            findings=[finding("E1", message=hostile, path='a"b.py', fix="<i>x</i>")],
            criteria=[Criterion(text="<em>never</em>", met=False)],
        ),
        target="x&y/<app>",
    )
    parsed = page(report)
    assert {"script", "b", "i", "em"} & set(parsed.tags) == set()
    assert hostile in parsed.plain
    assert "<em>never</em>" in parsed.plain
    assert 'a"b.py:12' in parsed.ids


def earlier() -> Report:
    """The sample a week before: B202 not there yet, a finding fixed since."""
    current = sample_report()
    gates = []
    for result in current.gates:
        findings = tuple(f for f in result.findings if f.rule != "B202")
        if result.name == "sast":
            findings += (finding("B608", severity=Severity.MEDIUM, line=3),)
        gates.append(replace(result, findings=findings))
    return replace(
        current, gates=tuple(gates), generated_at="2025-10-04T09:30:00+00:00"
    )


def test_the_changes_since_the_last_report() -> None:
    oldest = replace(earlier(), generated_at="2025-09-27T09:30:00+00:00")
    parsed = page(sample_report(), previous=(earlier(), oldest))
    text = parsed.plain
    assert "Since 2025-10-04T09:30:00+00:00: 1 new, 1 fixed, 30 unchanged." in (
        parsed.inline
    )
    assert "New findings src/app/data.py:326 B202" in text
    assert "Fixed findings src/app/x.py:3 B608" in text
    rows = [
        "2025-09-27T09:30:00+00:00 not-ready 31 29 2 0 1 of 6",
        "2025-10-04T09:30:00+00:00 not-ready 31 29 2 0 1 of 6",
        "2025-10-11T09:30:00+00:00 not-ready 31 29 2 0 1 of 6",
    ]
    assert all(row in text for row in rows)
    assert text.index(rows[0]) < text.index(rows[1]) < text.index(rows[2])
    assert "Trend and changes" not in page(sample_report()).plain


def test_difference_counts_identical_findings_one_by_one() -> None:
    twice = make_report(gate("lint", Status.FAIL, findings=[finding("E1")] * 2))
    thrice = make_report(gate("lint", Status.FAIL, findings=[finding("E1")] * 3))
    change = difference(thrice, twice)
    assert (len(change.new), len(change.fixed), len(change.unchanged)) == (1, 0, 2)
    back = difference(twice, thrice)
    assert (len(back.new), len(back.fixed), len(back.unchanged)) == (0, 1, 2)
    moved = make_report(gate("lint", Status.FAIL, findings=[finding("E1", line=40)]))
    assert len(difference(moved, twice).unchanged) == 1  # the line is not identity
    points = trend(thrice, [twice])
    assert [(p.findings, p.by_priority[0][1]) for p in points] == [(2, 2), (3, 3)]


def test_the_page_is_deterministic() -> None:
    first = HtmlRenderer().render(sample_report(), previous=(earlier(),))
    assert HtmlRenderer().render(sample_report(), previous=(earlier(),)) == first
    assert first.endswith("</html>\n")


# Headless Chromium -------------------------------------------------------------


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return subprocess.run(
        [
            executable,
            *("--headless", "--no-sandbox", "--disable-gpu"),
            *("--disable-background-networking", "--disable-component-update"),
            *("--disable-sync", "--no-first-run", f"--user-data-dir={profile}"),
            *("--enable-logging=stderr", "--v=0", *args),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    """What the page logged: Chromium prints console messages as ``:CONSOLE``."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.tools
def test_chromium_renders_the_page_without_a_console_message(tmp_path: Path) -> None:
    target = tmp_path / "readiness-report.html"
    target.write_text(
        HtmlRenderer().render(sample_report(), previous=(earlier(),)), encoding="utf-8"
    )
    shot = tmp_path / "readiness-report.png"
    shown = chromium(
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        target.as_uri(),
        profile=tmp_path / "profile-1",
    )
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_messages(shown.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "readiness-report.png")
    dom = chromium("--dump-dom", target.as_uri(), profile=tmp_path / "profile-2")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert '<p id="verdict" class="verdict not-ready">NOT READY</p>' in dom.stdout
    assert '<tr id="src/app/data.py:326">' in dom.stdout
    # The check is not vacuous: a page that fetches something is reported.
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        HtmlRenderer()
        .render(sample_report())
        .replace("</main>", '<img src="https://example.invalid/x.png"></main>')
    )
    blocked = chromium("--dump-dom", leaky.as_uri(), profile=tmp_path / "profile-3")
    assert any("Content Security Policy" in m for m in console_messages(blocked.stderr))
