"""BI-SNAP tests: the token table from moto, and fakes for what lies beyond it (the token endpoint, time)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from functools import cache

import pytest
from pydantic import SecretStr

from midtrans_native.deadline import Deadline
from midtrans_native.errors import MidtransError
from midtrans_native.midtrans.bisnap_tokens import IssuedToken
from midtrans_native.models.common import Environment
from midtrans_native.models.midtrans import BiSnapCredentials, MidtransCredentials
from tests.integration.cancel.conftest import serialized_dynamodb  # noqa: F401  (fixture)


@cache
def rsa_private_key_pem() -> str:
    """One 2048-bit key per test process (generation takes ~50 ms); Midtrans would hold its public half."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def credentials_for(
    cid: str,
    *,
    environment: Environment = "sandbox",
    client_secret: str = "unit-client-secret-0001",  # noqa: S107
) -> MidtransCredentials:
    return MidtransCredentials(
        cid=cid,
        environment=environment,
        server_key=SecretStr("SB-Mid-server-UNITTESTKEY0001"),
        bisnap=BiSnapCredentials(
            client_id=f"client-{cid}",
            partner_id=f"partner-{cid}",
            merchant_id=f"M-{cid}",
            channel_id="95221",
            client_secret=SecretStr(client_secret),
            private_key=SecretStr(rsa_private_key_pem()),
        ),
    )


class WallClock:
    """Wall time (and a matching monotonic clock) that tests can move forward. `sleep` really sleeps unless
    `fake_sleep`, where it only moves the clock: concurrent tests need real waiting, deadline tests do not."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.slept = 0.0
        self.fake_sleep = False
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.offset += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept += seconds
        if self.fake_sleep:
            self.advance(seconds)
        else:
            time.sleep(seconds)


@pytest.fixture
def clock() -> WallClock:
    return WallClock()


class FakeEndpoint:
    """The token endpoint: numbers its tokens per client (`token-<cid>-<n>`), optionally slow or failing."""

    def __init__(self, *, delay: float = 0.0, fail_with: MidtransError | None = None, expires_in: float = 900) -> None:
        self.delay = delay
        self.fail_with = fail_with
        self.expires_in = expires_in
        self.attempts: Counter[str] = Counter()
        self.issued: Counter[str] = Counter()
        self._lock = threading.Lock()

    def issue(self, credentials: BiSnapCredentials, environment: str, deadline: Deadline) -> IssuedToken:
        with self._lock:
            self.attempts[credentials.client_id] += 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail_with is not None:
            raise self.fail_with
        with self._lock:
            # Numbered per tenant across environments, so a test can tell every token apart.
            self.issued[credentials.client_id] += 1
            number = self.issued[credentials.client_id]
        return IssuedToken(f"token-{credentials.client_id.removeprefix('client-')}-{number}", self.expires_in)
