"""ActionsFunction: GET/POST /v1/actions, GET/PUT/DELETE /v1/actions/{action_id} and GET /v1/action-types
(roles admin, spv). PRD S01."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache
from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path

from midtrans_native import deps
from midtrans_native.actions.manage_actions import (
    create_action,
    delete_action,
    get_action,
    list_action_types,
    list_actions,
    update_action,
)
from midtrans_native.api import ADMIN_ROLES, build_resolver, http_lambda_handler, require_admin, route_responses
from midtrans_native.models.admin import (
    ActionCreate,
    ActionDeleted,
    ActionList,
    ActionTypeList,
    ActionUpdate,
    ActionView,
)
from midtrans_native.models.context import LANGUAGE_HEADER, preferred_locale
from midtrans_native.registry import load_models

ActionId = Annotated[UUID, Path(description="From the action list")]


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=ADMIN_ROLES)

    @app.get(
        "/v1/actions",
        summary="The account's configured Midtrans actions, with their type labels",
        tags=["admin"],
        responses=route_responses(ActionList, 401, 403),
    )
    def get_actions() -> ActionList:
        caller = require_admin(app, flags=deps.flag_store())
        return list_actions(caller, store=deps.action_store())

    @app.post(
        "/v1/actions",
        summary="Add an action (one per type; names unique per account)",
        tags=["admin"],
        description="P1/P2 action types are refused (422). Needs a Midtrans connection (409 otherwise).",
        responses={
            **route_responses(ActionView, 401, 403, 409, 422),
            201: {"description": "Created", "content": {"application/json": {"model": ActionView}}},
        },
    )
    def post_action(request: ActionCreate) -> Response[ActionView]:
        caller = require_admin(app, flags=deps.flag_store())
        created = create_action(caller, request, store=deps.action_store(), connections=deps.connection_store())
        return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)

    @app.get(
        "/v1/action-types",
        summary="The action types an admin can configure, labelled in en and id, and whether each is configured",
        tags=["admin"],
        responses=route_responses(ActionTypeList, 401, 403),
    )
    def get_action_types() -> ActionTypeList:
        caller = require_admin(app, flags=deps.flag_store())
        locale = preferred_locale(app.current_event.headers.get(LANGUAGE_HEADER.lower())) or "en"
        return list_action_types(caller, store=deps.action_store(), locale=locale)

    @app.get(
        "/v1/actions/<action_id>",
        summary="One action",
        tags=["admin"],
        responses=route_responses(ActionView, 401, 403, 404, 422),
    )
    def get_one_action(action_id: ActionId) -> ActionView:
        caller = require_admin(app, flags=deps.flag_store())
        return get_action(caller, str(action_id), store=deps.action_store())

    @app.put(
        "/v1/actions/<action_id>",
        summary="Change an action's name, trigger description or defaults",
        tags=["admin"],
        responses=route_responses(ActionView, 401, 403, 404, 409, 422),
    )
    def put_action(action_id: ActionId, request: ActionUpdate) -> ActionView:
        caller = require_admin(app, flags=deps.flag_store())
        return update_action(
            caller, str(action_id), request, store=deps.action_store(), connections=deps.connection_store()
        )

    @app.delete(
        "/v1/actions/<action_id>",
        summary="Remove an action",
        tags=["admin"],
        responses=route_responses(ActionDeleted, 401, 403, 404, 422),
    )
    def remove_action(action_id: ActionId) -> ActionDeleted:
        caller = require_admin(app, flags=deps.flag_store())
        return delete_action(caller, str(action_id), store=deps.action_store())

    return app


lambda_handler = http_lambda_handler(get_app)
# The admin configures every action type (and its defaults): their models are imported during init.
load_models()


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
