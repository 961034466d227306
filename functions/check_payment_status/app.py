"""CheckPaymentStatusFunction: POST /v1/payments/status (role ai_agent). PRD S02."""

from __future__ import annotations

from functools import cache, partial
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import deps
from midtrans_native.actions.check_payment_status import check_payment_status
from midtrans_native.api import build_resolver, require_agent, route_responses
from midtrans_native.models.api import PaymentStatusRequest, PaymentStatusResponse
from midtrans_native.observability import logger, metrics, tracer


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles={"ai_agent"})

    @app.post(
        "/v1/payments/status",
        summary="Check a Midtrans payment's status",
        description="Outcomes: ok, needs_order_id (no Midtrans call), not_found, failed (with failure_reason).",
        tags=["agent"],
        responses=route_responses(PaymentStatusResponse, 401, 403, 409, 422),
    )
    def post_payment_status(request: PaymentStatusRequest) -> PaymentStatusResponse:
        caller, _ = require_agent(app, "check_payment_status", request.locale or "en", **deps.agent_gates())
        deadline = deps.deadline(app.lambda_context)
        return check_payment_status(
            request,
            caller,
            connections=deps.connection_store(),
            core_api=partial(deps.core_api, deadline=deadline),
        )

    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return get_app().resolve(event, context)
