"""Midtrans wire bodies. Parsed leniently: Midtrans adds fields over time, and they must be ignored."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from pydantic import ConfigDict, Field, SecretStr, field_validator

from midtrans_native.models.common import DeferredModel, Environment


class MidtransRefund(DeferredModel):
    model_config = ConfigDict(extra="ignore")

    refund_chargeback_id: int | str | None = None
    refund_amount: Decimal | None = None
    created_at: str | None = None
    reason: str | None = None
    refund_key: str | None = None


class TransactionStatus(DeferredModel):
    """GET /v2/{id}/status when Midtrans found the transaction."""

    model_config = ConfigDict(extra="ignore")

    status_code: str
    status_message: str | None = None
    order_id: str
    transaction_id: str | None = None
    transaction_status: str
    fraud_status: str | None = None
    payment_type: str | None = None
    gross_amount: Decimal
    currency: str = "IDR"
    transaction_time: str | None = None
    settlement_time: str | None = None
    expiry_time: str | None = None
    refund_amount: Decimal | None = None
    refunds: list[MidtransRefund] = Field(default_factory=list)

    @field_validator("transaction_status", "fraud_status", "payment_type")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        # One doc sample answers "PENDING": statuses are compared case-insensitively everywhere.
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def gross_amount_rupiah(self) -> int:
        return int(self.gross_amount)

    @property
    def refunded_rupiah(self) -> int:
        """Refunded so far: Midtrans' refund_amount, else the sum of the refunds it lists."""
        if self.refund_amount is not None:
            return int(self.refund_amount)
        return int(sum((refund.refund_amount or Decimal(0)) for refund in self.refunds))


class BiSnapCredentials(DeferredModel):
    """A tenant's BI-SNAP credentials (docs/midtrans-behaviour.md §3). The secret and the private key stay SecretStr."""

    model_config = ConfigDict(frozen=True)

    client_id: str  # sent as X-CLIENT-KEY when asking for a token
    partner_id: str  # X-PARTNER-ID on every transactional call
    merchant_id: str  # QRIS calls name the merchant in the body
    channel_id: str  # CHANNEL-ID, 5 digits
    client_secret: SecretStr  # HMAC-SHA512 key of every transactional call
    private_key: SecretStr  # PEM; signs token requests (Midtrans holds the public half)
    midtrans_public_key: str | None = None  # PEM; verifies Midtrans' BI-SNAP notifications (public, not secret)

    @property
    def fingerprint(self) -> str:
        """Which credentials a cached token was issued for, without revealing them: a token issued before a
        re-connect with other credentials must never be used with the new ones."""
        material = "\n".join((self.client_id, self.partner_id, self.client_secret.get_secret_value()))
        return hashlib.sha256(material.encode()).hexdigest()[:16]


class MidtransCredentials(DeferredModel):
    """Decrypted credentials, alive only for one invocation. SecretStr keeps the key out of reprs and logs.

    `bisnap` is set when the tenant connected BI-SNAP credentials: status, cancel and refund then go over
    BI-SNAP (docs/product-contract.md §1); payment links always use the server key."""

    model_config = ConfigDict(frozen=True)

    cid: str
    environment: Environment
    server_key: SecretStr
    bisnap: BiSnapCredentials | None = None
