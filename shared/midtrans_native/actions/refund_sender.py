"""The refund POST wrapped by Powertools idempotency: the second exactly-once layer (docs/product-contract.md §3).

Keyed on our deterministic `refund_key`, with the payload checked (same key, other amount → refused). Only a
definite success is recorded: every error raises, Powertools then deletes its record, and the action
reconciles with a status read (the third layer, Midtrans' own `refund_key`, makes any retry harmless).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from pydantic import BaseModel

from midtrans_native.midtrans.core_api import PaymentsClient

# Pinned: by default the key starts with the function and module name, so a rename would silently open a
# fresh key space and let a retry refund again (docs/decisions.md D14). Changing this is a breaking change.
KEY_PREFIX = "midtrans-native.refund"
# Midtrans accepts a retry with the same refund_key for 7 days; remember the outcome as long.
RECORD_SECONDS = 7 * 24 * 3600


class RefundCommand(BaseModel):
    refund_key: str
    order_id: str
    transaction_ref: str
    amount: int
    reason: str | None = None


class RefundRecorded(BaseModel):
    refund_key: str
    amount: int
    transaction_status: str


def idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="refund_key",
        payload_validation_jmespath="[order_id, transaction_ref, amount]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RECORD_SECONDS,
    )


def send_refund(*, command: RefundCommand, client: PaymentsClient) -> RefundRecorded:
    accepted = client.refund(
        command.transaction_ref, refund_key=command.refund_key, amount=command.amount, reason=command.reason
    )
    return RefundRecorded(
        refund_key=command.refund_key, amount=command.amount, transaction_status=accepted.transaction_status
    )


def idempotent_sender(*, table_name: str, dynamodb: Any, config: IdempotencyConfig) -> Callable[..., RefundRecorded]:
    persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)
    sender: Callable[..., RefundRecorded] = idempotent_function(
        data_keyword_argument="command",
        persistence_store=persistence,
        config=config,
        output_serializer=PydanticSerializer(RefundRecorded),
        key_prefix=KEY_PREFIX,
    )(send_refund)
    return sender
