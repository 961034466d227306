"""Refund tests reuse the cancel tier's simulator, connection and serialized-DynamoDB fixtures, and share Core API
clients on the simulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from midtrans_local.simulator import MidtransSimulator
from midtrans_native import deps
from midtrans_native.deadline import Deadline
from midtrans_native.midtrans.core_api import CoreApiClient
from midtrans_native.midtrans.transport import MidtransTransport
from midtrans_native.models.midtrans import MidtransCredentials
from tests.conftest import FakeLambdaContext, load_event
from tests.integration.cancel.conftest import _simulator, serialized_dynamodb, sim  # noqa: F401  (fixtures)
from tests.integration.conftest import invoke


def refunds_sent(simulator: MidtransSimulator, order_id: str) -> list[dict[str, Any]]:
    return [
        c
        for c in simulator.calls()
        if c["method"] == "POST" and c["path"].endswith("/refund") and c["order_id"] == order_id
    ]


def ask(
    order_id: str,
    conversation_id: str = "conv-3001",
    amount: Any = None,
    locale: str = "en",
    message_id: str | None = None,
) -> tuple[int, Any]:
    body: dict[str, Any] = {"conversation_id": conversation_id, "order_id": order_id, "locale": locale}
    if amount is not None:
        body["amount"] = amount
    event = load_event("request_refund.request_full", body=body)
    if message_id:
        event["headers"]["x-customer-message-id"] = message_id
    return invoke("request_refund", event)


def decide(
    confirmation_id: str,
    decision: str = "confirm",
    conversation_id: str = "conv-3001",
    claims: dict[str, str] | None = None,
    amount: int | None = None,
    locale: str | None = None,
    message_id: str | None = None,
) -> tuple[int, Any]:
    body: dict[str, Any] = {"decision": decision, "conversation_id": conversation_id}
    if amount is not None:
        body["amount"] = amount
    if locale is not None:
        body["locale"] = locale
    event = load_event(
        "request_refund.decide_confirm", body=body, path={"confirmation_id": confirmation_id}, claims=claims
    )
    if message_id:
        event["headers"]["x-customer-message-id"] = message_id
    return invoke("request_refund", event)


@pytest.fixture
def core_api(sim: MidtransSimulator) -> Callable[[MidtransCredentials], CoreApiClient]:  # noqa: F811 (the fixture)
    """Core API clients on the simulator, a session per call (like separate Lambda environments); the refund's
    idempotency told about an invocation, as the handler does."""

    def build(credentials: MidtransCredentials) -> CoreApiClient:
        return CoreApiClient(MidtransTransport(requests.Session(), sim.base_url, credentials, Deadline(20)))

    deps.refund_idempotency_config().register_lambda_context(FakeLambdaContext())
    return build
