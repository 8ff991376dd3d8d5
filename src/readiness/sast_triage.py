"""Which of bandit's results to report, and why each of the others is left out.

bandit sees one node at a time; the source around it often shows that a result
has nothing to act on. Each class below was a hand-judged false alarm on a real
project. A result of one of them is not reported but counted under its
:class:`Reason`, so the gate's scope note says what it left out and why:

- a test in the :data:`readiness.sast_config.DEFAULT_SKIPS` that applies when
  the target's bandit configuration selects no tests (counted per test);
- ``# noqa: S###`` (or ``# ruff: noqa: S###``): projects running bandit's
  checks through ruff's flake8-bandit justify the line for ruff (nox);
- B603 on a literal argument list of string constants and ``sys.executable``:
  no input reaches the process, so there is nothing to check;
- an import note (B403-B410) in a file where no result of the calls it goes
  with remains: the calls are where the risk, if any, is;
- B105-B107 whose "password" is the empty string or the ``None`` constant
  (bandit prints it as ``'None'``): a default of no password, or a comparison
  with the empty string (flask ``"SECRET_KEY": None``, black's tokenizer
  ``token_str == ""``), not a hard-coded password;
- B105 on a comparison of a lexical token with a literal (or its assignment)
  in a module that
  tokenizes (it imports ``tokenize`` or ``token``, or is named for a
  tokenizer or lexer): black's ``token_str == "lazy"`` is a keyword, not a
  password; bandit's name heuristic takes "token" for a credential;
- B110/B112 (``try``/``except``/``pass`` or ``continue``) whose except clause
  carries a comment: the written justification B110 asks for (flask
  ``config.py``, pytest-xdist ``remote.py``); tool directives such as
  ``# noqa`` or ``# pragma: no cover`` are no reason;
- B324 on a weak hash used as an HMAC digest (flask's session signature):
  HMAC-SHA1 is not broken by SHA-1 collisions, and changing the digest would
  invalidate every existing signature;
- B101 on an assert that only checks the Python version
  (``assert sys.version_info >= (3, 10)``, black): it repeats what
  ``requires-python`` enforces at install time. Other asserts stay.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from readiness import pysource
from readiness.bandit_advice import enclosing_scope
from readiness.target import Target


class Reason(Enum):
    """Why a result was left out: (one, many) as the scope note says it."""

    NOQA = (
        "result justified with ruff's `# noqa: S###`",
        "results justified with ruff's `# noqa: S###`",
    )
    FIXED_COMMAND = ("B603 on a fixed argument list", "B603 on fixed argument lists")
    LONE_IMPORT = (
        "import note whose module's calls are not reported in its file",
        "import notes whose module's calls are not reported in their file",
    )
    EMPTY_PASSWORD = (
        "empty or None password (B105-B107)",
        "empty or None passwords (B105-B107)",
    )
    LEXICAL_TOKEN = (
        "lexical token given or compared with a literal in a tokenizer (B105)",
        "lexical tokens given or compared with literals in a tokenizer (B105)",
    )
    EXPLAINED_EXCEPT = (
        "except clause that says why in a comment (B110/B112)",
        "except clauses that say why in a comment (B110/B112)",
    )
    HMAC_DIGEST = (
        "weak hash used as an HMAC digest, not broken by collisions (B324)",
        "weak hashes used as HMAC digests, not broken by collisions (B324)",
    )
    VERSION_ASSERT = (
        "assert on the Python version, as requires-python enforces (B101)",
        "asserts on the Python version, as requires-python enforces (B101)",
    )

    def counted(self, count: int) -> str:
        one, many = self.value
        return f"{count} {one if count == 1 else many}"


#: ruff's flake8-bandit rules (``crates/ruff_linter/src/codes.rs``): ``S`` and
#: the number of the bandit test each one reimplements.
RUFF_BANDIT = frozenset(
    {
        *(101, 102, 103, 104, 105, 106, 107, 108, 110, 112, 113, 201, 202),
        *range(301, 309),
        *range(310, 322),
        *(323, 324),
        *range(401, 414),
        415,
        *range(501, 510),
        *range(601, 613),
        *(701, 702, 704),
    }
)
_CODES = r"(?P<codes>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*)"
NOQA = re.compile(r"#\s*noqa\s*:\s*" + _CODES, re.IGNORECASE)
FILE_NOQA = re.compile(r"#\s*(?:ruff|flake8)\s*:\s*noqa\s*:\s*" + _CODES, re.IGNORECASE)
_CODE = re.compile(r"S(\d{3})", re.IGNORECASE)
#: bandit's subprocess tests, whose import note B404 goes with.
SUBPROCESS_TESTS = frozenset({"B602", "B603", "B604", "B605", "B606", "B607"})
#: bandit's import notes and the tests of the calls they go with.
IMPORT_CALLS: Mapping[str, frozenset[str]] = {
    "B403": frozenset({"B301"}),
    "B404": SUBPROCESS_TESTS,
    "B405": frozenset({"B313", "B314"}),
    "B406": frozenset({"B315", "B317"}),
    "B407": frozenset({"B316"}),
    "B408": frozenset({"B318"}),
    "B409": frozenset({"B319"}),
    "B410": frozenset({"B320"}),
}
PASSWORD_TESTS = frozenset({"B105", "B106", "B107"})
#: The tests :func:`judged` reads the source of.
JUDGED_TESTS = PASSWORD_TESTS | {"B603", "B110", "B112", "B324", "B101"}
_PASSWORD = re.compile(r"Possible hardcoded password: '(?P<value>.*)'$", re.DOTALL)
#: Comments that direct a tool rather than explain (``noqa: S110``).
_DIRECTIVE = re.compile(
    r"(?:(?:ruff|flake8)\s*:\s*)?noqa\b(?:\s*:\s*[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*)?"
    r"|nosec\b(?:\s*:?\s*[A-Z]\d+(?:[\s,]+[A-Z]\d+)*)?"
    r"|pragma\s*:\s*no\s*(?:cover|branch)"
    r"|type\s*:\s*ignore(?:\[[^\]]*\])?"
    r"|(?:pylint|mypy|pyright|isort|fmt)\s*:\s*[\w=,-]+",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True, kw_only=True)
class Triage:
    """bandit's results to report, and the counts of those left out."""

    kept: tuple[Mapping[str, Any], ...]
    #: Results a default skip left out, per test ID.
    skipped: Counter[str] = field(default_factory=Counter)
    #: Results left out with nothing to act on, per reason.
    left_out: Counter[Reason] = field(default_factory=Counter)

    @property
    def noqa(self) -> int:
        return self.left_out[Reason.NOQA]

    @property
    def notes(self) -> int:
        """Left out as having nothing to act on (every reason but ``noqa``)."""
        return sum(
            n for reason, n in self.left_out.items() if reason is not Reason.NOQA
        )

    def scope(self) -> str | None:
        """``bandit results left out: 2 empty or None passwords ...``."""
        parts = [
            reason.counted(self.left_out[reason])
            for reason in Reason
            if self.left_out[reason]
        ]
        return "bandit results left out: " + "; ".join(parts) if parts else None


class Sources:
    """Each scanned file read once: its comments and its syntax tree."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._comments: dict[str, list[tuple[int, str]]] = {}
        self._noqa: dict[str, tuple[dict[int, set[str]], set[str]]] = {}
        self._trees: dict[str, ast.Module | None] = {}

    def path(self, filename: str) -> Path:
        return self.target.root / self.target.rel(filename)

    def comments(self, filename: str) -> list[tuple[int, str]]:
        if filename not in self._comments:
            self._comments[filename] = comments(self.path(filename))
        return self._comments[filename]

    def justified(self, item: Mapping[str, Any]) -> bool:
        """Whether a ``# noqa: S###`` on the result's lines names its test."""
        filename = str(item["filename"])
        if filename not in self._noqa:
            found = comments(self.path(filename), containing=b"noqa")
            self._noqa[filename] = ruff_justifications(found)
        by_line, whole_file = self._noqa[filename]
        test_id = str(item["test_id"])
        return test_id in whole_file or any(
            test_id in by_line.get(line, ()) for line in lines_of(item)
        )

    def tree(self, filename: str) -> ast.Module | None:
        if filename not in self._trees:
            path = self.path(filename)
            try:
                self._trees[filename] = pysource.parse(
                    path.read_bytes(), filename=str(path)
                )
            except (OSError, SyntaxError, ValueError):
                self._trees[filename] = None
        return self._trees[filename]


def triage(
    sources: Sources,
    items: Iterable[Mapping[str, Any]],
    default_skips: Iterable[str] = (),
) -> Triage:
    """The results to report and what was left out (see the module docstring)."""
    skips = frozenset(default_skips)
    kept: list[Mapping[str, Any]] = []
    skipped: Counter[str] = Counter()
    left_out: Counter[Reason] = Counter()
    for item in items:
        test_id = str(item["test_id"])
        if test_id in skips:
            skipped[test_id] += 1
            continue
        reason = Reason.NOQA if sources.justified(item) else judged(sources, item)
        if reason is None:
            kept.append(item)
        else:
            left_out[reason] += 1
    calls = {
        (str(item["filename"]), test)
        for item in kept
        for test in IMPORT_CALLS
        if item["test_id"] in IMPORT_CALLS[test]
    }
    reported = [
        item
        for item in kept
        if item["test_id"] not in IMPORT_CALLS
        or (str(item["filename"]), item["test_id"]) in calls
    ]
    left_out[Reason.LONE_IMPORT] += len(kept) - len(reported)
    return Triage(kept=tuple(reported), skipped=skipped, left_out=+left_out)


def judged(sources: Sources, item: Mapping[str, Any]) -> Reason | None:
    """The reason a result has nothing to act on, read from its source."""
    test_id = str(item["test_id"])
    filename = str(item["filename"])
    line = int(item["line_number"])
    # only the tests judged below need the file parsed
    tree = sources.tree(filename) if test_id in JUDGED_TESTS else None
    if tree is None:
        return None
    if test_id in PASSWORD_TESTS:
        match = _PASSWORD.match(str(item.get("issue_text", "")))
        shown = match["value"] if match else None
        reason = Reason.EMPTY_PASSWORD
        found = placeholder_password(tree, lines_of(item), shown)
        if not found and test_id == "B105" and lexical_token(tree, filename, line):
            reason, found = Reason.LEXICAL_TOKEN, True
    elif test_id == "B603":
        reason, found = Reason.FIXED_COMMAND, fixed_command(tree, line)
    elif test_id in ("B110", "B112"):
        reason = Reason.EXPLAINED_EXCEPT
        found = explained_except(tree, sources.comments(filename), line)
    elif test_id == "B324":
        reason, found = Reason.HMAC_DIGEST, hmac_digest(tree, line)
    elif test_id == "B101":
        reason, found = Reason.VERSION_ASSERT, version_assert(tree, line)
    else:
        return None
    return reason if found else None


def lines_of(item: Mapping[str, Any]) -> list[int]:
    lines = item.get("line_range")
    if isinstance(lines, list) and lines and all(isinstance(n, int) for n in lines):
        return lines
    return [int(item["line_number"])]


def comments(path: Path, *, containing: bytes = b"") -> list[tuple[int, str]]:
    """``(line, text)`` of each comment, up to where the file stops tokenizing;
    none without tokenizing when the file lacks ``containing`` (lower case)."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if containing not in data.lower():
        return []
    found: list[tuple[int, str]] = []
    # bandit reports a file it cannot parse; the comments before the error count.
    with contextlib.suppress(tokenize.TokenError, SyntaxError, UnicodeDecodeError):
        found.extend(
            (token.start[0], token.string)
            for token in tokenize.tokenize(io.BytesIO(data).readline)
            if token.type == tokenize.COMMENT
        )
    return found


def ruff_justifications(
    found: Iterable[tuple[int, str]],
) -> tuple[dict[int, set[str]], set[str]]:
    """bandit test IDs justified per line by ``# noqa: S###``, and for the
    whole file by ``# ruff: noqa: S###``."""
    by_line: dict[int, set[str]] = {}
    whole_file: set[str] = set()
    for line, comment in found:
        for match in FILE_NOQA.finditer(comment):
            whole_file.update(bandit_ids(match["codes"]))
        for match in NOQA.finditer(comment):
            by_line.setdefault(line, set()).update(bandit_ids(match["codes"]))
    return by_line, whole_file


def bandit_ids(codes: str) -> set[str]:
    """``"S324, E501"`` -> ``{"B324"}``: the ruff codes that are bandit tests."""
    return {
        f"B{match[1]}"
        for match in map(_CODE.fullmatch, re.split(r"[\s,]+", codes.strip()))
        if match and int(match[1]) in RUFF_BANDIT
    }


# --- what the source shows --------------------------------------------------


def placeholder_password(
    tree: ast.Module, lines: Iterable[int], shown: str | None
) -> bool:
    """Whether bandit's "password" is the empty string, or the ``None``
    constant it prints as ``'None'`` (not the string ``"None"``)."""
    wanted = set(lines)
    values = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.lineno in wanted
    ]
    if shown == "":
        return any(value == "" for value in values)
    if shown == "None":
        return any(value is None for value in values) and "None" not in values
    return False


#: Module names that tokenize Python or another language.
_TOKENIZER_MODULES = frozenset({"tokenize", "token"})
_TOKENIZER_FILE = re.compile(r"token|lex", re.IGNORECASE)


def lexical_token(tree: ast.Module, filename: str, line: int) -> bool:
    """Whether ``line`` compares a ``token``-named value with a string literal,
    or assigns one to it, in a module that tokenizes (imports
    ``tokenize``/``token``, or is named so)."""
    imports = {
        alias.name.split(".")[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {
        str(node.module).split(".")[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not (imports & _TOKENIZER_MODULES or _TOKENIZER_FILE.search(stem)):
        return False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare | ast.Assign) or not (
            node.lineno <= line <= (node.end_lineno or node.lineno)
        ):
            continue
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
        else:
            sides = [*node.targets, node.value]
        named = any("token" in _target_name(side).lower() for side in sides)
        literal = any(
            isinstance(side, ast.Constant) and isinstance(side.value, str)
            for side in sides
        )
        if named and literal:
            return True
    return False


def explained_except(
    tree: ast.Module, found: Iterable[tuple[int, str]], line: int
) -> bool:
    """Whether the except clause at ``line`` carries a comment that explains
    (on the ``except`` line or in its body), not only a tool directive."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.lineno == line:
            end = node.end_lineno or line
            return any(line <= start <= end and explains(text) for start, text in found)
    return False


def explains(comment: str) -> bool:
    """A comment with words beyond tool directives (``# noqa: S110`` is none)."""
    return bool(_WORDS.search(_DIRECTIVE.sub(" ", comment.lstrip("#"))))


def version_assert(tree: ast.Module, line: int) -> bool:
    """Whether the assert at ``line`` only compares the interpreter's version."""
    return any(
        isinstance(node, ast.Assert)
        and node.lineno == line
        and _version_check(node.test)
        for node in ast.walk(tree)
    )


def _version_check(node: ast.expr) -> bool:
    if isinstance(node, ast.BoolOp):
        return all(_version_check(value) for value in node.values)
    if not isinstance(node, ast.Compare):
        return False
    operands = [node.left, *node.comparators]
    return any(map(_version_info, operands)) and all(
        _version_info(operand) or _literal(operand) for operand in operands
    )


def _version_info(node: ast.expr) -> bool:
    """``sys.version_info``, one of its fields or a slice of it."""
    while isinstance(node, ast.Subscript | ast.Attribute):
        if isinstance(node, ast.Attribute) and node.attr == "version_info":
            return isinstance(node.value, ast.Name) and node.value.id == "sys"
        node = node.value
    return isinstance(node, ast.Name) and node.id == "version_info"


def _literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


#: Names a module binds to the HMAC digest it signs with.
_DIGEST_NAMES = frozenset({"digest_method", "digestmod", "digest"})
_HMAC_CALLS = frozenset({"new", "HMAC", "digest"})


def calls_at(tree: ast.Module, line: int) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and node.lineno == line
    ]


def fixed_command(tree: ast.Module, line: int) -> bool:
    """Whether the process started at ``line`` runs a literal argument list of
    string constants (and ``sys.executable``): no input reaches it, so bandit's
    B603 "check for execution of untrusted input" has nothing to check."""
    for call in calls_at(tree, line):
        arguments = [
            *call.args[:1],
            *(k.value for k in call.keywords if k.arg == "args"),
        ]
        if arguments and all(_constant_list(argument) for argument in arguments):
            return True
    return False


def _constant_list(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.List | ast.Tuple)
        and bool(node.elts)
        and all(
            (isinstance(item, ast.Constant) and isinstance(item.value, str))
            or (ast.unparse(item) == "sys.executable")
            for item in node.elts
        )
    )


def hmac_digest(tree: ast.Module, line: int) -> bool:
    """Whether the weak hash created at ``line`` is the digest of an HMAC.

    bandit's B324 sees ``hashlib.sha1(...)``, not what it is for. Recognised:
    the call inside an ``hmac`` call, or in a function that is passed as
    ``digestmod``/``digest_method`` or assigned to such a name
    (``digest_method = staticmethod(_lazy_sha1)``).
    """
    calls = calls_at(tree, line)
    if not calls:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_hmac(node):
            inside = {id(child) for child in ast.walk(node)}
            if any(id(call) in inside for call in calls):
                return True
    scope = enclosing_scope(tree, calls[0])
    if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return any(_names(value, scope.name) for value in _digest_values(tree))


def _is_hmac(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _HMAC_CALLS
        and isinstance(func.value, ast.Name)
        and func.value.id == "hmac"
    ) or (isinstance(func, ast.Name) and func.id == "HMAC")


def _digest_values(tree: ast.Module) -> Iterator[ast.expr]:
    """Expressions given to an HMAC as its digest, or bound to a digest name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield from (k.value for k in node.keywords if k.arg in _DIGEST_NAMES)
            if _is_hmac(node):
                yield from node.args
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_target_name(target) in _DIGEST_NAMES for target in targets):
                yield node.value


def _target_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else ""


def _names(node: ast.expr, name: str) -> bool:
    return any(
        (isinstance(child, ast.Name) and child.id == name)
        or (isinstance(child, ast.Attribute) and child.attr == name)
        for child in ast.walk(node)
    )
