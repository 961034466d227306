"""Configured actions per tenant (PRD S01): one item per action, plus two lock items that make the
action's name and its type unique within the tenant, all written in one transaction.

Items share the partition `cid`: `action#<uuid>` (the action), `name#<normalized name>` and
`type#<action_type>` (locks pointing at it). One action per type: the agent routes are per type, so an
agent call must find exactly one configuration (and one set of defaults) for it.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError


class ActionConflict(Exception):
    """The name or the type is already taken in this tenant."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what  # "name" or "type"


@dataclass(frozen=True)
class ConfiguredAction:
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
        self, dynamodb: Any, table_name: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
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
        self._transact(
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
        self._transact(writes, conflicts={1: "name"})
        return updated

    def delete(self, cid: str, action: ConfiguredAction) -> None:
        self._transact(
            [
                {"Delete": {"TableName": self._table, "Key": _key(cid, f"action#{action.action_id}")}},
                {"Delete": {"TableName": self._table, "Key": _key(cid, f"name#{name_key(action.action_name)}")}},
                {"Delete": {"TableName": self._table, "Key": _key(cid, f"type#{action.action_type}")}},
            ],
            conflicts={},
        )

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
