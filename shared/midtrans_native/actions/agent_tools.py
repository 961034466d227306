"""The tool catalog: the tenant's configured actions as LLM tools, from the registry and the admin's text.

One definition per tool in MCP's shape (name, title, description, inputSchema, outputSchema, annotations),
rendered as OpenAI function tools or Anthropic tool definitions on request. Schemas are the pydantic models
the routes validate with, so a tool's input schema is its route's body minus the conversation context (the
platform sends that in headers); the descriptions carry the admin's action name and trigger description and
the rules the model must follow around confirmations.

Nothing here is cached across tenants: schemas are tenant-independent and cached per model class; the
descriptions are built for each call from that tenant's configured actions.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from midtrans_native.registry import ACTION_TYPES, ActionTypeSpec, ToolSpec, find_tool
from midtrans_native.stores.actions import ConfiguredAction

CatalogFormat = Literal["mcp", "openai", "anthropic"]

# What every model must do with these tools, whatever the admin wrote.
ALWAYS = "Show `message` to the customer exactly as given; it is already in the customer's language."
PROMPT_RULE = (
    "When the outcome is confirmation_required, show `message` (the confirmation prompt) to the customer and "
    "wait for their reply in a new message; then call `{decision}` with the `confirmation_id` from this answer."
)
DECISION_RULES = (
    "Never call this tool before the customer has answered the confirmation prompt in a new message. "
    "Pass the `confirmation_id` from the prompt's answer unchanged. Use `confirm` only when the customer clearly "
    "said yes, `decline` when they said no or changed their mind."
)


@cache
def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


@cache
def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def input_schema_named(name: str) -> dict[str, Any] | None:
    """Any registry tool's input schema by name (None: no such tool), whoever has it configured."""
    found = find_tool(name)
    return input_schema(found[1].arguments) if found else None


def describe(spec: ActionTypeSpec, tool: ToolSpec, configured: ConfiguredAction) -> str:
    """What the tool does, when to use it (the admin's words), and the rules."""
    parts = [tool.does, f'Configured by the business as "{configured.action_name}".']
    if not tool.decision:
        parts.append(f"Use it when: {configured.trigger_description}")
    follow_up = next((t for t in spec.tools if t.decision), None)
    if tool.decision:
        parts.append(DECISION_RULES)
    elif follow_up is not None:
        parts.append(PROMPT_RULE.format(decision=follow_up.name))
    parts.append(ALWAYS)
    return " ".join(parts)


def tool_annotations(tool: ToolSpec) -> dict[str, Any]:
    return {
        "title": tool.title,
        "readOnlyHint": tool.read_only,
        "destructiveHint": tool.destructive,
        "idempotentHint": tool.idempotent,
        "openWorldHint": True,  # every tool talks to Midtrans
    }


def tool_definition(spec: ActionTypeSpec, tool: ToolSpec, configured: ConfiguredAction) -> dict[str, Any]:
    """One tool in MCP's shape."""
    return {
        "name": tool.name,
        "title": tool.title,
        "description": describe(spec, tool, configured),
        "inputSchema": input_schema(tool.arguments),
        "outputSchema": output_schema(tool.response),
        "annotations": tool_annotations(tool),
    }


def configured_tools(configured: Iterable[ConfiguredAction]) -> list[dict[str, Any]]:
    """The tenant's tools, in registry order; an action type that is not configured has none."""
    by_type = {action.action_type: action for action in configured}
    return [
        tool_definition(spec, tool, by_type[spec.id])
        for spec in ACTION_TYPES
        if spec.id in by_type
        for tool in spec.tools
    ]


def render(tools: list[dict[str, Any]], fmt: CatalogFormat) -> dict[str, Any]:
    """`{"tools": [...]}` in the requested vendor's published shape."""
    if fmt == "openai":
        # OpenAI Chat Completions function tools: {"type": "function", "function": {name, description, parameters}}.
        return {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": tool["name"],
                        "description": tool["description"],
                        "parameters": tool["inputSchema"],
                    },
                }
                for tool in tools
            ]
        }
    if fmt == "anthropic":
        # Anthropic Messages API tools: {name, description, input_schema}.
        return {
            "tools": [
                {"name": tool["name"], "description": tool["description"], "input_schema": tool["inputSchema"]}
                for tool in tools
            ]
        }
    return {"tools": tools}


def catalog(configured: Iterable[ConfiguredAction], fmt: CatalogFormat = "mcp") -> dict[str, Any]:
    return render(configured_tools(configured), fmt)
