"""Pieces every agent action shares: credentials for the caller's tenant, and the Core API factory type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from midtrans_native.errors import MidtransError, RequestRefused
from midtrans_native.messages import Locale, Msg, render
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.models.common import Caller
from midtrans_native.models.midtrans import MidtransCredentials
from midtrans_native.stores.connections import StoredConnection

CoreApiFactory = Callable[[MidtransCredentials], CoreApiClient]


class CredentialsSource(Protocol):
    def credentials(self, cid: str) -> tuple[StoredConnection, MidtransCredentials] | None: ...


def load_credentials(connections: CredentialsSource, caller: Caller, locale: Locale) -> MidtransCredentials:
    loaded = connections.credentials(caller.cid)
    if loaded is None:
        raise RequestRefused(409, "not_connected", render(Msg.NOT_CONNECTED, locale))
    return loaded[1]


def failure_message(exc: MidtransError, default: Msg) -> Msg:
    """Rate limiting has its own customer copy (BRIEF §2.5); everything else uses the action's copy."""
    return Msg.RATE_LIMITED if exc.failure_reason == "rate_limited" else default
