"""Connecting, re-authorizing and disconnecting over HTTP; another base URL; no key in any output."""

from __future__ import annotations

import pytest

from midtrans_local.simulator import SANDBOX_SERVER_KEY, MidtransSimulator

from .conftest import RunningStack, start_stack, stop_stack

pytestmark = pytest.mark.e2e

CONNECT = {"server_key": SANDBOX_SERVER_KEY, "client_key": "SB-Mid-client-LOCALSIMULATOR01", "environment": "sandbox"}


def test_connect_use_and_disconnect_a_new_tenant(stack: RunningStack) -> None:
    tenant = "tenant-e2e-lifecycle"
    assert stack.status("ORDER-PENDING-001", cid=tenant).status_code == 409
    response = stack.call("PUT", "/v1/connection", role="admin", cid=tenant, body=CONNECT)
    assert response.status_code == 200 and response.json()["message"] == "Midtrans connected sandbox"
    not_configured = stack.status("ORDER-PENDING-001", cid=tenant)
    assert (not_configured.status_code, not_configured.json()["error"]) == (409, "action_not_configured")
    action = {"action_type": "check_payment_status", "action_name": "Status", "trigger_description": "status?"}
    assert stack.call("POST", "/v1/actions", role="admin", cid=tenant, body=action).status_code == 201
    view = stack.call("GET", "/v1/connection", role="spv", cid=tenant).json()
    assert view["status"] == "connected" and SANDBOX_SERVER_KEY not in str(view)
    assert stack.status("ORDER-PENDING-001", cid=tenant).json()["outcome"] == "ok"
    # another tenant sees nothing of it
    assert stack.call("GET", "/v1/connection", role="admin", cid="tenant-e2e-other").json()["status"] == "not_connected"
    assert stack.call("DELETE", "/v1/connection", role="admin", cid=tenant).json()["status"] == "not_connected"
    after = stack.status("ORDER-PENDING-001", cid=tenant)
    assert (after.status_code, after.json()["error"]) == (409, "not_connected")


def test_a_wrong_key_is_refused_with_the_prd_copy(stack: RunningStack) -> None:
    body = {**CONNECT, "server_key": "SB-Mid-server-NOTTHEKEY00000"}
    response = stack.call("PUT", "/v1/connection", role="admin", cid="tenant-e2e-wrong", body=body)
    assert response.status_code == 400
    assert response.json()["message"] == "Connection failed. Check your credentials and try again."
    assert response.json()["failure_reason"] == "auth_error"


def test_production_environment_with_a_sandbox_key_is_refused_before_midtrans(stack: RunningStack) -> None:
    before = len(stack.midtrans_calls())
    response = stack.call(
        "PUT", "/v1/connection", role="admin", cid="tenant-e2e-env", body={**CONNECT, "environment": "production"}
    )
    assert (response.status_code, response.json()["error"]) == (422, "environment_mismatch")
    assert len(stack.midtrans_calls()) == before


def test_agents_cannot_touch_the_connection(stack: RunningStack) -> None:
    for role in ("agent", "ai_agent"):
        assert stack.call("GET", "/v1/connection", role=role).status_code == 403
        assert stack.call("PUT", "/v1/connection", role=role, body=CONNECT).status_code == 403


def test_no_server_key_in_anything_the_stack_printed(stack: RunningStack) -> None:
    canary = "SB-Mid-server-E2ECANARYSECRET"
    stack.call("PUT", "/v1/connection", role="admin", cid="tenant-e2e-canary", body={**CONNECT, "server_key": canary})
    stack.call("PUT", "/v1/connection", role="admin", cid="tenant-e2e-canary2", body=CONNECT)
    stack.status("ORDER-SETTLEMENT-GOPAY-001")
    printed = "".join(stack.output)
    assert "midtrans_action_executed" in printed  # the logs really are captured here
    assert canary not in printed and SANDBOX_SERVER_KEY not in printed


def test_midtrans_api_base_url_points_the_stack_at_another_server() -> None:
    other = MidtransSimulator()
    other_url = other.start(host="127.0.0.1", port=0)
    running = start_stack({"MIDTRANS_API_BASE_URL": other_url})
    try:
        assert running.midtrans == other_url
        body = running.status("ORDER-CANCEL-001").json()
        assert body["outcome"] == "ok" and body["payment"]["transaction_status"] == "cancel"
        paths = [call["path"] for call in other.calls()]
        assert "/v2/ORDER-CANCEL-001/status" in paths
    finally:
        stop_stack(running)
        other.stop()
