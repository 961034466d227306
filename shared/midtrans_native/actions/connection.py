"""Connection management (PRD S01, the connection half): connect or re-authorize, read, disconnect.

Credentials are verified against Midtrans before they are stored: a status read of an order that
cannot exist answers "404" for a good key and 401 for a bad one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from midtrans_native.errors import MidtransAuthError, MidtransError, RequestRefused, TransactionNotFound
from midtrans_native.messages import Locale, Msg, render
from midtrans_native.midtrans.core_api import PaymentsClient
from midtrans_native.models.common import Caller
from midtrans_native.models.connection import ConnectionView, ConnectRequest
from midtrans_native.models.midtrans import BiSnapCredentials, MidtransCredentials
from midtrans_native.observability import ActionTelemetry
from midtrans_native.stores.connections import StoredConnection

ACTION_TYPE = "connect"
_SANDBOX_PREFIXES = ("SB-Mid-server-", "SB-Mid-client-")
_PRODUCTION_PREFIXES = ("Mid-server-", "Mid-client-")


class ConnectionRepository(Protocol):
    def get(self, cid: str) -> StoredConnection | None: ...
    def save(self, cid: str, request: ConnectRequest) -> StoredConnection: ...
    def delete(self, cid: str) -> bool: ...


class TokenCache(Protocol):
    def forget_tenant(self, cid: str) -> None: ...


NOTIFICATION_ROUTE = "/v1/notifications/midtrans/"


def view(connection: StoredConnection | None, message: str | None = None, *, public_url: str = "") -> ConnectionView:
    """`public_url`: where this API is reached from outside (the notification URL is built on it)."""
    if connection is None:
        return ConnectionView(status="not_connected", message=message)
    token = connection.notification_token
    return ConnectionView(
        notification_url=f"{public_url.rstrip('/')}{NOTIFICATION_ROUTE}{token}" if token and public_url else None,
        status="connected",
        message=message,
        environment=connection.environment,
        mode="bisnap" if connection.mode == "bisnap" else "core_api",
        masked_server_key=connection.masked_server_key,
        masked_client_key=connection.masked_client_key,
        partner_id=connection.partner_id,
        merchant_id=connection.merchant_id,
        bisnap_client_id=connection.bisnap_client_id,
        bisnap_channel_id=connection.bisnap_channel_id,
        connected_at=connection.connected_at,
        updated_at=connection.updated_at,
    )


def verify_credentials(client: PaymentsClient) -> None:
    """Prove the key with a read that changes nothing: a random order id Midtrans cannot know."""
    try:
        # 22 + 24 characters: inside Midtrans' 50-character order_id limit.
        client.get_status(f"midtrans-native-probe-{uuid.uuid4().hex[:24]}")
    except TransactionNotFound:
        return


def _check_environment(request: ConnectRequest) -> None:
    keys = (request.server_key.get_secret_value(), request.client_key)
    contradicting = _PRODUCTION_PREFIXES if request.environment == "sandbox" else _SANDBOX_PREFIXES
    if any(key.startswith(contradicting) for key in keys):
        other = "production" if request.environment == "sandbox" else "sandbox"
        raise RequestRefused(
            422,
            "environment_mismatch",
            f"These keys are {other} keys (by their prefix) but the environment is {request.environment}. "
            f"Choose {other}, or paste the {request.environment} keys.",
        )


def connect(
    request: ConnectRequest,
    caller: Caller,
    *,
    store: ConnectionRepository,
    core_api: Callable[[MidtransCredentials], PaymentsClient],
    token_cache: TokenCache,
    public_url: str = "",
) -> ConnectionView:
    """Verify, then store. With BI-SNAP credentials, a second probe goes over BI-SNAP: it obtains a token
    (proving the client id and private key) and makes one signed read (proving the client secret and partner id)."""
    _check_environment(request)
    server_key_only = MidtransCredentials(
        cid=caller.cid, environment=request.environment, server_key=request.server_key
    )
    telemetry = ActionTelemetry(ACTION_TYPE, cid=caller.cid, conversation_id=None, order_id=None)
    telemetry.executed()
    try:
        verify_credentials(core_api(server_key_only))
        if request.bisnap is not None:
            # A re-connect may change the credentials: no token issued for the old ones may survive it.
            token_cache.forget_tenant(caller.cid)
            verify_credentials(core_api(server_key_only.model_copy(update={"bisnap": _bisnap(request)})))
    except MidtransAuthError as exc:
        telemetry.failed(exc.failure_reason, exc.detail)
        raise RequestRefused(
            400, "connection_failed", render(Msg.CONNECT_FAILED, request.locale), failure_reason="auth_error"
        ) from None
    except MidtransError as exc:
        telemetry.failed(exc.failure_reason, exc.detail)
        status = 504 if exc.failure_reason == "timeout" else 502
        raise RequestRefused(
            status,
            "connection_unverified",
            render(Msg.CONNECT_UNREACHABLE, request.locale),
            failure_reason=exc.failure_reason,
        ) from None
    if request.bisnap is None:
        token_cache.forget_tenant(caller.cid)  # back to Core API only: drop any BI-SNAP token
    connection = store.save(caller.cid, request)
    telemetry.succeeded(response_status="verified", outcome="connected")
    return view(
        connection, render(Msg.CONNECTED, request.locale, environment=connection.environment), public_url=public_url
    )


def _bisnap(request: ConnectRequest) -> BiSnapCredentials:
    assert request.bisnap is not None and request.partner_id and request.merchant_id  # the model guarantees it
    return BiSnapCredentials(
        client_id=request.bisnap.client_id,
        partner_id=request.partner_id,
        merchant_id=request.merchant_id,
        channel_id=request.bisnap.channel_id,
        client_secret=request.bisnap.client_secret,
        private_key=request.bisnap.private_key,
        midtrans_public_key=request.bisnap.midtrans_public_key,
    )


def get_connection(caller: Caller, *, store: ConnectionRepository, public_url: str = "") -> ConnectionView:
    return view(store.get(caller.cid), public_url=public_url)


def disconnect(
    caller: Caller, *, store: ConnectionRepository, token_cache: TokenCache, locale: Locale = "en"
) -> ConnectionView:
    # Tokens first: if the second step fails, a retry still finds the connection to delete.
    token_cache.forget_tenant(caller.cid)
    store.delete(caller.cid)
    return view(None, render(Msg.DISCONNECTED, locale))
