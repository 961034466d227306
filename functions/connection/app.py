"""ConnectionFunction: GET/PUT/DELETE /v1/connection (roles admin, spv). PRD S01, connection half."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache, partial
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query

from midtrans_native import deps
from midtrans_native.actions.connection import connect, disconnect, get_connection
from midtrans_native.api import (
    ADMIN_ROLES,
    build_resolver,
    http_lambda_handler,
    public_api_url,
    require_admin,
    route_responses,
)
from midtrans_native.models.common import Locale
from midtrans_native.models.connection import ConnectionView, ConnectRequest


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
        return get_connection(caller, store=deps.connection_store(), public_url=public_api_url(app))

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
            public_url=public_api_url(app),
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


lambda_handler = http_lambda_handler(get_app)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
