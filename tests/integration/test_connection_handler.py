"""GET/PUT/DELETE /v1/connection through the handler, with moto and a Midtrans mock."""

from __future__ import annotations

import base64

import pytest
import responses

from tests.conftest import load_event

from .conftest import NOT_FOUND_BODY, PROBE, SERVER_KEY, invoke


def test_put_verifies_the_key_then_stores_it_masked(aws, midtrans: responses.RequestsMock) -> None:
    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    status, body = invoke("connection", load_event("connection.put_sandbox"))
    assert status == 200
    assert body["status"] == "connected" and body["message"] == "Midtrans connected sandbox"
    assert body["environment"] == "sandbox" and body["mode"] == "core_api"
    assert body["masked_server_key"] == "SB-Mid-server-****OR01"
    assert body["merchant_id"] == "G000000001"
    [call] = midtrans.calls
    assert call.request.method == "GET"
    assert call.request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()


def test_get_shows_the_connection_masked_and_never_the_key(connected: str) -> None:
    status, body = invoke("connection", load_event("connection.get"))
    assert status == 200 and body["status"] == "connected"
    assert SERVER_KEY not in str(body) and body["masked_client_key"] == "SB-Mid-client-****OR01"


def test_get_before_connecting_says_not_connected(aws) -> None:
    status, body = invoke("connection", load_event("connection.get"))
    assert (status, body["status"]) == (200, "not_connected")


def test_a_rejected_key_gets_the_prd_copy_and_is_not_stored(aws, midtrans: responses.RequestsMock) -> None:
    midtrans.get(
        PROBE,
        status=401,
        json={"status_code": "401", "status_message": "Transaction cannot be authorized with the current key."},
    )
    status, body = invoke("connection", load_event("connection.put_wrong_key"))
    assert status == 400
    assert body == {
        "error": "connection_failed",
        "message": "Connection failed. Check your credentials and try again.",
        "failure_reason": "auth_error",
    }
    assert invoke("connection", load_event("connection.get"))[1]["status"] == "not_connected"


def test_a_key_contradicting_the_environment_is_refused_without_calling_midtrans(
    aws, midtrans: responses.RequestsMock
) -> None:
    status, body = invoke("connection", load_event("connection.put_environment_mismatch"))
    assert status == 422 and body["error"] == "environment_mismatch"
    assert len(midtrans.calls) == 0


def test_midtrans_unreachable_while_connecting_is_a_504_with_reason(aws, midtrans: responses.RequestsMock) -> None:
    import requests

    for _ in range(3):
        midtrans.get(PROBE, body=requests.ConnectTimeout("unreachable"))
    status, body = invoke("connection", load_event("connection.put_sandbox"))
    assert (status, body["error"], body["failure_reason"]) == (504, "connection_unverified", "timeout")


def test_a_second_put_reauthorizes_the_same_single_account(connected: str, midtrans: responses.RequestsMock) -> None:
    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    first = invoke("connection", load_event("connection.get"))[1]
    event = load_event(
        "connection.put_sandbox",
        body={
            "server_key": "SB-Mid-server-LOCALSIMULATOR01",
            "client_key": "SB-Mid-client-ROTATEDCLIENT9",
            "environment": "sandbox",
        },
    )
    status, second = invoke("connection", event)
    assert status == 200 and second["masked_client_key"] == "SB-Mid-client-****ENT9"
    assert second["connected_at"] == first["connected_at"] and second["merchant_id"] is None


def test_delete_removes_credentials_and_cached_tokens(connected: str, aws) -> None:
    import boto3

    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(
        TableName=aws["TokenCacheTable"],
        Item={"pk": {"S": "TOKEN#sandbox#tenant-demo"}, "access_token": {"S": "cached-token"}},
    )
    status, body = invoke("connection", load_event("connection.delete"))
    assert status == 200 and body["status"] == "not_connected"
    assert "stay in place" in body["message"]
    assert dynamodb.scan(TableName=aws["TokenCacheTable"])["Items"] == []
    # The credentials are gone; the item stays only with the admin's action index (docs/decisions.md D29).
    [item] = dynamodb.scan(TableName=aws["ConnectionsTable"])["Items"]
    assert set(item) == {"cid", "action_index", "action_index_version"}


@pytest.mark.parametrize("role", ["ai_agent", "agent"])
def test_only_admins_and_supervisors_manage_the_connection(aws, role: str) -> None:
    for name in ("connection.get", "connection.put_sandbox", "connection.delete"):
        status, body = invoke("connection", load_event(name, claims={"role": role}))
        assert (status, body["error"]) == (403, "forbidden"), name


def test_a_tenant_never_sees_another_tenants_connection(connected: str) -> None:
    status, body = invoke("connection", load_event("connection.get", claims={"cid": "tenant-other"}))
    assert (status, body["status"]) == (200, "not_connected")


def test_an_ineligible_plan_is_refused(aws) -> None:
    status, body = invoke("connection", load_event("connection.get", claims={"plan": "starter"}))
    assert (status, body["error"]) == (403, "plan_not_eligible")


def test_tenant_in_the_body_is_refused_it_only_comes_from_the_token(aws, midtrans: responses.RequestsMock) -> None:
    event = load_event(
        "connection.put_sandbox",
        body={
            "server_key": SERVER_KEY,
            "client_key": "SB-Mid-client-LOCALSIMULATOR01",
            "environment": "sandbox",
            "cid": "tenant-victim",
        },
    )
    status, body = invoke("connection", event)
    assert status == 422 and "cid" in body["message"]
    assert len(midtrans.calls) == 0
