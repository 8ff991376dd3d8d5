"""The ``deps`` gate: each split lock audited for advisories, prod kept lean.

The locks are the target's ``constraints/prod.txt``, ``test.txt`` and
``dev.txt``; those it lacks are generated into the gate's scratch folder with
:mod:`readiness.locks`, from its ``uv.lock`` when it commits one, else
resolved from its metadata (static ``[project]`` or the build backend's, for
``setup.cfg``/``setup.py`` projects) preferring the versions of the lock it
commits (``pylock.toml``, ``poetry.lock``, ``pdm.lock``, pinned requirements).
An application (:func:`readiness.projectkind.kind`) that commits no lock of
any kind gets DP002; a library does not (its users resolve its version
ranges, so a lock of its own pins nothing for them), and the gate's criteria
say so, with the evidence. The prod lock must be
produced (else ``error``); a test or dev lock that cannot be (a URL
dependency that cannot be fetched) is reported out of scope, with the reason.
Each lock is audited separately, by one source for all three: the offline OSV
database given with ``--advisory-db`` or ``[tool.readiness.deps]
advisory-db``, else the online auditors in ``sources`` order (``uv audit``,
``pip-audit``, ``safety``), the first that can answer. When none can (no
network, tools missing), the gate ends as ``error`` and says what it tried.

The seed's criterion is "no High/Critical in the production lock": an
advisory fails the gate when its lock is in ``fail-locks`` (default prod) and
its severity in ``fail-severities`` (default critical, high). An advisory
without a severity (unscored) counts as ``unknown-severity`` (default high),
and says so; it fails only in the prod lock. A disputed advisory (``** DISPUTED
**``) counts as medium at most in the prod lock, low elsewhere. Each advisory
of what ships (the prod lock and any ``fail-locks``) is a finding of its own,
naming the package, the installed and the fixed versions and the path by
which the lock pulls it in; a package version only the test or dev locks pin
is one DP005 finding, Low at most (:mod:`.outside`).

```toml
[tool.readiness.deps]
advisory-db = "../advisory-db/osv-pypi.zip"   # offline OSV database (dir, zip)
sources = ["uv", "pip-audit", "safety"]       # online, tried in order
fail-locks = ["prod"]
fail-severities = ["critical", "high"]
unknown-severity = "high"
dev-stacks = ["jupyter", "notebook", "torch"]  # replaces the default list
osv-url = "https://osv.example/v1/query"       # an OSV mirror for uv / pip-audit
safety-db = "safety-db/"                       # a local Safety database

[[tool.readiness.deps.waivers]]
id = "PYSEC-2023-161"                          # the ID or any alias
reason = "Windows only; we deploy on Linux"
expires = 2025-06-30                           # optional; expired waivers stop waiving
```

The package: ``rules``, ``config`` (``[tool.readiness.deps]``), ``scope``
(which locks, generated how), ``findings`` (advisories, DP002, DP004),
``outside`` (DP005), ``stacks`` (DP001) and ``gate`` (the sources tried, the
criteria).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .rules import DEV_STACK, NO_LOCK, NOT_AUDITED, RULES

if TYPE_CHECKING:
    from .config import DEFAULT_DEV_STACKS, DepsConfig, load_config
    from .gate import DepsGate

#: The names whose modules load on first use (PEP 562): the fixers take the
#: gate's rules, and an audit that does not run the gate should not load its
#: advisory sources and their HTTP clients.
_LAZY = {
    "DEFAULT_DEV_STACKS": "config",
    "DepsConfig": "config",
    "load_config": "config",
    "DepsGate": "gate",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


__all__ = [
    "DEFAULT_DEV_STACKS",
    "DEV_STACK",
    "NOT_AUDITED",
    "NO_LOCK",
    "RULES",
    "DepsConfig",
    "DepsGate",
    "load_config",
]
