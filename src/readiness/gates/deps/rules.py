"""The deps gate's own rules (advisories carry their database IDs instead)."""

from __future__ import annotations

from readiness.findings import Rule

DEV_STACK = Rule(
    id="DP001",
    title="the prod lock pulls in a dev stack",
    explanation=(
        "Notebook, plotting, machine-learning and test stacks are heavy and bring"
        " most of a project's advisories; production should not install them."
        " A plugin of a stack (a pytest plugin: its `pytest11` entry point, its"
        " `Framework :: Pytest` classifier, or its `pytest-*` name) runs inside"
        " that stack, so its depending on it is not counted."
    ),
    fix="move the requirement that pulls it in to an extra or a dependency group",
)
NO_LOCK = Rule(
    id="DP002",
    title="no committed lock",
    explanation=(
        "Without a committed lock (constraints/{prod,test,dev}.txt, uv.lock,"
        " pylock.toml, poetry.lock, pdm.lock or pinned requirements files) every"
        " install resolves anew: what was audited is not what is deployed. The"
        " gate audited locks it generated from the project's metadata instead."
        " Only for an application: a library's users resolve its version"
        " ranges, so a lock of its own would pin nothing for them."
    ),
    fix="run `readiness lock .` and commit constraints/ (or commit your tool's lock)",
)
NOT_AUDITED = Rule(
    id="DP004",
    title="a locked package was not audited",
    explanation=(
        "The advisory source could not check this entry (not pinned to a version,"
        " a line the lock parser could not read, or skipped by the tool)."
    ),
    fix="pin every package of the lock with == (regenerate it: `readiness lock .`)",
)
OUTSIDE_PROD = Rule(
    id="DP005",
    title="a package only the test or dev locks pin has advisories",
    explanation=(
        "The package runs in developers' and CI's environments, not in what"
        " ships (the prod lock, and any lock `fail-locks` names): one finding"
        " per package version, listing its advisories, the worst of them, the"
        " locks that pin it and who pulls it in, at Low at most. Its test"
        " server or tool sees only the project's own inputs; fix it when"
        " convenient, usually by bumping the requirement that pulls it in."
    ),
    fix="upgrade the package (or the requirement that pulls it in), then"
    " `readiness lock .`",
)
#: readiness's own rules, for renderers and documentation. (DP003, records of
#: the advisory database that could not be read, is no longer a finding: the
#: count is in the gate's metrics and criteria, since the target cannot act on it.)
RULES = (DEV_STACK, NO_LOCK, NOT_AUDITED, OUTSIDE_PROD)
