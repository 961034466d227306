"""Midtrans wire bodies. Parsed leniently: Midtrans adds fields over time, and they must be ignored."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from midtrans_native.models.common import Environment


class MidtransRefund(BaseModel):
    model_config = ConfigDict(extra="ignore")

    refund_chargeback_id: int | str | None = None
    refund_amount: Decimal | None = None
    created_at: str | None = None
    reason: str | None = None
    refund_key: str | None = None


class TransactionStatus(BaseModel):
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


class MidtransCredentials(BaseModel):
    """Decrypted credentials, alive only for one invocation. SecretStr keeps the key out of reprs and logs."""

    model_config = ConfigDict(frozen=True)

    environment: Environment
    server_key: SecretStr
