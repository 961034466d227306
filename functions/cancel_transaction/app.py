"""CancelTransactionFunction: POST /v1/cancellations and POST /v1/cancellations/{confirmation_id}/decision
(role ai_agent). PRD S04: eligibility pre-check, customer confirmation, then exactly one cancel."""

from __future__ import annotations

from functools import cache, partial
from typing import Annotated, Any
from uuid import UUID

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native import deps
from midtrans_native.actions.cancel_transaction import decide_cancellation, request_cancellation
from midtrans_native.api import build_resolver, require_agent, route_responses
from midtrans_native.models.api import (
    CancellationDecisionResponse,
    CancellationRequest,
    CancellationResponse,
    DecisionRequest,
)
from midtrans_native.observability import logger, metrics, tracer
from midtrans_native.settings import get_settings


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles={"ai_agent"})

    @app.post(
        "/v1/cancellations",
        summary="Check whether an order can be cancelled, and ask the customer to confirm",
        description="Outcomes: confirmation_required (with confirmation_id and expires_at), not_eligible, "
        "needs_order_id (no Midtrans call), not_found, failed. The cancel endpoint is never called here.",
        tags=["agent"],
        responses=route_responses(CancellationResponse, 401, 403, 409, 422),
    )
    def post_cancellation(request: CancellationRequest) -> CancellationResponse:
        caller, _ = require_agent(app, "cancel_transaction", request.locale or "en", **deps.agent_gates())
        deadline = deps.deadline(app.lambda_context)
        return request_cancellation(
            request,
            caller,
            connections=deps.connection_store(),
            core_api=partial(deps.core_api, deadline=deadline),
            confirmations=deps.confirmation_store(),
            ttl_seconds=get_settings().confirmation_ttl_seconds,
        )

    @app.post(
        "/v1/cancellations/<confirmation_id>/decision",
        summary="The customer's answer: confirm (cancel exactly once) or decline (nothing sent)",
        description="A repeated decision returns the first decision's result (replayed: true) and sends nothing. "
        "409 with Retry-After while the first is still running; 410 once the confirmation expired.",
        tags=["agent"],
        responses=route_responses(CancellationDecisionResponse, 401, 403, 404, 409, 410, 422),
    )
    def post_cancellation_decision(
        confirmation_id: Annotated[UUID, Path(description="From the confirmation_required answer")],
        request: DecisionRequest,
    ) -> CancellationDecisionResponse:
        caller, _ = require_agent(app, "cancel_transaction", request.locale or "en", **deps.agent_gates())
        deadline = deps.deadline(app.lambda_context)
        return decide_cancellation(
            str(confirmation_id),
            request,
            caller,
            connections=deps.connection_store(),
            core_api=partial(deps.core_api, deadline=deadline),
            confirmations=deps.confirmation_store(),
        )

    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return get_app().resolve(event, context)
