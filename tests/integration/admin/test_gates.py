"""Who may call what: every role by route, every plan, and the feature flag (on, off, per tenant, unreadable)."""

from __future__ import annotations

import json

import pytest
import responses

from tests.conftest import events_named, load_event
from tests.integration.conftest import invoke

# One event per route: (function folder, event file).
AGENT_ROUTES = [
    ("check_payment_status", "check_payment_status.settlement"),
    ("cancel_transaction", "cancel_transaction.request_pending"),
    ("cancel_transaction", "cancel_transaction.decide_confirm"),
    ("request_refund", "request_refund.request_full"),
    ("request_refund", "request_refund.decide_confirm"),
]
ADMIN_ROUTES = [
    ("connection", "connection.get"),
    ("connection", "connection.put_environment_mismatch"),  # refused before any Midtrans call when allowed
    ("connection", "connection.delete"),
    ("actions", "actions.list"),
    ("actions", "actions.create_later_phase"),
    ("actions", "actions.get_unknown"),
    ("actions", "actions.update_unknown"),
    ("actions", "actions.delete_unknown"),
]
ROLES = ["admin", "spv", "agent", "ai_agent"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("function", "event"), AGENT_ROUTES + ADMIN_ROUTES)
def test_role_by_route(connected: str, midtrans: responses.RequestsMock, function: str, event: str, role: str) -> None:
    allowed = {"admin", "spv"} if (function, event) in ADMIN_ROUTES else {"ai_agent"}
    status, body = invoke(function, load_event(event, claims={"role": role}))
    if role in allowed:
        assert not (status == 403 and body.get("error") == "forbidden"), (status, body)
    else:
        assert (status, body["error"]) == (403, "forbidden")
        assert len(midtrans.calls) == 0


@pytest.mark.parametrize(
    ("plan", "eligible"),
    [
        ("sales_suite_plus", True),
        ("ultimate", True),
        ("qontak_360", True),
        ("starter", False),
        ("free", False),
        ("", False),
    ],
)
def test_plans(connected: str, midtrans: responses.RequestsMock, plan: str, eligible: bool) -> None:
    for function, event in [
        ("check_payment_status", "check_payment_status.needs_order_id"),
        ("connection", "connection.get"),
    ]:
        status, body = invoke(function, load_event(event, claims={"plan": plan}))
        if eligible:
            assert status == 200, body
        else:
            assert (status, body["error"]) == (403, "plan_not_eligible")
    assert len(midtrans.calls) == 0


def flag_file(tmp_path, flag: dict) -> str:
    path = tmp_path / "flags.json"
    path.write_text(json.dumps({"midtrans_native_integration": flag}))
    return str(path)


def use_flags(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    from midtrans_native import deps

    monkeypatch.setenv("FEATURE_FLAGS_FILE", path)
    deps.flag_store.cache_clear()
    deps.get_settings.cache_clear()


def test_flag_off_refuses_agent_and_admin_routes(connected, midtrans, monkeypatch, tmp_path) -> None:
    use_flags(monkeypatch, flag_file(tmp_path, {"default": False}))
    for function, event in [
        ("check_payment_status", "check_payment_status.settlement"),
        ("connection", "connection.get"),
        ("actions", "actions.list"),
    ]:
        status, body = invoke(function, load_event(event))
        assert (status, body["error"]) == (403, "feature_disabled"), event
    assert len(midtrans.calls) == 0


def test_flag_on_for_one_tenant_only(connected, monkeypatch, tmp_path) -> None:
    rule = {"when_match": True, "conditions": [{"action": "KEY_IN_VALUE", "key": "cid", "value": ["tenant-demo"]}]}
    use_flags(monkeypatch, flag_file(tmp_path, {"default": False, "rules": {"pilot tenants": rule}}))
    assert invoke("connection", load_event("connection.get"))[0] == 200
    status, body = invoke("connection", load_event("connection.get", claims={"cid": "tenant-not-in-pilot"}))
    assert (status, body["error"]) == (403, "feature_disabled")


@pytest.mark.parametrize("content", [None, "{not json", "[]"])
def test_an_unreadable_flag_store_means_off_and_says_so(connected, monkeypatch, tmp_path, log_output, content) -> None:
    path = tmp_path / "flags.json"
    if content is not None:
        path.write_text(content)
    use_flags(monkeypatch, str(path))
    status, body = invoke("check_payment_status", load_event("check_payment_status.settlement"))
    assert (status, body["error"]) == (403, "feature_disabled")
    [error] = events_named(log_output.getvalue(), "feature_flag_store_error")
    assert error["level"] == "ERROR" and error["flag"] == "midtrans_native_integration"
