"""The ``-m``/``-k`` selection the suite runs with."""

from __future__ import annotations

from dataclasses import dataclass

from readiness.pytest_survey.marks import PLUGIN_MARKERS, Survey, active_markers
from readiness.target import Target

from .config import Config
from .probe import Installed

#: The seed's unit-test selection: ``-m "not memory and not api_integration
#: and not live and not ib_integration"``, one term per marker.
SEED_EXCLUDED = ("memory", "api_integration", "live", "ib_integration")


@dataclass(frozen=True, kw_only=True)
class Selection:
    markers: str
    keywords: str

    @property
    def args(self) -> list[str]:
        found = ["-m", self.markers] if self.markers else []
        return found + (["-k", self.keywords] if self.keywords else [])

    def __str__(self) -> str:
        parts = [f'-m "{self.markers}"'] if self.markers else []
        parts += [f'-k "{self.keywords}"'] if self.keywords else []
        return " ".join(parts) or "all tests"


def marker_selection(
    config: Config, target: Target, survey: Survey, installed: Installed
) -> Selection:
    """The configured ``-m`` expression, or the seed's for the markers the target has.

    A marker that is neither registered nor used has no business in ``-m``:
    with ``--strict-markers`` pytest 9 rejects an expression naming it.
    """
    if config.markers is not None:
        return Selection(markers=config.markers, keywords=config.keywords)
    known = (
        active_markers(target.pytest_config)
        | survey.registered
        | {use.marker for use in survey.uses}
    )
    for dist in installed.versions:
        known |= PLUGIN_MARKERS.get(dist, frozenset())
    terms = [f"not {name}" for name in SEED_EXCLUDED if name in known]
    return Selection(markers=" and ".join(terms), keywords=config.keywords)
