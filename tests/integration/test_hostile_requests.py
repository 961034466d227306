"""Hostile request bodies on every route of template.yaml: whatever the bytes, the Content-Type or the nesting, the
answer is a 4xx in the error model (never a 5xx), a refused caller gets its 401/403 whatever the body, and nothing
reaches Midtrans.

What a body must be (midtrans_native.api, `read_json_body`), on the routes that take one:

    Content-Type   application/json or application/*+json, any case, any parameters,
                   charset UTF-8; absent or empty means JSON                     else 415 unsupported_media_type
    size           at most MAX_BODY_BYTES (256 KiB), after base64 decoding       else 413 body_too_large
    bytes          UTF-8 (base64-decoded first when isBase64Encoded)             else 400 malformed_body
    JSON           valid, at most MAX_JSON_DEPTH (32) levels, no repeated keys,
                   a leading byte order mark ignored                             else 422 invalid_request
    shape          one JSON object (not an array, null, a number, a string)      else 422 invalid_request

Routes without a body (GET, DELETE) never read it: the answer is the one they give without a body. POST /mcp
hands its body to the MCP SDK, whose refusals are JSON-RPC errors; a 4xx all the same.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import responses
from moto import mock_aws

from midtrans_local.template import SamTemplate
from midtrans_native.api import MAX_BODY_BYTES, MAX_JSON_DEPTH
from midtrans_native.models.api import ErrorResponse
from tests.conftest import ROOT, load_event

from .conftest import NOT_FOUND_BODY, invoke

TEMPLATE = SamTemplate.load(ROOT / "template.yaml")
ROUTES = {route.route_key: route for route in TEMPLATE.routes}

# One event per route (events/*.json): the request a well-behaved caller sends. The hostile variants replace its
# body and Content-Type, and its claims for the refused callers.
EVENT_OF_ROUTE = {
    "POST /v1/payments/status": "check_payment_status.settlement",
    "POST /v1/payment-links": "create_payment_link.whatsapp",
    "POST /v1/cancellations": "cancel_transaction.request_pending",
    "POST /v1/cancellations/{confirmation_id}/decision": "cancel_transaction.decide_confirm",
    "POST /v1/refunds": "request_refund.request_full",
    "POST /v1/refunds/{confirmation_id}/decision": "request_refund.decide_confirm",
    "GET /v1/actions": "actions.list",
    "POST /v1/actions": "actions.create_payment_link_taken",
    "GET /v1/actions/{action_id}": "actions.get_unknown",
    "PUT /v1/actions/{action_id}": "actions.update_unknown",
    "DELETE /v1/actions/{action_id}": "actions.delete_unknown",
    "GET /v1/action-types": "actions.list_action_types",
    "GET /v1/connection": "connection.get",
    "PUT /v1/connection": "connection.put_sandbox",
    "DELETE /v1/connection": "connection.delete",
    "GET /v1/agent/tools": "agent_tools.list",
    "POST /mcp": "mcp_server.tools_list",
    "POST /v1/notifications/midtrans/{token}": "midtrans_notifications.settlement",
    "POST /v1/notifications/midtrans/{token}/v1.0/debit/notify": (
        "midtrans_notifications.bisnap_debit_without_public_key"
    ),
    "POST /v1/notifications/midtrans/{token}/v1.0/qr/qr-mpm-notify": (
        "midtrans_notifications.bisnap_qr_without_public_key"
    ),
}
# Midtrans' notification routes have no JWT: the token in the path and Midtrans' signature authenticate them, so
# their hostile bodies are tested for a connected tenant's real URL (test_hostile_bodies_on_a_notification_url).
NOTIFICATION_ROUTES = {key for key, route in ROUTES.items() if route.authorizer is None}
JWT_ROUTES = [key for key in EVENT_OF_ROUTE if key not in NOTIFICATION_ROUTES]
ADMIN_PATHS = re.compile(r"/v1/(connection|actions|action-types)\b")
MCP = "POST /mcp"
# POST /mcp's body is the MCP SDK's: it requires a Content-Type starting with application/json in any case (and
# ignores its parameters), skips a BOM, and refuses everything else with a JSON-RPC error.
MCP_READS_AS_JSON = {
    "upper-case-json-with-charset",
    "mixed-case-json",
    "base64-encoded-json",
    "byte-order-mark",
    "json-in-latin-1",
}

SERVER_KEY_CANARY = "SB-Mid-server-HOSTILEFORMKEY01"
BODY_REFUSALS = {"malformed_body", "body_too_large", "unsupported_media_type"}
JSON_ERROR_TYPES = {"json_invalid", "json_too_deep", "json_object_required", "json_repeated_key"}
KEEP = object()  # the event's own Content-Type (application/json)


@dataclass(frozen=True)
class Hostile:
    """A body and Content-Type built from the route's valid JSON body (bytes are sent base64-encoded, as API
    Gateway sends binary); `expect` is (status, error) on a route that reads its body, or None: read as the JSON it
    is (the route answers as it would to plain JSON)."""

    make: Callable[[str], str | bytes]
    content_type: Any = KEEP
    expect: tuple[int, str] | None = (422, "invalid_request")


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


FORM = f"server_key={SERVER_KEY_CANARY}&client_key=SB-Mid-client-x&environment=sandbox&order_id=ORDER-1"
MULTIPART = (
    f'--XyZ\r\nContent-Disposition: form-data; name="server_key"\r\n\r\n{SERVER_KEY_CANARY}\r\n'
    '--XyZ\r\nContent-Disposition: form-data; name="order_id"\r\n\r\nORDER-1\r\n--XyZ--\r\n'
)
HOSTILE: dict[str, Hostile] = {
    # Bytes that are no UTF-8 text.
    "invalid-utf8": Hostile(lambda v: b'{"order_id": "\xff\xfe\xc3"}', expect=(400, "malformed_body")),
    "invalid-utf8-in-valid-json": Hostile(
        lambda v: v.encode()[:-1] + b' , "x": "\xc0\xaf"}', expect=(400, "malformed_body")
    ),
    "lone-surrogate": Hostile(lambda v: '{"order_id": "\udcff"}', expect=(400, "malformed_body")),
    # Content types that are not JSON: never parsed as forms.
    "text-plain": Hostile(lambda v: v, "text/plain", (415, "unsupported_media_type")),
    "form-urlencoded": Hostile(lambda v: FORM, "application/x-www-form-urlencoded", (415, "unsupported_media_type")),
    "json-sent-as-form": Hostile(lambda v: v, "application/x-www-form-urlencoded", (415, "unsupported_media_type")),
    "multipart": Hostile(lambda v: MULTIPART, "multipart/form-data; boundary=XyZ", (415, "unsupported_media_type")),
    "multipart-without-boundary": Hostile(lambda v: MULTIPART, "multipart/form-data", (415, "unsupported_media_type")),
    "xml": Hostile(lambda v: "<order_id>ORDER-1</order_id>", "application/xml", (415, "unsupported_media_type")),
    "json-in-latin-1": Hostile(lambda v: v, "application/json; charset=ISO-8859-1", (415, "unsupported_media_type")),
    "not-a-media-type": Hostile(lambda v: v, "json", (415, "unsupported_media_type")),
    # JSON, however it is labelled: read as JSON.
    "upper-case-json-with-charset": Hostile(lambda v: v, "APPLICATION/JSON; charset=UTF-8", None),
    "mixed-case-json": Hostile(lambda v: v, "Application/Json", None),
    "json-suffix-type": Hostile(lambda v: v, "application/vnd.api+json", None),
    "no-content-type": Hostile(lambda v: v, None, None),
    "empty-content-type": Hostile(lambda v: v, "", None),
    "base64-encoded-json": Hostile(lambda v: v.encode(), KEEP, None),
    "byte-order-mark": Hostile(lambda v: "\ufeff" + v, KEEP, None),
    # Too large, checked before decoding anything.
    "huge": Hostile(lambda v: '{"pad": "' + "x" * MAX_BODY_BYTES + '"}', expect=(413, "body_too_large")),
    "huge-base64": Hostile(lambda v: b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}', expect=(413, "body_too_large")),
    # Valid JSON text that is not one acceptable JSON object.
    "deep-array-10000": Hostile(lambda v: "[" * 10_000 + "]" * 10_000),
    "deep-object-10000": Hostile(lambda v: nested(10_000)),
    "deeper-than-allowed": Hostile(lambda v: nested(MAX_JSON_DEPTH + 8)),
    "array-of-one-valid-object": Hostile(lambda v: f"[{v}]"),
    "array-of-valid-objects": Hostile(lambda v: f"[{v}, {v}]"),
    "null": Hostile(lambda v: "null"),
    "number": Hostile(lambda v: "42"),
    "string": Hostile(lambda v: json.dumps(v)),
    "empty": Hostile(lambda v: ""),
    "whitespace": Hostile(lambda v: " \r\n\t "),
    "truncated": Hostile(lambda v: v[: len(v) // 2]),
    "nan": Hostile(lambda v: '{"amount": NaN, "order_id": "ORDER-1"}'),
    "repeated-key": Hostile(lambda v: '{"order_id": "ORDER-1", "order_id": "ORDER-2"}'),
    "huge-integer": Hostile(lambda v: '{"amount": 1' + "0" * 5000 + "}"),
}


def route_event(route_key: str) -> dict[str, Any]:
    event = load_event(EVENT_OF_ROUTE[route_key])
    assert event["routeKey"] == route_key
    return event


def function_of(route_key: str) -> str:
    return TEMPLATE.functions[ROUTES[route_key].function_id].code_dir.name


def reads_body(route_key: str) -> bool:
    """A route whose Powertools validation reads a body (its event carries one); POST /mcp's is the SDK's."""
    return route_key != MCP and bool(route_event(route_key).get("body"))


def allowed_claims(route_key: str) -> dict[str, str]:
    return {"role": "admin" if ADMIN_PATHS.match(ROUTES[route_key].path) else "ai_agent", "plan": "ultimate"}


def refused_claims(route_key: str) -> dict[str, tuple[dict[str, str], tuple[int, str]]]:
    other_side = "ai_agent" if allowed_claims(route_key)["role"] == "admin" else "admin"
    return {
        "human agent": ({"role": "agent"}, (403, "forbidden")),
        "the other side's role": ({"role": other_side}, (403, "forbidden")),
        "ineligible plan": ({"plan": "starter"}, (403, "plan_not_eligible")),
        "no tenant": ({"cid": ""}, (401, "unauthorized")),
    }


def with_hostile_body(event: dict[str, Any], hostile: Hostile) -> dict[str, Any]:
    """The event with the hostile body (made from its own valid one) and Content-Type."""
    body = hostile.make(event.get("body") or '{"conversation_id": "conv-1"}')
    if isinstance(body, bytes):
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = body, False
    if hostile.content_type is not KEEP:
        event["headers"].pop("content-type", None)
        if hostile.content_type is not None:
            event["headers"]["content-type"] = hostile.content_type
    return event


def hostile_event(route_key: str, name: str, claims: dict[str, str] | None = None) -> dict[str, Any]:
    event = with_hostile_body(route_event(route_key), HOSTILE[name])
    event["requestContext"]["authorizer"]["jwt"]["claims"].update({**allowed_claims(route_key), **(claims or {})})
    return event


def without_body(route_key: str) -> dict[str, Any]:
    event = route_event(route_key)
    event.pop("body", None)
    event["requestContext"]["authorizer"]["jwt"]["claims"].update(allowed_claims(route_key))
    return event


def is_error_model(body: Any) -> bool:
    if not isinstance(body, dict) or not set(body) <= set(ErrorResponse.model_fields):
        return False
    ErrorResponse.model_validate(body)
    return True


def assert_error_model(status: int, body: Any) -> None:
    assert 400 <= status < 500, (status, body)
    assert is_error_model(body), body


def is_json_rpc_error(body: Any) -> bool:
    return isinstance(body, dict) and body.get("jsonrpc") == "2.0" and {"code", "message"} <= set(body.get("error", {}))


def is_body_refusal(status: int, body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    detail = body.get("detail") or []
    return body.get("error") in BODY_REFUSALS or (
        status == 422 and any(d.get("type") in JSON_ERROR_TYPES for d in detail)
    )


@pytest.fixture
def no_aws() -> Iterator[None]:
    """AWS answers nothing useful (no tables, no key), and Midtrans nothing at all: a request that got past the
    checks under test would fail loudly."""
    with mock_aws(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield
        assert len(mock.calls) == 0


def test_every_route_of_the_template_has_its_event() -> None:
    assert set(EVENT_OF_ROUTE) == set(ROUTES)
    for route_key in ROUTES:
        assert route_event(route_key)["routeKey"] == route_key


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("route_key", JWT_ROUTES)
def test_a_refused_caller_gets_401_or_403_whatever_the_body(no_aws: None, route_key: str, name: str) -> None:
    function = function_of(route_key)
    for refusal, (claims, expected) in refused_claims(route_key).items():
        status, body = invoke(function, hostile_event(route_key, name, claims))

        assert (status, body.get("error")) == expected, (refusal, body)
        assert_error_model(status, body)


@pytest.mark.parametrize("name", [name for name, hostile in HOSTILE.items() if hostile.expect is not None])
@pytest.mark.parametrize("route_key", [key for key in JWT_ROUTES if reads_body(key)])
def test_a_hostile_body_is_refused_before_the_route_runs(no_aws: None, route_key: str, name: str) -> None:
    """No AWS resources and no Midtrans: the refusal comes from the body alone, before the route does anything."""
    status, body = invoke(function_of(route_key), hostile_event(route_key, name))

    assert (status, body.get("error")) == HOSTILE[name].expect, body
    assert_error_model(status, body)
    assert is_body_refusal(status, body) or name == "empty", body  # an empty body is "body: Field required"
    assert SERVER_KEY_CANARY not in json.dumps(body)


@pytest.mark.parametrize("route_key", JWT_ROUTES)
def test_every_hostile_body_for_a_connected_tenant(connected: str, midtrans: responses.RequestsMock, route_key: str):
    """The whole flow for an admitted caller of a connected tenant with every action configured: hostile bodies are
    refused and send nothing to Midtrans; JSON under any label is read as JSON; a route without a body ignores it."""
    for method in (responses.GET, responses.POST, responses.PATCH, responses.DELETE):
        midtrans.add(method, re.compile(r"https?://.*"), json=NOT_FOUND_BODY)
    function = function_of(route_key)
    baseline = invoke(function, without_body(route_key))[0] if not reads_body(route_key) and route_key != MCP else None
    wrong: dict[str, Any] = {}
    for name, hostile in HOSTILE.items():
        calls_before = len(midtrans.calls)
        status, body = invoke(function, hostile_event(route_key, name))
        reached_midtrans = len(midtrans.calls) > calls_before
        if status >= 500:
            wrong[name] = (status, body)
        elif route_key == MCP:
            if name in MCP_READS_AS_JSON:
                ok = status == 200 and "result" in body
            else:
                ok = 400 <= status < 500 and not reached_midtrans and (is_json_rpc_error(body) or is_error_model(body))
            if not ok:
                wrong[name] = (status, body)
        elif not reads_body(route_key):
            if status != baseline:
                wrong[name] = (status, body, f"without a body: {baseline}")
        elif hostile.expect is None:
            if is_body_refusal(status, body):
                wrong[name] = (status, body, "not read as JSON")
        else:
            assert_error_model(status, body)
            if (status, body.get("error")) != hostile.expect or reached_midtrans:
                wrong[name] = (status, body, f"reached Midtrans: {reached_midtrans}")
    assert wrong == {}


@pytest.mark.parametrize("route_key", sorted(NOTIFICATION_ROUTES))
def test_hostile_bodies_on_a_notification_url(connected: str, midtrans: responses.RequestsMock, route_key: str):
    """Every hostile body at a connected tenant's real notification URL: a 4xx (never a 5xx) and nothing sent to
    Midtrans; the JSON route answers in the error model, the BI-SNAP ones (this tenant gave no Midtrans public key,
    so nothing verifies) in BI-SNAP's envelope. JSON under another label is read as JSON: that notification is
    genuine (its signature holds) and gets processed."""
    midtrans.get(re.compile(r"https://api.sandbox.midtrans.com/v2/.*/status"), json=NOT_FOUND_BODY)
    _, view = invoke("connection", load_event("connection.get"))
    token = view["notification_url"].rsplit("/", 1)[-1]
    json_route = route_key.endswith("{token}")
    wrong: dict[str, Any] = {}
    for name, hostile in HOSTILE.items():
        event = with_hostile_body(load_event(EVENT_OF_ROUTE[route_key], path={"token": token}), hostile)
        calls_before = len(midtrans.calls)
        status, answer = invoke("midtrans_notifications", event)
        if json_route and hostile.expect is None:
            if is_body_refusal(status, answer):  # read as JSON: verified, then re-read (not found yet: retry)
                wrong[name] = (status, answer, "not read as JSON")
            continue
        shaped = is_error_model(answer) if json_route else str(answer["responseCode"]).startswith(str(status))
        if not (400 <= status < 500 and shaped) or len(midtrans.calls) > calls_before:
            wrong[name] = (status, answer, len(midtrans.calls) - calls_before)
    assert wrong == {}
    assert SERVER_KEY_CANARY not in json.dumps(wrong)


def test_json_in_any_casing_and_with_parameters_is_read_as_json(connected: str, midtrans: responses.RequestsMock):
    url = "https://api.sandbox.midtrans.com/v2/ORDER-SETTLEMENT-GOPAY-001/status"
    midtrans.get(url, json={**NOT_FOUND_BODY, "status_code": "404"})
    for content_type in ("APPLICATION/JSON; charset=UTF-8", "application/json;charset=utf-8", "Application/Json"):
        event = hostile_event("POST /v1/payments/status", "upper-case-json-with-charset")
        event["headers"]["content-type"] = content_type

        status, body = invoke("check_payment_status", event)

        assert (status, body["outcome"]) == (200, "not_found"), content_type
    assert len(midtrans.calls) == 3


def test_a_json_array_never_reaches_midtrans_even_when_its_first_element_is_valid(
    connected: str, midtrans: responses.RequestsMock
) -> None:
    valid = route_event("POST /v1/refunds")["body"]
    event = load_event("request_refund.request_full", body=f"[{valid}]")

    status, body = invoke("request_refund", event)

    assert (status, body["error"], body["message"]) == (422, "invalid_request", "body: must be a JSON object")
    assert len(midtrans.calls) == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"pad": "' + "x" * (MAX_BODY_BYTES - 11) + '"}', 422),  # exactly the limit: read (and refused as invalid)
        ('{"pad": "' + "x" * (MAX_BODY_BYTES - 10) + '"}', 413),
        ('{"pad": "' + "\u00e9" * (MAX_BODY_BYTES // 2) + '"}', 413),  # fewer characters than bytes
    ],
    ids=["at-the-limit", "one-byte-over", "multi-byte-over"],
)
def test_the_size_limit_counts_utf8_bytes(no_aws: None, body: str, expected: int) -> None:
    event = load_event("check_payment_status.settlement", body=body)

    status, answer = invoke("check_payment_status", event)

    assert status == expected, answer
