"""midtrans_local.tokens: development JWTs and the JWT-authorizer check."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from midtrans_local import tokens
from midtrans_local.tokens import DEFAULT_DEV_SECRET, Unauthorized, issue_dev_token, verify_authorization

HERE = Path(__file__).parent
SECRET = "unit-secret-that-is-long-enough-for-hs256"
ISSUER = "https://issuer.unit.invalid/"
AUDIENCE = "unit-audience"


def verify(header: str | None, audiences: tuple[str, ...] = (AUDIENCE,)) -> dict[str, Any]:
    return verify_authorization(header, secret=SECRET, issuer=ISSUER, audiences=audiences)


def make(**overrides) -> str:
    options = {"secret": SECRET, "issuer": ISSUER, "audience": AUDIENCE, **overrides}
    return issue_dev_token("tenant-a", "admin", **options)


def test_valid_token_yields_the_platform_claims():
    claims = verify(f"Bearer {make(plan='qontak_360', ttl_seconds=600)}")
    assert {k: claims[k] for k in ("cid", "role", "plan", "iss", "aud")} == {
        "cid": "tenant-a",
        "role": "admin",
        "plan": "qontak_360",
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    assert 0 < claims["exp"] - time.time() <= 600


def test_token_without_bearer_prefix_is_accepted_like_api_gateway_does():
    assert verify(make())["cid"] == "tenant-a"


def test_any_of_the_configured_audiences_is_enough():
    assert verify(f"Bearer {make(audience='second')}", audiences=(AUDIENCE, "second"))["aud"] == "second"


def tampered() -> str:
    header, payload, signature = make().split(".")
    return ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        f"Bearer {tampered()}",
        f"Bearer {make(ttl_seconds=-1)}",
        f"Bearer {make(secret='another-secret-long-enough-for-hs256-keys')}",
        f"Bearer {make(audience='another-service')}",
        f"Bearer {make(issuer='https://elsewhere.invalid/')}",
        "Bearer " + jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "cid": "t"}, SECRET, algorithm="HS256"),
        "Bearer " + jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": 4102444800}, "", algorithm="none"),
    ],
    ids=[
        "missing",
        "empty",
        "bearer-only",
        "basic",
        "tampered",
        "expired",
        "wrong-secret",
        "wrong-audience",
        "wrong-issuer",
        "no-exp",
        "alg-none",
    ],
)
def test_rejected_tokens_raise_unauthorized(header):
    with pytest.raises(Unauthorized):
        verify(header)


def test_defaults_come_from_the_template_and_the_environment(monkeypatch):
    monkeypatch.delenv("LOCAL_JWT_SECRET", raising=False)
    token = issue_dev_token("tenant-b", "ai_agent", template_path=HERE / "fixture_template.yaml")
    claims = verify_authorization(token, secret=DEFAULT_DEV_SECRET, issuer=ISSUER, audiences=[AUDIENCE])
    assert (claims["cid"], claims["role"], claims["plan"]) == ("tenant-b", "ai_agent", "ultimate")

    monkeypatch.setenv("LOCAL_JWT_SECRET", SECRET)
    token = issue_dev_token("tenant-b", "ai_agent", template_path=HERE / "fixture_template.yaml")
    assert verify(token)["cid"] == "tenant-b"


def test_cli_prints_only_the_token(monkeypatch, capsys):
    monkeypatch.setenv("LOCAL_JWT_SECRET", SECRET)
    template = str(HERE / "fixture_template.yaml")
    code = tokens.main(
        ["--role", "spv", "--cid", "tenant-c", "--plan", "sales_suite_plus", "--ttl", "60", "--template", template]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert out.count("\n") == 1
    claims = verify(out.strip())
    assert (claims["role"], claims["cid"], claims["plan"]) == ("spv", "tenant-c", "sales_suite_plus")
    assert claims["exp"] - claims["iat"] == 60


def test_cli_refuses_unknown_roles(capsys):
    with pytest.raises(SystemExit) as exit_info:
        tokens.main(["--role", "superuser", "--cid", "tenant-c"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
