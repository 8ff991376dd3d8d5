"""The report formats, by ``--format`` name, in the order the CLI lists them."""

from __future__ import annotations

from readiness.reports.interface import Renderer, ReportError


def renderers() -> dict[str, type[Renderer]]:
    """The available renderers, keyed by their format name."""
    from readiness.reports import (  # noqa: PLC0415 - keeps import cheap
        html,
        json,
        junit,
        markdown,
        sarif,
    )

    formats: tuple[type[Renderer], ...] = (
        markdown.MarkdownRenderer,
        json.JsonRenderer,
        sarif.SarifRenderer,
        junit.JunitRenderer,
        html.HtmlRenderer,
    )
    return {renderer.format: renderer for renderer in formats}


__all__ = ["Renderer", "ReportError", "renderers"]
