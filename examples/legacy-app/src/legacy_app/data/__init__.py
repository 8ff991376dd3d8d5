"""Market data: sample sources and downloadable bundles."""

from legacy_app.data.sources import load_source  # noqa
