"""CheckPaymentStatusFunction: POST /v1/payments/status (role ai_agent). PRD S02."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from midtrans_native import agent_operations
from midtrans_native.api import (
    AGENT_ROLES,
    agent_request,
    agent_tags,
    build_resolver,
    http_lambda_handler,
    route_responses,
)
from midtrans_native.models.api import PaymentStatusBody, PaymentStatusRequest, PaymentStatusResponse
from midtrans_native.registry import CHECK_PAYMENT_STATUS

(STATUS,) = CHECK_PAYMENT_STATUS.tools


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=AGENT_ROLES)

    @app.post(
        STATUS.route.resolver_path,
        summary="Check a Midtrans payment's status",
        description="Outcomes: ok, needs_order_id (no Midtrans call), not_found, failed (with failure_reason).",
        tags=agent_tags(CHECK_PAYMENT_STATUS),
        responses=route_responses(PaymentStatusResponse, 401, 403, 409, 422),
    )
    def post_payment_status(body: PaymentStatusBody) -> PaymentStatusResponse:
        caller, request = agent_request(app, body, PaymentStatusRequest)
        return agent_operations.check_payment_status(request, caller, app.lambda_context)

    return app


lambda_handler = http_lambda_handler(get_app)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
