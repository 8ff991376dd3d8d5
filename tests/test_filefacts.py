"""Facts read from a file's content, remembered by that content."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from readiness import pysource
from readiness.filefacts import FileFacts
from readiness.gates.typing.options import guarded


def counting(calls: list[str], value: object = None) -> Callable[[], object]:
    def derive() -> object:
        calls.append("derived")
        return value

    return derive


def test_facts_are_derived_once_per_content_and_remembered(tmp_path: Path) -> None:
    calls: list[str] = []
    first = FileFacts(tmp_path, "kind")
    assert first.get(b"a", counting(calls, [1, "x"])) == [1, "x"]
    assert first.get(b"a", counting(calls, "never")) == [1, "x"]
    assert first.get(b"b", counting(calls, {"b": 2})) == {"b": 2}
    first.save()
    assert calls == ["derived", "derived"]

    again = FileFacts(tmp_path, "kind")
    assert again.get(b"a", counting(calls, "never")) == [1, "x"]
    assert calls == ["derived", "derived"]
    again.save()  # b was not looked up: it is dropped
    saved = json.loads((tmp_path / "kind.json").read_text())
    assert list(saved["facts"]) == [
        "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
    ]
    assert FileFacts(tmp_path, "other").get(b"a", counting(calls, 3)) == 3


def test_facts_changed_in_place_are_a_fresh_start(tmp_path: Path) -> None:
    facts = FileFacts(tmp_path, "kind")
    facts.get(b"a", lambda: [1, "x"])
    facts.save()
    state = json.loads((tmp_path / "kind.json").read_text())
    (digest,) = state["facts"]
    state["facts"][digest] = "damaged"
    (tmp_path / "kind.json").write_text(json.dumps(state))
    assert FileFacts(tmp_path, "kind").get(b"a", lambda: [1, "x"]) == [1, "x"]


@pytest.mark.parametrize(
    "stored",
    ["{not json", "[]", '{"stamp": "kind/0.0.0", "facts": {}}', '{"facts": 1}'],
)
def test_an_unreadable_or_foreign_file_is_a_fresh_start(
    tmp_path: Path, stored: str
) -> None:
    (tmp_path / "kind.json").write_text(stored)
    calls: list[str] = []
    facts = FileFacts(tmp_path, "kind")
    assert facts.get(b"a", counting(calls, 1)) == 1
    facts.save()
    assert calls == ["derived"]
    assert FileFacts(tmp_path, "kind").get(b"a", counting(calls, 2)) == 1


def test_without_a_folder_nothing_is_read_or_written(tmp_path: Path) -> None:
    calls: list[str] = []
    facts = FileFacts(None, "kind")
    assert facts.get(b"a", counting(calls, 1)) == 1
    facts.save()
    assert calls == ["derived"]
    assert list(tmp_path.iterdir()) == []


def test_guarded_imports_are_remembered_and_agree_with_a_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plants: ``a.py`` imports ``yaml`` and ``.local`` under ImportError
    handlers; ``b.py`` has a ``try`` without one; ``c.py`` has no ``try``."""
    (tmp_path / "a.py").write_text(
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n"
        "try:\n    from . import local\nexcept (OSError, ImportError):\n    pass\n"
    )
    (tmp_path / "b.py").write_text("try:\n    import json\nfinally:\n    pass\n")
    (tmp_path / "c.py").write_text("import os\n")
    files = ["a.py", "b.py", "c.py"]
    parsed: list[str] = []
    real = pysource.parse

    def parse(source: bytes, *, filename: str = "<unknown>") -> object:
        parsed.append(filename)
        return real(source, filename=filename)

    monkeypatch.setattr(pysource, "parse", parse)
    fresh = guarded(tmp_path, files)
    facts = FileFacts(tmp_path / "facts", "typing-guarded")
    assert guarded(tmp_path, files, facts) == fresh
    facts.save()
    assert fresh.modules == {"yaml"}
    assert fresh.sites == {("a.py", 2), ("a.py", 6)}
    # c.py has no try, b.py no handler that could catch ImportError
    assert parsed == ["a.py", "a.py"]
    remembered = FileFacts(tmp_path / "facts", "typing-guarded")
    assert guarded(tmp_path, files, remembered) == fresh
    assert len(parsed) == 2
