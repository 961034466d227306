"""LocalStack over real HTTP on 127.0.0.1, with the fixture template and its tiny handlers."""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from midtrans_local.server import LocalStack
from tests.integration.local_stack.conftest import SEED_KEY, StandInMidtrans, bearer
from tests.integration.local_stack.fixtures.connection import app as connection_app
from tests.integration.local_stack.fixtures.echo import app as echo_app

TIMEOUT = 10


@pytest.fixture(autouse=True)
def _fresh_records() -> None:
    echo_app.INVOCATIONS.clear()
    connection_app.SEEN.clear()


def test_route_with_path_parameters_gets_a_payload_v2_event_with_the_verified_claims(stack: LocalStack):
    response = requests.post(
        f"{stack.api_url}/v1/echo/abc%20def?x=1&x=2&y=",
        headers={**bearer("ai_agent", "tenant-a", plan="sales_suite_plus"), "X-Custom": "Yes"},
        json={"hello": "world"},
        timeout=TIMEOUT,
    )

    assert response.status_code == 201
    assert response.headers["x-echo"] == "yes"
    assert response.headers["set-cookie"] == "seen=1; Path=/"
    assert response.headers["apigw-requestid"]
    event = response.json()["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/echo/{item_id}"
    assert event["rawPath"] == "/v1/echo/abc def"  # HTTP APIs decode the path before the function sees it
    assert event["rawQueryString"] == "x=1&x=2&y="
    assert event["pathParameters"] == {"item_id": "abc def"}
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert event["headers"]["x-custom"] == "Yes"
    assert json.loads(event["body"]) == {"hello": "world"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["routeKey"] == "POST /v1/echo/{item_id}"
    assert context["stage"] == "$default"
    claims = context["authorizer"]["jwt"]["claims"]
    assert {k: claims[k] for k in ("cid", "role", "plan")} == {
        "cid": "tenant-a",
        "role": "ai_agent",
        "plan": "sales_suite_plus",
    }
    assert isinstance(claims["exp"], str) and int(claims["exp"]) > time.time()
    assert context["authorizer"]["jwt"]["scopes"] is None


def test_function_gets_its_template_environment_and_a_counting_down_context(stack: LocalStack, midtrans):
    seen = requests.post(f"{stack.api_url}/v1/echo/1", headers=bearer(), timeout=TIMEOUT).json()

    env = seen["env"]
    assert env["GREETING"] == "hello"
    assert env["STACK_LABEL"] == "midtrans-native-local-hello"
    assert env["ITEMS_TABLE"] == "ItemsTable"
    assert env["ITEMS_TABLE_ARN"] == "arn:aws:dynamodb:ap-southeast-1:123456789012:table/ItemsTable"
    assert env["KEY_ID"] == stack.physical_ids["FixtureKey"]
    assert env["KEY_ALIAS"] == "alias/fixture-hello"
    assert env["MIDTRANS_API_BASE_URL"] == midtrans.url
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"
    context = seen["context"]
    assert context["function_name"] == "EchoFunction"
    assert context["memory_limit_in_mb"] == 256
    assert context["invoked_function_arn"].endswith(":function:EchoFunction")
    assert 0 < context["remaining_ms"] <= 5000  # the function's Timeout (5 s) beats Globals' 9 s


def test_function_env_is_not_left_in_the_process(stack: LocalStack):
    before = os.environ.get("GREETING")
    requests.post(f"{stack.api_url}/v1/echo/1", headers=bearer(), timeout=TIMEOUT).raise_for_status()
    assert os.environ.get("GREETING") == before


def test_literal_route_beats_a_path_parameter(stack: LocalStack):
    response = requests.post(f"{stack.api_url}/v1/echo/special", headers=bearer(), timeout=TIMEOUT)
    assert response.json()["event"]["routeKey"] == "POST /v1/echo/special"
    assert "pathParameters" not in response.json()["event"]


def test_result_without_status_code_becomes_a_json_200(stack: LocalStack):
    response = requests.get(f"{stack.api_url}/v1/echo", headers=bearer("admin"), timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["event"]["routeKey"] == "GET /v1/echo"


def test_open_route_needs_no_token_and_gets_no_authorizer(stack: LocalStack):
    response = requests.get(f"{stack.api_url}/health", timeout=TIMEOUT)
    assert (response.status_code, response.text) == (200, "ok")
    assert "authorizer" not in echo_app.INVOCATIONS[-1]["requestContext"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        bearer(secret="another-secret-long-enough-for-hs256-keys"),
        bearer(ttl_seconds=-60),
        bearer(audience="someone-else"),
        bearer(issuer="https://elsewhere.invalid/"),
    ],
    ids=["missing", "garbage", "wrong-secret", "expired", "wrong-audience", "wrong-issuer"],
)
def test_rejected_token_gets_api_gateway_401_and_the_handler_never_runs(stack: LocalStack, headers):
    response = requests.post(f"{stack.api_url}/v1/echo/1", headers=headers, timeout=TIMEOUT)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert echo_app.INVOCATIONS == []


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nothing-here"), ("GET", "/v1/echo/1"), ("DELETE", "/v1/echo"), ("POST", "/v1/echo/1/extra")],
)
def test_unknown_route_or_method_is_404_before_any_authorization(stack: LocalStack, method, path):
    response = requests.request(method, f"{stack.api_url}{path}", timeout=TIMEOUT)

    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert echo_app.INVOCATIONS == []


def test_handler_exception_is_api_gateway_500_with_the_traceback_logged(stack: LocalStack, caplog):
    with caplog.at_level(logging.ERROR, logger="midtrans_local"):
        response = requests.post(f"{stack.api_url}/v1/boom", headers=bearer(), timeout=TIMEOUT)

    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}
    assert "FixtureFailure: the boom fixture always fails" in caplog.text


def test_response_api_gateway_cannot_map_is_500(stack: LocalStack):
    response = requests.get(f"{stack.api_url}/v1/bad-response", headers=bearer(), timeout=TIMEOUT)
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})


def test_body_over_10_mb_is_413_and_the_handler_never_runs(stack: LocalStack):
    response = requests.post(
        f"{stack.api_url}/v1/echo/1", headers=bearer(), data=b"x" * (10 * 1024 * 1024 + 1), timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert echo_app.INVOCATIONS == []


def test_tables_and_keys_come_from_the_template(stack: LocalStack):
    response = requests.put(f"{stack.api_url}/v1/items/item-1", headers=bearer(cid="tenant-b"), timeout=TIMEOUT)

    assert response.status_code == 200
    body = response.json()
    assert body["table"] == "ItemsTable"
    assert body["ttl"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    assert body["indexes"] == ["by_owner"]
    assert body["decrypted_with_key"].endswith(stack.physical_ids["FixtureKey"])
    # The item is in the stack's moto, visible to any client in this process while it runs.
    item = boto3.client("dynamodb").get_item(TableName="ItemsTable", Key={"pk": {"S": "item-1"}})["Item"]
    assert item["owner"] == {"S": "tenant-b"}
    # The conditional write is honoured: a second PUT of the same item fails inside the handler.
    again = requests.put(f"{stack.api_url}/v1/items/item-1", headers=bearer(cid="tenant-b"), timeout=TIMEOUT)
    assert again.status_code == 500


def test_seed_connects_the_tenant_through_the_connection_route_as_admin(midtrans: StandInMidtrans):
    with LocalStack(
        "tests/integration/local_stack/fixtures/template.yaml",
        midtrans_base_url=midtrans.url,
        seed_tenant="tenant-seeded",
        seed_server_key=SEED_KEY,
    ) as local:
        assert local.seed_status == 200
    (seen,) = connection_app.SEEN
    assert {k: seen["claims"][k] for k in ("cid", "role", "plan")} == {
        "cid": "tenant-seeded",
        "role": "admin",
        "plan": "ultimate",
    }
    assert seen["body"]["environment"] == "sandbox"
    assert [path for _, path, _ in midtrans.requests] == ["/v2/fixture-probe/status"]


def test_no_seed_when_the_seed_tenant_is_empty(midtrans: StandInMidtrans):
    with LocalStack(
        "tests/integration/local_stack/fixtures/template.yaml", midtrans_base_url=midtrans.url, seed_tenant=""
    ) as local:
        assert local.seed_status is None
    assert connection_app.SEEN == []
    assert midtrans.requests == []


def test_invoke_runs_a_function_in_process_without_jwt_check(stack: LocalStack):
    event = {
        "version": "2.0",
        "routeKey": "POST /v1/echo/{item_id}",
        "rawPath": "/v1/echo/7",
        "requestContext": {"http": {"method": "POST"}},
    }
    result = stack.invoke("EchoFunction", event)

    assert result["statusCode"] == 201
    assert json.loads(result["body"])["event"] == event
    with pytest.raises(KeyError, match="NoSuchFunction"):
        stack.invoke("NoSuchFunction", event)


def test_stop_closes_the_port(midtrans: StandInMidtrans):
    local = LocalStack(
        "tests/integration/local_stack/fixtures/template.yaml", midtrans_base_url=midtrans.url, seed_tenant=None
    )
    url = local.start()
    assert requests.get(f"{url}/health", timeout=TIMEOUT).status_code == 200
    local.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/health", timeout=TIMEOUT)


def test_concurrent_requests_are_all_answered(stack: LocalStack):
    """Requests arrive on many threads; invocations are serialised, so each conditional write lands once."""
    headers = bearer(cid="tenant-c")

    def put(index: int) -> int:
        return requests.put(f"{stack.api_url}/v1/items/c-{index}", headers=headers, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(put, range(16)))

    assert statuses == [200] * 16
    scanned = boto3.client("dynamodb").scan(TableName="ItemsTable")["Items"]
    assert sorted(item["pk"]["S"] for item in scanned) == sorted(f"c-{i}" for i in range(16))
