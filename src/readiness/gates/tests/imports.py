"""Test-time imports that no declared dependency provides.

Only an import that would break a fresh test environment counts: unguarded
(see :func:`readiness.pytest_survey.imports.import_sites`), in a file pytest
imports, not the project's own or a module its tests create. The advice
names a distribution only when one is known to provide the module (the test
environment's ``packages_distributions()``, else :data:`WELL_KNOWN`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from readiness.pytest_survey.files import python_file_patterns
from readiness.pytest_survey.imports import ImportSite, file_facts, local_modules
from readiness.target import Target

from .probe import Installed

#: Import names whose distribution is named differently (or that are worth
#: naming), for packages the test environment does not have at all.
WELL_KNOWN = {
    "attr": "attrs",
    "bs4": "beautifulsoup4",
    "Crypto": "pycryptodome",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "dns": "dnspython",
    "docx": "python-docx",
    "dotenv": "python-dotenv",
    "fitz": "PyMuPDF",
    "freezegun": "freezegun",
    "git": "GitPython",
    "jose": "python-jose",
    "jwt": "PyJWT",
    "magic": "python-magic",
    "MySQLdb": "mysqlclient",
    "nacl": "PyNaCl",
    "OpenSSL": "pyOpenSSL",
    "PIL": "Pillow",
    "pkg_resources": "setuptools",
    "pytest_asyncio": "pytest-asyncio",
    "pytest_mock": "pytest-mock",
    "requests_mock": "requests-mock",
    "serial": "pyserial",
    "skimage": "scikit-image",
    "sklearn": "scikit-learn",
    "slugify": "python-slugify",
    "socks": "PySocks",
    "usb": "pyusb",
    "yaml": "PyYAML",
    "zmq": "pyzmq",
}


@dataclass(frozen=True, kw_only=True)
class Undeclared:
    """A test import that no declared dependency provides."""

    site: ImportSite
    #: the distribution known to provide the module; ``None`` when none is known
    distribution: str | None
    #: whether the test environment has it anyway (through what readiness added)
    installed: bool


def undeclared_imports(
    target: Target,
    sites: Sequence[ImportSite],
    installed: Installed,
    declared: frozenset[str],
    *,
    collected: frozenset[str] | None = None,
    written: frozenset[str] = frozenset(),
) -> list[Undeclared]:
    """The imports of ``sites`` that no declared distribution provides.

    Left out besides the stdlib and the declared closure: modules of the
    project's own tree (:func:`local_modules`), files outside ``collected``
    (the relative paths pytest imports: fixture data under ``tests/resources``
    is not), package code (its imports are its dependencies', which the deps
    gate checks), and imports inside a function of a module whose name the
    tests ``written`` spell as a string (a file or module a test writes at run
    time and puts on ``sys.path``, like flask's ``config_module_app``).
    """
    if not installed.versions:
        return []  # Python < 3.8: no importlib.metadata, nothing to map names with
    files = {target.root / site.path for site in sites}
    local = local_modules(target, files)
    packages = tuple(f"{package}/" for package in target.packages)
    found: list[Undeclared] = []
    for site in sites:
        top = site.top
        if top in installed.stdlib or top in local or top == "__future__":
            continue
        if collected is not None and site.path not in collected:
            continue
        if site.path.startswith(packages) or site.path in target.packages:
            continue
        providers = installed.providers.get(top, ())
        if site.in_function and top in written and not providers:
            continue
        if any(provider in declared for provider in providers):
            continue
        distribution = providers[0] if providers else WELL_KNOWN.get(top)
        found.append(
            Undeclared(site=site, distribution=distribution, installed=bool(providers))
        )
    return found


def collected_files(
    target: Target, tests: Sequence[Path], conftests: Sequence[Path]
) -> tuple[frozenset[str], frozenset[str]]:
    """The files pytest imports, and the module names the tests write.

    pytest imports the files named like ``python_files`` and every
    ``conftest.py``; a helper module counts when one of those (or a helper
    they import) names it in an import. What remains (nox's
    ``tests/resources/noxfile_script_mode.py``, data that tests read as text)
    is never imported, so its imports cannot break a run.
    """
    patterns = python_file_patterns(target.pytest_config)
    facts = {path: file_facts(path) for path in (*tests, *conftests)}
    pending = [
        path
        for path in facts
        if path.name == "conftest.py" or any(fnmatch(path.name, p) for p in patterns)
    ]
    seen = set(pending)
    while pending:
        references = facts[pending.pop()].references
        for path in facts:
            name = path.parent.name if path.name == "__init__.py" else path.stem
            if path not in seen and name in references:
                seen.add(path)
                pending.append(path)
    strings = frozenset().union(*(fact.strings for fact in facts.values()))
    written = frozenset(
        PurePosixPath(text).name.removesuffix(".py")
        for text in strings
        if text.endswith(".py") or text.isidentifier()
    )
    return frozenset(target.rel(path) for path in seen), written
