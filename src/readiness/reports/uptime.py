"""The text ``readiness uptime`` prints: a pure function of the analysis."""

from __future__ import annotations

from datetime import UTC, tzinfo

from readiness.uptime import Heartbeats, UptimeResult, describe, duration, stamp


def render(result: UptimeResult, logs: Heartbeats, tz: tzinfo = UTC) -> str:
    """The plain-text analysis that ``readiness uptime`` prints."""
    lines = [
        (
            f"window: {stamp(result.window.start, tz)} to"
            f" {stamp(result.window.end, tz)} ({duration(result.window.seconds)})"
        ),
        f"log files: {logs.files}, lines: {logs.lines}",
        (
            f"heartbeats in the window: {result.heartbeats}"
            f" (every {result.interval_s:g} s expected)"
        ),
    ]
    notes = [
        f"{count} {what}"
        for count, what in (
            (len(logs.malformed), "malformed lines"),
            (logs.unordered, "out-of-order lines"),
            (logs.duplicates, "duplicate heartbeats"),
        )
        if count
    ]
    if notes:
        lines.append("read: " + ", ".join(notes))
    lines.extend(
        f"  malformed: {item.path}:{item.line}: {item.reason}"
        for item in logs.malformed[:10]
    )
    if len(logs.malformed) > 10:
        lines.append(f"  ... and {len(logs.malformed) - 10} more malformed lines")
    lines.append(
        f"outages: {len(result.outages)}, downtime {duration(result.downtime_s)}"
    )
    lines.extend(f"  {describe(outage, tz)}" for outage in result.outages)
    verdict = "met" if result.met else "NOT met"
    lines.append(
        f"uptime: {result.uptime_pct:.3f}% (target {result.target_pct:g}%: {verdict})"
    )
    return "\n".join(lines)
