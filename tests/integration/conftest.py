"""Integration tier: handlers in-process, AWS from moto (tables and key created from template.yaml),
Midtrans from `responses` (any URL not registered raises, so a stray call fails the test)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import responses
from moto import mock_aws

from midtrans_local.aws import create_resources_from_template
from midtrans_native import deps
from midtrans_native.registry import ACTION_TYPE_IDS
from tests.conftest import ROOT, FakeLambdaContext, load_event

SANDBOX = "https://api.sandbox.midtrans.com"
PRODUCTION = "https://api.midtrans.com"
SERVER_KEY = "SB-Mid-server-LOCALSIMULATOR01"  # the key in events/connection.put_sandbox.json
PROBE = re.compile(rf"{re.escape(SANDBOX)}/v2/midtrans-native-probe-[0-9a-f]+/status")
NOT_FOUND_BODY = {"status_code": "404", "status_message": "Transaction doesn't exist.", "id": "x"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    with mock_aws():
        ids = create_resources_from_template(ROOT / "template.yaml")
        monkeypatch.setenv("CREDENTIALS_KEY_ID", ids["CredentialsKey"])
        monkeypatch.setenv("CONNECTIONS_TABLE_NAME", ids["ConnectionsTable"])
        monkeypatch.setenv("TOKEN_CACHE_TABLE_NAME", ids["TokenCacheTable"])
        monkeypatch.setenv("CONFIRMATIONS_TABLE_NAME", ids["ConfirmationsTable"])
        monkeypatch.setenv("IDEMPOTENCY_TABLE_NAME", ids["IdempotencyTable"])
        monkeypatch.setenv("ACTIONS_TABLE_NAME", ids["ActionsTable"])
        monkeypatch.setenv("NOTIFICATION_RECEIPTS_TABLE_NAME", ids["NotificationReceiptsTable"])
        monkeypatch.setenv("ORDER_CONTEXTS_TABLE_NAME", ids["OrderContextsTable"])
        monkeypatch.setenv("PLATFORM_EVENTS_BUS_NAME", ids["PlatformEventsBus"])
        deps.reset()
        yield ids


@pytest.fixture
def midtrans() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def invoke(function: str, event: dict[str, Any], context: FakeLambdaContext | None = None) -> tuple[int, Any]:
    """Run functions/<function>/app.py's lambda_handler; return (statusCode, decoded body)."""
    module = __import__(f"functions.{function}.app", fromlist=["lambda_handler"])
    response = module.lambda_handler(event, context or FakeLambdaContext())
    body = response.get("body")
    return response["statusCode"], json.loads(body) if body else None


@pytest.fixture
def connected(aws: dict[str, str], midtrans: responses.RequestsMock) -> str:
    """tenant-demo connected to the sandbox through the real PUT /v1/connection path."""
    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    status, body = invoke("connection", load_event("connection.put_sandbox"))
    assert status == 200, body
    configure_actions("tenant-demo")
    midtrans.calls.reset()
    return "tenant-demo"


def configure_actions(cid: str) -> None:
    """An admin has added all four actions for this tenant (agent routes refuse unconfigured types)."""
    store = deps.action_store()
    for action_type in ACTION_TYPE_IDS:
        store.create(
            cid,
            action_type=action_type,
            action_name=f"{action_type} ({cid})",
            trigger_description=f"When the customer asks to {action_type.replace('_', ' ')}",
            defaults=None,
        )
