"""One OpenAPI document for the whole API, generated from the code: every function in template.yaml
contributes its resolver's routes and models. `make openapi` writes docs/openapi.json; a test fails
when the committed file drifts from the code.

The merge is Powertools' own (`OpenAPIMerge`, fed each function's schema: our resolvers are built inside
`get_app()`, where its file discovery cannot see them), refusing two functions that claim one route. Three things
no resolver knows are added here:

* the platform's conversation headers the agent routes read (`models.context`), with their models' schemas;
* the answers API Gateway gives itself, without (or instead of) the function: the JWT authorizer's 401, the payload
  limit's 413, throttling's 429, an integration failure's 500 and an integration timeout's 503 (HTTP APIs answer
  503 "Service Unavailable" where REST APIs answer 504 "Endpoint request timed out"), all `{"message": "..."}`; a
  401 or 500 may also be the function's own ErrorResponse, so those two are `oneOf` both shapes;
* the JWT security scheme.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi import OpenAPIMerge
from pydantic import TypeAdapter

from midtrans_local.template import SamTemplate

TITLE = "Midtrans native actions for the AI Agent"
VERSION = "1.0.0"
REPO_ROOT = Path(__file__).resolve().parent.parent
DESCRIPTION = (
    "Every route is behind API Gateway (HTTP API) with a JWT authorizer. Besides each route's documented answers, "
    'API Gateway answers some requests itself with a JSON body `{"message": "..."}` (schema GatewayError): 401 '
    "Unauthorized (no or an invalid token), 404 Not Found (no route for this method and path, including a "
    "documented path with another method), 413 Request Entity Too Large (a body over 10 MB), 429 Too Many "
    "Requests (throttled), 500 Internal Server Error (the function failed) and 503 Service Unavailable (the "
    "function did not answer in time)."
)
SECURITY_SCHEMES = {
    "PlatformJwt": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Platform JWT with claims cid (tenant), role and plan.",
    }
}
GATEWAY_REF = {"$ref": "#/components/schemas/GatewayError"}
ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
GATEWAY_ERROR_SCHEMA = {
    "title": "GatewayError",
    "description": "API Gateway's own answer, sent without (or instead of) the function's",
    "type": "object",
    "properties": {"message": {"type": "string", "title": "Message"}},
    "required": ["message"],
    "additionalProperties": False,
}
# POST /mcp: one JSON-RPC 2.0 message, of the four kinds the MCP SDK reads (a request, a notification, or the
# client's response or error to a server request); `method` and `params` as the MCP specification says. Other keys
# are allowed, as the SDK allows them. No batches.
_JSON_RPC_ID = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
_JSON_RPC_PARAMS = {"anyOf": [{"type": "object"}, {"type": "null"}]}
JSON_RPC_REQUEST_SCHEMA = {
    "title": "JsonRpcRequest",
    "description": "A JSON-RPC 2.0 message as MCP defines it: a request (initialize, tools/list, tools/call...: 200), "
    "a notification (no id: 202), or a response or error to a server request (202)",
    "type": "object",
    "properties": {"jsonrpc": {"const": "2.0"}},
    "required": ["jsonrpc"],
    "anyOf": [
        {
            "title": "Request",
            "properties": {"id": _JSON_RPC_ID, "method": {"type": "string"}, "params": _JSON_RPC_PARAMS},
            "required": ["id", "method"],
        },
        {
            "title": "Notification",
            "properties": {"method": {"type": "string"}, "params": _JSON_RPC_PARAMS},
            "required": ["method"],
        },
        {
            "title": "Response",
            "properties": {"id": _JSON_RPC_ID, "result": {"type": "object"}},
            "required": ["id", "result"],
        },
        {
            "title": "Error",
            "properties": {
                "id": {"anyOf": [*_JSON_RPC_ID["anyOf"], {"type": "null"}]},
                "error": {
                    "type": "object",
                    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
                    "required": ["code", "message"],
                },
            },
            "required": ["id", "error"],
        },
    ],
}
# API Gateway (HTTP API) answers these itself, on any route: (status, message, description).
GATEWAY_ANSWERS = (
    (413, "Request Entity Too Large", "API Gateway: the request is over the 10 MB payload limit"),
    (429, "Too Many Requests", "API Gateway: throttled (the stage's rate and burst limits); retry with backoff"),
    (503, "Service Unavailable", "API Gateway: the function did not answer within the integration timeout"),
)


def build_openapi(template_path: Path = REPO_ROOT / "template.yaml") -> dict[str, Any]:
    template = SamTemplate.load(template_path)
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,  # type: ignore[arg-type]  # plain dicts validate as SecurityScheme
        security=[{"PlatformJwt": []}],
        on_conflict="error",
    )
    # Only functions behind the HTTP API have a resolver; EventBridge-invoked ones (FlagRollbackFunction) have none.
    for logical_id in sorted({route.function_id for route in template.routes}):
        module = importlib.import_module(template.functions[logical_id].module_name(REPO_ROOT))
        merge.add_schema(module.get_app().get_openapi_schema(title=TITLE, version=VERSION))
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    document["paths"] = dict(sorted(document["paths"].items()))
    _document_platform_headers(document)
    authorized = {(route.method.lower(), route.path) for route in template.routes if route.authorizer is not None}
    _document_gateway_answers(document, authorized)
    _document_notifications(document, template, authorized)
    return document


# Midtrans' HTTP notification as received (docs/midtrans-behaviour.md §12): the fields the service reads, others
# allowed (Midtrans adds fields over time). The BI-SNAP notification's body is documented by its route description.
MIDTRANS_NOTIFICATION_SCHEMA = {
    "title": "MidtransNotification",
    "description": "Midtrans' payment notification (a subset: Midtrans sends more fields, all accepted)",
    "type": "object",
    "properties": {
        name: {"type": "string", "description": description}
        for name, description in (
            ("order_id", "The order; a purchase through a payment link may carry a suffix"),
            ("status_code", 'As sent: "200", "201", "202"'),
            ("gross_amount", 'As sent, with its decimals: "150000.00"'),
            ("signature_key", "hex SHA-512(order_id + status_code + gross_amount + server key)"),
            ("transaction_status", "A hint: the status is re-read from Midtrans"),
            ("transaction_id", "Midtrans' id of the transaction"),
        )
    },
    "required": ["order_id", "status_code", "gross_amount", "signature_key"],
    "additionalProperties": True,
}


def _document_notifications(document: dict[str, Any], template: SamTemplate, authorized: set[tuple[str, str]]) -> None:
    """The routes without the JWT authorizer (Midtrans' notifications) carry no security requirement and document
    Midtrans' body; the events they publish are documented as an OpenAPI webhook: what the platform's messaging
    endpoint receives (EventBridge's envelope around `PlatformEvent`)."""
    from midtrans_native.models.notifications import PlatformEvent

    for route in template.routes:
        if (route.method.lower(), route.path) in authorized:
            continue
        operation = _operation(document, route.method, route.path)
        operation["security"] = []
        if route.path.endswith("{token}"):
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MidtransNotification"}}},
            }
    schemas = document["components"]["schemas"]
    schemas["MidtransNotification"] = MIDTRANS_NOTIFICATION_SCHEMA
    event_schema = PlatformEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(event_schema.pop("$defs", {}))
    schemas["PlatformEvent"] = event_schema
    envelope = {
        "type": "object",
        "description": "EventBridge's event envelope (an API destination POSTs it as the body)",
        "properties": {
            "id": {"type": "string"},
            "source": {"const": "midtrans-native"},
            "detail-type": {"type": "string", "description": "= detail.event_type"},
            "time": {"type": "string"},
            "detail": {"$ref": "#/components/schemas/PlatformEvent"},
        },
        "required": ["source", "detail-type", "detail"],
    }
    document["webhooks"] = {
        "platformEvent": {
            "post": {
                "summary": "An order changed (from Midtrans' notifications): one event per change",
                "description": "Published on PlatformEventsBus; POSTed to the platform's messaging endpoint when the "
                "stack is deployed with PlatformEventsEndpoint. `event_id` is stable per order state: drop repeats.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": envelope}}},
                "responses": {"200": {"description": "Taken (any 2xx)"}},
            }
        }
    }


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method.lower()]
    return operation


def _header(name: str, schema: dict[str, Any], description: str, *, required: bool = False) -> dict[str, Any]:
    if not required and schema != {"type": "string"}:
        # models.context reads a blank header as no header: optional ones may be sent blank.
        from midtrans_native.models.common import WHITESPACE

        blank = {"type": "string", "pattern": f"^[{WHITESPACE}]*$", "description": "Blank: as if not sent"}
        schema = {"anyOf": [schema, blank]}
    return {"name": name, "in": "header", "required": required, "schema": schema, "description": description}


def _document_platform_headers(document: dict[str, Any]) -> None:
    """The conversation headers (docs/agent-integration.md) as header parameters, each with its model's schema:
    required where the route's request needs the value (the deprecated body fields are the older alternative)."""
    from midtrans_native.models.common import ChannelType, ConversationId, CustomerMessageId
    from midtrans_native.models.context import (
        CHANNEL_HEADER,
        CONVERSATION_HEADER,
        CUSTOMER_MESSAGE_HEADER,
        LANGUAGE_HEADER,
    )
    from midtrans_native.registry import ACTION_TYPES

    def schema_of(annotation: Any) -> dict[str, Any]:
        schema: dict[str, Any] = TypeAdapter(annotation).json_schema()
        schema.pop("description", None)
        return schema

    language = _header(
        LANGUAGE_HEADER,
        {"type": "string"},
        "The language of every `message`: `en` or `id`, q-values honoured (`id-ID,id;q=0.9,en;q=0.8`); anything "
        "else means `en`",
    )
    message_id = _header(
        CUSTOMER_MESSAGE_HEADER,
        schema_of(CustomerMessageId),
        "The customer message this call answers: with it, a `confirm` carrying the prompt's own id is refused "
        "(409 awaiting_customer_reply)",
    )

    def conversation(required: bool) -> dict[str, Any]:
        alternative = " (older callers may send the deprecated body field `conversation_id` instead)"
        return _header(
            CONVERSATION_HEADER,
            schema_of(ConversationId),
            "The conversation the agent answers in; a body `conversation_id` must agree with it"
            + (alternative if required else ""),
            required=required,
        )

    def channel(required: bool) -> dict[str, Any]:
        use = (
            "How the payment link is delivered: `whatsapp` gets a WhatsApp cta_url message, any other channel a "
            "text (older callers may send the deprecated body field `channel_type` instead)"
            if required
            else "The conversation's channel (checked; only payment links use it)"
        )
        return _header(CHANNEL_HEADER, schema_of(ChannelType), use, required=required)

    for spec in ACTION_TYPES:
        for tool in spec.tools:
            fields = tool.request.model_fields
            needs_channel = "channel_type" in fields and fields["channel_type"].is_required()
            _add_parameters(
                _operation(document, tool.route.method, tool.route.path),
                [conversation(fields["conversation_id"].is_required()), channel(needs_channel), language, message_id],
            )
    # POST /mcp reads the same headers, but only in tools/call (its description says so): documented as parameters
    # they would claim a check that tools/list and initialize never make.
    mcp = _operation(document, "post", "/mcp")
    # The resolver hands the body to the MCP SDK untouched, so it documents none: a JSON-RPC 2.0 message.
    document["components"]["schemas"]["JsonRpcRequest"] = JSON_RPC_REQUEST_SCHEMA
    mcp["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JsonRpcRequest"}}},
    }
    # A 202 has no body; Powertools documents the route's return type (a string) for every response without content.
    mcp["responses"]["202"].pop("content", None)
    for path in ("/v1/agent/tools", "/v1/action-types"):
        _add_parameters(_operation(document, "get", path), [language])


def _add_parameters(operation: dict[str, Any], parameters: list[dict[str, Any]]) -> None:
    operation["parameters"] = [*operation.get("parameters", []), *parameters]


def _document_gateway_answers(document: dict[str, Any], authorized: set[tuple[str, str]]) -> None:
    document["components"]["schemas"]["GatewayError"] = GATEWAY_ERROR_SCHEMA
    answers = [(status, message, description) for status, message, description in GATEWAY_ANSWERS]
    answers.append(
        (
            500,
            "Internal Server Error",
            "API Gateway: the function crashed or returned something API Gateway cannot map",
        )
    )
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses: dict[str, Any] = operation["responses"]
            gateway = list(answers)
            if (method, path) in authorized:
                gateway.append((401, "Unauthorized", "API Gateway's JWT authorizer refused the token"))
            # Every function answers an unexpected error itself with a 500 ErrorResponse (api.build_resolver).
            responses.setdefault("500", {"description": "An unexpected error (internal_error)", "content": ERROR})
            for status, message, description in gateway:
                responses[str(status)] = _with_gateway_answer(responses.get(str(status)), description, message)
            operation["responses"] = dict(sorted(responses.items()))


def _with_gateway_answer(documented: dict[str, Any] | None, description: str, message: str) -> dict[str, Any]:
    """The gateway's answer for a status, `oneOf` the function's own when the route documents one."""
    own = (documented or {}).get("content", {}).get("application/json", {}).get("schema")
    schema = {"oneOf": [GATEWAY_REF, own]} if own else GATEWAY_REF
    text = f"{description} (GatewayError); or: {documented['description']}" if documented and own else description
    return {"description": text, "content": {"application/json": {"schema": schema, "example": {"message": message}}}}


def main() -> None:
    json.dump(build_openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
