"""A session: the audited target, the gate registry and the target's settings.

Every command starts the same way: discover the target, take the gates, read
``[tool.readiness]`` against their names, apply the command line's overrides
(``--baseline``, ``--advisory-db``). :meth:`Session.open` does it, once; the
audit, the baseline recorder, the fix engine and ``readiness lock`` all start
from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from readiness import settings as settings_module
from readiness.cache import target_folder
from readiness.errors import UsageError
from readiness.gates import registry
from readiness.gates.interface import Gate
from readiness.settings import Settings
from readiness.target import Target, discover


@dataclass(frozen=True, kw_only=True)
class Session:
    target: Target
    #: The available gates, by name, in report order.
    gates: Mapping[str, type[Gate]]
    settings: Settings

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        baseline: Path | None = None,
        advisory_db: Path | None = None,
        cache: Path | None = None,
    ) -> Session:
        """Discover ``path`` and read its settings; :class:`UsageError` (one line)
        when an override names a file that is not there. ``cache``: the folder
        under which this target's result cache lives (``None``: no cache)."""
        target = discover(path)
        gates = registry()
        config = settings_module.load(target, frozenset(gates))
        if baseline is not None:
            if not baseline.is_file():
                raise UsageError(f"{baseline}: no such baseline file")
            config = dataclasses.replace(config, baseline=baseline.resolve())
        if advisory_db is not None:
            if not advisory_db.exists():
                raise UsageError(f"{advisory_db}: no such advisory database")
            config = dataclasses.replace(config, advisory_db=advisory_db.resolve())
        if cache is not None:
            folder = target_folder(target.root, cache)
            config = dataclasses.replace(config, cache_dir=folder)
        return cls(target=target, gates=gates, settings=config)
