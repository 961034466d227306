"""Configured actions per tenant (PRD S01): one item per action, plus two lock items that make the
action's name and its type unique within the tenant, all written in one transaction.

Items share the partition `cid`: `action#<uuid>` (the action), `name#<normalized name>` and
`type#<action_type>` (locks pointing at it). One action per type: the agent routes are per type, so an
agent call must find exactly one configuration (and one set of defaults) for it.

The same transaction also writes the tenant's whole action index onto its connection item (ConnectionsTable:
`action_index`, `action_index_version`), so an agent call learns the connection, the credentials' ciphertext and
the configured actions from one consistent read (docs/decisions.md D29). The index is rebuilt from a consistent
Query at each write and guarded by its version: two admins writing at once cannot lose each other's change (the
second retries on the new version).
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from botocore.exceptions import ClientError


class ActionConflict(Exception):
    """The name or the type is already taken in this tenant (or the index kept moving: "index")."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what  # "name", "type" or "index"


class TenantNotConnected(Exception):
    """Creating or changing an action needs the tenant's Midtrans connection."""


class _IndexMoved(Exception):
    """The connection item's index changed since it was read (another admin write), or the tenant is not
    connected any more: rebuild and try again (the next attempt sees which)."""


_INDEX_ATTEMPTS = 4


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class ConfiguredAction(NamedTuple):
    action_id: str
    action_type: str
    action_name: str
    trigger_description: str
    defaults: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


def name_key(name: str) -> str:
    """Names are unique regardless of case, Unicode form and spacing: "Cek  Status" == "cek status"."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class ActionStore:
    def __init__(
        self,
        dynamodb: Any,
        table_name: str,
        connections_table: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._connections = connections_table
        self._clock = clock

    def for_tenant(self, cid: str) -> list[ConfiguredAction]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "cid = :cid AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":cid": {"S": cid}, ":prefix": {"S": "action#"}},
            "ConsistentRead": True,
        }
        while True:
            page = self._dynamodb.query(**kwargs)
            items.extend(page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        actions = [_to_action(item) for item in items]
        return sorted(actions, key=lambda action: (action.created_at, action.action_id))

    def get(self, cid: str, action_id: str) -> ConfiguredAction | None:
        item = self._dynamodb.get_item(
            TableName=self._table, Key=_key(cid, f"action#{action_id}"), ConsistentRead=True
        ).get("Item")
        return _to_action(item) if item else None

    def of_type(self, cid: str, action_type: str) -> ConfiguredAction | None:
        return next((action for action in self.for_tenant(cid) if action.action_type == action_type), None)

    def create(
        self, cid: str, *, action_type: str, action_name: str, trigger_description: str, defaults: dict[str, Any] | None
    ) -> ConfiguredAction:
        now = self._clock()
        action = ConfiguredAction(
            action_id=str(uuid.uuid4()),
            action_type=action_type,
            action_name=action_name,
            trigger_description=trigger_description,
            defaults=defaults,
            created_at=now,
            updated_at=now,
        )
        self._transact_indexed(
            cid,
            lambda index: {**index, action.action_type: action},
            [
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _item(cid, action),
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _lock(cid, f"name#{name_key(action_name)}", action),
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                },
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _lock(cid, f"type#{action_type}", action),
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                },
            ],
            conflicts={1: "name", 2: "type"},
            connected=True,
        )
        return action

    def update(
        self,
        cid: str,
        current: ConfiguredAction,
        *,
        action_name: str,
        trigger_description: str,
        defaults: dict[str, Any] | None,
    ) -> ConfiguredAction:
        updated = ConfiguredAction(
            action_id=current.action_id,
            action_type=current.action_type,
            action_name=action_name,
            trigger_description=trigger_description,
            defaults=defaults,
            created_at=current.created_at,
            updated_at=self._clock(),
        )
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": _item(cid, updated),
                    "ConditionExpression": "attribute_exists(sk)",
                }
            },
        ]
        old_key, new_key = name_key(current.action_name), name_key(action_name)
        if old_key != new_key:  # a rename moves the name lock, in the same transaction
            writes.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": _lock(cid, f"name#{new_key}", updated),
                        "ConditionExpression": "attribute_not_exists(sk)",
                    }
                }
            )
            writes.append({"Delete": {"TableName": self._table, "Key": _key(cid, f"name#{old_key}")}})
        self._transact_indexed(
            cid, lambda index: {**index, updated.action_type: updated}, writes, conflicts={1: "name"}, connected=True
        )
        return updated

    def delete(self, cid: str, action: ConfiguredAction) -> None:
        self._transact_indexed(
            cid,
            lambda index: {t: a for t, a in index.items() if a.action_id != action.action_id},
            [
                {"Delete": {"TableName": self._table, "Key": _key(cid, f"action#{action.action_id}")}},
                {"Delete": {"TableName": self._table, "Key": _key(cid, f"name#{name_key(action.action_name)}")}},
                {"Delete": {"TableName": self._table, "Key": _key(cid, f"type#{action.action_type}")}},
            ],
            conflicts={},
            connected=False,
        )

    def _transact_indexed(
        self,
        cid: str,
        change: Callable[[dict[str, ConfiguredAction]], dict[str, ConfiguredAction]],
        writes: list[dict[str, Any]],
        *,
        conflicts: dict[int, str],
        connected: bool,
    ) -> None:
        """`writes` plus the tenant's rebuilt action index on its connection item, in one transaction. The index
        write is conditional on the version read here, so a concurrent admin write makes this one retry."""
        for _ in range(_INDEX_ATTEMPTS):
            seen, is_connected = self._index_state(cid)
            if connected and not is_connected:
                raise TenantNotConnected(cid)
            index = change({action.action_type: action for action in self.for_tenant(cid)})
            try:
                self._transact([*writes, self._index_write(cid, index, seen, connected)], conflicts=conflicts)
                return
            except _IndexMoved:
                continue
        raise ActionConflict("index")

    def _index_state(self, cid: str) -> tuple[int | None, bool]:
        """The index version on the connection item, and whether the tenant is connected."""
        item = (
            self._dynamodb.get_item(
                TableName=self._connections,
                Key={"cid": {"S": cid}},
                ProjectionExpression="action_index_version, credentials_ciphertext",
                ConsistentRead=True,
            ).get("Item")
            or {}
        )
        version = item.get("action_index_version")
        return (int(version["N"]) if version else None), "credentials_ciphertext" in item

    def _index_write(
        self, cid: str, index: dict[str, ConfiguredAction], seen: int | None, connected: bool
    ) -> dict[str, Any]:
        # Creating or changing an action needs the tenant connected at that very moment; removing one does not.
        present = "attribute_exists(credentials_ciphertext)" if connected else "attribute_exists(cid)"
        version = "attribute_not_exists(action_index_version)" if seen is None else "action_index_version = :seen"
        values: dict[str, Any] = {":index": {"M": index_attribute(index)}, ":next": {"N": str((seen or 0) + 1)}}
        if seen is not None:
            values[":seen"] = {"N": str(seen)}
        return {
            "Update": {
                "TableName": self._connections,
                "Key": {"cid": {"S": cid}},
                "UpdateExpression": "SET action_index = :index, action_index_version = :next",
                "ConditionExpression": f"{present} AND {version}",
                "ExpressionAttributeValues": values,
            }
        }

    def _transact(self, writes: list[dict[str, Any]], conflicts: dict[int, str]) -> None:
        try:
            self._dynamodb.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons") or []
            for index, what in conflicts.items():
                if index < len(reasons) and reasons[index].get("Code") == "ConditionalCheckFailed":
                    raise ActionConflict(what) from None
            last = len(writes) - 1  # the index write, when there is one
            on_index = writes[last].get("Update", {}).get("TableName") == self._connections
            if on_index and last < len(reasons) and reasons[last].get("Code") == "ConditionalCheckFailed":
                raise _IndexMoved from None
            raise


def _key(cid: str, sk: str) -> dict[str, Any]:
    return {"cid": {"S": cid}, "sk": {"S": sk}}


def _item(cid: str, action: ConfiguredAction) -> dict[str, Any]:
    item = {
        **_key(cid, f"action#{action.action_id}"),
        "action_id": {"S": action.action_id},
        "action_type": {"S": action.action_type},
        "action_name": {"S": action.action_name},
        "trigger_description": {"S": action.trigger_description},
        "created_at": {"S": action.created_at.isoformat()},
        "updated_at": {"S": action.updated_at.isoformat()},
    }
    if action.defaults:
        item["defaults"] = {"S": json.dumps(action.defaults, sort_keys=True)}
    return item


def _lock(cid: str, sk: str, action: ConfiguredAction) -> dict[str, Any]:
    return {**_key(cid, sk), "action_id": {"S": action.action_id}}


def _to_action(item: dict[str, Any]) -> ConfiguredAction:
    defaults = item.get("defaults")
    return ConfiguredAction(
        action_id=item["action_id"]["S"],
        action_type=item["action_type"]["S"],
        action_name=item["action_name"]["S"],
        trigger_description=item["trigger_description"]["S"],
        defaults=json.loads(defaults["S"]) if defaults else None,
        created_at=datetime.fromisoformat(item["created_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
    )


def index_attribute(index: dict[str, ConfiguredAction]) -> dict[str, Any]:
    """The action index as a DynamoDB map attribute: action type → the action's item attributes."""
    return {action_type: {"M": _item_attributes(action)} for action_type, action in sorted(index.items())}


def actions_from_index(attribute: dict[str, Any]) -> dict[str, ConfiguredAction]:
    return {action_type: _to_action(value["M"]) for action_type, value in attribute.get("M", {}).items()}


def _item_attributes(action: ConfiguredAction) -> dict[str, Any]:
    return {k: v for k, v in _item("", action).items() if k not in ("cid", "sk")}
