"""MidtransNotificationsFunction: POST /v1/notifications/midtrans/{token} (no JWT: Midtrans cannot send one), and
the BI-SNAP notification paths under it. Each request proves itself: the token names a connected tenant, then
Midtrans' signature is checked with that tenant's keys, then the status is re-read from Midtrans
(docs/decisions.md D31). Answers: 200 taken (Midtrans stops), 4xx refused (nothing recorded), 503 retry."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path

from midtrans_native import deps
from midtrans_native.actions import notifications
from midtrans_native.api import build_resolver, http_lambda_handler, read_body_bytes, read_json_body, route_responses
from midtrans_native.deadline import Deadline
from midtrans_native.errors import RequestRefused
from midtrans_native.models.notifications import BiSnapNotificationAnswer, NotificationAnswer
from midtrans_native.observability import count_notification
from midtrans_native.settings import get_settings

NOTIFICATION_PATH = "/v1/notifications/midtrans/<token>"
Token = Annotated[str, Path(description="The secret part of the tenant's notification URL (GET /v1/connection)")]
REFUSALS = {
    400: "Not a notification: order_id (or originalPartnerReferenceNo) missing, or the body is not UTF-8 text",
    401: "The signature does not match (bad_signature): nothing recorded",
    404: "No connected tenant has this notification URL (unknown_notification_url): revoked or never issued",
    503: "The tenant lookup, Midtrans' status API, the receipts or the event bus failed (retry_later): Midtrans "
    "retries, nothing is lost",
}
ANSWERS = route_responses(NotificationAnswer, *REFUSALS, descriptions=REFUSALS)
# BI-SNAP's routes answer every outcome in BI-SNAP's envelope (responseCode = HTTP status + service code + case).
BISNAP_ANSWERS: dict[int, Any] = {
    code: {"description": description, "content": {"application/json": {"model": BiSnapNotificationAnswer}}}
    for code, description in {
        200: "Taken (responseCode 2005600 / 2005200)",
        **REFUSALS,
        413: "The request body is larger than 256 KiB",
    }.items()
}


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=None)

    def collaborators() -> notifications.Collaborators:
        budget = get_settings().notification_deadline_seconds
        return deps.notification_collaborators(Deadline.for_invocation(app.lambda_context, budget))

    @app.post(
        NOTIFICATION_PATH,
        summary="Midtrans HTTP notification (Payment Notification URL)",
        description="Midtrans' JSON notification, as Midtrans sends it. Checked in order: the token names a "
        "connected tenant (404), the body is a JSON object with order_id (400), signature_key = SHA-512(order_id + "
        "status_code + gross_amount + server key) (401); then the status is re-read from Midtrans and each piece "
        "of news about an order is processed once: an event on the platform's bus (docs/agent-integration.md). "
        "503: try again.",
        tags=["notifications"],
        responses=ANSWERS,
    )
    def post_midtrans_notification(token: Token) -> NotificationAnswer:
        credentials = notifications.tenant_for(token, deps.connection_store())  # 404 before reading the body
        try:
            body = read_json_body(app.current_event.raw_event)
        except (RequestRefused, RequestValidationError):
            count_notification("invalid")
            raise
        if body is None:
            count_notification("invalid")
            raise RequestRefused(400, "invalid_notification", "body: required, Midtrans' notification object.")
        processed = notifications.receive_notification(credentials, body, collaborators())
        return NotificationAnswer(outcome=processed.outcome, event_type=processed.event_type)

    for service_path in notifications.BISNAP_SERVICES:
        _bisnap_route(app, service_path, collaborators)

    @app.not_found
    def _no_such_token(_: Exception) -> Response[Any]:
        """API Gateway routed it here, but the token has characters no token has, so no route above matched: the
        same 404 as any unknown token (in BI-SNAP's envelope on its paths), never read further."""
        count_notification("unknown_tenant")
        service_path = next((p for p in notifications.BISNAP_SERVICES if app.current_event.path.endswith(p)), None)
        if service_path is not None:
            body: Any = notifications.bisnap_answer(service_path, 404)
        else:
            body = {"error": "unknown_notification_url", "message": notifications.UNKNOWN_URL}
        return Response(status_code=404, content_type="application/json", body=body)

    return app


def _bisnap_route(app: APIGatewayHttpResolver, service_path: str, collaborators: Any) -> None:
    @app.post(
        NOTIFICATION_PATH + service_path,
        summary=f"Midtrans BI-SNAP notification ({service_path})",
        description="Signed by Midtrans' private key: X-SIGNATURE = SHA256withRSA over \"POST:\" + this request's "
        'path + ":" + hex SHA-256 of the body bytes + ":" + X-TIMESTAMP, checked with the Midtrans public key '
        "given with the tenant's BI-SNAP credentials. Answered with the BI-SNAP envelope (responseCode).",
        tags=["notifications"],
        responses=BISNAP_ANSWERS,
    )
    def post_bisnap_notification(token: Token) -> Response[Any]:
        event = app.current_event
        try:
            credentials = notifications.tenant_for(token, deps.connection_store())
            try:
                raw_body = read_body_bytes(event.raw_event)
            except RequestRefused:
                count_notification("invalid")
                raise
            headers = {name.lower(): value for name, value in (event.headers or {}).items()}
            notifications.receive_bisnap_notification(credentials, event.path, raw_body, headers, collaborators())
            status = 200
        except RequestRefused as refused:
            status = refused.http_status if 400 <= refused.http_status < 500 else 503
        return Response(
            status_code=status,
            content_type="application/json",
            body=notifications.bisnap_answer(service_path, status),
        )


lambda_handler = http_lambda_handler(get_app)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
