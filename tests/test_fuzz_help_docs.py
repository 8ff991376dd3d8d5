"""Fuzzing the readers of help pages, documentation and build logs (issue 13, item 7).

``--help`` output of the target's own CLI, its Markdown/reST/notebook docs and
the build backend's log are text the target controls: every reader returns its
normal value for any text and never raises.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from readiness import buildlog, clitree, docsnippets, helpwalk
from readiness.target import Target
from tests.fuzzing import (
    DEEP_JSON,
    FUZZ,
    HUGE_INT,
    lines_like,
    make_target,
    texts,
    write,
)

HELP = """\
Usage: fuzzed [OPTIONS] COMMAND [ARGS]...

  A tool.

Options:
  -v, --verbose        Say more.
  --out DIR            Where.
  -h, --help           Show this message and exit.

Commands:
  audit   Run it.
  fix     Fix it.

positional arguments:
  {audit,fix,lock}
    audit        run
options:
  --format {md,json}  the format
╭─ Commands ─────────────╮
│ serve   Start.          │
╰─────────────────────────╯
"""

MARKDOWN = """\
# Title
Run `fuzzed audit --out x` then:

```bash
$ fuzzed fix --dry-run \\
    --priority P0
pip install fuzzed[extra]
```

~~~console
fuzzed lock
~~~
"""

RST = """\
Usage
=====

.. code-block:: bash

   fuzzed audit --out x \\
       --format json

::

    $ fuzzed gates

Run :command:`fuzzed lock`.
"""

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": ["Run `fuzzed audit`\n"]},
        {"cell_type": "code", "source": ["!fuzzed fix --dry-run\n", "x = 1\n"]},
        {"cell_type": "code", "source": "%%bash\nfuzzed lock\n"},
    ]
}

BUILD_LOG = """\
* Building wheel...
Traceback (most recent call last):
  File "/tmp/build/setup.py", line 3, in <module>
ModuleNotFoundError: No module named 'numpy'
error: subprocess-exited-with-error
  x Getting requirements to build wheel did not run successfully.
  │ exit code: 1
ERROR Backend subprocess exited when trying to invoke get_requires_for_build_wheel
FileNotFoundError: [Errno 2] No such file or directory: 'src/fuzzed/VERSION'
"""


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Target:
    return make_target(
        tmp_path_factory.mktemp("fuzz") / "repo",
        {"pyproject.toml": """
                [project]
                name = "fuzzed"
                version = "1.0"
                dependencies = ["click"]
                [project.optional-dependencies]
                server = ["uvicorn"]
                test = ["pytest"]
                [project.scripts]
                fuzzed = "fuzzed:main"
                """},
    )


@FUZZ
@given(text=st.one_of(lines_like(HELP), texts))
@example(text="Commands:\n" + "  x" * 5000)
@example(text="Usage: x\n\nOptions:\n  --" + "a" * 10000)
def test_parse_help(text: str) -> None:
    page = clitree.parse_help(text)
    assert isinstance(page, clitree.HelpPage)
    assert all(isinstance(name, str) for name in page.commands)


@FUZZ
@given(text=st.one_of(lines_like(MARKDOWN, RST), texts))
@example(text="```\n" * 3)
@example(text="\\\n" * 50)
def test_doc_snippets(text: str) -> None:
    for snippets in (
        docsnippets.markdown_snippets(text),
        docsnippets.rst_snippets(text),
        docsnippets.notebook_snippets(text),
    ):
        assert all(isinstance(snippet, docsnippets.Snippet) for snippet in snippets)


@FUZZ
@given(
    raw=st.one_of(
        lines_like(json.dumps(NOTEBOOK, indent=1)),
        st.just(DEEP_JSON),
        st.just('{"cells": ' + HUGE_INT + "}"),
        st.just(json.dumps({"cells": [{"cell_type": "code", "source": 3}]})),
        st.just(json.dumps({"cells": [{"cell_type": "code", "source": [1, None]}]})),
    )
)
def test_notebook_snippets(tmp_path_factory: pytest.TempPathFactory, raw: str) -> None:
    found = docsnippets.notebook_snippets(raw)
    assert all(isinstance(snippet, docsnippets.Snippet) for snippet in found)


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), lines_like(MARKDOWN)))
def test_read_snippets(
    tmp_path_factory: pytest.TempPathFactory, content: bytes | str
) -> None:
    folder = tmp_path_factory.getbasetemp() / "docs"
    for name in ("a.md", "a.rst", "a.ipynb"):
        path = write(folder / name, content)
        assert isinstance(docsnippets.read_snippets(path), list)


@FUZZ
@given(output=st.one_of(lines_like(BUILD_LOG, "pip install 'fuzzed[server]'"), texts))
@example(output="ModuleNotFoundError: No module named '.'")
@example(output="No module named ''")
def test_needed_extras(target: Target, output: str) -> None:
    script = clitree.Script(name="fuzzed", entry="fuzzed:main", root=None)
    extras = helpwalk.needed_extras(target, script, output)
    assert set(extras) <= {"server"}


@FUZZ
@given(log=st.one_of(lines_like(BUILD_LOG), texts))
def test_build_log(log: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.getbasetemp()
    assert isinstance(buildlog.root_cause(log), str)
    assert isinstance(buildlog.tail(log), str)
    assert isinstance(buildlog.target_build_failed(log, root), bool)
    for line in buildlog.lines_of(log):
        assert all(isinstance(path, str) for path in buildlog.named_paths(line))
