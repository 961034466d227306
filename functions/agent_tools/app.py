"""AgentToolsFunction: GET /v1/agent/tools (role ai_agent): the tenant's configured actions as LLM tools."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from midtrans_native import deps
from midtrans_native.actions.agent_tools import CatalogFormat, catalog
from midtrans_native.actions.gates import require_connected
from midtrans_native.api import AGENT_ROLES, build_resolver, http_lambda_handler, require_caller, route_responses
from midtrans_native.models.api import ToolCatalog
from midtrans_native.models.context import LANGUAGE_HEADER, preferred_locale
from midtrans_native.registry import load_models


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=AGENT_ROLES)

    @app.get(
        "/v1/agent/tools",
        summary="The tenant's configured actions as LLM tools (MCP shape; OpenAI or Anthropic on request)",
        description="A removed action's tools are gone on the next call; an added one's appear. Input schemas hold "
        "only what the customer gives: the platform sends the conversation in headers.",
        tags=["agent"],
        responses=route_responses(ToolCatalog, 401, 403, 409, 422),
    )
    def get_agent_tools(
        format: Annotated[CatalogFormat, Query(description="mcp (default), openai or anthropic")] = "mcp",
    ) -> ToolCatalog:
        caller = require_caller(app, AGENT_ROLES)
        locale = preferred_locale(app.current_event.headers.get(LANGUAGE_HEADER.lower())) or "en"
        gates = deps.agent_gates()
        tenant = require_connected(caller, locale, gates)
        return ToolCatalog.model_validate(catalog(gates.configured(tenant).values(), format))

    return app


lambda_handler = http_lambda_handler(get_app)
# The catalog holds every tool's schemas: their models are imported during init, not by the first call.
load_models()


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
