"""Customer confirmations for cancel and refund: a DynamoDB record bound to tenant, conversation, order,
action (and amount), that expires and is used once.

State machine, every transition a conditional write (docs/product-contract.md §3):

    pending ──claim──▶ executing ──complete──▶ done        (result kept, replayed to repeats)
       │                  │
       │                  └──release──▶ pending           (outcome unknown: a later confirm re-checks)
       └──decline──▶ declined                              (result kept, replayed to repeats)

A claim also takes over an `executing` record whose lease ran out (the Lambda died mid-way). Every read
checks `expires_at` itself: DynamoDB's TTL deletion lags by up to two days (and moto never deletes).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

Action = Literal["cancel", "refund"]
State = Literal["pending", "executing", "done", "declined"]
# How long the deleted-by-TTL record outlives its expiry, so a late duplicate "yes" still gets the replay.
RETENTION_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Confirmation:
    confirmation_id: str
    cid: str
    conversation_id: str
    action: Action
    order_id: str
    transaction_id: str | None
    amount: int | None
    reason: str | None
    locale: str
    state: State
    expires_at: float
    lease_until: float | None
    attempts: int
    result: dict[str, Any] | None
    # The customer message that led to the prompt (X-Customer-Message-Id): a "yes" must come in a later one.
    prompt_message_id: str | None = None

    def expired(self, now: float) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Refusal:
    """Why a claim or decline did not happen. `confirmation` is set when the caller may see it."""

    reason: Literal["not_found", "other_conversation", "expired", "decided", "in_progress"]
    confirmation: Confirmation | None = None


class ConfirmationStore:
    def __init__(self, dynamodb: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._clock = clock

    def create(
        self,
        *,
        cid: str,
        conversation_id: str,
        action: Action,
        order_id: str,
        transaction_id: str | None,
        amount: int | None,
        locale: str,
        ttl_seconds: int,
        reason: str | None = None,
        prompt_message_id: str | None = None,
    ) -> Confirmation:
        now = self._clock()
        confirmation = Confirmation(
            confirmation_id=str(uuid.uuid4()),  # random: a confirmation id cannot be guessed
            cid=cid,
            conversation_id=conversation_id,
            action=action,
            order_id=order_id,
            transaction_id=transaction_id,
            amount=amount,
            reason=reason,
            locale=locale,
            state="pending",
            expires_at=round(now + ttl_seconds, 3),
            lease_until=None,
            attempts=0,
            result=None,
            prompt_message_id=prompt_message_id,
        )
        item: dict[str, Any] = {
            "confirmation_id": {"S": confirmation.confirmation_id},
            "cid": {"S": cid},
            "conversation_id": {"S": conversation_id},
            "action": {"S": action},
            "order_id": {"S": order_id},
            "locale": {"S": locale},
            "state": {"S": "pending"},
            "expires_at": {"N": str(confirmation.expires_at)},
            "attempts": {"N": "0"},
            "ttl": {"N": str(int(confirmation.expires_at) + RETENTION_SECONDS)},
        }
        if transaction_id:
            item["transaction_id"] = {"S": transaction_id}
        if amount is not None:
            item["amount"] = {"N": str(amount)}
        if reason:
            item["reason"] = {"S": reason}
        if prompt_message_id:
            item["prompt_message_id"] = {"S": prompt_message_id}
        self._dynamodb.put_item(
            TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(confirmation_id)"
        )
        return confirmation

    def now(self) -> float:
        return self._clock()

    def remember_recent(self, confirmation: Confirmation, *, until: float) -> None:
        """Point (tenant, conversation, action, order) at this confirmation until `until`, so a repeated
        request in the same conversation gets this one back instead of a second prompt (dedupe window)."""
        self._dynamodb.put_item(
            TableName=self._table,
            Item={
                "confirmation_id": {"S": _recent_key(confirmation)},
                "target": {"S": confirmation.confirmation_id},
                "window_until": {"N": str(round(until, 3))},
                "ttl": {"N": str(int(until) + RETENTION_SECONDS)},
            },
        )

    def recent(self, *, cid: str, conversation_id: str, action: Action, order_id: str) -> Confirmation | None:
        """The confirmation remembered for this (tenant, conversation, action, order), if its window is open."""
        key = _RECENT.format(action=action, cid=cid, conversation_id=conversation_id, order_id=order_id)
        pointer = self._dynamodb.get_item(
            TableName=self._table, Key={"confirmation_id": {"S": key}}, ConsistentRead=True
        ).get("Item")
        if not pointer or float(pointer["window_until"]["N"]) <= self._clock():
            return None
        return self.get(pointer["target"]["S"])

    def get(self, confirmation_id: str) -> Confirmation | None:
        item = self._dynamodb.get_item(
            TableName=self._table, Key={"confirmation_id": {"S": confirmation_id}}, ConsistentRead=True
        ).get("Item")
        return _to_confirmation(item) if item else None

    def claim(
        self, confirmation_id: str, *, cid: str, conversation_id: str, lease_seconds: float
    ) -> Confirmation | Refusal:
        """pending → executing (or take over an executing record whose lease ran out). Exactly one caller
        wins; the others learn why they lost (decided: here is the result; in progress: come back)."""
        now = self._clock()
        return self._transition(
            confirmation_id,
            cid=cid,
            conversation_id=conversation_id,
            update="SET #state = :executing, lease_until = :lease, attempts = attempts + :one",
            allowed="(#state = :pending OR (#state = :executing AND lease_until < :now))",
            values={
                ":executing": {"S": "executing"},
                ":lease": {"N": str(round(now + lease_seconds, 3))},
                ":one": {"N": "1"},
            },
            now=now,
        )

    def decline(
        self, confirmation_id: str, *, cid: str, conversation_id: str, result: dict[str, Any]
    ) -> Confirmation | Refusal:
        return self._transition(
            confirmation_id,
            cid=cid,
            conversation_id=conversation_id,
            update="SET #state = :declined, #result = :result",
            allowed="#state = :pending",
            values={":declined": {"S": "declined"}, ":result": {"S": json.dumps(result)}},
            now=self._clock(),
        )

    def complete(self, confirmation_id: str, result: dict[str, Any]) -> None:
        """executing → done, keeping the answer every repeat of this decision will get."""
        self._dynamodb.update_item(
            TableName=self._table,
            Key={"confirmation_id": {"S": confirmation_id}},
            UpdateExpression="SET #state = :done, #result = :result REMOVE lease_until",
            ConditionExpression="#state = :executing",
            ExpressionAttributeNames={"#state": "state", "#result": "result"},
            ExpressionAttributeValues={
                ":done": {"S": "done"},
                ":executing": {"S": "executing"},
                ":result": {"S": json.dumps(result)},
            },
        )

    def release(self, confirmation_id: str, failure_reason: str) -> None:
        """executing → pending after an unknown outcome, so the customer can confirm again and the next
        attempt re-reads the truth from Midtrans before doing anything."""
        self._dynamodb.update_item(
            TableName=self._table,
            Key={"confirmation_id": {"S": confirmation_id}},
            UpdateExpression="SET #state = :pending, last_failure = :reason REMOVE lease_until",
            ConditionExpression="#state = :executing",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":pending": {"S": "pending"},
                ":executing": {"S": "executing"},
                ":reason": {"S": failure_reason},
            },
        )

    def _transition(
        self,
        confirmation_id: str,
        *,
        cid: str,
        conversation_id: str,
        update: str,
        allowed: str,
        values: dict[str, Any],
        now: float,
    ) -> Confirmation | Refusal:
        try:
            item = self._dynamodb.update_item(
                TableName=self._table,
                Key={"confirmation_id": {"S": confirmation_id}},
                UpdateExpression=update,
                ConditionExpression=(
                    "attribute_exists(confirmation_id) AND cid = :cid AND conversation_id = :conversation "
                    f"AND expires_at > :now AND {allowed}"
                ),
                ExpressionAttributeNames={"#state": "state", **({"#result": "result"} if "#result" in update else {})},
                ExpressionAttributeValues={
                    **values,
                    ":cid": {"S": cid},
                    ":conversation": {"S": conversation_id},
                    ":now": {"N": str(round(now, 3))},
                    ":pending": {"S": "pending"},
                    **({":executing": {"S": "executing"}} if ":executing" in allowed else {}),
                },
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )["Attributes"]
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item")
            return _why_refused(_to_confirmation(old) if old else None, cid, conversation_id, now)
        return _to_confirmation(item)


# Pointer items share the table; their keys are not UUIDs, so the decision routes can never address them.
_RECENT = "recent#{action}#{cid}#{conversation_id}#{order_id}"


def _recent_key(confirmation: Confirmation) -> str:
    return _RECENT.format(
        action=confirmation.action,
        cid=confirmation.cid,
        conversation_id=confirmation.conversation_id,
        order_id=confirmation.order_id,
    )


def _why_refused(old: Confirmation | None, cid: str, conversation_id: str, now: float) -> Refusal:
    if old is None or old.cid != cid:
        return Refusal("not_found")  # another tenant's confirmation does not exist for this caller
    if old.conversation_id != conversation_id:
        return Refusal("other_conversation")
    if old.state in ("done", "declined"):
        return Refusal("decided", old)
    if old.expired(now):
        return Refusal("expired", old)
    return Refusal("in_progress", old)


def _to_confirmation(item: dict[str, Any]) -> Confirmation:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value["S"] if value else None

    def number(name: str) -> float | None:
        value = item.get(name)
        return float(value["N"]) if value else None

    amount = number("amount")
    result = text("result")
    return Confirmation(
        confirmation_id=item["confirmation_id"]["S"],
        cid=item["cid"]["S"],
        conversation_id=item["conversation_id"]["S"],
        action=item["action"]["S"],
        order_id=item["order_id"]["S"],
        transaction_id=text("transaction_id"),
        amount=int(amount) if amount is not None else None,
        reason=text("reason"),
        locale=item["locale"]["S"],
        state=item["state"]["S"],
        expires_at=float(item["expires_at"]["N"]),
        lease_until=number("lease_until"),
        attempts=int(item["attempts"]["N"]),
        result=json.loads(result) if result else None,
        prompt_message_id=text("prompt_message_id"),
    )
