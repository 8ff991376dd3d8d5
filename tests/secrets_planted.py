"""The planted secret set: real-format (fake) secrets and the decoys of every class.

Every secret is assembled at run time from a seeded generator whose alphabet
has no vowel (so no random body spells a placeholder word such as ``test``),
and every provider prefix is split in the source: this file holds nothing a
secret scanner would flag, and readiness audits its own repository.

:func:`plant` writes the set into a folder and returns what must be found
(:data:`Planted`: file, line, shape, severity) and the decoys (file, line,
class), which must not be reported.
"""

# The planted lines form a table, one line of a file per row: long rows read best.
# ruff: noqa: E501

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass
from pathlib import Path

#: No vowels, no ``x``: a random body never reads as ``test``, ``xxxx``, ``foo``.
LOWER = "bcdfghjklmnpqrstvwz"
UPPER = LOWER.upper()
DIGITS = "0123456789"
ALNUM = LOWER + UPPER + DIGITS
HEX = "0123456789abcdef"


@dataclass(frozen=True, kw_only=True)
class Planted:
    path: str
    line: int
    shape: str
    severity: str


@dataclass(frozen=True, kw_only=True)
class Decoy:
    path: str
    line: int
    kind: str


class Maker:
    """Seeded bodies of the right alphabet and length."""

    def __init__(self, seed: int = 20240506) -> None:
        # test data, not cryptography
        self.rng = random.Random(seed)  # noqa: S311

    def of(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def alnum(self, n: int) -> str:
        return self.of(ALNUM, n)

    def hex(self, n: int) -> str:
        return self.of(HEX, n)

    def password(self) -> str:
        """Three character classes and more: what the keyword rule wants."""
        return self.of(LOWER, 6) + self.of(UPPER, 4) + self.of(DIGITS, 4) + "#!"

    def pem(self, kind: str) -> str:
        lines = [self.of(ALNUM + "+/", 64) for _ in range(8)]
        label = (f"{kind} " if kind else "") + "PRIV" + "ATE KEY"
        return "\n".join(
            ["-----BEGIN " + label + "-----", *lines, "-----END " + label + "-----"]
        )

    def certificate(self) -> str:
        """A certificate's PEM block: public, what a test PKI keeps beside its keys."""
        lines = [self.of(ALNUM + "+/", 64) for _ in range(8)]
        return "\n".join(
            ["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"]
        )

    def jwt(self, claims: dict[str, object]) -> str:
        def part(data: dict[str, object]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        header = part({"alg": "HS256", "typ": "JWT"})
        return f"{header}.{part(claims)}.{self.of(ALNUM + '-_', 43)}"


def uuid(m: Maker) -> str:
    return "-".join(m.hex(n) for n in (8, 4, 4, 4, 12))


def files(m: Maker) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """``{path: [(line text, shape planted or None, decoy class or None)]}``."""
    aws = "AK" + "IA"
    gh = "gh"
    return {
        "app/settings.py": [
            ('"""Production settings."""', None, None),
            (f'AWS_ACCESS_KEY_ID = "{aws}{m.of(UPPER + "234567", 16)}"', "aws-access-key-id", None),
            (f'AWS_SECRET_ACCESS_KEY = "{m.of(ALNUM + "/+", 38)}a1"', "aws-secret-access-key", None),
            (f'SECRET_KEY = "{m.password()}"', "keyword-assignment", None),
            (f'DATABASE_URL = "postgresql://billing:{m.password()[:-2]}@db.prod.internal:5432/billing"', "database-url-password", None),
            (f'DEV_DATABASE_URL = "postgresql://app:{m.alnum(12)}@localhost:5432/app"', "database-url-password:low", None),
        ],
        "deploy/release.sh": [
            ("#!/bin/sh", None, None),
            (f"export GITHUB_TOKEN={gh}p_{m.alnum(36)}", "github-pat", None),
            (f"export GH_FINE_GRAINED={'github' + '_pat_'}{m.alnum(22)}_{m.alnum(59)}", "github-pat", None),
            (f"export GITLAB_TOKEN={'glp' + 'at-'}{m.alnum(20)}", "gitlab-pat", None),
            (f"export TWINE_PASSWORD={'pypi-' + 'AgEIcHlwaS5vcmc'}{m.alnum(70)}", "pypi-token", None),
            (f"export NPM_TOKEN={'np' + 'm_'}{m.alnum(36)}", "npm-token", None),
        ],
        "app/integrations.py": [
            (f'SLACK_BOT = "{"xo" + "xb-"}{m.of(DIGITS, 12)}-{m.of(DIGITS, 13)}-{m.alnum(24)}"', "slack-token", None),
            (f'SLACK_HOOK = "https://hooks.slack.com/services/T{m.of(UPPER, 10)}/B{m.of(UPPER, 10)}/{m.alnum(24)}"', "slack-webhook", None),
            (f'stripe_key = "{"sk" + "_live_"}{m.alnum(24)}"', "stripe-live-key", None),
            (f'STRIPE_RESTRICTED = "{"rk" + "_live_"}{m.alnum(24)}"', "stripe-live-key", None),
            (f'MAPS = "{"AI" + "za"}{m.of(ALNUM + "-_", 35)}"', "google-api-key", None),
            (f'OAUTH = "{gh}o_{m.alnum(36)}"', "github-oauth", None),
            (f'INSTALLATION = "{gh}s_{m.alnum(36)}"', "github-app-token", None),
            (f'OPENAI = "{"sk-" + "proj-"}{m.alnum(20)}{"T3Blbk" + "FJ"}{m.alnum(20)}"', "openai-key", None),
            (f'ANTHROPIC = "{"sk-" + "ant-api03-"}{m.alnum(93)}AA"', "anthropic-key", None),
            (f'SENDGRID = "{"S" + "G."}{m.alnum(22)}.{m.alnum(43)}"', "sendgrid-key", None),
            (f'HUB = "{"h" + "f_"}{m.of(LOWER + UPPER, 34)}"', "huggingface-token", None),
            (f'SERVICE_JWT = "{m.jwt({"sub": "svc-billing", "iat": 1714953600})}"', "jwt", None),
        ],
        "deploy/id_rsa": [(m.pem("RSA"), "private-key", None)],
        "config/app.ini": [
            ("[db]", None, None),
            (f"password = {m.password()}", "keyword-assignment", None),
        ],
        # test fixtures: reported, at Low (a test TLS key, a test's token)
        "tests/fixtures/server.key": [(m.pem(""), "private-key:low", None)],
        "tests/test_client.py": [
            (f'API_TOKEN = "{m.password()}"', "keyword-assignment:low", None),
            (f'URL = "postgresql://app:{m.password()[:-2]}@db.internal/app"', "database-url-password:low", None),
        ],
        # decoys: none may be reported
        "Formula/app.rb": [
            ("class App < Formula", None, None),
            ('  url "https://example.invalid/app-1.0.tar.gz"', None, None),
            (f'  sha256 "{m.hex(64)}"', None, "homebrew sha256"),
            ("end", None, None),
        ],
        "PKGBUILD": [
            (f"sha256sums=('{m.hex(64)}')", None, "PKGBUILD sha256sums"),
            (f"b2sums=('{m.hex(128)}')", None, "PKGBUILD b2sums"),
        ],
        ".pre-commit-config.yaml": [
            ("repos:", None, None),
            ("- repo: https://github.com/psf/black", None, None),
            (f"  rev: {m.hex(40)}", None, "pre-commit rev SHA"),
        ],
        "pylock.toml": [
            ("[[packages]]", None, None),
            (f'wheels = [{{ name = "x.whl", hashes = {{ sha256 = "{m.hex(64)}" }} }}]', None, "pylock wheel hash"),
        ],
        "requirements.txt": [
            ("pkg==1.0 \\", None, None),
            (f"    --hash=sha256:{m.hex(64)}", None, "requirement hash"),
        ],
        "uv.lock": [
            (f'sdist = {{ url = "https://x.invalid/x.tar.gz", hash = "sha256:{m.hex(64)}" }}', None, "uv.lock hash"),
        ],
        "SHA256SUMS": [(f"{m.hex(64)}  app-1.0.tar.gz", None, "sha256sum line")],
        "CHANGELOG.md": [(f"- fixed in {m.hex(40)}", None, "commit SHA")],
        "app/http.py": [
            (f"ETAG = '\"{m.hex(40)}\"'", None, "ETag"),
            (f"CHALLENGE = 'Digest realm=\"api\", nonce=\"{m.hex(32)}\", opaque=\"{m.hex(32)}\"'", None, "digest nonce"),
            (f'REQUEST_ID = "{uuid(m)}"', None, "UUID"),
            (f'token_id = "{uuid(m)}"', None, "UUID under a token name"),
            (f'password_hash = "sha256:{m.hex(64)}"', None, "password digest"),
        ],
        "app/config.py": [
            ("import os", None, None),
            ('SECRET_KEY = os.environ["SECRET_KEY"]', None, "value read from the environment"),
            ("def connect(password: str, token: str | None = None) -> None: ...", None, "annotation"),
            ('DB_PASSWORD = "${DB_PASSWORD}"', None, "template reference"),
            ('API_KEY = ""', None, "empty value"),
            ('password_field = "password"', None, "field name"),
            ('TOKEN_URL = "https://auth.example.invalid/oauth/token"', None, "token URL"),
            ('SECRET_NAME = "prod/db/password"', None, "secret's name"),
            ('FLASK_SECRET_KEY = "dev"', None, "short value"),
            ('api_secret_env_var = "ALPACA_API_SECRET"', None, "environment-variable name"),
            ('auth = {"token": "Bearer"}', None, "word"),
        ],
        ".env.example": [
            ("SECRET_KEY=changeme", None, "template placeholder"),
            ("DATABASE_URL=postgresql://user:password@localhost/app", None, "placeholder URL"),
        ],
        "docs/usage.md": [
            ("Connect with `postgresql://user:pass@host:5432/db`.", None, "user:pass@host"),
            ("Or `mysql://scott:tiger@localhost/test`.", None, "scott:tiger"),
            ("Proxies: `https://user:password@example.invalid/`.", None, "URL credentials example"),
            ("client = Client(api_key='YOUR_API_KEY')", None, "YOUR_API_KEY"),
            ("export GITHUB_TOKEN=<your-token>", None, "angle-bracket placeholder"),
            (f"AWS_ACCESS_KEY_ID={aws}IOSFODNN7{'EXAM' + 'PLE'}", None, "AWS documentation key"),
            (f"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY{'EXAM' + 'PLE'}KEY", None, "AWS documentation secret"),
            (f"Authorization: Bearer {m.jwt({'sub': '1234567890', 'name': 'John Doe', 'iat': 1516239022})}", None, "jwt.io example"),
            (f"GITHUB_TOKEN={gh}p_{'x' * 36}", None, "xxxx token"),
            (f"STRIPE={'sk' + '_live_'}{'0' * 24}", None, "zero-filled key"),
            ("-----BEGIN RSA PRIV" + "ATE KEY-----", None, "PEM header without a body"),
            ("...", None, None),
            ("-----END RSA PRIV" + "ATE KEY-----", None, None),
        ],
        "tests/test_broker.py": [
            ('ENV = {"ALPACA_API_SECRET": "test_secret", "ALPACA_API_KEY": "test_key"}', None, "test_ value"),
            ('client = Client(api_secret_env_var="ALPACA_API_SECRET")', None, "environment-variable name"),
            ('login(password="dummy-password")', None, "dummy value"),
            ('TOKEN = "example-token-1234"', None, "example value"),
            (f'stripe.api_key = "{"sk" + "_test_"}{m.alnum(24)}"', None, "Stripe test-mode key"),
            (f'GH = "{gh}p_1234567890abcdefghijklmnopqrstuvwxyz"', None, "sequential token"),
            ('config = load(env={"BROKER_API_SECRET": "from-env"})', None, "short test value"),
        ],
        # a throw-away test CA (requests' tests/certs): its key beside its certificate
        "tests/certs/ca/ca-private.key": [(m.pem(""), None, "test CA key beside its certificate")],
        "tests/certs/ca/ca.crt": [(m.certificate(), None, None)],
        # a tracked fixture .env with no credential (flask's tests/test_apps/.env)
        "tests/test_apps/.env": [
            ("FOO=env", None, "fixture .env"),
            ("SPAM=1", None, None),
        ],
    }  # fmt: skip


def plant(root: Path, seed: int = 20240506) -> tuple[list[Planted], list[Decoy]]:
    """Write the set under ``root``; return the secrets and the decoys."""
    planted: list[Planted] = []
    decoys: list[Decoy] = []
    for rel, lines in files(Maker(seed)).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(text for text, _, _ in lines) + "\n")
        number = 1
        for text, shape, decoy in lines:
            if shape is not None:
                name, _, low = shape.partition(":")
                default = "medium" if name in {"jwt", "keyword-assignment"} else "high"
                planted.append(
                    Planted(path=rel, line=number, shape=name, severity=low or default)
                )
            if decoy is not None:
                decoys.append(Decoy(path=rel, line=number, kind=decoy))
            number += text.count("\n") + 1
    return planted, decoys
