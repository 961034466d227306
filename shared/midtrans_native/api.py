"""A fresh resolver per function, with the exception-to-HTTP mapping in one place, and the caller
(tenant, role, plan) read only from the verified JWT claims that API Gateway's authorizer passes in."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any, Protocol

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider
from pydantic import BaseModel, TypeAdapter, ValidationError

from midtrans_native.errors import RequestRefused
from midtrans_native.flags import integration_enabled
from midtrans_native.messages import Msg, render
from midtrans_native.models.api import CONFIRMATION_ID_DESCRIPTION, CONFIRMATION_ID_PATTERN, ErrorResponse
from midtrans_native.models.common import Caller, Locale, Role, TenantId
from midtrans_native.models.context import Resolved, platform_context, resolve_request
from midtrans_native.observability import logger
from midtrans_native.registry import ActionTypeSpec
from midtrans_native.stores.actions import ConfiguredAction
from midtrans_native.stores.connections import StoredConnection

ADMIN_ROLES = frozenset({"admin", "spv"})
# A human agent never triggers actions (PRD NEG-2): agent routes, the tool catalog and MCP are for the AI agent.
AGENT_ROLES = frozenset({"ai_agent"})
# docs/product-contract.md §6: the plans the integration is sold on.
ELIGIBLE_PLANS = frozenset({"sales_suite_plus", "ultimate", "qontak_360"})
# The decision routes' path parameter: the same rule as the decision tools' `confirmation_id` argument.
ConfirmationIdPath = Annotated[str, Path(pattern=CONFIRMATION_ID_PATTERN, description=CONFIRMATION_ID_DESCRIPTION)]
_TENANT = TypeAdapter(TenantId)
_ROLE = TypeAdapter(Role)


_ERROR_DESCRIPTIONS = {
    400: "Midtrans rejected the credentials",
    401: "The token carries no valid tenant and role",
    403: "Role or plan not allowed on this route, or the confirmation belongs to another conversation",
    404: "No such confirmation for this tenant",
    409: "The tenant has no Midtrans connection, or this decision is still being carried out (Retry-After)",
    410: "The confirmation expired: ask the customer again",
    422: "The request is invalid: the message says which field and why",
    502: "Midtrans answered with an error while verifying",
    504: "Midtrans did not answer in time while verifying",
}


def route_responses(ok: type[BaseModel], *error_codes: int) -> dict[int, Any]:
    """OpenAPI entries for a route: its 200 model and the ErrorResponse bodies it can return.
    (Powertools documents only the 200 unless told, and would advertise its own 422 shape.)"""
    documented: dict[int, Any] = {200: {"description": "Success", "content": {"application/json": {"model": ok}}}}
    for code in error_codes:
        model = {"application/json": {"model": ErrorResponse}}
        documented[code] = {"description": _ERROR_DESCRIPTIONS[code], "content": model}
    return documented


def error_response(status: int, body: ErrorResponse) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump(mode="json", exclude_none=True),
    )


def _describe(error: Mapping[str, Any]) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return f"{location}: {error.get('msg', error.get('type', 'invalid'))}"


def describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """Validation errors as "field: rule; field: rule" — pydantic's messages name the rule, not the input."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return "The request body is not valid JSON."
    return "; ".join(_describe(e) for e in errors) or "The request body is not valid."


def refused_response(exc: RequestRefused) -> Response[Any]:
    response = error_response(
        exc.http_status, ErrorResponse(error=exc.error, message=exc.message, failure_reason=exc.failure_reason)
    )
    response.headers.update(exc.headers)
    return response


def build_resolver(roles: Collection[str]) -> APIGatewayHttpResolver:
    """A new resolver for one function, whose routes all serve `roles`."""
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(RequestRefused)
    def _refused(exc: RequestRefused) -> Response[Any]:
        return refused_response(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        # Powertools validates the body before the route runs; a caller who may not use this route at all
        # still gets 403, never a description of what the body should have been.
        try:
            require_caller(app, roles)
        except RequestRefused as refused:
            return refused_response(refused)
        # Say which field and why, in words an agent can repeat; never echo the input (it may be a key).
        errors = [{"loc": list(e.get("loc", ())), "type": e.get("type"), "msg": e.get("msg")} for e in exc.errors()]
        message = describe_errors(exc.errors())
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY, ErrorResponse(error="invalid_request", message=message, detail=errors)
        )

    @app.not_found
    def _not_found(_: Exception) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, ErrorResponse(error="not_found", message="No such route."))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[Any]:
        if isinstance(exc, ServiceError):
            return error_response(exc.status_code, ErrorResponse(error="request_error", message=exc.msg))
        logger.exception("unhandled error")  # the traceback goes to the log, never to the caller
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            ErrorResponse(error="internal_error", message="Something went wrong on our side. Please try again."),
        )

    return app


def require_caller(app: APIGatewayHttpResolver, roles: Collection[str]) -> Caller:
    """The verified caller, refused unless their role may use this route and their plan is eligible."""
    authorizer = app.current_event.request_context.authorizer
    return caller_from_claims((authorizer.jwt_claim if authorizer else None) or {}, roles)


def caller_from_claims(claims: Mapping[str, Any], roles: Collection[str]) -> Caller:
    """Tenant, role and plan from the JWT claims API Gateway's authorizer verified: 401 without a valid tenant
    and role, 403 for another role or an ineligible plan."""
    try:
        caller = Caller(
            cid=_TENANT.validate_python(claims.get("cid")),
            role=_ROLE.validate_python(claims.get("role")),
            plan=str(claims.get("plan") or ""),
        )
    except ValidationError:
        raise RequestRefused(401, "unauthorized", "The token does not carry a valid tenant and role.") from None
    if caller.role not in roles:
        allowed = ", ".join(sorted(roles))
        raise RequestRefused(403, "forbidden", f"This route is only for the role(s): {allowed}.")
    if caller.plan not in ELIGIBLE_PLANS:
        raise RequestRefused(
            403, "plan_not_eligible", "Midtrans actions are available on Sales Suite Plus, Ultimate and Qontak 360."
        )
    logger.append_keys(cid=caller.cid, role=caller.role)
    return caller


def refusal_as_lambda_response(exc: RequestRefused) -> dict[str, Any]:
    """A refusal as an API Gateway (payload 2.0) response, for handlers that answer without a resolver."""
    body = ErrorResponse(error=exc.error, message=exc.message, failure_reason=exc.failure_reason)
    return {
        "statusCode": exc.http_status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON, **exc.headers},
        "body": body.model_dump_json(exclude_none=True),
        "isBase64Encoded": False,
    }


class ConnectionLookup(Protocol):
    def get(self, cid: str) -> StoredConnection | None: ...


class ActionLookup(Protocol):
    def of_type(self, cid: str, action_type: str) -> ConfiguredAction | None: ...


def require_enabled(caller: Caller, flags: StoreProvider, locale: Locale = "en") -> None:
    """The feature flag gate (docs/product-contract.md §6): OFF by default, and OFF when its store cannot be read."""
    if not integration_enabled(flags, caller):
        raise RequestRefused(403, "feature_disabled", render(Msg.FEATURE_DISABLED, locale))


def require_admin(app: APIGatewayHttpResolver, *, flags: StoreProvider) -> Caller:
    """Admin routes: role admin/spv, an eligible plan, the flag on for the tenant."""
    caller = require_caller(app, roles=ADMIN_ROLES)
    require_enabled(caller, flags)
    return caller


def require_connected(
    caller: Caller, locale: Locale, *, flags: StoreProvider, connections: ConnectionLookup
) -> StoredConnection:
    """The flag on and the tenant connected (the tool catalog and MCP need no particular action)."""
    require_enabled(caller, flags, locale)
    connection = connections.get(caller.cid)
    if connection is None:
        raise RequestRefused(409, "not_connected", render(Msg.NOT_CONNECTED, locale))
    return connection


def require_agent(
    caller: Caller,
    action: ActionTypeSpec,
    locale: Locale,
    *,
    flags: StoreProvider,
    connections: ConnectionLookup,
    actions: ActionLookup,
) -> ConfiguredAction:
    """Agent actions run only for a caller already admitted by `require_caller(app, AGENT_ROLES)` (role
    ai_agent, eligible plan), then: the flag on, a connected tenant and an action of this type configured —
    checked in that order, each refusal with its own status and message, and all before anything reaches
    Midtrans."""
    require_connected(caller, locale, flags=flags, connections=connections)
    configured = actions.of_type(caller.cid, action.id)
    if configured is None:
        raise RequestRefused(
            409, "action_not_configured", render(Msg.ACTION_NOT_CONFIGURED, locale, label=action.label(locale))
        )
    return configured


def agent_tags(action: ActionTypeSpec) -> list[str]:
    """OpenAPI tags of an agent route: the audience, then the action type's label."""
    return ["agent", action.label()]


def agent_request(
    app: APIGatewayHttpResolver, given: BaseModel, request_model: type[Resolved], **path: str
) -> tuple[Caller, Resolved]:
    """REST agent routes: the caller (authorization first), then the request with the platform's context."""
    caller = require_caller(app, AGENT_ROLES)
    return caller, resolve_request(given, platform_context(app.current_event.headers), request_model, **path)
