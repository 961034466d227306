"""The tenant's item and a confirmation item in one BatchGetItem (docs/decisions.md D29): what comes back, the
fallback for keys DynamoDB leaves unprocessed, and a read-ahead that serves one read only."""

from __future__ import annotations

from typing import Any

from midtrans_native import deps
from midtrans_native.stores.confirmations import ConfirmationStore
from midtrans_native.stores.connections import ConnectionStore


class Unprocessing:
    """The real (moto) client, except that BatchGetItem leaves every key of `table` unprocessed, as DynamoDB does
    under throttling (no error, the keys in UnprocessedKeys)."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table
        self.calls: list[str] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls.append("BatchGetItem")
        kept = {name: request for name, request in RequestItems.items() if name != self._table}
        answer: dict[str, Any] = self._client.batch_get_item(RequestItems=kept)
        answer["UnprocessedKeys"] = {self._table: RequestItems[self._table]}
        return answer

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append("GetItem")
        found: dict[str, Any] = self._client.get_item(**kwargs)
        return found


def prompt(store: ConfirmationStore, cid: str) -> str:
    created = store.create(
        cid=cid,
        conversation_id="conv-1",
        action="cancel",
        order_id="ORDER-1",
        transaction_id="tx-1",
        amount=None,
        locale="en",
        ttl_seconds=300,
    )
    return created.confirmation_id


def test_one_batch_brings_the_tenant_and_the_confirmation(aws: dict[str, str], connected: str) -> None:
    store = deps.confirmation_store()
    confirmation_id = prompt(store, connected)
    tenant, item = deps.connection_store().tenant_and_item(connected, store.table_name, store.item_key(confirmation_id))
    assert tenant.connection is not None and tenant.ciphertext
    assert item is not None and item["confirmation_id"]["S"] == confirmation_id


def test_a_missing_item_and_an_unconnected_tenant_come_back_as_absent(aws: dict[str, str]) -> None:
    store = deps.confirmation_store()
    tenant, item = deps.connection_store().tenant_and_item("tenant-nobody", store.table_name, store.item_key("nope"))
    assert (tenant.connection, tenant.ciphertext, item) == (None, None, None)


def test_unprocessed_keys_are_read_one_by_one(aws: dict[str, str], connected: str) -> None:
    store = deps.confirmation_store()
    confirmation_id = prompt(store, connected)
    for table in (store.table_name, deps.get_settings().connections_table_name):
        client = Unprocessing(deps.dynamodb_client(), table)
        settings = deps.get_settings()
        connections = ConnectionStore(
            client, deps.kms_client(), settings.connections_table_name, settings.credentials_key_id
        )
        tenant, item = connections.tenant_and_item(connected, store.table_name, store.item_key(confirmation_id))
        assert tenant.connection is not None, table
        assert item is not None and item["confirmation_id"]["S"] == confirmation_id, table
        assert client.calls == ["BatchGetItem", "GetItem"], table


def test_a_read_ahead_serves_the_next_read_only(aws: dict[str, str], connected: str) -> None:
    store = deps.confirmation_store()
    confirmation_id = prompt(store, connected)
    store.read_ahead(confirmation_id, None)  # as read before the record existed
    assert store.get(confirmation_id) is None
    again = store.get(confirmation_id)  # the next read asks DynamoDB
    assert again is not None and again.confirmation_id == confirmation_id


def test_the_gates_read_along_only_when_they_read_the_tenant(aws: dict[str, str], connected: str) -> None:
    store = deps.confirmation_store()
    confirmation_id = prompt(store, connected)
    gates = deps.agent_gates()
    gates.read_along(store.table_name, store.item_key(confirmation_id))
    gates.tenant(connected)
    along = gates.item_read_along()
    assert along is not None and along.item is not None
    assert gates.item_read_along() is None  # taken once
    gates.read_along(store.table_name, store.item_key(confirmation_id))
    gates.tenant(connected)  # already read this request: nothing fetched along
    assert gates.item_read_along() is None


def test_an_item_fetched_for_an_earlier_key_is_never_handed_out_for_another(
    aws: dict[str, str], connected: str
) -> None:
    """The same gates asked for k1 (fetched along with the tenant, never taken: a gate refused), then for k2: k1's item
    must not come back as k2's. k2 is read by its caller instead."""
    store = deps.confirmation_store()
    first = prompt(store, connected)
    gates = deps.agent_gates()
    gates.read_along(store.table_name, store.item_key(first))
    gates.tenant(connected)  # the tenant's read fetched k1 along
    gates.read_along(store.table_name, store.item_key(prompt(store, connected)))
    assert gates.item_read_along() is None
