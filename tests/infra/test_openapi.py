"""The OpenAPI document is generated from the code, valid, complete, committed without drift, and says what the
code and API Gateway really answer: the request rules, the platform's headers, and the gateway's own bodies."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from openapi_spec_validator import validate

from midtrans_local.events import GATEWAY_MESSAGES, gateway_error
from midtrans_local.openapi import REPO_ROOT, build_openapi
from midtrans_native.models.api import ErrorResponse
from midtrans_native.registry import ACTION_TYPES
from tests.infra.template_model import UNAUTHENTICATED_ROUTES

AGENT_ACTION_ROUTES = [(tool.route.method.lower(), tool.route.path) for spec in ACTION_TYPES for tool in spec.tools]


@cache
def document() -> dict[str, Any]:
    return build_openapi()


def _validator(schema: dict[str, Any]) -> Any:
    """A validator for a schema of the document, its $refs resolved against the document's components."""
    return jsonschema_rs.validator_for({**schema, "components": document()["components"]})


def _body_schema(method: str, path: str, status: str) -> dict[str, Any]:
    schema: dict[str, Any] = document()["paths"][path][method]["responses"][status]["content"]["application/json"]
    return schema["schema"]


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    assert committed == build_openapi(), "docs/openapi.json is stale: run `make openapi`"


def test_openapi_is_valid_and_documents_every_template_route(routes) -> None:
    validate(document())
    documented = {(method.upper(), path) for path, ops in document()["paths"].items() for method in ops}
    expected = {(route.method.upper(), route.path) for route in routes}
    assert expected and expected <= documented


def test_error_bodies_are_documented_as_error_response() -> None:
    for code in ("403", "409", "422"):
        assert _body_schema("post", "/v1/payments/status", code) == {"$ref": "#/components/schemas/ErrorResponse"}


def test_routes_without_the_authorizer_are_documented_as_open(routes) -> None:
    """Midtrans' notification routes have no JWT authorizer in the template (`Auth: {Authorizer: NONE}`): the
    document says so (`security: []`), and says it of no other route."""
    open_in_template = {(route.method.lower(), route.path) for route in routes if "Auth" in route.properties}
    open_in_document = {
        (method, path)
        for path, operations in document()["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") == []
    }
    assert open_in_template == {(method.lower(), path) for _, method, path in UNAUTHENTICATED_ROUTES}
    assert open_in_document == open_in_template


def test_401_is_the_authorizers_body_or_the_functions_own() -> None:
    """API Gateway's JWT authorizer answers {"message": "Unauthorized"}; a token without a valid tenant and role
    gets the function's ErrorResponse. Both shapes are documented, and each real body matches exactly one. A route
    without the authorizer (Midtrans' notifications: a bad signature) can only get the function's."""
    local_authorizer = json.loads(gateway_error(401).body)
    functions_own = ErrorResponse(error="unauthorized", message="The token does not carry a valid tenant and role.")
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            schema = _body_schema(method, path, "401")
            if operation.get("security") == []:
                # BI-SNAP's notification paths answer every outcome in BI-SNAP's envelope
                own = "BiSnapNotificationAnswer" if "/v1.0/" in path else "ErrorResponse"
                assert schema == {"$ref": f"#/components/schemas/{own}"}, (method, path)
                continue
            assert schema == {
                "oneOf": [{"$ref": "#/components/schemas/GatewayError"}, {"$ref": "#/components/schemas/ErrorResponse"}]
            }, (method, path)
    validator = _validator(_body_schema("post", "/v1/payments/status", "401"))
    assert local_authorizer == {"message": "Unauthorized"} and validator.is_valid(local_authorizer)
    assert validator.is_valid(functions_own.model_dump(mode="json", exclude_none=True))


@pytest.mark.parametrize("status", ["413", "429", "500", "503"])
def test_api_gateways_own_answers_are_documented_on_every_route(status: str) -> None:
    message = {"413": "Request Entity Too Large", "429": "Too Many Requests", "500": "Internal Server Error"}.get(
        status, "Service Unavailable"
    )
    for path, operations in document()["paths"].items():
        for method in operations:
            assert _validator(_body_schema(method, path, status)).is_valid({"message": message}), (method, path)
    if int(status) in GATEWAY_MESSAGES:  # what the local stack answers itself has the documented shape
        assert _validator(_body_schema("get", "/v1/connection", status)).is_valid(
            json.loads(gateway_error(int(status)).body)
        )


@pytest.mark.parametrize(("method", "path"), AGENT_ACTION_ROUTES)
def test_agent_routes_document_the_platforms_headers(method: str, path: str) -> None:
    parameters = {p["name"]: p for p in document()["paths"][path][method]["parameters"] if p["in"] == "header"}
    assert set(parameters) == {"X-Conversation-Id", "X-Channel-Type", "Accept-Language", "X-Customer-Message-Id"}
    assert parameters["X-Conversation-Id"]["required"] is True
    assert parameters["X-Conversation-Id"]["schema"]["pattern"].startswith("^")
    assert parameters["X-Channel-Type"]["required"] is (path == "/v1/payment-links")
    assert parameters["Accept-Language"]["required"] is False


def test_request_rules_reach_the_document() -> None:
    """The probe's examples of schema-valid requests the code refused are schema-invalid now."""
    schemas = document()["components"]["schemas"]

    def valid(name: str, body: dict[str, Any]) -> bool:
        return bool(_validator({"$ref": f"#/components/schemas/{name}"}).is_valid(body))

    assert valid("RefundBody", {"amount": 1}) and valid("RefundBody", {"amount": 1.0})  # 1.0 is accepted too
    assert not valid("RefundBody", {"amount": 1.5}) and not valid("RefundBody", {"amount": 0})
    assert not valid("PaymentStatusBody", {"order_id": "ORDER/1"})
    assert valid("PaymentStatusBody", {"order_id": ""})  # blank: needs_order_id
    link = {"transaction_details": {"gross_amount": 1}}
    assert not valid("PaymentLinkBody", {**link, "channel_type": ""})
    assert not valid("PaymentLinkBody", {**link, "usage_limit": 0})
    assert schemas["ConnectRequest"]["properties"]["server_key"]["pattern"] == "^[!-~]+$"


def test_mcp_documents_its_json_rpc_body() -> None:
    body = document()["paths"]["/mcp"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = _validator(body)
    assert validator.is_valid({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert validator.is_valid({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert not validator.is_valid({"jsonrpc": "1.0", "id": 1, "method": "tools/list"})
    assert not validator.is_valid({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": []})
