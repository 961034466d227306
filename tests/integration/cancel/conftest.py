"""Cancel tests: handlers in-process, AWS from moto, Midtrans from the stateful simulator on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest
import requests

from midtrans_local.simulator import SANDBOX_SERVER_KEY, MidtransSimulator, basic_auth_header
from midtrans_native import deps
from tests.conftest import load_event
from tests.integration.conftest import configure_actions, invoke

CONNECT = {"server_key": SANDBOX_SERVER_KEY, "client_key": "SB-Mid-client-LOCALSIMULATOR01", "environment": "sandbox"}


@pytest.fixture(scope="module")
def _simulator() -> Iterator[MidtransSimulator]:
    with MidtransSimulator() as simulator:
        yield simulator


@pytest.fixture
def sim(_simulator: MidtransSimulator, aws, monkeypatch: pytest.MonkeyPatch) -> MidtransSimulator:
    """The simulator, reset, with tenant-demo connected to it through PUT /v1/connection."""
    _simulator.reset()
    monkeypatch.setenv("MIDTRANS_API_BASE_URL", _simulator.base_url)
    monkeypatch.setenv("MIDTRANS_READ_TIMEOUT_SECONDS", "0.5")  # lets a latency fault prove the timeout path
    deps.reset()
    status, body = invoke("connection", load_event("connection.put_sandbox", body=CONNECT))
    assert status == 200, body
    configure_actions("tenant-demo")
    return _simulator


def connect_tenant(cid: str) -> None:
    """Another fully set-up tenant: connected to the same simulator and with its actions configured."""
    status, body = invoke("connection", load_event("connection.put_sandbox", body=CONNECT, claims={"cid": cid}))
    assert status == 200, body
    configure_actions(cid)


def cancels_sent(sim: MidtransSimulator, order_id: str) -> int:
    return sum(
        1
        for call in sim.calls()
        if call["method"] == "POST" and call["path"].endswith("/cancel") and call["order_id"] == order_id
    )


def midtrans_post(sim: MidtransSimulator, path: str) -> dict[str, Any]:
    """Change the world behind the agent's back, as the merchant's dashboard or the customer would."""
    headers = {"Authorization": basic_auth_header(SANDBOX_SERVER_KEY)}
    return dict(requests.post(f"{sim.base_url}{path}", headers=headers, timeout=5).json())


def ask(
    order_id: str, conversation_id: str = "conv-2001", locale: str = "en", message_id: str | None = None
) -> tuple[int, Any]:
    body = {"conversation_id": conversation_id, "order_id": order_id, "locale": locale}
    event = load_event("cancel_transaction.request_pending", body=body)
    if message_id:
        event["headers"]["x-customer-message-id"] = message_id
    return invoke("cancel_transaction", event)


def decide(
    confirmation_id: str,
    decision: str = "confirm",
    conversation_id: str = "conv-2001",
    claims: dict[str, str] | None = None,
    locale: str | None = None,
    message_id: str | None = None,
) -> tuple[int, Any]:
    body: dict[str, Any] = {"decision": decision, "conversation_id": conversation_id}
    if locale is not None:
        body["locale"] = locale
    event = load_event(
        "cancel_transaction.decide_confirm", body=body, path={"confirmation_id": confirmation_id}, claims=claims
    )
    if message_id:
        event["headers"]["x-customer-message-id"] = message_id
    return invoke("cancel_transaction", event)


def confirmations_for(table: str, action: str, conversation_id: str, order_id: str) -> list[dict[str, str]]:
    """Every confirmation record (not the slot pointers) for one conversation and order: id and state."""
    import boto3

    items = boto3.client("dynamodb").scan(TableName=table)["Items"]
    return [
        {"confirmation_id": item["confirmation_id"]["S"], "state": item["state"]["S"]}
        for item in items
        if "state" in item
        and item["action"]["S"] == action
        and item["conversation_id"]["S"] == conversation_id
        and item["order_id"]["S"] == order_id
    ]


def expire(table: str, confirmation_id: str) -> None:
    """Move a confirmation's expiry into the past (TTL deletion lags: the record stays)."""
    import time

    import boto3

    boto3.client("dynamodb").update_item(
        TableName=table,
        Key={"confirmation_id": {"S": confirmation_id}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(time.time() - 1)}},
    )


@pytest.fixture
def serialized_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto applies conditional writes without a lock, so two threads can both 'win' (docs/decisions.md D12).
    Real DynamoDB serializes writes to an item; serializing every DynamoDB call restores that."""
    lock = threading.Lock()
    original = botocore.client.BaseClient._make_api_call

    def serialized(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name != "dynamodb":
            return original(self, operation, params)
        with lock:
            return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", serialized)
