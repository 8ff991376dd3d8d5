"""The report formats, by ``--format`` name, in the order the CLI lists them.

A renderer's module is imported when its format is asked for (as the gate
registry does): an audit writing Markdown and JSON does not load the SARIF,
JUnit and HTML renderers.
"""

from __future__ import annotations

import importlib

from readiness.reports.interface import Renderer, ReportError

#: Each format's module (under ``readiness.reports``) and renderer class.
_WHERE: dict[str, tuple[str, str]] = {
    "md": ("markdown", "MarkdownRenderer"),
    "json": ("json", "JsonRenderer"),
    "sarif": ("sarif", "SarifRenderer"),
    "junit": ("junit", "JunitRenderer"),
    "html": ("html", "HtmlRenderer"),
}
#: The ``--format`` names, known without importing the renderers.
FORMATS = tuple(_WHERE)


def renderer(name: str) -> type[Renderer]:
    """The renderer of format ``name`` (one of :data:`FORMATS`)."""
    module, cls = _WHERE[name]
    found: type[Renderer] = getattr(
        importlib.import_module(f"{__name__}.{module}"), cls
    )
    return found


def renderers() -> dict[str, type[Renderer]]:
    """The available renderers, keyed by their format name."""
    return {name: renderer(name) for name in FORMATS}


__all__ = ["FORMATS", "Renderer", "ReportError", "renderer", "renderers"]
