"""The libcst fixers (tar extraction, request timeouts): before/after, properties."""

from __future__ import annotations

import ast
import re
import tarfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readiness.fixers.edits.syntax import append_keyword
from readiness.fixers.edits.tar import harden
from readiness.fixers.edits.timeouts import add_timeouts
from readiness.fixers.interface import Changed, FixError, Skipped
from readiness.fixers.request_timeouts import RequestTimeoutsFixer, timeout_text
from readiness.fixers.tar_extract import TarExtractFixer, supports_filters
from tests.fixing import assert_fix, dedent, finding, plan, without_insertions

if TYPE_CHECKING:
    from tests.conftest import MakeRepo


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("f()\n", "f(timeout=30)\n"),
        ("f(a)\n", "f(a, timeout=30)\n"),
        ("f(a )\n", "f(a, timeout=30 )\n"),
        ("f(a,)\n", "f(a, timeout=30,)\n"),
        ("f(a, )\n", "f(a, timeout=30, )\n"),
        ("f(*args)\n", "f(*args, timeout=30)\n"),
        ("f(\n    a, b\n)\n", "f(\n    a, b, timeout=30\n)\n"),
        ("f(a,  # c\n  b  # d\n)\n", "f(a,  # c\n  b, timeout=30  # d\n)\n"),
        ("f(\n    a,\n)\n", "f(\n    a,\n    timeout=30,\n)\n"),
        ("f(\n    a,  # c\n)\n", "f(\n    a,  # c\n    timeout=30,\n)\n"),
        ("f(\n  a,\n  b,\n)\n", "f(\n  a,\n  b,\n  timeout=30,\n)\n"),
        ("f(a,\n)\n", "f(a,\n    timeout=30,\n)\n"),
    ],
)
def test_append_keyword_follows_the_calls_layout(before: str, after: str) -> None:
    module = cst.parse_module(before)

    class Append(cst.CSTTransformer):
        def leave_Call(  # noqa: N802 - libcst's name
            self, original: cst.Call, updated: cst.Call
        ) -> cst.Call:
            return append_keyword(updated, "timeout", "30")

    got = module.visit(Append()).code
    assert got == after
    assert without_insertions(before, got) == before


# --- tar extraction -------------------------------------------------------------

TAR = """
import tarfile


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest)  # keep this comment
"""


def tar_fix(text: str, *, use_filter: bool) -> str:
    lines = {n for n, line in enumerate(text.splitlines(), 1) if ".extract" in line}
    return harden("m.py", text, lines, use_filter=use_filter).text


def test_filter_data_where_every_supported_python_has_it() -> None:
    assert_fix(
        partial(tar_fix, use_filter=True),
        TAR,
        """
        import tarfile


        def unpack(archive, dest):
            with tarfile.open(archive) as tar:
                tar.extractall(dest, filter="data")  # keep this comment
        """,
    )


def test_member_guard_where_a_supported_python_lacks_filters() -> None:
    assert_fix(
        partial(tar_fix, use_filter=False),
        TAR,
        '''
        import tarfile


        def _safe_tar_members(archive, destination):
            """The members of ``archive``, refusing links, devices and any member that
            would land outside ``destination`` (added by readiness fix: this Python has
            no tarfile extraction filters)."""
            import os

            root = os.path.realpath(destination)
            members = archive.getmembers()
            for member in members:
                path = os.path.realpath(os.path.join(root, member.name))
                if os.path.commonpath([root, path]) != root:
                    raise ValueError(f"tar member outside {root}: {member.name!r}")
                if not (member.isfile() or member.isdir()):
                    raise ValueError(f"tar member is a link or device: {member.name!r}")
            return members


        def unpack(archive, dest):
            with tarfile.open(archive) as tar:
                tar.extractall(dest, members=_safe_tar_members(tar, dest))  # keep this comment
        ''',  # noqa: E501 - the fixer's output is one line
    )


def test_the_guard_refuses_traversal_links_and_devices(tmp_path: Path) -> None:
    fixed = tar_fix(dedent(TAR), use_filter=False)
    namespace: dict[str, object] = {}
    code = compile(fixed, "m.py", "exec")
    exec(code, namespace)  # noqa: S102 - runs the fixer's output, under test
    unpack = namespace["unpack"]
    assert callable(unpack)

    def archive(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> Path:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.tar"
        with tarfile.open(path, "w") as tar:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            tar.addfile(info)
        return path

    dest = tmp_path / "out"
    unpack(archive("ok.txt"), str(dest))
    assert (dest / "ok.txt").is_file()
    for bad, why in [
        (archive("../escape.txt"), "outside"),
        (archive("/etc/absolute.txt"), "outside"),
        (archive("link", tarfile.SYMTYPE, "/etc/passwd"), "link or device"),
        (archive("dev", tarfile.CHRTYPE), "link or device"),
    ]:
        with pytest.raises(ValueError, match=why):
            unpack(bad, str(dest))
    assert not (tmp_path / "escape.txt").exists()


def test_the_guard_reuses_module_os_and_keeps_module_level_code_working() -> None:
    source = dedent("""
        '''Docstring.'''
        import os
        import tarfile
        try:
            import fast
        except ImportError:
            fast = None
        ROOT = "data"
        tar = tarfile.open("x.tar")
        tar.extractall(ROOT)
        """)
    fixed = tar_fix(source, use_filter=False)
    assert "    import os\n" not in fixed
    body = ast.parse(fixed).body
    names = [type(node).__name__ for node in body]
    # after the header (imports, try-import, assignments), before the call
    assert names.index("FunctionDef") == 6
    assert "tar.extractall(ROOT, members=_safe_tar_members(tar, ROOT))" in fixed
    assert without_insertions(source, fixed) == source


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ("tar.extractall(dest, filter='tar')", "already passes filter="),
        ("tar.extractall(dest, members=m)", "already passes members="),
        ("tar.extractall(**options)", "passes \\*args or \\*\\*kwargs"),
        ("tar.extract(member, dest)", "extract\\(\\) of one member"),
        ("open_tar().extractall(dest)", "archive is not a plain name"),
        ("tar.extractall(make_dest())", "destination is not a plain name"),
    ],
)
def test_the_guard_leaves_what_it_cannot_check(call: str, reason: str) -> None:
    result = harden("m.py", f"{call}\n", {1}, use_filter=False)
    assert result.fixed == set()
    assert re.search(reason, result.left[1])


@pytest.mark.parametrize(
    ("requires", "supported"),
    [
        (">=3.12", True),
        (">=3.11.4", True),
        ("~=3.11.4", True),
        (">=3.10.12,<3.11", True),
        (">=3.8.17,!=3.9.*,!=3.10.*,<3.11", True),
        (">=3.11", False),
        (">=3.10.12", False),  # 3.11.0 to 3.11.3 lack them
        ("==3.11.*", False),
        (">=3.9", False),
        (None, False),
        ("not a specifier", False),
    ],
)
def test_filters_are_decided_from_requires_python(
    requires: str | None, supported: bool  # noqa: FBT001 - parametrized
) -> None:
    assert supports_filters(requires) is supported


# --- timeouts -------------------------------------------------------------------


def timeout_fix(text: str, value: str = "30") -> str:
    lines = {n for n, line in enumerate(text.splitlines(), 1) if "# B113" in line}
    return add_timeouts("m.py", text, lines, value)[0]


def test_timeouts_are_added_to_the_flagged_calls_only() -> None:
    assert_fix(
        timeout_fix,
        """
        import requests
        import httpx as h
        from requests import post as send

        requests.get(url)  # B113
        requests.get(url)
        send(url, json=body)  # B113
        h.get(url)  # B113
        session.get(url)  # B113
        requests.post(  # B113
            url,
            json=body,
        )
        """,
        """
        import requests
        import httpx as h
        from requests import post as send

        requests.get(url, timeout=30)  # B113
        requests.get(url)
        send(url, json=body, timeout=30)  # B113
        h.get(url, timeout=30)  # B113
        session.get(url)  # B113
        requests.post(  # B113
            url,
            json=body,
            timeout=30,
        )
        """,
    )


def test_explicit_none_and_kwargs_are_left_with_the_reason() -> None:
    text = "import requests\nrequests.get(u, timeout=None)\nrequests.get(u, **kw)\n"
    after, fixed, refused = add_timeouts("m.py", text, {2, 3}, "30")
    assert after == text
    assert fixed == set()
    assert "timeout= is already given" in refused[2]
    assert "passes **kwargs" in refused[3]


def test_timeout_values_are_written_as_numbers() -> None:
    assert timeout_text(30.0) == "30"
    assert timeout_text(2.5) == "2.5"


def test_unparsable_python_is_refused() -> None:
    with pytest.raises(FixError, match="does not parse"):
        add_timeouts("m.py", "def f(:\n", {1}, "30")


# --- properties ------------------------------------------------------------------

STATEMENTS = st.sampled_from(
    [
        "x = 1",
        "import os",
        "from a import b  # comment",
        '"""A docstring."""',
        "def f(a, b=2):\n    return a + b",
        "class C:\n    attr = [\n        1,\n        2,\n    ]",
        "if x:\n    y = {'k': 1}\nelse:\n    pass",
        "# a lone comment",
        "",
    ]
)
ARGS = st.sampled_from(
    [
        "url",
        "url, stream=True",
        "url,",
        "\n    url,\n",
        "\n    url, json=body\n",
        "url  # c\n",
    ]
)


@st.composite
def modules(draw: st.DrawFn, call: str) -> tuple[str, int]:
    """A module with ``call(ARGS)`` at some line, and that line."""
    before = draw(st.lists(STATEMENTS, max_size=4))
    after = draw(st.lists(STATEMENTS, max_size=3))
    args = draw(ARGS)
    indent = draw(st.sampled_from(["", "    "]))
    head = "\n".join(["import requests", "import tarfile", *before])
    line = head.count("\n") + 2 + (1 if indent else 0)
    wrapper = "def run(url, tar, dest, body):\n" if indent else ""
    statement = f"{indent}{call}({args.replace(chr(10), chr(10) + indent)})"
    text = f"{head}\n{wrapper}{statement}\n" + "\n".join(after) + "\n"
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return text.replace("\n", newline), line


@settings(max_examples=200, deadline=None, database=None)
@given(case=modules("requests.get"))
def test_timeout_property(case: tuple[str, int]) -> None:
    text, line = case
    after, fixed, _ = add_timeouts("m.py", text, {line}, "30")
    assert fixed == {line}
    ast.parse(after)
    assert without_insertions(text, after) == text
    assert add_timeouts("m.py", after, {line}, "30")[0] == after


@settings(max_examples=200, deadline=None, database=None)
@given(case=modules("tar.extractall"), use_filter=st.booleans())
def test_tar_property(
    case: tuple[str, int], use_filter: bool  # noqa: FBT001 - drawn by hypothesis
) -> None:
    text, line = case
    text = text.replace("url", "dest")
    result = harden("m.py", text, {line}, use_filter=use_filter)
    assert result.fixed == {line}
    ast.parse(result.text)
    assert without_insertions(text, result.text) == text


# --- the fixers on repositories (black keeps black-clean files clean) -----------------


@pytest.mark.tools
def test_plans_on_a_repository(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\nrequires-python = ">=3.12"\n',
            "src/app/__init__.py": "",
            "src/app/net.py": """
                import tarfile

                import requests


                def send(base_url, order_payload, request_headers):
                    return requests.post(
                        f"{base_url}/v1/orders/submit/now", json=order_payload, headers=request_headers
                    )


                def unpack(path, dest):
                    with tarfile.open(path) as tar:
                        tar.extractall(dest)
                """,  # noqa: E501 - one line that just fits at the target's indentation
        }
    )
    b113 = finding("B113", "src/app/net.py", 7)
    b202 = finding("B202", "src/app/net.py", 14)
    tar_outcome, _ = plan(TarExtractFixer(), root, [b202])
    assert isinstance(tar_outcome, Changed)
    assert 'tar.extractall(dest, filter="data")' in tar_outcome.edits[0].after
    outcome, _ = plan(RequestTimeoutsFixer(), root, [b113])
    assert isinstance(outcome, Changed)
    # black-clean before, so black lays the longer call out (one argument a line)
    assert outcome.edits[0].after.splitlines()[6:12] == [
        "    return requests.post(",
        '        f"{base_url}/v1/orders/submit/now",',
        "        json=order_payload,",
        "        headers=request_headers,",
        "        timeout=30,",
        "    )",
    ]
    left, _ = plan(RequestTimeoutsFixer(), root, [finding("B113", "src/app/net.py", 2)])
    assert isinstance(left, Skipped)
    assert left.reason == "no requests/httpx call on the line"


@pytest.mark.tools
def test_plans_leave_what_they_cannot_fix_with_the_reason(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "app"\n',
            "src/app/__init__.py": "",
            "src/app/broken.py": "import tarfile\ndef f(:\n",
            "src/app/ugly.py": (
                "import requests\nx=requests.get( 'u' )\ny = [1,2]\n"
                "def unpack(tar, dest):\n    tar.extractall(dest)\n"
            ),
        }
    )
    tar = TarExtractFixer()
    outcome, _ = plan(
        tar,
        root,
        [
            finding("B202", "src/app/broken.py", 2),
            finding("B202", "src/app/missing.py", 2),
            finding("B202", "src/app/ugly.py", 2),
        ],
    )
    assert isinstance(outcome, Skipped)
    reasons = {item.finding.path: item.reason for item in outcome.left}
    assert "does not parse" in reasons["src/app/broken.py"]
    assert reasons["src/app/missing.py"] == "src/app/missing.py does not exist"
    assert reasons["src/app/ugly.py"] == "no tarfile extraction on the line"
    # not black-clean before: the insertion is left as it is, no reformatting
    timeouts, _ = plan(
        RequestTimeoutsFixer(), root, [finding("B113", "src/app/ugly.py", 2)]
    )
    assert isinstance(timeouts, Changed)
    assert (
        timeouts.edits[0].after.splitlines()[1] == "x=requests.get( 'u', timeout=30 )"
    )
    guarded, _ = plan(tar, root, [finding("B202", "src/app/ugly.py", 5)])
    assert isinstance(guarded, Changed)
    assert guarded.notes[0].startswith(
        "src/app/ugly.py: requires-python (not declared) allows Pythons without"
    )
