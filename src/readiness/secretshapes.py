"""What a secret looks like: provider formats, keyword assignments, placeholders.

One definition, used by the ``secrets`` gate (to find secrets in a target's
files) and by :mod:`readiness.redact` (to mask them in every report).

Provider formats come first: each is a prefix and a length the provider
documents (the rules are derived from gitleaks' ``config/gitleaks.toml``,
narrowed to the shapes below), so a match is strong evidence. A match is
dropped when its variable part is a placeholder (``EXAMPLE``, ``xxxx``, a run
such as ``0123456789`` or a single repeated character): documentation uses
those. JWTs are decoded and must carry a signing algorithm; PEM private keys
need a body and their END line; a database URL's password must not be a
well-known placeholder (``user:pass@host``, ``scott:tiger``), the user name, or
a template (``${DB_PASSWORD}``).

The generic rule (a secret-named key assigned a literal) only counts a value
that looks random: at least 8 characters, no spaces, three character classes
(or two over 16 characters), not a placeholder, not the *name* of a variable
(``api_secret_env_var = "ALPACA_API_SECRET"``), not a digest (``sha256:…``).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from readiness.findings import Severity

#: Words in a name that say its value is a credential (environment variables,
#: keys of assignments, dotenv entries).
SECRET_NAME = re.compile(
    r"(?i)(?:passw(?:or)?d|passphrase|pwd|secret|token|api[_-]?key|apikey"
    r"|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?|client[_-]?secret)"
)
#: Names whose value names or describes a secret rather than holding one.
NAME_SUFFIX = re.compile(
    r"(?i)(?:_|-|\b)(?:env|env_?var|var|name|names|field|header|param|file|path|dir"
    r"|type|length|len|size|count|prefix|suffix|pattern|regex|label|hint|placeholder"
    r"|endpoint|url|uri|class|format|template|attr|setting|cmd|command|key_?name"
    r"|id|ttl|timeout|expires?|expiry|max|min|mode|scheme|location|source"
    r"|colou?r|style)$"
)
#: Values that stand for a secret in documentation, templates and tests.
PLACEHOLDER = re.compile(
    r"(?i)your|example|sample|placeholder|chang(?:e_?|e-)?me|dummy|fake|test|mock"
    r"|redacted|xxxx|insert|replace|enter[_-]|todo|foo|secret$|^pass(?:word)?$"
    r"|^hunter2|^tiger$|^admin$|^root$|^postgres$|not[_-]?a[_-]?real"
    r"|[<>{}$%*]|\.\.\.|^\s*$"
)
RUNS = ("0123456789", "123456789", "abcdefghij", "ABCDEFGHIJ", "qwerty")
#: An environment variable's name as a value (the name, not the secret).
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
DIGEST = re.compile(
    r"(?i)^(?:(?:sha(?:1|224|256|384|512)|md5|blake2b?)[:=-]\S+"
    r"|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$"
)
DOTTED = re.compile(r"^[A-Za-z_][\w-]*(?:[./:][A-Za-z_][\w-]*)+/?$")


@dataclass(frozen=True, kw_only=True)
class Shape:
    """A secret format: stable id, what it is, how sure a match is, its regex.

    ``group`` is the regex group holding the secret itself; ``check`` (when
    set) must accept that value for the match to count. ``hints`` are
    lower-case literals one of which every match contains: a text holding none
    is not searched (``in`` is far faster than a regex that starts with ``\b``).
    """

    id: str
    title: str
    severity: Severity
    pattern: re.Pattern[str]
    hints: tuple[str, ...]
    group: int = 1
    check: Callable[[str], bool] | None = None


@dataclass(frozen=True, kw_only=True)
class Match:
    shape: Shape
    value: str
    start: int
    end: int
    #: a database URL's host (``localhost`` lowers the finding's severity)
    host: str = ""


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def classes(value: str) -> int:
    """How many of lower, upper, digit and other characters the value uses."""
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


def placeholder(value: str) -> bool:
    """A documentation or template stand-in, not a credential."""
    return (
        bool(PLACEHOLDER.search(value))
        or any(run in value for run in RUNS)
        or len(set(value)) <= 3
    )


def random_body(value: str) -> bool:
    """A provider token's variable part: varied, not a placeholder."""
    return not placeholder(value) and entropy(value) >= 3.0


def looks_secret(value: str) -> bool:
    """A literal that could be a credential: long, varied, not a word or name."""
    if len(value) < 8 or any(c.isspace() for c in value):
        return False
    if placeholder(value) or ENV_NAME.match(value) or DIGEST.match(value):
        return False
    if DOTTED.match(value) or value.startswith(("http://", "https://", "/", "./")):
        return False
    kinds = classes(value)
    if kinds >= 3:
        return entropy(value) >= 2.5
    return kinds == 2 and len(value) >= 16 and entropy(value) >= 3.0


def _token(prefix_len: int) -> Callable[[str], bool]:
    return lambda value: random_body(value[prefix_len:])


def _jwt(value: str) -> bool:
    """Header and payload decode to JSON objects; the header names a real alg."""
    parts = value.split(".")
    try:
        header, payload = (
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in parts[:2]
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return False
    example = payload.get("sub") == "1234567890" or payload.get("name") == "John Doe"
    return str(header.get("alg", "none")).lower() != "none" and not example


def _pem(value: str) -> bool:
    """A body of at least 64 varied base64 characters between BEGIN and END."""
    parts = value.split("-----")
    body = re.sub(r"\\n|[^A-Za-z0-9+/]", "", parts[2] if len(parts) > 2 else "")
    return len(body) >= 64 and random_body(body[:200])


#: Compared with a URL's host, never bound to.
ANY_ADDRESS = "0.0.0.0"  # noqa: S104  # nosec B104 - compared, never bound
LOCAL_HOSTS = frozenset(
    {"localhost", "127.0.0.1", "::1", "[::1]", "host.docker.internal", ANY_ADDRESS}
)


def _db_password(match: re.Match[str]) -> bool:
    user, password = match.group("user"), match.group("password")
    return (
        password != user
        and len(password) >= 4
        and not placeholder(password)
        and not password.startswith(("$", "{", "%", ":"))
    )


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


SHAPES: tuple[Shape, ...] = (
    Shape(
        id="aws-access-key-id",
        hints=("akia", "asia", "abia", "acca"),
        title="AWS access key ID",
        severity=Severity.HIGH,
        pattern=_compile(r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b"),
        check=_token(4),
    ),
    Shape(
        id="aws-secret-access-key",
        hints=("aws",),
        title="AWS secret access key",
        severity=Severity.HIGH,
        pattern=_compile(
            r"(?i)aws_?(?:secret|sk)\w{0,20}['\"]?\s*(?:[:=]|=>)\s*[rbu]?['\"]?"
            r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
        ),
        check=lambda value: random_body(value) and classes(value) >= 3,
    ),
    Shape(
        id="github-pat",
        hints=("ghp_", "github_pat_"),
        title="GitHub personal access token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b"),
        check=_token(4),
    ),
    Shape(
        id="github-oauth",
        hints=("gho_",),
        title="GitHub OAuth access token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(gho_[A-Za-z0-9]{36})\b"),
        check=_token(4),
    ),
    Shape(
        id="github-app-token",
        hints=("ghu_", "ghs_", "ghr_"),
        title="GitHub app or refresh token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(gh[usr]_[A-Za-z0-9]{36})\b"),
        check=_token(4),
    ),
    Shape(
        id="gitlab-pat",
        hints=("glpat-",),
        title="GitLab personal access token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(glpat-[A-Za-z0-9_-]{20}[A-Za-z0-9_.-]{0,280})(?![\w.-])"),
        check=_token(6),
    ),
    Shape(
        id="slack-token",
        hints=("xox",),
        title="Slack token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(xox[baprs]-\d{8,14}-(?:\d{8,14}-)*[A-Za-z0-9]{16,40})\b"),
        check=lambda value: random_body(value.rsplit("-", 1)[-1]),
    ),
    Shape(
        id="slack-webhook",
        hints=("hooks.slack.com",),
        title="Slack incoming webhook URL",
        severity=Severity.HIGH,
        pattern=_compile(
            r"(https://hooks\.slack\.com/(?:services|workflows)"
            r"/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})\b"
        ),
        check=lambda value: random_body(value.rsplit("/", 1)[-1]),
    ),
    Shape(
        id="stripe-live-key",
        hints=("_live_",),
        title="Stripe live secret or restricted key",
        severity=Severity.HIGH,
        pattern=_compile(r"\b((?:sk|rk)_live_[A-Za-z0-9]{24,99})\b"),
        check=_token(8),
    ),
    Shape(
        id="google-api-key",
        hints=("aiza",),
        title="Google API key",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(AIza[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])"),
        check=_token(4),
    ),
    Shape(
        id="pypi-token",
        hints=("pypi-ageicHlwaS5vcmc".lower(),),
        title="PyPI upload token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})"),
        check=_token(20),
    ),
    Shape(
        id="npm-token",
        hints=("npm_",),
        title="npm access token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(npm_[A-Za-z0-9]{36})\b"),
        check=_token(4),
    ),
    Shape(
        id="openai-key",
        hints=("t3blbkfj",),
        title="OpenAI API key",
        severity=Severity.HIGH,
        pattern=_compile(
            r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,74}T3BlbkFJ"
            r"[A-Za-z0-9_-]{20,74})(?![A-Za-z0-9_-])"
        ),
        check=lambda value: random_body(value.split("T3BlbkFJ")[-1]),
    ),
    Shape(
        id="anthropic-key",
        hints=("sk-ant-",),
        title="Anthropic API key",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,100}AA)\b"),
        check=_token(14),
    ),
    Shape(
        id="sendgrid-key",
        hints=("sg.",),
        title="SendGrid API key",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![\w-])"),
        check=_token(26),
    ),
    Shape(
        id="huggingface-token",
        hints=("hf_",),
        title="Hugging Face access token",
        severity=Severity.HIGH,
        pattern=_compile(r"\b(hf_[A-Za-z]{34})\b"),
        check=_token(3),
    ),
    Shape(
        id="private-key",
        hints=("private key",),
        title="private key (PEM block)",
        severity=Severity.HIGH,
        pattern=_compile(
            r"(-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[A-Za-z0-9+/=\s\\\"',:.]|-(?!-)){64,8192}?"
            r"-----END \2PRIVATE KEY(?: BLOCK)?-----)"
        ),
        check=_pem,
    ),
    Shape(
        id="jwt",
        hints=("eyj",),
        title="JSON Web Token",
        severity=Severity.MEDIUM,
        pattern=_compile(
            r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})"
        ),
        check=_jwt,
    ),
)

#: ``scheme://user:password@host`` for the database and broker schemes.
DATABASE_URL = Shape(
    id="database-url-password",
    title="password in a database URL",
    severity=Severity.HIGH,
    pattern=_compile(
        r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql"
        r"|sqlserver|oracle|cockroachdb|clickhouse)(?:\+[a-z0-9]+)?://"
        r"(?P<user>[^\s:/@'\"`<>]+):(?P<password>[^\s@/'\"`<>]+)"
        r"@(?P<host>\[[0-9a-fA-F:]+\]|[^\s/:'\"`<>?#,;]+)"
    ),
    hints=(
        "postgres",
        "mysql",
        "mariadb",
        "mongodb",
        "redis",
        "amqp",
        "mssql",
        "sqlserver",
        "oracle",
        "cockroachdb",
        "clickhouse",
    ),
    group=2,
)
#: The generic rule: only its title and severity; its matching is :func:`assignments`.
KEYWORD = Shape(
    id="keyword-assignment",
    title="secret-named value",
    severity=Severity.MEDIUM,
    pattern=SECRET_NAME,
    hints=(
        "passw",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "access_key",
        "access-key",
        "private_key",
        "private-key",
        "auth_key",
        "auth-key",
        "credential",
    ),
)
ALL_SHAPES = (*SHAPES, DATABASE_URL, KEYWORD)

#: ``key = "value"``, ``"key": 'value'``, ``key: value``, ``KEY=value``. The key
#: and the blanks before the operator are bounded: a long line costs linear time.
ASSIGNMENT = re.compile(
    r"(?<![\w.$@-])(?P<key>[A-Za-z_$@][\w.$@-]{0,80})[\"']?[ \t]{0,20}"
    r"(?::=|=>|=(?!=)|:(?!:))[ \t]*"
    r"(?:[rbuRBU]{1,2}(?=[\"'`]))?"
    r"(?:(?P<q>[\"'`])(?P<quoted>[^\"'`\n]*)(?P=q)|(?P<bare>[^\s\"'`,;)\]}]+))"
)


def hinted(shape: Shape, lower: str) -> bool:
    return any(hint in lower for hint in shape.hints)


def keyword_offsets(lower: str) -> Iterator[int]:
    """Where a secret-like word starts in ``lower`` (a lower-cased text)."""
    for hint in KEYWORD.hints:
        start = lower.find(hint)
        while start >= 0:
            yield start
            start = lower.find(hint, start + 1)


def find_shapes(text: str, lower: str | None = None) -> Iterator[Match]:
    """Every provider-format secret and every database URL password in ``text``.

    ``lower``: ``text.lower()``, when the caller has it already.
    """
    lower = text.lower() if lower is None else lower
    for shape in SHAPES:
        if not hinted(shape, lower):
            continue
        for found in shape.pattern.finditer(text):
            value = found.group(shape.group)
            if shape.check is None or shape.check(value):
                yield Match(
                    shape=shape,
                    value=value,
                    start=found.start(shape.group),
                    end=found.end(shape.group),
                )
    if not hinted(DATABASE_URL, lower):
        return
    for found in DATABASE_URL.pattern.finditer(text):
        if _db_password(found):
            yield Match(
                shape=DATABASE_URL,
                value=found.group("password"),
                start=found.start("password"),
                end=found.end("password"),
                host=found.group("host").lower(),
            )


@dataclass(frozen=True, kw_only=True)
class Assignment:
    key: str
    value: str
    start: int
    end: int
    quoted: bool


def assignments(line: str, *, bare: bool) -> Iterator[Assignment]:
    """Secret-named keys assigned a literal that looks secret, on one line.

    ``bare``: unquoted values count (dotenv, INI, YAML); in code they are
    expressions, not literals.
    """
    for found in ASSIGNMENT.finditer(line):
        key = found.group("key")
        quoted = found.group("q") is not None
        value = found.group("quoted") if quoted else found.group("bare")
        if not quoted and not bare:
            continue
        if not secret_key(key) or not looks_secret(value):
            continue
        group = "quoted" if quoted else "bare"
        yield Assignment(
            key=key,
            value=value,
            start=found.start(group),
            end=found.end(group),
            quoted=quoted,
        )


def secret_key(name: str) -> bool:
    """A name for a credential (``API_SECRET``), not for its name or its URL."""
    last = re.split(r"[.$@]", name)[-1]
    return bool(SECRET_NAME.search(last)) and not NAME_SUFFIX.search(last)
