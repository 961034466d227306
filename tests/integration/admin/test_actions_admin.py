"""Admin configuration of actions through the handler (PRD S01, NEG-1..3)."""

from __future__ import annotations

import uuid

import pytest
import responses

from tests.conftest import load_event
from tests.integration.conftest import invoke


def create(body: dict, claims: dict | None = None):
    return invoke("actions", load_event("actions.create_check_status_taken", body=body, claims=claims))


def link_action(name: str = "Kirim link pembayaran") -> dict:
    return {"action_type": "create_payment_link", "action_name": name, "trigger_description": "Customer wants to pay"}


def test_create_list_get_update_delete(connected: str, aws) -> None:
    status, created = invoke("actions", load_event("actions.create_payment_link_taken"))
    # connected already configured all four types for tenant-demo: a second link action is refused
    assert (status, created["error"]) == (409, "action_type_taken")
    listed = invoke("actions", load_event("actions.list"))[1]["actions"]
    assert {a["action_type_label"] for a in listed} == {
        "Check Payment Status",
        "Create Payment Link",
        "Cancel Transaction",
        "Request Refund",
    }
    refund = next(a for a in listed if a["action_type"] == "request_refund")
    path = {"action_id": refund["action_id"]}
    assert invoke("actions", load_event("actions.get_unknown", path=path))[1]["action_name"] == refund["action_name"]
    status, updated = invoke("actions", load_event("actions.update_unknown", path=path))
    assert (status, updated["action_name"]) == (200, "Refund (renamed)")
    status, deleted = invoke("actions", load_event("actions.delete_unknown", path=path))
    assert (status, deleted) == (200, {"action_id": refund["action_id"], "deleted": True})
    assert invoke("actions", load_event("actions.get_unknown", path=path))[0] == 404


def test_a_fresh_tenant_creates_an_action_with_defaults(aws, midtrans: responses.RequestsMock) -> None:
    from tests.integration.conftest import NOT_FOUND_BODY, PROBE

    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    claims = {"cid": "tenant-fresh"}
    assert invoke("connection", load_event("connection.put_sandbox", claims=claims))[0] == 200
    status, created = invoke("actions", load_event("actions.create_payment_link_taken", claims=claims))
    assert status == 201 and created["action_type_label"] == "Create Payment Link"
    assert created["defaults"] == {
        "usage_limit": 1,
        "expiry": {"duration": 24, "unit": "hour"},
        "enabled_payments": ["gopay", "bca_va"],
        "order_id_prefix": "QNTK-",
    }
    uuid.UUID(created["action_id"])


def test_saving_without_a_connection_is_refused_with_the_prd_copy(aws) -> None:
    status, body = invoke("actions", load_event("actions.create_check_status_taken"))
    assert (status, body["error"]) == (409, "connection_required")
    assert body["message"] == "Midtrans connection required before saving."


def test_later_phase_types_are_refused_clearly(connected: str) -> None:
    status, body = invoke("actions", load_event("actions.create_later_phase"))
    assert status == 422 and "planned for a later phase" in body["message"] and "create_invoice" in body["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action_type": "request_refund"}, "action_name"),
        ({"action_type": "request_refund", "action_name": "x"}, "trigger_description"),
        ({"action_type": "refund_everything", "action_name": "x", "trigger_description": "y"}, "action_type"),
        ({"action_type": "request_refund", "action_name": "x" * 101, "trigger_description": "y"}, "action_name"),
        ({"action_type": "request_refund", "action_name": "   ", "trigger_description": "y"}, "action_name"),
        ({"action_type": "request_refund", "action_name": "a\u0000b", "trigger_description": "y"}, "action_name"),
        ({"action_type": "request_refund", "action_name": "a\u200bb", "trigger_description": "y"}, "action_name"),
        (
            {"action_type": "request_refund", "action_name": "x", "trigger_description": "y" * 1001},
            "trigger_description",
        ),
        ({"action_type": "request_refund", "action_name": "x", "trigger_description": "y", "defaults": {}}, "defaults"),
        ({**link_action(), "defaults": {"expiry": {"duration": 2, "unit": "weeks"}}}, "unit"),
        ({**link_action(), "defaults": {"enabled_payments": ["bitcoin"]}}, "enabled_payments"),
        ({**link_action(), "cid": "tenant-victim"}, "cid"),
    ],
)
def test_invalid_actions_get_422_naming_the_field(aws, body: dict, field: str) -> None:
    status, answer = create(body)
    assert status == 422 and field in answer["message"], answer


def test_names_are_unique_per_tenant_whatever_the_case_or_spacing(aws, midtrans: responses.RequestsMock) -> None:
    from tests.integration.conftest import NOT_FOUND_BODY, PROBE

    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    for cid in ("tenant-u1", "tenant-u2"):
        assert invoke("connection", load_event("connection.put_sandbox", claims={"cid": cid}))[0] == 200
    first = create(
        {"action_type": "check_payment_status", "action_name": "Cek Status 💳", "trigger_description": "status"},
        {"cid": "tenant-u1"},
    )
    assert first[0] == 201 and first[1]["action_name"] == "Cek Status 💳"
    clash = create(
        {"action_type": "request_refund", "action_name": "  cek   STATUS 💳 ", "trigger_description": "refund"},
        {"cid": "tenant-u1"},
    )
    assert (clash[0], clash[1]["error"]) == (409, "action_name_taken")
    other_tenant = create(
        {"action_type": "check_payment_status", "action_name": "Cek Status 💳", "trigger_description": "status"},
        {"cid": "tenant-u2"},
    )
    assert other_tenant[0] == 201


def test_another_tenants_action_id_is_404_never_403(connected: str) -> None:
    listed = invoke("actions", load_event("actions.list"))[1]["actions"]
    path = {"action_id": listed[0]["action_id"]}
    for name in ("actions.get_unknown", "actions.update_unknown", "actions.delete_unknown"):
        status, body = invoke("actions", load_event(name, path=path, claims={"cid": "tenant-elsewhere"}))
        assert (status, body["error"]) == (404, "action_not_found"), name
    assert len(invoke("actions", load_event("actions.list"))[1]["actions"]) == 4


def test_disconnect_keeps_actions_and_reconnect_restores_them(connected: str, midtrans: responses.RequestsMock) -> None:
    from tests.integration.conftest import NOT_FOUND_BODY, PROBE

    assert invoke("connection", load_event("connection.delete", claims={"role": "admin"}))[0] == 200
    assert len(invoke("actions", load_event("actions.list"))[1]["actions"]) == 4
    status, body = invoke("check_payment_status", load_event("check_payment_status.settlement"))
    assert (status, body["error"]) == (409, "not_connected")
    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    assert invoke("connection", load_event("connection.put_sandbox"))[0] == 200
    status, body = invoke("check_payment_status", load_event("check_payment_status.needs_order_id"))
    assert (status, body["outcome"]) == (200, "needs_order_id")


def test_an_unconfigured_action_type_is_refused_before_midtrans(connected: str, midtrans) -> None:
    listed = invoke("actions", load_event("actions.list"))[1]["actions"]
    status_action = next(a for a in listed if a["action_type"] == "check_payment_status")
    invoke("actions", load_event("actions.delete_unknown", path={"action_id": status_action["action_id"]}))
    status, body = invoke("check_payment_status", load_event("check_payment_status.settlement"))
    assert (status, body["error"]) == (409, "action_not_configured")
    assert "Check Payment Status" in body["message"] and len(midtrans.calls) == 0
