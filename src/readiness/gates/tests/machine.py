"""Failures whose cause is the machine the suite ran on, not the code.

A test that needs the network fails on a machine without one; a test that
runs ``python3.8`` fails where no such interpreter exists. Reported as code
defects they head the P0 list with noise (pip-audit's suite failed 13 of 13
tests on DNS, requests' 4 timeout tests connected to the non-routable
10.255.255.1, nox's 11 wanted interpreters the machine lacks). They are
classed ``environment`` here from the failure's own text, and only on
evidence that names the cause:

* name resolution failed (``gaierror``, "Name or service not known",
  "Temporary failure in name resolution", ...);
* a download failed after retries (uv's "Request failed after 3 retries");
* the network is unreachable, or a connection was refused or timed out to
  a host that is not this machine (a loopback host means a server the test
  itself started, so a refusal there stays a code failure);
* an interpreter or executable is missing (``FileNotFoundError`` for a bare
  command name such as ``'python3.8'``, "interpreter ... not found");
* the sandbox forbade an operation ("Operation not permitted").

A test that expected a timeout and got none (requests' ``pytest.fail("The
connect() request should time out.")``) names no host in its failure; the
test's own source is then read for the URLs and addresses it uses.

The evidence is what was raised and printed: the failure's message, the
``E`` lines of its traceback and the test's captured output and log (nox's
``test_noxfile_script_mode_url_req`` only asserts a child's exit code; the
child's "Could not resolve host: github.com" is in what the test printed).
Never the source lines a traceback quotes: unearth's TLS failure against a
localhost server quoted urllib3's comment ``# [1] <https://github.com/...>``,
and a host in a comment proves nothing. A failure whose evidence names only
loopback hosts (a certificate rejected by a local test server) is the code's.

Root is the machine's cause too, on two pieces of evidence together: pytest
ran with effective user id 0, and the failing test (its source, or a source
line its traceback shows) gives a file or folder a literal mode that withholds
the owner's read or write permission (httpie's ``config_path.touch(0o000)``,
``os.chmod(path, 0)``, ``chmod 000``): root reads and writes such files
anyway, so a test expecting a permission error cannot pass as root.
"""

from __future__ import annotations

import ast
import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from readiness.pysource import parse

from .contain import ALLOW
from .run import Case

_DNS = re.compile(
    r"gaierror|Name or service not known|Temporary failure in name resolution"
    r"|nodename nor servname provided|getaddrinfo failed|NameResolutionError"
    r"|No address associated with hostname|Could not resolve host",
)
_UNREACHABLE = re.compile(
    r"Network is unreachable|No route to host|\[Errno 10[01]\]|\[Errno 113\]"
)
#: a download that failed for want of a network (uv's and reqwest's words)
_FETCH = re.compile(r"Request failed after \d+ retries|error sending request for url")
_CONNECT = re.compile(
    r"Connection refused|ConnectionRefusedError|\[Errno 111\]|timed out"
    r"|ConnectTimeout|ConnectionError|time out|TimeoutError",
    re.IGNORECASE,
)
_MISSING_FILE = re.compile(
    r"FileNotFoundError: \[Errno 2\] No such file or directory: '(?P<name>[^'/]+)'"
)
_NOT_FOUND = re.compile(
    r"(?P<kind>[Ii]nterpreter|[Ee]xecutable|[Cc]ommand) '?(?P<name>[\w.+-]+)'?"
    r" (?:was )?not found"
)
_INTERPRETER = re.compile(r"(?:python|pypy)[\d.]*t?")
_SANDBOX = re.compile(r"Operation not permitted")
_E_LINE = re.compile(r"^E {3}(?P<text>.*)$", re.MULTILINE)
_NATIVE = "Traceback (most recent call last):"
_CHAINING = re.compile(
    r"Traceback \(most recent call last\):|During handling of the above"
    r"|The above exception was the direct cause"
)
#: a source line as a pytest traceback quotes it (``>`` marks the failing one)
_QUOTED = re.compile(r"^(?:>| ) {3}(?P<code>.*\S.*)$", re.MULTILINE)
_HOST = re.compile(
    r"host='(?P<host>[^']+)'"
    r"|\('(?P<pair>[^']+)', \d+\)"
    r"|[a-z][a-z0-9+.-]*://(?:[^@/\s'\"]*@)?(?P<url>\[[^\]]+\]|[^:/\s'\"]+)"
    r"|Could not resolve host: (?P<unresolved>[\w.-]+)"
)
#: how many characters around a DNS or no-route message in the output may name
#: the host it concerns
_AROUND = 200
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
#: calls whose integer argument is a file mode (``os.chmod(p, 0)``,
#: ``Path.touch(0o000)``, ``os.mkdir(p, 0o500)``)
_MODE_CALLS = frozenset({"chmod", "lchmod", "fchmod", "touch", "mkdir", "makedirs"})
#: the owner's read and write bits
_OWNER_RW = 0o600
ROOT_REMEDY = "run the tests as a user other than root"


@dataclass(frozen=True, kw_only=True)
class Cause:
    """Why a test failed because of the machine, and what would let it pass."""

    reason: str
    remedy: str = "run it where that exists"
    #: what failed, when it is the network (its cause then depends on
    #: whether readiness cut it); not part of the comparison
    network: str = field(default="", compare=False)


def cause(
    case: Case, root: Path, *, euid: int | None = None, network_cut: bool = False
) -> Cause | None:
    """Why ``case`` failed because of the machine, or ``None`` (the code's).

    ``euid``: the effective user id pytest ran as (``None``: unknown).
    ``network_cut``: readiness ran the suite without network (``contain``),
    so a network failure is readiness's doing, and the target may allow it.
    """
    found = _cause(case, root, euid=euid)
    if found is not None and found.network and network_cut:
        return Cause(
            reason=f"{found.network}: readiness cut the network for the test suite",
            remedy=f"allow the network with {ALLOW}",
            network=found.network,
        )
    return found


def _cause(case: Case, root: Path, *, euid: int | None) -> Cause | None:
    raised = evidence(case)
    return (
        _no_network(case, raised)
        or _missing_program(case, raised)
        or _as_root(case, root, euid)
        or (
            Cause(reason="the sandbox does not permit the operation")
            if _SANDBOX.search(raised)
            else None
        )
        or _failed_connection(case, root, raised)
    )


def _no_network(case: Case, raised: str) -> Cause | None:
    if _DNS.search(raised) or _printed(case, _DNS):
        return Cause(
            reason="a host name could not be resolved (no DNS on this machine)",
            network="a host name could not be resolved",
        )
    if _UNREACHABLE.search(raised) or _printed(case, _UNREACHABLE):
        return Cause(
            reason="the network is unreachable from this machine",
            network="the network is unreachable",
        )
    if _FETCH.search(raised) or _printed(case, _FETCH):
        return Cause(
            reason="a download failed (no network from this machine)",
            network="a download failed",
        )
    return None


def _as_root(case: Case, root: Path, euid: int | None) -> Cause | None:
    mode = withheld_mode(case, root) if euid == 0 else None
    if mode is None:
        return None
    return Cause(
        reason="running as root defeats file permissions: the test gives a file"
        f" mode {mode} to deny access, and root reads and writes any file",
        remedy=ROOT_REMEDY,
    )


def evidence(case: Case) -> str:
    """What was raised: the failure's message and its traceback's ``E`` lines,
    without the source lines the traceback quotes. A native traceback
    (``--tb=native``) has no ``E`` lines: its unindented lines are then the
    exceptions (its quoted source and ``File`` lines are indented)."""
    lines = [m["text"].strip() for m in _E_LINE.finditer(case.text)]
    if not lines and _NATIVE in case.text:
        lines = [
            line
            for line in case.text.splitlines()
            if line.strip() and not line[0].isspace() and not _CHAINING.match(line)
        ]
    return "\n".join([case.message, *lines])


def _printed(case: Case, pattern: re.Pattern[str]) -> bool:
    """Whether the test's output says ``pattern`` about no host in particular,
    or about a host other than this machine (the hosts named around it).

    Read with its whitespace folded: tools wrap their messages (uv printed
    "Could\n not resolve host: github.com" for nox's child process).
    """
    flat = " ".join(case.output.split())
    for match in pattern.finditer(flat):
        around = flat[max(0, match.start() - _AROUND) : match.end() + _AROUND]
        named = hosts_in(around)
        if not named or any(not loopback(host) for host in named):
            return True
    return False


def _missing_program(case: Case, raised: str) -> Cause | None:
    """A program or interpreter the test ran and the machine lacks."""
    named = _NOT_FOUND.search(raised) or _NOT_FOUND.search(case.output)
    missing = _MISSING_FILE.search(raised)
    if named is not None:
        name, kind = named["name"], named["kind"].lower()
        if kind == "command":
            kind = "executable"
    elif missing is not None and (
        # a bare file name is also what open("data.json") reports: only a run
        # program (subprocess in the traceback) or an interpreter name counts
        _INTERPRETER.fullmatch(missing["name"])
        or "_execute_child" in case.text
    ):
        name, kind = missing["name"], "executable"
    else:
        return None
    # what failed is a look-up on PATH (a program run by its bare name, or an
    # interpreter nox or tox looked for), not an inventory of the machine
    return Cause(reason=f"the {kind} {name!r} was not found on this machine's PATH")


def _failed_connection(case: Case, root: Path, raised: str) -> Cause | None:
    """A refused or timed-out connection to a host other than this machine.

    The host comes from the raised text (or, when that names no host at all,
    from the test's own source); else from a line of the test's output that
    names both the failure and the host.
    """
    if _CONNECT.search(raised):
        named = hosts_in(raised)
        remote = [host for host in named if not loopback(host)]
        if remote:
            return _connection(remote[0])
        if not named and case.path is not None:
            found = source_hosts(root / case.path, case)
            remote = [host for host in found if not loopback(host)]
            if remote:
                return _connection(remote[0])
    remote = [
        host
        for line in case.output.splitlines()
        if _CONNECT.search(line)
        for host in hosts_in(line)
        if not loopback(host)
    ]
    return _connection(remote[0]) if remote else None


def _connection(host: str) -> Cause:
    return Cause(
        reason=f"a connection to {host} failed (no network from this machine)",
        network=f"a connection to {host} failed",
    )


def withheld_mode(case: Case, root: Path) -> str | None:
    """The literal mode, withholding the owner's read or write permission, that
    the failing test sets (its source, or the lines its traceback quotes)."""
    calls: list[ast.Call] = []
    function = test_function(root / case.path, case) if case.path else None
    if function is not None:
        calls.extend(n for n in ast.walk(function) if isinstance(n, ast.Call))
    for quoted in _QUOTED.finditer(case.text):
        try:
            tree = parse(quoted["code"].strip())
        except SyntaxError:
            continue
        calls.extend(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    for call in calls:
        for mode in _modes(call):
            if mode & _OWNER_RW != _OWNER_RW:
                return f"0o{mode:03o}"
    return None


def _modes(call: ast.Call) -> Iterator[int]:
    """Literal modes given to a mode-setting call, or to ``chmod`` on a
    command line (``["chmod", "000", path]``)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in _MODE_CALLS:
        values = [*call.args, *(k.value for k in call.keywords if k.arg == "mode")]
        for value in values:
            if (
                isinstance(value, ast.Constant)
                and isinstance(value.value, int)
                and not isinstance(value.value, bool)
            ):
                yield value.value
    for arg in call.args:
        if isinstance(arg, ast.List | ast.Tuple):
            words = [
                e.value
                for e in arg.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
            if words[:1] == ["chmod"]:
                yield from (
                    int(word, 8)
                    for word in words[1:]
                    if re.fullmatch(r"[0-7]{3,4}", word)
                )


def hosts_in(text: str) -> list[str]:
    """Host names and addresses that ``text`` names (URLs, ``host='...'``)."""
    found = []
    for match in _HOST.finditer(text):
        host = (
            match["host"] or match["pair"] or match["url"] or match["unresolved"] or ""
        )
        host = host.strip("[]").lower()
        if host and not host.startswith("{"):
            found.append(host)
    return list(dict.fromkeys(found))


def loopback(host: str) -> bool:
    """Whether ``host`` is this machine (a name or an address)."""
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def source_hosts(path: Path, case: Case) -> list[str]:
    """Hosts in the failing test's source: its string constants and the
    module-level string constants it names (``TARPIT = "http://10.255.255.1"``)."""
    tree = _module(path)
    function = test_function(path, case)
    if tree is None or function is None:
        return []
    constants = _module_strings(tree)
    texts: list[str] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
        elif isinstance(node, ast.Name) and node.id in constants:
            texts.append(constants[node.id])
    return hosts_in("\n".join(texts)) + _addresses(texts)


def test_function(
    path: Path, case: Case
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The failing test's function in its module, by name."""
    tree = _module(path)
    name = case.nodeid.rsplit("::", 1)[-1].partition("[")[0]
    if tree is None:
        return None
    return next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == name
        ),
        None,
    )


def _module(path: Path) -> ast.Module | None:
    try:
        return parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


def _module_strings(tree: ast.Module) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _addresses(texts: Iterable[str]) -> list[str]:
    """Bare IP addresses among ``texts`` (a constant that is only an address)."""
    found = []
    for text in texts:
        host = urlsplit(f"//{text}").hostname if text else None
        try:
            ipaddress.ip_address(host or "")
        except ValueError:
            continue
        found.append(host or "")
    return found
