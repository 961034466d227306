"""Development JWTs, and their check the way API Gateway's JWT authorizer does it.

In AWS the platform issues the tokens and API Gateway verifies them against the issuer's keys. Locally
both sides share one HS256 secret: `LOCAL_JWT_SECRET`, or a fixed development string. Issuer and
audience default to what template.yaml's authorizer expects, so a token made here passes the local
server exactly when the same claims would pass the deployed authorizer's issuer/audience check.

    python -m midtrans_local.tokens --role admin --cid tenant-a [--plan ultimate] [--ttl 3600]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt

from midtrans_local.template import DEFAULT_TEMPLATE_PATH, SamTemplate

# Only ever accepted by the local stack; a deployed stack trusts the platform's issuer instead.
DEFAULT_DEV_SECRET = "midtrans-native-local-development-only-hs256-secret"  # noqa: S105  (public on purpose)
ROLES = ("admin", "spv", "agent", "ai_agent")
ALGORITHM = "HS256"


class Unauthorized(Exception):
    """The request would get API Gateway's 401: no token, or a token the authorizer rejects."""


def dev_jwt_secret() -> str:
    return os.environ.get("LOCAL_JWT_SECRET") or DEFAULT_DEV_SECRET


def issue_dev_token(
    cid: str,
    role: str,
    plan: str = "ultimate",
    ttl_seconds: int = 3600,
    secret: str | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    *,
    template_path: str | Path = DEFAULT_TEMPLATE_PATH,
    now: float | None = None,
) -> str:
    """A signed HS256 token with the platform's claims (`cid`, `role`, `plan`) and `iss`/`aud`/`exp`.

    The template is read only when `issuer` or `audience` is not given.
    """
    if issuer is None or audience is None:
        default_issuer, default_audience = SamTemplate.load(template_path).default_jwt_settings()
        issuer = default_issuer if issuer is None else issuer
        audience = default_audience if audience is None else audience
    issued_at = int(time.time() if now is None else now)
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": f"dev-{role}@{cid}",
        "cid": cid,
        "role": role,
        "plan": plan,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret or dev_jwt_secret(), algorithm=ALGORITHM)


def verify_authorization(
    authorization: str | None, *, secret: str, issuer: str, audiences: Sequence[str]
) -> dict[str, Any]:
    """The verified claims of an `Authorization` header value; raises Unauthorized otherwise.

    API Gateway accepts the token with or without the `Bearer ` prefix; `exp` is required.
    """
    if not authorization or not authorization.strip():
        raise Unauthorized("no Authorization header")
    scheme, _, rest = authorization.strip().partition(" ")
    token = rest.strip() if scheme.lower() == "bearer" else authorization.strip()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=list(audiences),
            issuer=issuer,
            options={"require": ["exp"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(f"{type(error).__name__}: {error}") from error
    return claims


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m midtrans_local.tokens",
        description="Print a development JWT the local stack accepts (signed with LOCAL_JWT_SECRET or the dev secret).",
    )
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--cid", required=True, help="tenant id (the cid claim)")
    parser.add_argument("--plan", default="ultimate")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    parser.add_argument("--template", default=str(DEFAULT_TEMPLATE_PATH), help="SAM template for iss/aud")
    args = parser.parse_args(argv)
    if args.ttl <= 0:
        parser.error("--ttl must be positive")
    print(issue_dev_token(args.cid, args.role, args.plan, args.ttl, template_path=args.template))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
