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
* the network is unreachable, or a connection was refused or timed out to
  a host that is not this machine (a loopback host means a server the test
  itself started, so a refusal there stays a code failure);
* an interpreter or executable is missing (``FileNotFoundError`` for a bare
  command name such as ``'python3.8'``, "interpreter ... not found");
* the sandbox forbade an operation ("Operation not permitted").

A test that expected a timeout and got none (requests' ``pytest.fail("The
connect() request should time out.")``) names no host in its failure; the
test's own source is then read for the URLs and addresses it uses.
"""

from __future__ import annotations

import ast
import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from readiness.pysource import parse

from .run import Case

_DNS = re.compile(
    r"gaierror|Name or service not known|Temporary failure in name resolution"
    r"|nodename nor servname provided|getaddrinfo failed|NameResolutionError"
    r"|No address associated with hostname",
)
_UNREACHABLE = re.compile(
    r"Network is unreachable|No route to host|\[Errno 10[01]\]|\[Errno 113\]"
)
_CONNECT = re.compile(
    r"Connection refused|ConnectionRefusedError|\[Errno 111\]|timed out"
    r"|ConnectTimeout|ConnectionError|time out|TimeoutError",
    re.IGNORECASE,
)
_MISSING_COMMAND = re.compile(
    r"FileNotFoundError: \[Errno 2\] No such file or directory: '(?P<name>[^'/]+)'"
    r"|(?:[Ii]nterpreter|[Ee]xecutable|[Cc]ommand) '?(?P<other>[\w.+-]+)'? (?:was )?"
    r"not found"
)
_INTERPRETER = re.compile(r"(?:python|pypy)[\d.]*t?")
_SANDBOX = re.compile(r"Operation not permitted")
_HOST = re.compile(
    r"host='(?P<host>[^']+)'"
    r"|\('(?P<pair>[^']+)', \d+\)"
    r"|[a-z][a-z0-9+.-]*://(?:[^@/\s'\"]*@)?(?P<url>\[[^\]]+\]|[^:/\s'\"]+)"
)
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def cause(case: Case, root: Path) -> str | None:
    """Why ``case`` failed because of the machine, or ``None`` (the code's)."""
    text = f"{case.message}\n{case.text}"
    if _DNS.search(text):
        return "a host name could not be resolved (no DNS on this machine)"
    if _UNREACHABLE.search(text):
        return "the network is unreachable from this machine"
    missing = _MISSING_COMMAND.search(text)
    if missing is not None:
        name = missing["name"] or missing["other"]
        # a bare file name is also what open("data.json") reports: only a run
        # program (subprocess in the traceback) or an interpreter name counts
        if missing["other"] or _INTERPRETER.fullmatch(name) or "_execute_child" in text:
            return f"the executable {name!r} is not installed on this machine"
    if _SANDBOX.search(text):
        return "the sandbox does not permit the operation"
    if _CONNECT.search(text):
        hosts = [host for host in hosts_in(text) if not loopback(host)]
        if not hosts and case.path is not None:
            hosts = [h for h in source_hosts(root / case.path, case) if not loopback(h)]
        if hosts:
            return f"a connection to {hosts[0]} failed (no network from this machine)"
    return None


def hosts_in(text: str) -> list[str]:
    """Host names and addresses that ``text`` names (URLs, ``host='...'``)."""
    found = []
    for match in _HOST.finditer(text):
        host = match["host"] or match["pair"] or match["url"] or ""
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
    try:
        tree = parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return []
    name = case.nodeid.rsplit("::", 1)[-1].partition("[")[0]
    functions = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name == name
    ]
    if not functions:
        return []
    constants = _module_strings(tree)
    texts: list[str] = []
    for node in ast.walk(functions[0]):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts.append(node.value)
        elif isinstance(node, ast.Name) and node.id in constants:
            texts.append(constants[node.id])
    return hosts_in("\n".join(texts)) + _addresses(texts)


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
