"""One simulator per module on an ephemeral loopback port, reset before every test; BI-SNAP helpers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from midtrans_local.simulator import SANDBOX_SERVER_KEY, MidtransSimulator

TIMEOUT = 5


class Api:
    """requests on loopback, authenticated with the sandbox key unless told otherwise."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str, key: str | None = SANDBOX_SERVER_KEY) -> requests.Response:
        return requests.get(self.base_url + path, auth=_auth(key), timeout=TIMEOUT)

    def post(self, path: str, body: Any = None, key: str | None = SANDBOX_SERVER_KEY) -> requests.Response:
        return requests.post(self.base_url + path, json=body, auth=_auth(key), timeout=TIMEOUT)

    def post_raw(self, path: str, data: bytes) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        auth = _auth(SANDBOX_SERVER_KEY)
        return requests.post(self.base_url + path, data=data, headers=headers, auth=auth, timeout=TIMEOUT)

    def delete(self, path: str, key: str | None = SANDBOX_SERVER_KEY) -> requests.Response:
        return requests.delete(self.base_url + path, auth=_auth(key), timeout=TIMEOUT)

    def status(self, ident: str) -> dict[str, Any]:
        response = self.get(f"/v2/{ident}/status")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    def refund(self, ident: str, **body: Any) -> dict[str, Any]:
        response = self.post(f"/v2/{ident}/refund", body)
        assert response.status_code == 200  # Core API outcomes travel in HTTP 200 bodies
        result: dict[str, Any] = response.json()
        return result


def _auth(key: str | None) -> tuple[str, str] | None:
    return (key, "") if key is not None else None


@pytest.fixture(scope="module")
def _running() -> Iterator[MidtransSimulator]:
    with MidtransSimulator() as simulator:
        yield simulator


@pytest.fixture
def sim(_running: MidtransSimulator) -> MidtransSimulator:
    _running.reset()
    return _running


@pytest.fixture
def api(sim: MidtransSimulator) -> Api:
    return Api(sim.base_url)


# BI-SNAP: a test RSA key, two registered merchants and a small signing client. The client signs
# with its own few lines (not midtrans_native), so the simulator is checked against the contract.
WIB = timezone(timedelta(hours=7))
CHANNEL_ID = "95221"


def snap_timestamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(WIB)).astimezone(WIB).replace(microsecond=0).isoformat()


class Snap:
    """One BI-SNAP merchant as a client sees it: fetches tokens, signs and sends transactional calls."""

    def __init__(self, base_url: str, merchant: dict[str, str], private_key: rsa.RSAPrivateKey) -> None:
        self.base_url = base_url
        self.client_id = merchant["client_id"]
        self.partner_id = merchant["partner_id"]
        self.merchant_id = merchant["merchant_id"]
        self.secret = merchant["client_secret"]
        self.private_key = private_key

    def token_signature(self, client_id: str, timestamp: str) -> str:
        signed = self.private_key.sign(f"{client_id}|{timestamp}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signed).decode()

    def token_response(
        self,
        *,
        client_id: str | None = None,
        timestamp: str | None = None,
        signature: str | None = None,
        body: Any = None,
    ) -> requests.Response:
        client_id = client_id or self.client_id
        timestamp = timestamp or snap_timestamp()
        headers = {
            "Content-Type": "application/json",
            "X-TIMESTAMP": timestamp,
            "X-CLIENT-KEY": client_id,
            "X-SIGNATURE": signature if signature is not None else self.token_signature(client_id, timestamp),
        }
        data = body if isinstance(body, bytes) else json.dumps(body or {"grantType": "client_credentials"}).encode()
        return requests.post(f"{self.base_url}/v1.0/access-token/b2b", data=data, headers=headers, timeout=TIMEOUT)

    def token(self) -> str:
        response = self.token_response()
        assert response.status_code == 200, response.text
        token: str = response.json()["accessToken"]
        return token

    def hmac_signature(self, path: str, token: str, body: bytes, timestamp: str, secret: str | None = None) -> str:
        digest = hashlib.sha256(body).hexdigest()
        message = f"POST:{path}:{token}:{digest}:{timestamp}".encode()
        return base64.b64encode(hmac.new((secret or self.secret).encode(), message, hashlib.sha512).digest()).decode()

    def call(
        self,
        path: str,
        body: dict[str, Any] | bytes,
        *,
        token: str | None = None,
        partner_id: str | None = None,
        external_id: str | None = "ext-0001",
        channel_id: str = CHANNEL_ID,
        signed_body: bytes | None = None,
        secret: str | None = None,
    ) -> requests.Response:
        """POST a signed call. `signed_body` signs other bytes than those sent (a tampered body);
        `secret` signs with another client secret."""
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        token = token if token is not None else self.token()
        timestamp = snap_timestamp()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "X-TIMESTAMP": timestamp,
            "X-SIGNATURE": self.hmac_signature(
                path, token, data if signed_body is None else signed_body, timestamp, secret=secret
            ),
            "X-PARTNER-ID": partner_id or self.partner_id,
            "CHANNEL-ID": channel_id,
        }
        if external_id is not None:
            headers["X-EXTERNAL-ID"] = external_id
        return requests.post(self.base_url + path, data=data, headers=headers, timeout=TIMEOUT)


MERCHANT_A = {
    "client_id": "SIM-CLIENT-A",
    "partner_id": "SIM-PARTNER-A",
    "merchant_id": "M-SIM-A",
    "client_secret": "secret-a-0123456789abcdef",
}
MERCHANT_B = {
    "client_id": "SIM-CLIENT-B",
    "partner_id": "SIM-PARTNER-B",
    "merchant_id": "M-SIM-B",
    "client_secret": "secret-b-0123456789abcdef",
}


@pytest.fixture(scope="module")
def bisnap_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def bisnap_public_pem(bisnap_private_key: rsa.RSAPrivateKey) -> str:
    public = bisnap_private_key.public_key()
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture
def snap(sim: MidtransSimulator, bisnap_private_key: rsa.RSAPrivateKey, bisnap_public_pem: str) -> Snap:
    """Merchant A, registered (registrations survive the per-test reset; registering again replaces)."""
    sim.register_bisnap_merchant(**MERCHANT_A, public_key_pem=bisnap_public_pem)
    return Snap(sim.base_url, MERCHANT_A, bisnap_private_key)


@pytest.fixture
def snap_b(sim: MidtransSimulator, bisnap_private_key: rsa.RSAPrivateKey, bisnap_public_pem: str) -> Snap:
    """Merchant B: same key pair as A (one 2048-bit key per module is enough), its own secret."""
    sim.register_bisnap_merchant(**MERCHANT_B, public_key_pem=bisnap_public_pem)
    return Snap(sim.base_url, MERCHANT_B, bisnap_private_key)
