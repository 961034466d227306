"""Fakes passed in as collaborators (no patching): a clock, and credentials."""

from __future__ import annotations

from pydantic import SecretStr

from midtrans_native.models.midtrans import MidtransCredentials

SERVER_KEY = "SB-Mid-server-UNITTESTKEY0001"
CREDENTIALS = MidtransCredentials(environment="sandbox", server_key=SecretStr(SERVER_KEY))
BASE = "https://api.sandbox.midtrans.com"


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
