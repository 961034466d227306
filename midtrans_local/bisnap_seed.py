"""The local stack's BI-SNAP demo tenant: a key pair made at start, registered with the simulator.

The private key is generated per start and never written to disk: no key, not even a dummy one, lives in the
repository. The simulator only learns the public half, as Midtrans does in the credential exchange.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol, runtime_checkable

from midtrans_local.banner import BISNAP_DEMO_TENANT as BISNAP_DEMO_TENANT

BISNAP_CLIENT_ID = "LOCAL-BISNAP-CLIENT"
BISNAP_PARTNER_ID = "LOCALPARTNER01"
BISNAP_MERCHANT_ID = "G000LOCAL01"
BISNAP_CHANNEL_ID = "95221"


@runtime_checkable
class BiSnapRegistry(Protocol):
    def register_bisnap_merchant(
        self,
        *,
        client_id: str,
        partner_id: str,
        merchant_id: str,
        client_secret: str,
        public_key_pem: str,
        server_key: str = ...,
    ) -> None: ...


def bisnap_demo_connection(simulator: BiSnapRegistry, server_key: str, client_key: str) -> dict[str, Any]:
    """Register a fresh BI-SNAP merchant with the simulator; return the PUT /v1/connection body for it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    client_secret = secrets.token_urlsafe(24)
    simulator.register_bisnap_merchant(
        client_id=BISNAP_CLIENT_ID,
        partner_id=BISNAP_PARTNER_ID,
        merchant_id=BISNAP_MERCHANT_ID,
        client_secret=client_secret,
        public_key_pem=public_pem,
        server_key=server_key,
    )
    return {
        "server_key": server_key,
        "client_key": client_key,
        "environment": "sandbox",
        "partner_id": BISNAP_PARTNER_ID,
        "merchant_id": BISNAP_MERCHANT_ID,
        "bisnap": {
            "client_id": BISNAP_CLIENT_ID,
            "client_secret": client_secret,
            "private_key": private_pem,
            "channel_id": BISNAP_CHANNEL_ID,
        },
    }
