"""CreatePaymentLinkFunction: POST /v1/payment-links (role ai_agent). PRD S03.

There is deliberately no delete route: the agent cannot revoke a link (PRD)."""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from midtrans_native import link_operations
from midtrans_native.api import (
    AGENT_ROLES,
    agent_request,
    agent_tags,
    build_resolver,
    http_lambda_handler,
    route_responses,
)
from midtrans_native.models.payment_links import (
    CreatePaymentLinkRequest,
    CreatePaymentLinkResponse,
    PaymentLinkBody,
)
from midtrans_native.registry import CREATE_PAYMENT_LINK

(CREATE,) = CREATE_PAYMENT_LINK.tools


def _responses() -> dict[int, Any]:
    documented = route_responses(CreatePaymentLinkResponse, 401, 403, 409, 422)
    # The shared 409 text names the other routes' conflicts; this route has one more.
    documented[409]["description"] = (
        "The tenant has no Midtrans connection (not_connected), or the order_id already has a payment link "
        "from another conversation or with other details (order_id_taken)"
    )
    return documented


@cache
def get_app() -> APIGatewayHttpResolver:
    app = build_resolver(roles=AGENT_ROLES)

    @app.post(
        CREATE.route.resolver_path,
        summary="Create a Midtrans payment link and the message that sends it",
        description="Outcomes: ok (payment_url and a `delivery` to send unchanged: a WhatsApp cta_url message for "
        "channel_type whatsapp, a text with the link otherwise), failed (with failure_reason). The same request "
        "again returns the same link (replayed: true). Validation errors are 422 and never reach Midtrans.",
        tags=agent_tags(CREATE_PAYMENT_LINK),
        responses=_responses(),
    )
    def post_payment_link(body: PaymentLinkBody) -> CreatePaymentLinkResponse:
        caller, request = agent_request(app, body, CreatePaymentLinkRequest)
        return link_operations.create_payment_link(request, caller, app.lambda_context)

    return app


lambda_handler = http_lambda_handler(get_app)


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
