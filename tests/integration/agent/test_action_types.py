"""GET /v1/action-types: the admin's selector (PRD S01 AC-1, NEG-3)."""

from __future__ import annotations

import pytest

from midtrans_local.simulator import MidtransSimulator
from midtrans_native import deps
from tests.conftest import load_event
from tests.integration.conftest import invoke


def test_the_four_types_with_both_labels_and_whether_each_is_configured(sim: MidtransSimulator) -> None:
    store = deps.action_store()
    link = store.of_type("tenant-demo", "create_payment_link")
    assert link is not None
    store.delete("tenant-demo", link)
    status, body = invoke("actions", load_event("actions.list_action_types"))
    assert status == 200, body
    types = {entry["action_type"]: entry for entry in body["action_types"]}
    assert list(types) == ["check_payment_status", "create_payment_link", "cancel_transaction", "request_refund"]
    assert types["check_payment_status"]["labels"] == {"en": "Check Payment Status", "id": "Cek Status Pembayaran"}
    assert types["check_payment_status"]["label"] == "Cek Status Pembayaran"  # Accept-Language: id
    assert types["create_payment_link"]["configured"] is False
    assert types["create_payment_link"]["action_id"] is None
    assert all(types[name]["configured"] for name in ("check_payment_status", "cancel_transaction", "request_refund"))
    assert types["request_refund"]["moves_money"] is True and types["check_payment_status"]["moves_money"] is False


@pytest.mark.parametrize("role", ["agent", "ai_agent"])
def test_roles_that_may_not_configure_get_403(sim: MidtransSimulator, role: str) -> None:
    status, body = invoke("actions", load_event("actions.list_action_types", claims={"role": role}))
    assert status == 403, body
    assert body["error"] == "forbidden"


def test_plans_that_may_not_configure_get_403(sim: MidtransSimulator) -> None:
    status, body = invoke("actions", load_event("actions.list_action_types", claims={"plan": "starter"}))
    assert status == 403, body
    assert body["error"] == "plan_not_eligible"
