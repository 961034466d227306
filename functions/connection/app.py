"""ConnectionFunction: GET/PUT/DELETE /v1/connection (roles admin, spv). PRD S01, connection half."""

from __future__ import annotations

import gc
from functools import cache, partial
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import deps
from midtrans_native.actions.connection import connect, disconnect, get_connection
from midtrans_native.api import ADMIN_ROLES, build_resolver, require_admin, route_responses
from midtrans_native.deadline import start_invocation
from midtrans_native.models.api import ConnectionView, ConnectRequest
from midtrans_native.models.common import Locale
from midtrans_native.observability import logger, metrics, tracer


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=ADMIN_ROLES)

    @app.get(
        "/v1/connection",
        summary="Midtrans connection status (masked)",
        tags=["admin"],
        responses=route_responses(ConnectionView, 401, 403),
    )
    def get_midtrans_connection() -> ConnectionView:
        caller = require_admin(app, flags=deps.flag_store())
        return get_connection(caller, store=deps.connection_store())

    @app.put(
        "/v1/connection",
        summary="Connect or re-authorize the Midtrans account",
        description="Verifies the key against Midtrans before storing it (and, with `bisnap` credentials, obtains "
        "a BI-SNAP token and makes one signed read). One account per tenant; a second PUT replaces the first.",
        tags=["admin"],
        responses=route_responses(ConnectionView, 400, 401, 403, 422, 502, 504),
    )
    def put_midtrans_connection(request: ConnectRequest) -> ConnectionView:
        caller = require_admin(app, flags=deps.flag_store())
        deadline = deps.deadline(app.lambda_context)
        return connect(
            request,
            caller,
            store=deps.connection_store(),
            core_api=partial(deps.core_api, deadline=deadline),
            token_cache=deps.token_cache_store(),
        )

    @app.delete(
        "/v1/connection",
        summary="Disconnect: credentials and cached tokens are removed",
        tags=["admin"],
        responses=route_responses(ConnectionView, 401, 403, 422),
    )
    def delete_midtrans_connection(locale: Annotated[Locale, Query()] = "en") -> ConnectionView:
        caller = require_admin(app, flags=deps.flag_store())
        return disconnect(caller, store=deps.connection_store(), token_cache=deps.token_cache_store(), locale=locale)

    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    start_invocation(event)  # the answer's clock starts when API Gateway got the request
    return get_app().resolve(event, context)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so the
# first invocation does not pay a full collection over it (docs/decisions.md D30).
gc.freeze()
