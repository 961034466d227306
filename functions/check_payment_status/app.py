"""CheckPaymentStatusFunction: POST /v1/payments/status (role ai_agent). PRD S02."""

from __future__ import annotations

import gc
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import agent_operations
from midtrans_native.api import AGENT_ROLES, agent_request, agent_tags, build_resolver, route_responses
from midtrans_native.deadline import start_invocation
from midtrans_native.models.api import PaymentStatusBody, PaymentStatusRequest, PaymentStatusResponse
from midtrans_native.observability import logger, metrics, tracer
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


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    start_invocation(event)  # the answer's clock starts when API Gateway got the request
    return get_app().resolve(event, context)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so the
# first invocation does not pay a full collection over it (docs/decisions.md D30).
gc.freeze()
