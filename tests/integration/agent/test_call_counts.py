"""What a warm agent call costs in AWS calls (a botocore before-call hook on the layer's clients) and that nothing
is stale: new keys are used by the very next call, a disconnect answers not_connected at once, an action added or
removed takes effect on the next call. Call counts are deterministic, so they are asserted; speed is `make bench`'s."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from midtrans_local.simulator import PRODUCTION_SERVER_KEY, MidtransSimulator
from midtrans_native import deps
from tests.conftest import load_event
from tests.integration.conftest import invoke


@pytest.fixture
def aws_calls(sim: MidtransSimulator) -> Iterator[Counter[str]]:
    """Every DynamoDB and KMS operation the layer's clients send, by name (e.g. "dynamodb.GetItem")."""
    seen: Counter[str] = Counter()

    def record(model: Any, **_: Any) -> None:
        seen[f"{model.service_model.service_name}.{model.name}"] += 1

    for client in (deps.dynamodb_client(), deps.kms_client()):
        client.meta.events.register("before-call.*.*", record)
    yield seen
    for client in (deps.dynamodb_client(), deps.kms_client()):
        client.meta.events.unregister("before-call.*.*", record)


def warm(seen: Counter[str], call: Any) -> tuple[Any, Counter[str]]:
    """Run `call` once to warm the environment, then again, counting only the second."""
    call()
    seen.clear()
    result = call()
    return result, Counter(seen)


def status() -> tuple[int, Any]:
    return invoke("check_payment_status", load_event("check_payment_status.settlement"))


def test_warm_status_costs_one_read_and_no_kms(aws_calls: Counter[str]) -> None:
    (code, body), counted = warm(aws_calls, status)
    assert (code, body["outcome"]) == (200, "ok")
    assert counted == Counter({"dynamodb.GetItem": 1})


def test_warm_payment_link_costs_one_read_and_no_kms(aws_calls: Counter[str]) -> None:
    (code, body), counted = warm(
        aws_calls, lambda: invoke("create_payment_link", load_event("create_payment_link.web_chat"))
    )
    assert (code, body["outcome"]) == (200, "ok"), body
    # + the order's conversation, for Midtrans' notifications about it (docs/decisions.md D31)
    assert counted == Counter({"dynamodb.GetItem": 1, "dynamodb.PutItem": 1})


def test_warm_tool_catalog_costs_one_read(aws_calls: Counter[str]) -> None:
    (code, body), counted = warm(aws_calls, lambda: invoke("agent_tools", load_event("agent_tools.list")))
    assert code == 200 and len(body["tools"]) == 6
    assert counted == Counter({"dynamodb.GetItem": 1})


def test_warm_mcp_tools_call_costs_one_read_and_no_kms(aws_calls: Counter[str]) -> None:
    (code, body), counted = warm(
        aws_calls, lambda: invoke("mcp_server", load_event("mcp_server.call_check_payment_status"))
    )
    assert code == 200 and body["result"]["structuredContent"]["outcome"] == "ok"
    assert counted == Counter({"dynamodb.GetItem": 1})


def test_warm_mcp_tools_list_costs_one_read(aws_calls: Counter[str]) -> None:
    (code, body), counted = warm(aws_calls, lambda: invoke("mcp_server", load_event("mcp_server.tools_list")))
    assert code == 200 and len(body["result"]["tools"]) == 6
    assert counted == Counter({"dynamodb.GetItem": 1})


def test_new_keys_are_used_by_the_very_next_call(sim: MidtransSimulator, aws_calls: Counter[str]) -> None:
    status()  # credentials decrypted and cached in this environment
    reconnect = {"server_key": PRODUCTION_SERVER_KEY, "client_key": "Mid-client-LOCALSIMULATOR01"}
    event = load_event("connection.put_sandbox", body={**reconnect, "environment": "production"})
    code, body = invoke("connection", event)
    assert code == 200, body
    sim_calls_before = len(sim.calls())
    aws_calls.clear()
    code, body = status()
    assert code == 200, body
    assert aws_calls["kms.Decrypt"] == 1  # new ciphertext: decrypted anew, not served from the cache
    call = sim.calls()[sim_calls_before]
    assert call["environment"] == "production"  # the simulator saw the new (production) key


def test_after_a_disconnect_the_next_call_is_not_connected(sim: MidtransSimulator) -> None:
    assert status()[1]["outcome"] == "ok"
    code, body = invoke("connection", load_event("connection.delete"))
    assert code == 200, body
    code, body = status()
    assert (code, body["error"]) == (409, "not_connected")


def test_an_action_removed_or_added_takes_effect_on_the_next_call(sim: MidtransSimulator) -> None:
    assert status()[1]["outcome"] == "ok"
    store = deps.action_store()
    configured = store.of_type("tenant-demo", "check_payment_status")
    assert configured is not None
    store.delete("tenant-demo", configured)
    code, body = status()
    assert (code, body["error"]) == (409, "action_not_configured")
    store.create(
        "tenant-demo",
        action_type="check_payment_status",
        action_name="Cek",
        trigger_description="Customer asks about a payment",
        defaults=None,
    )
    assert status()[1]["outcome"] == "ok"


def test_disconnect_keeps_the_admins_actions_for_a_reconnect(sim: MidtransSimulator) -> None:
    invoke("connection", load_event("connection.delete"))
    code, body = invoke("connection", load_event("connection.put_sandbox"))
    assert code == 200, body
    assert status()[1]["outcome"] == "ok"


def test_an_item_without_an_action_index_still_finds_the_actions(sim: MidtransSimulator) -> None:
    # A connection written before the index existed: the gate reads the actions table instead.
    deps.dynamodb_client().update_item(
        TableName=deps.get_settings().connections_table_name,
        Key={"cid": {"S": "tenant-demo"}},
        UpdateExpression="REMOVE action_index, action_index_version",
    )
    assert status()[1]["outcome"] == "ok"


def counted(seen: Counter[str], call: Any) -> tuple[Any, Counter[str]]:
    seen.clear()
    result = call()
    return result, Counter(seen)


def test_warm_prompts_and_decisions(sim: MidtransSimulator, aws_calls: Counter[str]) -> None:
    """Reads: one round trip (BatchGetItem) for the tenant's item and the confirmation item read first: the
    conversation's prompt slot (a prompt), the confirmation (a decision). A replay also reads the prompt the slot
    names. No KMS. Writes: the confirmation's state machine (and the refund's idempotency)."""
    status()  # a warm environment: credentials already decrypted
    ask_cancel = lambda: invoke("cancel_transaction", load_event("cancel_transaction.request_pending"))  # noqa: E731
    (code, body), seen = counted(aws_calls, ask_cancel)
    assert (code, body["outcome"]) == (200, "confirmation_required")
    # connection + slot in one batch; the record, then the slot (compare-and-set); the order's conversation
    assert seen == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.PutItem": 3})
    (code, replay), seen = counted(aws_calls, ask_cancel)
    assert replay["confirmation_id"] == body["confirmation_id"]
    # + the prompt it names; the conversation's record written again (a replay may come from another locale)
    assert seen == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.GetItem": 1, "dynamodb.PutItem": 1})
    decide = load_event("cancel_transaction.decide_confirm", path={"confirmation_id": body["confirmation_id"]})
    (code, decided), seen = counted(aws_calls, lambda: invoke("cancel_transaction", decide))
    assert (code, decided["outcome"]) == (200, "cancelled")
    # connection + confirmation in one batch; claim, complete (the slot's done window counts from it)
    assert seen == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.UpdateItem": 2})

    (code, body), seen = counted(aws_calls, lambda: invoke("request_refund", load_event("request_refund.request_full")))
    assert (code, body["outcome"]) == (200, "confirmation_required")
    assert seen == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.PutItem": 3})
    decide = load_event("request_refund.decide_confirm", path={"confirmation_id": body["confirmation_id"]})
    (code, decided), seen = counted(aws_calls, lambda: invoke("request_refund", decide))
    assert (code, decided["outcome"]) == (200, "refunded")
    # + Powertools idempotency: its record put, then its completion update
    assert seen == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.UpdateItem": 3, "dynamodb.PutItem": 1})
