"""Fakes passed in as collaborators (no patching): a clock, credentials, a confirmation record."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import SecretStr

from midtrans_native.models.midtrans import MidtransCredentials
from midtrans_native.stores.confirmations import Confirmation

SERVER_KEY = "SB-Mid-server-UNITTESTKEY0001"
CREDENTIALS = MidtransCredentials(cid="tenant-unit", environment="sandbox", server_key=SecretStr(SERVER_KEY))
BASE = "https://api.sandbox.midtrans.com"
_PENDING_REFUND = Confirmation(
    confirmation_id="c-1",
    cid="t",
    conversation_id="conv",
    action="refund",
    order_id="O-1",
    transaction_id="tx-1",
    amount=1000,
    reason=None,
    locale="en",
    state="pending",
    expires_at=1_800_000_300.0,
    lease_until=None,
    attempts=0,
    result=None,
)


def confirmation(**changes: Any) -> Confirmation:
    """A pending refund confirmation for IDR 1,000 of order O-1 (tenant t, conversation conv), with `changes`."""
    return replace(_PENDING_REFUND, **changes)


class FakeClock:
    """monotonic() stand-in; sleep() advances it, so deadlines and backoff are tested without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeCoreApi:
    """Records every status read; answers with a transaction or raises what it was given."""

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[str] = []

    def get_status(self, order_id: str) -> object:
        self.calls.append(order_id)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class FakeConnections:
    def __init__(self, connected: bool = True) -> None:
        self.connected = connected

    def credentials(self, cid: str) -> tuple[object, MidtransCredentials] | None:
        return (object(), CREDENTIALS) if self.connected else None
