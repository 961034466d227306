"""BI-SNAP: the B2B access token and the checks every transactional call passes first.

routes.py sends POSTs to these paths here. `prepare` reads what faults and the call log need
(operation, the order the body names, the merchant's environment) without judging the request;
the returned `run` then answers it the way the wire contract in docs/simulator.md says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from midtrans_local.simulator import bisnap_ops as ops
from midtrans_local.simulator import bisnap_security as security
from midtrans_local.simulator.replies import Reply, snap_reply
from midtrans_local.simulator.state import SimulatorState

ACCESS_PATH = "/v1.0/access-token/b2b"
B2B_SERVICE_CODE = "73"
# X-TIMESTAMP of a token request may be this far from the simulator's clock, either way.
TIMESTAMP_TOLERANCE_SECONDS = 300
_CHANNEL_ID = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True)
class _Endpoint:
    operation: str  # what a fault's `operation` names
    service: str  # the SNAP service code inside every responseCode this endpoint answers
    run: Callable[[SimulatorState, ops.Ask], Reply]


ENDPOINTS: Mapping[str, _Endpoint] = {
    "/v1.0/debit/status": _Endpoint("bisnap_status", "55", ops.debit_status),
    "/v1.0/debit/cancel": _Endpoint("bisnap_cancel", "57", ops.debit_cancel),
    "/v1.0/debit/refund": _Endpoint("bisnap_refund", "58", ops.debit_refund),
    "/v1.0/qr/qr-mpm-query": _Endpoint("bisnap_status", "51", ops.qris_query),
    "/v1.0/qr/qr-mpm-cancel": _Endpoint("bisnap_cancel", "77", ops.qris_cancel),
    "/v1.0/qr/qr-mpm-refund": _Endpoint("bisnap_refund", "78", ops.qris_refund),
}
PATHS = frozenset({ACCESS_PATH, *ENDPOINTS})


@dataclass(frozen=True)
class Prepared:
    operation: str
    service: str
    order_id: str | None
    # Call-log fields: identifiers only. The Authorization header, X-SIGNATURE and the client
    # secret are never put here. `run` sets "authorized" once the credentials check out.
    log: dict[str, Any]
    run: Callable[[SimulatorState], Reply]


def prepare(state: SimulatorState, path: str, raw_path: str, headers: Mapping[str, str], body: bytes) -> Prepared:
    """Classify a POST to one of PATHS; `raw_path` (still URL-encoded) is what the HMAC signs."""
    if path == ACCESS_PATH:
        client_key = headers.get("x-client-key") or ""
        with state.lock:
            # Counted on arrival, before faults: a client's retries show even when a fault answers them.
            state.bisnap.token_requests[client_key] += 1
            merchant = state.bisnap.by_client(client_key)
        log: dict[str, Any] = {"client_key": client_key or None, "authorized": False}
        log["environment"] = merchant.environment if merchant else None
        return Prepared("bisnap_token", B2B_SERVICE_CODE, None, log, lambda s: _token(s, headers, body, log))
    endpoint = ENDPOINTS[path]
    with state.lock:
        merchant = state.bisnap.by_partner(headers.get("x-partner-id"))
    log = {
        "external_id": headers.get("x-external-id"),
        "partner_id": headers.get("x-partner-id"),
        "authorized": False,
        "environment": merchant.environment if merchant else None,
    }
    order_id = ops.order_hint(state, _json_or_none(body))
    return Prepared(
        endpoint.operation,
        endpoint.service,
        order_id,
        log,
        lambda s: _transact(s, endpoint, raw_path, headers, body, log),
    )


def _token(state: SimulatorState, headers: Mapping[str, str], body: bytes, log: dict[str, Any]) -> Reply:
    client_id = headers.get("x-client-key") or ""
    timestamp = headers.get("x-timestamp") or ""
    with state.lock:
        merchant = state.bisnap.by_client(client_id)
    sent_at = security.timestamp_seconds(timestamp)
    if (
        merchant is None
        or sent_at is None
        or abs(security.now() - sent_at) > TIMESTAMP_TOLERANCE_SECONDS
        or not security.token_signature_valid(
            merchant.public_key_pem, client_id, timestamp, headers.get("x-signature") or ""
        )
    ):
        # One answer for every way of failing: Midtrans documents no finer code, and a finer one
        # would tell a caller which client_ids exist.
        return snap_reply("4017300", "Unauthorized Signature")
    log["authorized"] = True
    payload = _json_or_none(body)
    grant = payload.get("grantType", payload.get("grant_type")) if isinstance(payload, dict) else None
    if grant != "client_credentials":
        return snap_reply("4007302", "Invalid Mandatory Field grantType")
    with state.lock:
        token = state.bisnap.issue(client_id)
        ttl = state.bisnap.token_ttl
    # expiresIn is a string in every Midtrans sample.
    return snap_reply("2007300", "Successful", accessToken=token, tokenType="Bearer", expiresIn=str(ttl))


def _transact(
    state: SimulatorState,
    endpoint: _Endpoint,
    raw_path: str,
    headers: Mapping[str, str],
    body: bytes,
    log: dict[str, Any],
) -> Reply:
    service = endpoint.service
    token = _bearer(headers.get("authorization"))
    with state.lock:
        merchant = state.bisnap.by_partner(headers.get("x-partner-id"))
        if merchant is None:
            return snap_reply(f"401{service}00", "Unauthorized. Unknown partner")
        # A token is only good for the client it was issued to; another partner's token is invalid.
        if token is None or state.bisnap.token_client(token) != merchant.client_id:
            return snap_reply(f"401{service}01", "Invalid Token (B2B)")
    # The HMAC covers the body bytes exactly as received: re-serialising them would hide client bugs.
    if not security.transaction_signature_valid(
        merchant.client_secret,
        raw_path,
        token,
        body,
        headers.get("x-timestamp") or "",
        headers.get("x-signature") or "",
    ):
        return snap_reply(f"401{service}00", "Unauthorized. Signature")
    log["authorized"] = True
    try:
        external_id = headers.get("x-external-id") or ""
        if not external_id.strip():
            raise ops.InvalidField("X-EXTERNAL-ID")
        if not _CHANNEL_ID.match(headers.get("channel-id") or ""):
            raise ops.InvalidField("CHANNEL-ID")
        payload = _json_or_none(body)
        if not isinstance(payload, dict):
            raise ops.InvalidField("request body")
        return endpoint.run(state, ops.Ask(merchant, payload, external_id))
    except ops.InvalidField as exc:
        return snap_reply(f"400{service}02", f"Invalid Mandatory Field {exc.name}")


def _bearer(authorization: str | None) -> str | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
