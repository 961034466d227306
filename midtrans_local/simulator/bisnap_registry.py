"""BI-SNAP identities: registered merchants, issued access tokens and the token request counters.

Not locked itself: the simulator's one lock guards it, as it guards the FaultBook. Merchants are
configuration, like the server keys, so `reset()` keeps them; tokens, counters and the TTL are
per-test state and go back to their start values.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from midtrans_local.simulator import bisnap_security
from midtrans_local.simulator.auth import environment_of

DEFAULT_TOKEN_TTL = 900  # seconds: "Token lifetime: 900 seconds (15 minutes) by default"
MERCHANT_FIELDS = ("client_id", "partner_id", "merchant_id", "client_secret", "public_key_pem", "server_key")


@dataclass(frozen=True)
class BisnapMerchant:
    client_id: str
    partner_id: str
    merchant_id: str
    # Secrets stay out of repr so a logged or printed merchant never leaks them.
    client_secret: str = field(repr=False)
    public_key_pem: str = field(repr=False)
    # Ties the merchant to a Core API key: BI-SNAP sees the same transactions /v2 does with that key.
    server_key: str = field(repr=False)

    @property
    def environment(self) -> str:
        return environment_of(self.server_key)

    def describe(self) -> dict[str, Any]:
        """What the control API shows: identifiers only, never the secret, the key or the server key."""
        return {
            "client_id": self.client_id,
            "partner_id": self.partner_id,
            "merchant_id": self.merchant_id,
            "environment": self.environment,
        }


def make_merchant(fields: dict[str, Any], server_keys: Iterable[str]) -> BisnapMerchant:
    """Validate a registration (from Python or JSON); ValueError says what is wrong."""
    unknown = set(fields) - set(MERCHANT_FIELDS)
    if unknown:
        raise ValueError(f"unknown merchant field(s): {', '.join(sorted(unknown))}")
    for name in MERCHANT_FIELDS:
        value = fields.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a non-empty string")
    if fields["server_key"] not in tuple(server_keys):
        raise ValueError("server_key must be one of the simulator's server keys")
    bisnap_security.load_public_key(fields["public_key_pem"])  # refuse a bad key now, not at the first token
    return BisnapMerchant(**{name: fields[name] for name in MERCHANT_FIELDS})


@dataclass
class _Token:
    client_id: str
    expires_at: float  # bisnap_security.now() seconds


class BisnapRegistry:
    def __init__(self) -> None:
        self._merchants: dict[str, BisnapMerchant] = {}
        self._tokens: dict[str, _Token] = {}
        self.token_requests: Counter[str] = Counter()
        self.tokens_issued: Counter[str] = Counter()
        self.token_ttl = DEFAULT_TOKEN_TTL

    def reset(self) -> None:
        self._tokens = {}
        self.token_requests = Counter()
        self.tokens_issued = Counter()
        self.token_ttl = DEFAULT_TOKEN_TTL

    def register(self, merchant: BisnapMerchant) -> None:
        """Add a merchant, or replace the one with the same client_id (its tokens stay valid)."""
        for other in self._merchants.values():
            if other.partner_id == merchant.partner_id and other.client_id != merchant.client_id:
                # X-PARTNER-ID alone picks the merchant on transactional calls, so it must be unique.
                raise ValueError(f"partner_id {merchant.partner_id!r} belongs to client_id {other.client_id!r}")
        self._merchants[merchant.client_id] = merchant

    def merchants(self) -> list[BisnapMerchant]:
        return list(self._merchants.values())

    def by_client(self, client_id: str | None) -> BisnapMerchant | None:
        return self._merchants.get(client_id) if client_id else None

    def by_partner(self, partner_id: str | None) -> BisnapMerchant | None:
        return next((m for m in self._merchants.values() if partner_id and m.partner_id == partner_id), None)

    def set_token_ttl(self, seconds: int) -> None:
        """Lifetime of tokens issued from now on; tokens already out keep the expiry they were given."""
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise ValueError("seconds must be a positive integer")
        self.token_ttl = seconds

    def issue(self, client_id: str) -> str:
        token = secrets.token_urlsafe(32)  # 43 URL-safe characters
        self._tokens[token] = _Token(client_id, bisnap_security.now() + self.token_ttl)
        self.tokens_issued[client_id] += 1
        return token

    def token_client(self, token: str) -> str | None:
        """The client_id a live token was issued to; None when unknown, revoked or expired."""
        record = self._tokens.get(token)
        if record is None:
            return None
        if bisnap_security.now() >= record.expires_at:
            del self._tokens[token]
            return None
        return record.client_id

    def revoke(self, client_id: str | None = None) -> int:
        """Invalidate every outstanding token of one client (of everyone when None); returns how many."""
        now = bisnap_security.now()
        doomed = [token for token, record in self._tokens.items() if client_id in (None, record.client_id)]
        live = sum(1 for token in doomed if self._tokens[token].expires_at > now)
        for token in doomed:
            del self._tokens[token]
        return live
