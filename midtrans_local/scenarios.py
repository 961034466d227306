"""Confirmations the decision fixtures (events/*.decide_*.json) decide, seeded at stack start.

Each decision fixture carries a fixed confirmation id; the stack seeds that confirmation, pending, for the demo
tenant, the fixture's conversation and a scenario order of the simulator's (one per fixture, so one fixture's
decision never changes another's outcome), expiring a day after the stack started. So
`make invoke FUNCTION=RequestRefundFunction EVENT=events/request_refund.decide_confirm.json` refunds, with no
request step before it. Seeded only with the stack's own simulator: another Midtrans has no scenario orders.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from midtrans_local.aws import client_options
from midtrans_local.template import LOCAL_REGION

SCENARIO_CONFIRMATION_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ScenarioConfirmation:
    confirmation_id: str
    action: str  # "cancel" or "refund", as the layer's ConfirmationStore writes it
    conversation_id: str
    order_id: str
    amount: int | None = None  # refunds: the amount the customer is asked to confirm
    locale: str = "en"


SCENARIO_CONFIRMATIONS: tuple[ScenarioConfirmation, ...] = (
    # events/cancel_transaction.decide_confirm.json, decide_decline.json
    ScenarioConfirmation(
        "3f2b8c1e-5d4a-4e8b-9a7c-2b1d0e9f8a01", "cancel", "conv-2001", "ORDER-SCENARIO-CANCEL-CONFIRM"
    ),
    ScenarioConfirmation(
        "3f2b8c1e-5d4a-4e8b-9a7c-2b1d0e9f8a02", "cancel", "conv-2001", "ORDER-SCENARIO-CANCEL-DECLINE"
    ),
    # events/request_refund.decide_confirm.json, decide_decline.json
    ScenarioConfirmation(
        "7c9e6679-7425-40de-944b-e07fc1f90ae7", "refund", "conv-3001", "ORDER-SCENARIO-REFUND-CONFIRM", 150000
    ),
    ScenarioConfirmation(
        "7c9e6679-7425-40de-944b-e07fc1f90ae8", "refund", "conv-3001", "ORDER-SCENARIO-REFUND-DECLINE", 150000
    ),
)


def seed_confirmations(
    table_name: str, cid: str, *, endpoint_url: str | None = None, now: float | None = None
) -> list[str]:
    """Put every scenario confirmation, pending, in the confirmations table (in-process moto, or the moto server at
    `endpoint_url`); returns their ids. Read back through the layer's ConfirmationStore, so a record the layer
    could not parse fails the start here rather than the fixture later."""
    import boto3

    from midtrans_native.stores.confirmations import RETENTION_SECONDS, ConfirmationStore

    dynamodb = boto3.client("dynamodb", **client_options(LOCAL_REGION, endpoint_url))
    expires_at = round((now if now is not None else time.time()) + SCENARIO_CONFIRMATION_TTL_SECONDS, 3)
    store = ConfirmationStore(dynamodb, table_name)
    seeded = []
    for scenario in SCENARIO_CONFIRMATIONS:
        dynamodb.put_item(TableName=table_name, Item=_item(scenario, cid, expires_at, RETENTION_SECONDS))
        confirmation = store.get(scenario.confirmation_id)
        if confirmation is None or confirmation.state != "pending" or confirmation.order_id != scenario.order_id:
            raise RuntimeError(f"scenario confirmation {scenario.confirmation_id} did not read back as seeded")
        seeded.append(scenario.confirmation_id)
    return seeded


def _item(scenario: ScenarioConfirmation, cid: str, expires_at: float, retention: int) -> Mapping[str, Any]:
    # The record ConfirmationStore.create writes, with the fixture's id in place of a random one.
    item: dict[str, Any] = {
        "confirmation_id": {"S": scenario.confirmation_id},
        "cid": {"S": cid},
        "conversation_id": {"S": scenario.conversation_id},
        "action": {"S": scenario.action},
        "order_id": {"S": scenario.order_id},
        "locale": {"S": scenario.locale},
        "state": {"S": "pending"},
        "expires_at": {"N": str(expires_at)},
        "attempts": {"N": "0"},
        "ttl": {"N": str(int(expires_at) + retention)},
    }
    if scenario.amount is not None:
        item["amount"] = {"N": str(scenario.amount)}
    return item
