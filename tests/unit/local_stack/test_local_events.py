"""midtrans_local.events: the payload 2.0 event API Gateway builds, and how it maps the result back."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest

from midtrans_local.events import (
    InvalidLambdaResponse,
    api_gateway_claims,
    build_http_api_event,
    gateway_error,
    lambda_result_to_http,
)

CLAIMS = {"cid": "tenant-a", "role": "ai_agent", "plan": "ultimate", "exp": 1795256100, "iat": 1795252500}


def test_event_has_the_http_api_v2_shape():
    event = build_http_api_event(
        "post",
        "/v1/orders/o-1",
        "POST /v1/orders/{order_id}",
        {"order_id": "o-1"},
        "a=1&a=2&b=",
        [("Content-Type", "application/json"), ("X-Multi", "1"), ("x-multi", "2"), ("User-Agent", "agent/1")],
        '{"k": 1}',
        CLAIMS,
        "10.0.0.9",
        now=1795256100.25,
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/orders/{order_id}"
    assert event["rawPath"] == "/v1/orders/o-1"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"order_id": "o-1"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-multi"] == "1,2"
    assert all(name == name.lower() for name in event["headers"])
    assert (event["body"], event["isBase64Encoded"]) == ('{"k": 1}', False)
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/v1/orders/o-1",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.0.0.9",
        "userAgent": "agent/1",
    }
    assert {context[k] for k in ("routeKey", "stage")} == {"POST /v1/orders/{order_id}", "$default"}
    assert context["accountId"] == "123456789012" and context["apiId"] and context["domainName"]
    assert uuid.UUID(context["requestId"])
    assert context["time"] == "21/Nov/2026:10:15:00 +0000"
    assert context["timeEpoch"] == 1795256100250
    assert context["authorizer"] == {
        "jwt": {
            "claims": {
                "cid": "tenant-a",
                "role": "ai_agent",
                "plan": "ultimate",
                "exp": "1795256100",
                "iat": "1795252500",
            },
            "scopes": None,
        }
    }


def test_absent_parts_are_left_out_like_api_gateway_does():
    event = build_http_api_event("GET", "/public", "GET /public")

    for key in ("queryStringParameters", "pathParameters", "body", "cookies"):
        assert key not in event
    assert "authorizer" not in event["requestContext"]  # claims=None: a route without authorizer
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False


def test_mapping_body_is_sent_as_json_and_cookies_move_out_of_the_headers():
    event = build_http_api_event(
        "PUT", "/x", "PUT /x", headers={"Cookie": "a=1; b=2"}, body={"server_key": "k"}, query={"q": "v w"}
    )
    assert json.loads(event["body"]) == {"server_key": "k"}
    assert event["headers"]["content-type"] == "application/json"
    assert event["cookies"] == ["a=1", "b=2"]
    assert "cookie" not in event["headers"]
    assert event["rawQueryString"] == "q=v+w"
    assert event["queryStringParameters"] == {"q": "v w"}


def test_binary_body_is_base64_encoded():
    event = build_http_api_event("POST", "/x", "POST /x", body=b"\xff\x00\xfe")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\xfe"


def test_claims_are_strings_as_the_jwt_authorizer_passes_them():
    assert api_gateway_claims({"n": 5, "t": True, "groups": ["a", "b"], "m": {"k": 1}, "s": "x"}) == {
        "n": "5",
        "t": "true",
        "groups": "[a b]",
        "m": '{"k":1}',
        "s": "x",
    }


def test_full_response_maps_status_headers_cookies_and_body():
    response = lambda_result_to_http(
        {"statusCode": 202, "headers": {"x-a": "1", "x-flag": True}, "cookies": ["c=1"], "body": "hi"}
    )
    assert response.status == 202
    assert response.header("x-a") == "1" and response.header("x-flag") == "true"
    assert response.header("set-cookie") == "c=1"
    assert response.body == b"hi"


def test_base64_response_body_is_decoded():
    encoded = base64.b64encode(b"\x89PNG").decode()
    assert lambda_result_to_http({"statusCode": 200, "body": encoded, "isBase64Encoded": True}).body == b"\x89PNG"


@pytest.mark.parametrize(
    ("result", "body"),
    [({"outcome": "ok"}, b'{"outcome": "ok"}'), ("plain text", b"plain text"), ([1, 2], b"[1, 2]"), (None, b"null")],
)
def test_result_without_status_code_is_a_json_200(result, body):
    response = lambda_result_to_http(result)
    assert (response.status, response.header("content-type"), response.body) == (200, "application/json", body)


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "200", "body": "x"},
        {"statusCode": 99},
        {"statusCode": True},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "***", "isBase64Encoded": True},
    ],
)
def test_unmappable_response_is_refused(result):
    with pytest.raises(InvalidLambdaResponse):
        lambda_result_to_http(result)


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "Unauthorized"), (404, "Not Found"), (413, "Request Entity Too Large"), (500, "Internal Server Error")],
)
def test_gateway_errors_carry_api_gateway_bodies(status, message):
    response = gateway_error(status)
    assert response.status == status
    assert response.body == f'{{"message":"{message}"}}'.encode()
    assert re.match("application/json", response.header("Content-Type") or "")
