"""Test-time imports that no declared dependency provides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from readiness.pytest_survey.imports import ImportSite, local_modules
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
    distribution: str
    #: whether the test environment has it anyway (through what readiness added)
    installed: bool


def undeclared_imports(
    target: Target,
    sites: Sequence[ImportSite],
    installed: Installed,
    declared: frozenset[str],
) -> list[Undeclared]:
    if not installed.versions:
        return []  # Python < 3.8: no importlib.metadata, nothing to map names with
    files = {target.root / site.path for site in sites}
    local = local_modules(target, files)
    found: list[Undeclared] = []
    for site in sites:
        top = site.top
        if top in installed.stdlib or top in local or top == "__future__":
            continue
        providers = installed.providers.get(top, ())
        if any(provider in declared for provider in providers):
            continue
        distribution = providers[0] if providers else WELL_KNOWN.get(top, top)
        found.append(
            Undeclared(site=site, distribution=distribution, installed=bool(providers))
        )
    return found
