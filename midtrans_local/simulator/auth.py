"""Server keys and the HTTP Basic check every Midtrans API route performs.

Midtrans authenticates Core API v2 and the Payment Link API with `Authorization: Basic
base64("<server key>:")`: the key is the username and the password is empty.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable

# Dummy keys, valid only against this simulator. They keep the real prefixes (`SB-Mid-server-` for
# sandbox) so code that infers the environment from the key behaves as it would with real keys.
SANDBOX_SERVER_KEY = "SB-Mid-server-LOCALSIMULATOR01"
PRODUCTION_SERVER_KEY = "Mid-server-LOCALSIMULATOR01"


def environment_of(server_key: str) -> str:
    """'sandbox' or 'production', by the prefix Midtrans gives sandbox keys."""
    return "sandbox" if server_key.startswith("SB-") else "production"


def basic_auth_header(server_key: str) -> str:
    """The header value a Midtrans client sends for this key."""
    return "Basic " + base64.b64encode(f"{server_key}:".encode()).decode("ascii")


def match_server_key(authorization: str | None, server_keys: Iterable[str]) -> str | None:
    """The configured key the header carries, or None when it is missing, malformed or unknown."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    # Midtrans documents an empty password; anything else is not the documented header.
    if not colon or password:
        return None
    for key in server_keys:
        # Constant-time compare: the check should not leak how much of a key matched.
        if hmac.compare_digest(username.encode(), key.encode()):
            return key
    return None
