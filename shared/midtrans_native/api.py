"""A fresh resolver per function, with the exception-to-HTTP mapping in one place, and the caller
(tenant, role, plan) read only from the verified JWT claims that API Gateway's authorizer passes in.

Every request is judged in this order, on every route, before the route runs:

1. the caller: 401 without a valid tenant and role, 403 for a role or plan this function does not serve — whatever
   the request carries;
2. the body, on routes that take one (`read_json_body`): Content-Type JSON or absent, else 415; at most
   `MAX_BODY_BYTES`, else 413; UTF-8 text (base64-decoded when API Gateway sent it so), else 400; a JSON object
   nesting at most `MAX_JSON_DEPTH` levels, without repeated keys, else 422;
3. Powertools' validation of path, query, headers and that object against the route's models: 422 naming the field
   and the rule, never the value.

Routes without a body parameter never read the body (a GET's body is ignored); POST /mcp hands it to the MCP SDK,
which answers malformed messages with JSON-RPC errors.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any, Final, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, TypeAdapter, ValidationError

from midtrans_native.actions.gates import require_enabled
from midtrans_native.deadline import start_invocation
from midtrans_native.errors import RequestRefused
from midtrans_native.models.api import CONFIRMATION_ID_DESCRIPTION, CONFIRMATION_ID_PATTERN, ErrorResponse
from midtrans_native.models.common import Caller, Role, TenantId
from midtrans_native.models.context import Resolved, platform_context, resolve_request
from midtrans_native.observability import logger, metrics, tracer
from midtrans_native.registry import ActionTypeSpec
from midtrans_native.settings import get_settings

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
    400: "The body is not UTF-8 text (malformed_body), or, on PUT /v1/connection, Midtrans rejected the credentials",
    401: "The token carries no valid tenant and role",
    403: "Role or plan not allowed on this route, or the confirmation belongs to another conversation",
    404: "No such confirmation for this tenant",
    409: "The tenant has no Midtrans connection, or this decision is still being carried out (Retry-After)",
    410: "The confirmation expired: ask the customer again",
    413: "The request body is larger than 256 KiB (body_too_large)",
    415: "The request body is not JSON: send Content-Type application/json (unsupported_media_type)",
    422: "The request is invalid: the message says which field and why",
    502: "Midtrans answered with an error while verifying",
    504: "Midtrans did not answer in time while verifying",
}


_BODY_REFUSALS = (400, 413, 415, 422)


def route_responses(
    ok: type[BaseModel], *error_codes: int, descriptions: Mapping[int, str] | None = None
) -> dict[int, Any]:
    """OpenAPI entries for a route: its 200 model and the ErrorResponse bodies it can return (`descriptions`
    replaces the shared wording where a route means something else by a code).
    (Powertools documents only the 200 unless told, and would advertise its own 422 shape.)"""
    documented: dict[int, Any] = {200: {"description": "Success", "content": {"application/json": {"model": ok}}}}
    # Every route reads its body through `read_json_body` (GET and DELETE ones ignore it): these can always happen.
    for code in sorted({*error_codes, *_BODY_REFUSALS}):
        model = {"application/json": {"model": ErrorResponse}}
        described = (descriptions or {}).get(code) or _ERROR_DESCRIPTIONS[code]
        documented[code] = {"description": described, "content": model}
    return documented


def error_response(status: int, body: ErrorResponse) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump(mode="json", exclude_none=True),
    )


# A location part is shown when it is a list index or has the shape of this API's field names (lower-case snake_case,
# at most 40 characters). Anything else came from the request as a key (an extra field can be named anything; a
# form body parsed by Powertools made its whole text one key), and is shown as `_UNNAMED_FIELD`, never echoed.
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_UNNAMED_FIELD = "(unnamed field)"
_HIDDEN_VALUE = "(value not shown)"
_ECHO_MIN_LENGTH = 8  # unquoted, shorter values are left in the message: they would match words of the rule
_VOCABULARY = re.compile(r"[a-z]{1,32}(?:_[a-z]{1,32}){0,7}")


def _safe_location(loc: Sequence[Any]) -> list[str | int]:
    return [
        part
        if (isinstance(part, int) and not isinstance(part, bool))
        or (isinstance(part, str) and _FIELD_NAME.fullmatch(part))
        else _UNNAMED_FIELD
        for part in loc
    ]


def _strings_in(value: Any, limit: int = 100) -> list[str]:
    """The string values in a validation error's input (not its keys: those are field names), at most `limit`."""
    found: list[str] = []
    pending: list[Any] = [value]
    while pending and len(found) < limit:
        item = pending.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return found


def _safe_rule(error: Mapping[str, Any]) -> str:
    """The error's message without the input in it. Pydantic's own messages name the rule only, but a validator's
    ValueError may quote the value it refused. A value shaped like a name of this API's vocabulary (lower-case
    words joined by underscores: an action type, an environment) may stay, as in "'create_invoice' is planned for
    a later phase"; a credential never has that shape."""
    rule = str(error.get("msg") or error.get("type") or "invalid")
    for text in sorted(set(_strings_in(error.get("input"))), key=len, reverse=True):
        if not text or _VOCABULARY.fullmatch(text):
            continue
        for quoted in (f"'{text}'", f'"{text}"'):
            rule = rule.replace(quoted, _HIDDEN_VALUE)
        if len(text) >= _ECHO_MIN_LENGTH:
            rule = rule.replace(text, _HIDDEN_VALUE)
    return rule


def _safe_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """A validation error as the caller may see it: location, type and rule; never the input or its context."""
    return {"loc": _safe_location(error.get("loc", ())), "type": error.get("type"), "msg": _safe_rule(error)}


def _describe(error: Mapping[str, Any]) -> str:
    safe = _safe_error(error)
    location = ".".join(str(part) for part in safe["loc"] if part != "body") or "body"
    return f"{location}: {safe['msg']}"


def describe_errors(errors: Sequence[Mapping[str, Any]]) -> str:
    """Validation errors as "field: rule; field: rule": the field when it is a field name, the rule without any
    part of the value (see `_safe_rule`)."""
    if any(e.get("type") == "json_invalid" for e in errors):
        return "The request body is not valid JSON."
    return "; ".join(_describe(e) for e in errors) or "The request body is not valid."


def refused_response(exc: RequestRefused) -> Response[Any]:
    response = error_response(
        exc.http_status, ErrorResponse(error=exc.error, message=exc.message, failure_reason=exc.failure_reason)
    )
    response.headers.update(exc.headers)
    return response


def build_resolver(roles: Collection[str] | None) -> APIGatewayHttpResolver:
    """A new resolver for one function, whose routes all serve `roles`: the caller is authorized and the body
    checked (see the module's docstring) before Powertools validates anything. `roles=None`: routes without a JWT
    (Midtrans' notifications), which authenticate each request themselves before believing anything in it."""
    app = _GuardedResolver(roles)

    @app.exception_handler(RequestRefused)
    def _refused(exc: RequestRefused) -> Response[Any]:
        return refused_response(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        # The request guard authorized the caller already; this covers anything that raises the error outside it.
        try:
            if roles is not None:
                require_caller(app, roles)
        except RequestRefused as refused:
            return refused_response(refused)
        # Say which field and why, in words an agent can repeat; never echo the input (it may be a key).
        errors = [_safe_error(e) for e in exc.errors()]
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


# ---- request bodies ---------------------------------------------------------------------------------------------

MAX_BODY_BYTES: Final = 256 * 1024
"""The largest request body accepted, in bytes after base64 decoding (413 above it). Real bodies are far smaller (a
payment link with the maximum 50 items is a few KiB); a 5,000-item list still gets its 422 naming the field, and
POST /mcp has the same limit (`agent_mcp.MAX_REQUEST_BODY_BYTES`). API Gateway itself allows 10 MB."""
MAX_JSON_DEPTH: Final = 32
"""Nesting levels of arrays and objects a body may have (the top-level object is 1; real bodies reach 4)."""
_JSON_CHARSETS: Final = frozenset({"utf-8", "utf8"})


def is_json_media_type(content_type: str | None) -> bool:
    """A Content-Type this service reads as JSON: absent or empty (many agent HTTP clients send none, and the body
    must still parse as a JSON object), `application/json` or an `application/*+json` type, compared without
    regard to case, with any parameters, and a charset (if any) of UTF-8 — JSON's only encoding (RFC 8259 §8.1)."""
    if content_type is None or not content_type.strip():
        return True
    media_type, *parameters = content_type.split(";")
    kind, _, subtype = media_type.strip().lower().partition("/")
    if kind != "application" or not (subtype == "json" or (subtype.endswith("+json") and len(subtype) > 5)):
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in _JSON_CHARSETS:
            return False
    return True


def read_json_body(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request body of an API Gateway event as a JSON object, None when there is none; RequestRefused (400,
    413, 415) or RequestValidationError (422) otherwise. Never raises anything else, whatever the event holds."""
    raw = event.get("body")
    if raw is None or raw == "":
        return None
    headers = event.get("headers")
    headers = headers if isinstance(headers, Mapping) else {}
    content_type = next((str(v) for k, v in headers.items() if str(k).lower() == "content-type"), None)
    if not is_json_media_type(content_type):
        raise RequestRefused(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The request body must be JSON: send Content-Type: application/json (UTF-8).",
        )
    text = _body_text(raw, base64_encoded=bool(event.get("isBase64Encoded")))
    text = text.removeprefix("\ufeff")  # a byte order mark may be ignored (RFC 8259 §8.1); we do
    if not text:
        return None
    return _json_object(text)


def read_body_bytes(event: Mapping[str, Any]) -> bytes:
    """The request body's exact bytes (a signature covers them), with read_json_body's limits: 413 over the size,
    400 for broken base64 or text that is not UTF-8 (what a JSON body must be)."""
    raw = event.get("body")
    if raw is None or raw == "":
        return b""
    return _body_text(raw, base64_encoded=bool(event.get("isBase64Encoded"))).encode("utf-8")


def _too_large() -> RequestRefused:
    return RequestRefused(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "body_too_large",
        f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.",
    )


def _malformed(what: str) -> RequestRefused:
    return RequestRefused(HTTPStatus.BAD_REQUEST, "malformed_body", f"The request body is not {what}.")


def _body_text(raw: Any, *, base64_encoded: bool) -> str:
    if not isinstance(raw, str):
        raise _malformed("text")
    if base64_encoded:
        if len(raw) > (MAX_BODY_BYTES // 3 + 1) * 4:  # its decoded size is over the limit: do not decode it
            raise _too_large()
        try:
            data = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise _malformed("valid base64 (isBase64Encoded)") from None
    else:
        if len(raw) > MAX_BODY_BYTES:  # every character is at least one byte
            raise _too_large()
        try:
            data = raw.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: no UTF-8 text has them
            raise _malformed("UTF-8 text") from None
    if len(data) > MAX_BODY_BYTES:
        raise _too_large()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed("UTF-8 text") from None


class _RepeatedKey(ValueError):
    pass


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):  # which one wins differs between parsers: refuse rather than guess
        raise _RepeatedKey
    return found


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def _no_constant(text: str) -> Any:
    raise ValueError("NaN and Infinity are not JSON")


def _body_invalid(error_type: str, rule: str) -> RequestValidationError:
    return RequestValidationError([{"type": error_type, "loc": ("body",), "msg": rule}])


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(
            text, object_pairs_hook=_object_without_repeats, parse_float=_finite, parse_constant=_no_constant
        )
    except RecursionError:  # the parser's own stack limit (about 1,000 levels): far deeper than allowed
        raise _body_invalid("json_too_deep", f"must not nest deeper than {MAX_JSON_DEPTH} levels") from None
    except _RepeatedKey:
        raise _body_invalid("json_repeated_key", "an object must not repeat a key") from None
    except ValueError:  # JSONDecodeError, NaN/Infinity, an integer of more than 4,300 digits
        raise _body_invalid("json_invalid", "must be valid JSON") from None
    if _nests_deeper_than(value, MAX_JSON_DEPTH):
        raise _body_invalid("json_too_deep", f"must not nest deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(value, dict):
        # Powertools would validate an array element by element or take its first item: one object, or nothing.
        raise _body_invalid("json_object_required", "must be a JSON object")
    return value


def _nests_deeper_than(value: Any, limit: int) -> bool:
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Collection[Any] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


class _RequestGuard(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation (the first middleware of every route), behind the caller's authorization,
    and reading the body with `read_json_body` instead of Powertools' own parser — which turns bad UTF-8 and deep
    nesting into 500s, parses form and multipart bodies into fields, and refuses `Application/JSON` as an
    unsupported type."""

    def __init__(self, roles: Collection[str] | None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._roles = frozenset(roles) if roles is not None else None

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        if self._roles is not None:
            require_caller(cast(APIGatewayHttpResolver, app), self._roles)  # only _GuardedResolver installs it
        return super().handler(app, next_middleware)

    def _get_body(self, app: EventHandlerInstance) -> Any:
        return read_json_body(app.current_event.raw_event)


class _GuardedResolver(APIGatewayHttpResolver):
    def __init__(self, roles: Collection[str] | None) -> None:
        # debug=False whatever POWERTOOLS_DEV says: debug mode prints every event, bodies and keys included.
        super().__init__(enable_validation=True, debug=False)
        if not isinstance(getattr(self, "_request_validation_middleware", None), OpenAPIRequestValidationMiddleware):
            raise RuntimeError("Powertools no longer keeps its request validation where the request guard expects it")
        # Powertools puts this middleware first on every route, before the app's own middlewares (app.use), so this
        # is the one place that runs before any request validation.
        self._request_validation_middleware = _RequestGuard(roles)


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


def require_admin(app: APIGatewayHttpResolver, *, flags: StoreProvider) -> Caller:
    """Admin routes: role admin/spv, an eligible plan, the flag on for the tenant."""
    caller = require_caller(app, roles=ADMIN_ROLES)
    require_enabled(caller, flags)
    return caller


def agent_tags(action: ActionTypeSpec) -> list[str]:
    """OpenAPI tags of an agent route: the audience, then the action type's label."""
    return ["agent", action.label()]


def agent_request(
    app: APIGatewayHttpResolver, given: BaseModel, request_model: type[Resolved], **path: str
) -> tuple[Caller, Resolved]:
    """REST agent routes: the caller (authorization first), then the request with the platform's context."""
    caller = require_caller(app, AGENT_ROLES)
    return caller, resolve_request(given, platform_context(app.current_event.headers), request_model, **path)


LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def public_api_url(app: APIGatewayHttpResolver) -> str:
    """Where this API is reached from outside: PUBLIC_API_URL (a custom domain; the local stack's address), else
    the domain API Gateway received this request on."""
    configured = get_settings().public_api_url
    if configured:
        return configured.rstrip("/")
    domain = app.current_event.request_context.domain_name
    return f"https://{domain}" if domain else ""


def http_lambda_handler(get_app: Callable[[], APIGatewayHttpResolver]) -> LambdaHandler:
    """Every HTTP function's entry point: the request's arrival recorded for the answer's deadline, then the
    function's resolver, inside the Powertools logger (correlation id, cold start), metrics flush and tracer."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics
    @tracer.capture_lambda_handler(capture_response=False)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        start_invocation(event)  # the answer's clock starts when API Gateway got the request
        return get_app().resolve(event, context)

    return lambda_handler
