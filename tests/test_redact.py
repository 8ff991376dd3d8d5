"""Redaction: no planted secret in any report format, and nothing else masked.

The report below carries a GitHub token in a bandit B105-like message (the
way bandit quotes a hard-coded password), an environment-only token in an ops
failure line, in a command and a metric, a database password in a reason and
a JWT in a plan action. Every value is assembled at run time.
"""

from __future__ import annotations

import base64
import json

import pytest

from readiness.findings import (
    Criterion,
    Finding,
    GateResult,
    PlanItem,
    Priority,
    Report,
    Severity,
    Status,
    Verdict,
)
from readiness.redact import MASK, redact_report, redact_text
from readiness.reports import renderers
from readiness.reports.terminal import summary

GITHUB_TOKEN = "gh" + "p_" + "Zq7Rk2Wm9Tb4Hc8Nd3Fs6Jv1Lp5Gx0Qy7Mt2"
#: Not a provider shape: only the environment says it is a secret.
ENV_TOKEN = "op-" + "Kd82jsQ" + "m3Nz7pWq"
DB_PASSWORD = "Vt8" + "qLz3" + "Rk5w"
JWT = ".".join(
    [
        base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("="),
        base64.urlsafe_b64encode(b'{"sub":"svc-ops","iat":1714953600}')
        .decode()
        .rstrip("="),
        "Hq3" + "Zk8Lm2Nw5Rt9Vb4Xc7Df1Gp6Js0Ty3Wq8Ek5Ru2",
    ]
)
ENVIRON = {
    "OPS_API_TOKEN": ENV_TOKEN,
    "HOME": "/home/ops",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "PWD": "/srv/app",
    "SESSION_TOKEN_FILE": "/run/secrets/session_token",
    "SHORT_TOKEN": "abc",
    "TIMEOUT": "30",
}
PLANTED = (GITHUB_TOKEN, ENV_TOKEN, DB_PASSWORD, JWT)


def planted_report() -> Report:
    bandit = Finding(
        rule="B105",
        severity=Severity.LOW,
        priority=Priority.P0,
        message=f"Possible hardcoded password: '{GITHUB_TOKEN}'",
        path="src/app/client.py",
        line=7,
        fix="read it from the environment",
        details={"code": f'PASSWORD = "{GITHUB_TOKEN}"'},
    )
    ops = Finding(
        rule="OP001",
        severity=Severity.HIGH,
        priority=Priority.P2,
        message=f"`deploy --check` exited 1: auth rejected for key {ENV_TOKEN}",
        fix=f"rerun `deploy --check --token {ENV_TOKEN}` by hand",
    )
    sast = GateResult(
        name="sast",
        status=Status.FAIL,
        priority=Priority.P0,
        duration_s=1.0,
        commands=(("bandit", "-r", "src"),),
        findings=(bandit,),
        criteria=(Criterion(text="bandit High = 0", met=False),),
        tools={"bandit": "1.9.4"},
    )
    ops_gate = GateResult(
        name="ops",
        status=Status.FAIL,
        priority=Priority.P2,
        duration_s=2.0,
        commands=(("deploy", "--check", "--token", ENV_TOKEN),),
        metrics={"last_line": f"denied: {ENV_TOKEN}", "commands": 1},
        findings=(ops,),
        criteria=(Criterion(text=f"`deploy --token {ENV_TOKEN}` succeeds", met=False),),
    )
    deps = GateResult(
        name="deps",
        status=Status.ERROR,
        priority=Priority.P1,
        duration_s=0.5,
        reason=f"uv failed: postgresql://app:{DB_PASSWORD}@db.internal/app refused",
    )
    return Report(
        target="app",
        target_name="app",
        verdict=Verdict.NOT_READY,
        generated_at="2025-10-11T09:30:00+00:00",
        readiness_version="0.1.0",
        python="3.11.7",
        tools={"bandit": "1.9.4"},
        gates=(sast, ops_gate, deps),
        plan=(
            PlanItem(
                priority=Priority.P0,
                title="Security hotfixes",
                gates=("sast",),
                criteria=(Criterion(text="bandit High = 0", met=False),),
                actions=(f"revoke the token used in `curl -H 'Bearer {JWT}'`",),
            ),
        ),
    )


def test_no_planted_value_in_any_report_format() -> None:
    report = redact_report(planted_report(), ENVIRON)
    outputs = {name: cls().render(report) for name, cls in renderers().items()}
    outputs["terminal"] = summary(report, width=400)
    assert sorted(outputs) == ["html", "json", "junit", "md", "sarif", "terminal"]
    leaks = {
        name: [value for value in PLANTED if value in text]
        for name, text in outputs.items()
    }
    assert leaks == {name: [] for name in outputs}
    # the texts did pass through: the mask is there instead
    assert all(MASK in text for name, text in outputs.items() if name != "terminal")
    data = json.loads(outputs["json"])
    gates = {gate["name"]: gate for gate in data["gates"]}
    assert gates["sast"]["findings"][0]["message"] == (
        f"Possible hardcoded password: '{MASK}'"
    )
    assert gates["ops"]["command"] == ["deploy", "--check", "--token", MASK]
    assert gates["deps"]["reason"] == (
        f"uv failed: postgresql://app:{MASK}@db.internal/app refused"
    )


def test_the_unredacted_report_would_leak() -> None:
    """The check above can fail: without redaction every planted value shows."""
    text = renderers()["json"]().render(planted_report())
    assert [value for value in PLANTED if value in text] == list(PLANTED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {GITHUB_TOKEN} leaked", f"token {MASK} leaked"),
        (f"key={ENV_TOKEN}", f"key={MASK}"),
        ("cwd /srv/app, home /home/ops, PATH=/usr/local/bin:/usr/bin:/bin",) * 2,
        ("timeout 30 s; token abc; see /run/secrets/session_token",) * 2,
        ("Possible hardcoded password: 'test_secret'",) * 2,
        ("sha256:" + "ab" * 32,) * 2,
        (f"API_SECRET={DB_PASSWORD}#x", f"API_SECRET={MASK}"),
        ("", ""),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text, ENVIRON) == expected


def test_the_process_environment_is_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPLOY_PASSWORD", ENV_TOKEN)
    assert redact_text(f"login with {ENV_TOKEN}") == f"login with {MASK}"
