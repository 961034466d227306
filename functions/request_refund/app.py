"""RequestRefundFunction: POST /v1/refunds and POST /v1/refunds/{confirmation_id}/decision (role ai_agent).
PRD S05: eligibility pre-check, customer confirmation, then exactly one refund per confirmation."""

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
    RefundBody,
    RefundDecisionBody,
    RefundDecisionRequest,
    RefundDecisionResponse,
    RefundRequest,
    RefundResponse,
)
from midtrans_native.registry import REQUEST_REFUND

ASK, DECIDE = REQUEST_REFUND.tools


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=AGENT_ROLES)

    @app.post(
        ASK.route.resolver_path,
        summary="Check whether a payment can be refunded (full or partial), and ask the customer to confirm",
        description="Outcomes: confirmation_required (confirmation_id, amount, expires_at), not_eligible "
        "(with not_eligible_reason), needs_order_id, not_found, failed, already_requested (same conversation "
        "and order within the dedupe window). The same amount returns the open prompt; another amount replaces "
        "it. The refund endpoint is never called here.",
        tags=agent_tags(REQUEST_REFUND),
        responses=route_responses(RefundResponse, 401, 403, 409, 422),
    )
    def post_refund(body: RefundBody) -> RefundResponse:
        caller, request = agent_request(app, body, RefundRequest)
        return confirmation_operations.request_refund(request, caller, app.lambda_context)

    @app.post(
        DECIDE.route.resolver_path,
        summary="The customer's answer: confirm (exactly one refund) or decline (nothing sent)",
        description="A repeated decision returns the first result (replayed: true) and sends nothing; 409 with "
        "Retry-After while the first is running; 409 awaiting_customer_reply when the confirm carries the "
        "prompt's own X-Customer-Message-Id; 409 confirmation_superseded when a prompt for another amount replaced "
        "it; 410 once expired; 422 when `amount` differs from the confirmed one.",
        tags=agent_tags(REQUEST_REFUND),
        responses=route_responses(RefundDecisionResponse, 401, 403, 404, 409, 410, 422),
    )
    def post_refund_decision(confirmation_id: ConfirmationIdPath, body: RefundDecisionBody) -> RefundDecisionResponse:
        caller, request = agent_request(app, body, RefundDecisionRequest, confirmation_id=confirmation_id)
        return confirmation_operations.decide_refund(request, caller, app.lambda_context)

    return app


lambda_handler = http_lambda_handler(get_app)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
