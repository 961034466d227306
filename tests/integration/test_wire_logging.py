"""No log level reveals a secret: at LOG_LEVEL=DEBUG, with the root logger at DEBUG and Powertools' own package
logger on (as POWERTOOLS_DEBUG would), a real connect with BI-SNAP credentials and the reads that decrypt them
write neither the server key, nor the BI-SNAP client secret, nor any line of the private key, in clear or base64
(KMS request and response bodies carry them base64-encoded), to any logger (docs/product-contract.md §10)."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from midtrans_local.simulator import MidtransSimulator
from midtrans_native import deps
from midtrans_native.observability import logger as service_logger
from tests.conftest import load_event
from tests.integration.conftest import configure_actions, invoke

from .bisnap.conftest import rsa_private_key_pem

CID = "tenant-wire-log"
SERVER_KEY = "SB-Mid-server-WIRECANARYKEY42"
CLIENT_SECRET = "wire-canary-client-secret-7731"
CLIENT_ID = "SNAP-WIRE-CANARY"


def public_pem(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return public.decode()


def encodings(secret: str) -> list[str]:
    """The secret as it can appear in a log: itself, and the part of its base64 that does not depend on the
    bytes around it, at each of the three alignments it can have inside a longer base64-encoded document."""
    raw = secret.encode()
    forms = [secret]
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw).decode().rstrip("=")
        forms.append(encoded[4:-2])  # drop the characters the neighbouring bytes share
    return forms


def secrets() -> dict[str, str]:
    lines = [line for line in rsa_private_key_pem().splitlines() if line and "PRIVATE KEY" not in line]
    named = {"server key": SERVER_KEY, "client secret": CLIENT_SECRET}
    named |= {f"private key line {n}": line for n, line in enumerate(lines)}
    return named


@pytest.fixture
def everything_at_debug(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """A handler on the root logger taking every record of every logger, the root and the service logger at DEBUG
    (LOG_LEVEL=DEBUG), and Powertools' package logger at DEBUG into the same buffer (POWERTOOLS_DEBUG)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    package = logging.getLogger("aws_lambda_powertools")
    saved = (root.level, package.level, service_logger.log_level)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    package.setLevel(logging.DEBUG)
    package.addHandler(handler)
    service_logger.setLevel("DEBUG")
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        package.removeHandler(handler)
        root.setLevel(saved[0])
        package.setLevel(saved[1])
        service_logger.setLevel(saved[2])


def test_no_secret_reaches_any_logger_at_debug(
    aws, monkeypatch: pytest.MonkeyPatch, everything_at_debug: io.StringIO, log_output, capsys
) -> None:
    with MidtransSimulator(server_keys=(SERVER_KEY,)) as sim:
        sim.register_bisnap_merchant(
            client_id=CLIENT_ID,
            partner_id="PARTNER-WIRE",
            merchant_id="M-WIRE",
            client_secret=CLIENT_SECRET,
            public_key_pem=public_pem(rsa_private_key_pem()),
            server_key=SERVER_KEY,
        )
        monkeypatch.setenv("MIDTRANS_API_BASE_URL", sim.base_url)
        deps.reset()
        connect: dict[str, Any] = {
            "server_key": SERVER_KEY,
            "client_key": "SB-Mid-client-WIRECANARY01",
            "environment": "sandbox",
            "partner_id": "PARTNER-WIRE",
            "merchant_id": "M-WIRE",
            "bisnap": {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "private_key": rsa_private_key_pem(),
                "channel_id": "95221",
            },
        }
        status, body = invoke("connection", load_event("connection.put_sandbox", body=connect, claims={"cid": CID}))
        assert (status, body["mode"]) == (200, "bisnap"), body
        configure_actions(CID)
        # Reads that decrypt the credentials (KMS Decrypt: the plaintext comes back in the response body).
        status, body = invoke("connection", load_event("connection.get", claims={"cid": CID}))
        assert status == 200, body
        read = {"conversation_id": "conv-wire-1", "order_id": "ORDER-SETTLEMENT-GOPAY-001"}
        event = load_event("check_payment_status.settlement", body=read, claims={"cid": CID})
        status, body = invoke("check_payment_status", event)
        assert (status, body["outcome"]) == (200, "ok"), body
        assert sim.bisnap_tokens_issued(CLIENT_ID) >= 1  # the private key and the secret were really used
    cached = deps.token_cache_store().read("sandbox", CID)
    assert cached is not None  # the token was written to DynamoDB: botocore.endpoint would log that body too

    logged = "\n".join([everything_at_debug.getvalue(), log_output.getvalue(), capsys.readouterr().out])
    assert "DEBUG" in everything_at_debug.getvalue()  # the capture really ran at DEBUG
    for name, secret in (secrets() | {"access token": cached.token.access_token}).items():
        for form in encodings(secret):
            assert form not in logged, f"the {name} reached a log ({form[:12]}…)"
