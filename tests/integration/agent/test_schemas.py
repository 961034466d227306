"""Each tool's input schema is its route's request body schema minus the conversation context (plus the path
parameter of the decision routes), taken from the same pydantic models; and every schema stands alone."""

from __future__ import annotations

from typing import Any

import pytest

from midtrans_native.actions.agent_tools import input_schema, output_schema
from midtrans_native.models.api import CONTEXT_FIELDS
from midtrans_native.registry import ACTION_TYPES, ToolSpec

TOOLS = [tool for spec in ACTION_TYPES for tool in spec.tools]


def without_context(schema: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in schema["properties"].items() if k not in CONTEXT_FIELDS}
    required = sorted(name for name in schema.get("required", []) if name not in CONTEXT_FIELDS)
    return {"properties": properties, "required": required, "$defs": schema.get("$defs", {})}


@pytest.mark.parametrize("tool", TOOLS, ids=[tool.name for tool in TOOLS])
def test_tool_input_equals_route_body_minus_context(tool: ToolSpec) -> None:
    body = tool.body.model_json_schema()
    arguments = input_schema(tool.arguments)
    expected = without_context(body)
    if tool.path_parameter:
        expected["properties"][tool.path_parameter] = arguments["properties"][tool.path_parameter]
        expected["required"] = sorted([*expected["required"], tool.path_parameter])
    got = {
        "properties": arguments["properties"],
        "required": sorted(arguments.get("required", [])),
        "$defs": arguments.get("$defs", {}),
    }
    assert got == expected
    assert arguments["additionalProperties"] is False  # unknown arguments are refused, as unknown body fields


def test_the_comparison_would_notice_a_context_field_in_the_arguments() -> None:
    status = next(tool for tool in TOOLS if tool.name == "check_payment_status")
    leaked = dict(input_schema(status.arguments))
    leaked["properties"] = {**leaked["properties"], "conversation_id": {"type": "string"}}
    assert leaked["properties"] != without_context(status.body.model_json_schema())["properties"]


def refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        return [*([schema["$ref"]] if "$ref" in schema else []), *(r for v in schema.values() for r in refs(v))]
    if isinstance(schema, list):
        return [r for v in schema for r in refs(v)]
    return []


@pytest.mark.parametrize("tool", TOOLS, ids=[tool.name for tool in TOOLS])
def test_every_ref_resolves_inside_its_own_schema(tool: ToolSpec) -> None:
    # MCP clients validate structuredContent against outputSchema and fail on a $ref they cannot resolve.
    for schema in (input_schema(tool.arguments), output_schema(tool.response)):
        for ref in refs(schema):
            assert ref.startswith("#/$defs/"), ref
            assert ref.removeprefix("#/$defs/") in schema["$defs"], ref


def test_amounts_are_whole_rupiah_and_order_ids_carry_midtrans_rules() -> None:
    refund = next(tool for tool in TOOLS if tool.name == "request_refund")
    amount = input_schema(refund.arguments)["properties"]["amount"]
    integer = next(option for option in amount["anyOf"] if option.get("type") == "integer")
    assert integer["exclusiveMinimum"] == 0
    decision = next(tool for tool in TOOLS if tool.name == "request_refund_decision")
    confirmation = input_schema(decision.arguments)["properties"]["confirmation_id"]
    assert confirmation["pattern"].startswith("^[0-9a-fA-F]{8}")
