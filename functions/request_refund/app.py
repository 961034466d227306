"""RequestRefundFunction: POST /v1/refunds and POST /v1/refunds/{confirmation_id}/decision (role ai_agent).
PRD S05: eligibility pre-check, customer confirmation, then exactly one refund per confirmation."""

from __future__ import annotations

from functools import cache, partial
from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import deps
from midtrans_native.actions.request_refund import decide_refund, request_refund
from midtrans_native.api import build_resolver, require_agent, route_responses
from midtrans_native.models.api import RefundDecisionRequest, RefundDecisionResponse, RefundRequest, RefundResponse
from midtrans_native.observability import logger, metrics, tracer
from midtrans_native.settings import get_settings


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles={"ai_agent"})

    @app.post(
        "/v1/refunds",
        summary="Check whether a payment can be refunded (full or partial), and ask the customer to confirm",
        description="Outcomes: confirmation_required (confirmation_id, amount, expires_at), not_eligible "
        "(with not_eligible_reason), needs_order_id, not_found, failed, already_requested (same conversation "
        "and order within the dedupe window). The refund endpoint is never called here.",
        tags=["agent"],
        responses=route_responses(RefundResponse, 401, 403, 409, 422),
    )
    def post_refund(request: RefundRequest) -> RefundResponse:
        caller, _ = require_agent(app, "request_refund", request.locale or "en", **deps.agent_gates())
        deadline = deps.deadline(app.lambda_context)
        return request_refund(
            request,
            caller,
            connections=deps.connection_store(),
            core_api=partial(deps.core_api, deadline=deadline),
            confirmations=deps.confirmation_store(),
            ttl_seconds=get_settings().confirmation_ttl_seconds,
        )

    @app.post(
        "/v1/refunds/<confirmation_id>/decision",
        summary="The customer's answer: confirm (exactly one refund) or decline (nothing sent)",
        description="A repeated decision returns the first result (replayed: true) and sends nothing; 409 with "
        "Retry-After while the first is running; 410 once expired; 422 when `amount` differs from the confirmed one.",
        tags=["agent"],
        responses=route_responses(RefundDecisionResponse, 401, 403, 404, 409, 410, 422),
    )
    def post_refund_decision(
        confirmation_id: Annotated[UUID, Path(description="From the confirmation_required answer")],
        request: RefundDecisionRequest,
    ) -> RefundDecisionResponse:
        caller, _ = require_agent(app, "request_refund", request.locale or "en", **deps.agent_gates())
        deadline = deps.deadline(app.lambda_context)
        # Powertools sets the in-progress lock's expiry from the time this invocation has left.
        deps.refund_idempotency_config().register_lambda_context(app.lambda_context)
        return decide_refund(
            str(confirmation_id),
            request,
            caller,
            connections=deps.connection_store(),
            core_api=partial(deps.core_api, deadline=deadline),
            confirmations=deps.confirmation_store(),
            send_refund=deps.refund_sender(),
        )

    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return get_app().resolve(event, context)
