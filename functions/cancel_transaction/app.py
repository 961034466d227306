"""CancelTransactionFunction: POST /v1/cancellations and POST /v1/cancellations/{confirmation_id}/decision
(role ai_agent). PRD S04: eligibility pre-check, customer confirmation, then exactly one cancel."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from midtrans_native import confirmation_operations
from midtrans_native.api import (
    AGENT_ROLES,
    ConfirmationIdPath,
    agent_request,
    agent_tags,
    build_resolver,
    http_lambda_handler,
    route_responses,
)
from midtrans_native.models.confirmations import (
    CancellationBody,
    CancellationDecisionResponse,
    CancellationRequest,
    CancellationResponse,
    DecisionBody,
    DecisionRequest,
)
from midtrans_native.registry import CANCEL_TRANSACTION

ASK, DECIDE = CANCEL_TRANSACTION.tools


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=AGENT_ROLES)

    @app.post(
        ASK.route.resolver_path,
        summary="Check whether an order can be cancelled, and ask the customer to confirm",
        description="Outcomes: confirmation_required (with confirmation_id and expires_at; an open prompt for the "
        "same conversation and order is returned again), already_requested (cancelled in this conversation "
        "moments ago), not_eligible, needs_order_id (no Midtrans call), not_found, failed. The cancel endpoint is "
        "never called here.",
        tags=agent_tags(CANCEL_TRANSACTION),
        responses=route_responses(CancellationResponse, 401, 403, 409, 422),
    )
    def post_cancellation(body: CancellationBody) -> CancellationResponse:
        caller, request = agent_request(app, body, CancellationRequest)
        return confirmation_operations.request_cancellation(request, caller, app.lambda_context)

    @app.post(
        DECIDE.route.resolver_path,
        summary="The customer's answer: confirm (cancel exactly once) or decline (nothing sent)",
        description="A repeated decision returns the first decision's result (replayed: true) and sends nothing. "
        "409 with Retry-After while the first is still running, 409 awaiting_customer_reply when the confirm "
        "carries the prompt's own X-Customer-Message-Id, 409 confirmation_superseded when a newer prompt replaced "
        "it; 410 once the confirmation expired.",
        tags=agent_tags(CANCEL_TRANSACTION),
        responses=route_responses(CancellationDecisionResponse, 401, 403, 404, 409, 410, 422),
    )
    def post_cancellation_decision(
        confirmation_id: ConfirmationIdPath, body: DecisionBody
    ) -> CancellationDecisionResponse:
        caller, request = agent_request(app, body, DecisionRequest, confirmation_id=confirmation_id)
        return confirmation_operations.decide_cancellation(request, caller, app.lambda_context)

    return app


lambda_handler = http_lambda_handler(get_app)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
