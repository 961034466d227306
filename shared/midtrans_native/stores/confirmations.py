"""Customer confirmations for cancel and refund: a DynamoDB record bound to tenant, conversation, order,
action (and amount), that expires and is used once.

State machine, every transition a conditional write (docs/product-contract.md §3):

    pending ──claim──▶ executing ──complete──▶ done        (result kept, replayed to repeats)
       │                  │
       │                  └──release──▶ pending           (outcome unknown: a later confirm re-checks)
       ├──decline──▶ declined                              (result kept, replayed to repeats)
       └──supersede──▶ superseded                          (a newer prompt replaced it: never decidable)

A claim also takes over an `executing` record whose lease ran out (the Lambda died mid-way). Every read
checks `expires_at` itself: DynamoDB's TTL deletion lags by up to two days (and moto never deletes).

One open prompt per (tenant, conversation, action, order): a pointer item (`recent#…`, the *slot*) names the
prompt that conversation was last given. The slot only ever moves by a conditional write on the target it was
read with (compare-and-set), after the prompt it named was superseded (pending → superseded, conditional) or had
stopped being open; a prompt whose slot write lost is superseded before its id is shown to anyone. So of all the
prompts ever shown for a slot, at most one can still be claimed.
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
State = Literal["pending", "executing", "done", "declined", "superseded"]
# How long the deleted-by-TTL record outlives its expiry, so a late duplicate "yes" still gets the replay.
RETENTION_SECONDS = 7 * 24 * 3600
# After a refund or cancel, the same conversation asking again for the same order is told it was done
# (already_requested) for this long, instead of being prompted again (docs/decisions.md D15, D28).
DONE_WINDOW_SECONDS = 600


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
    done_at: float | None = None  # when its decision completed (`complete`)

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    def is_open(self, now: float) -> bool:
        """Still answerable: pending or executing, and not expired."""
        return self.state in ("pending", "executing") and not self.expired(now)


@dataclass(frozen=True)
class Refusal:
    """Why a claim or decline did not happen. `confirmation` is set when the caller may see it."""

    reason: Literal["not_found", "other_conversation", "expired", "decided", "superseded", "in_progress"]
    confirmation: Confirmation | None = None


@dataclass(frozen=True)
class Slot:
    """The pointer for one (tenant, conversation, action, order), as read: `target` is the compare-and-set token
    (None: no pointer item yet), `confirmation` the prompt it names (None if there is none)."""

    key: str
    target: str | None
    confirmation: Confirmation | None

    def open(self, now: float) -> Confirmation | None:
        """The prompt this conversation was given that can still be answered, if any."""
        return self.confirmation if self.confirmation and self.confirmation.is_open(now) else None

    def done(self, now: float, outcome: str) -> Confirmation | None:
        """The confirmation the slot still names whose decision ended with `outcome`, for DONE_WINDOW_SECONDS after
        it completed (a prompt opened since holds the slot, so it ends the window too)."""
        confirmation = self.confirmation
        if confirmation is None or confirmation.state != "done" or confirmation.done_at is None:
            return None
        if confirmation.done_at + DONE_WINDOW_SECONDS <= now:
            return None
        return confirmation if (confirmation.result or {}).get("outcome") == outcome else None


class ConfirmationStore:
    def __init__(self, dynamodb: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._clock = clock
        self._read_ahead: dict[str, dict[str, Any] | None] = {}

    @property
    def table_name(self) -> str:
        return self._table

    @staticmethod
    def slot_key(*, cid: str, conversation_id: str, action: Action, order_id: str) -> str:
        """The id of the pointer item `slot` reads first."""
        return _RECENT.format(action=action, cid=cid, conversation_id=conversation_id, order_id=order_id)

    @staticmethod
    def item_key(key: str) -> dict[str, Any]:
        """The DynamoDB key of a record (a confirmation id) or a pointer (a `slot_key`)."""
        return {"confirmation_id": {"S": key}}

    def read_ahead(self, key: str, item: dict[str, Any] | None) -> None:
        """An item this request already read consistently (together with the tenant's, docs/decisions.md D29): the
        next read of `key` uses it instead of asking DynamoDB. Once only: a read after a lost compare-and-set must
        see the new state. Stores are built per request (`deps.confirmation_store`), never shared."""
        self._read_ahead[key] = item

    def _item(self, key: str) -> dict[str, Any] | None:
        if key in self._read_ahead:
            return self._read_ahead.pop(key)
        item: dict[str, Any] | None = self._dynamodb.get_item(
            TableName=self._table, Key=self.item_key(key), ConsistentRead=True
        ).get("Item")
        return item

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

    def slot(self, *, cid: str, conversation_id: str, action: Action, order_id: str) -> Slot:
        """Read the pointer for (tenant, conversation, action, order) and the prompt it names (consistent reads)."""
        key = self.slot_key(cid=cid, conversation_id=conversation_id, action=action, order_id=order_id)
        pointer = self._item(key)
        if not pointer:
            return Slot(key=key, target=None, confirmation=None)
        target = pointer["target"]["S"]
        return Slot(key=key, target=target, confirmation=self.get(target))

    def open_prompt(
        self,
        slot: Slot,
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
    ) -> Confirmation | None:
        """A new prompt that becomes the slot's, or None when another request moved the slot since `slot` was
        read (the caller reads it again). The record is written first and the slot second, so whoever reads the
        slot finds its prompt; a record whose slot write lost is superseded at once, before anyone saw its id.
        The prompt the slot named must no longer be open (superseded, decided or expired) — the caller's job."""
        confirmation = self.create(
            cid=cid,
            conversation_id=conversation_id,
            action=action,
            order_id=order_id,
            transaction_id=transaction_id,
            amount=amount,
            locale=locale,
            ttl_seconds=ttl_seconds,
            reason=reason,
            prompt_message_id=prompt_message_id,
        )
        moved = self._move_slot(slot, confirmation.confirmation_id, until=confirmation.expires_at)
        if not moved:
            self.supersede(confirmation.confirmation_id)
            return None
        return confirmation

    def supersede(self, confirmation_id: str) -> bool:
        """pending → superseded: a newer prompt replaces this one, which can then never be confirmed or declined.
        Never one that is still open and was answered "yes" (attempts > 0: its refund or cancel may still land; only
        its own "yes" again reconciles it), whatever the caller read before: the condition is checked as it is
        written. False when it was no longer replaceable (claimed, tried, decided or superseded in the meantime)."""
        now = round(self._clock(), 3)
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key={"confirmation_id": {"S": confirmation_id}},
                UpdateExpression="SET #state = :superseded, superseded_at = :now REMOVE lease_until",
                ConditionExpression=(
                    "attribute_exists(confirmation_id) AND #state = :pending"
                    " AND (attempts = :zero OR expires_at <= :now)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":superseded": {"S": "superseded"},
                    ":pending": {"S": "pending"},
                    ":zero": {"N": "0"},
                    ":now": {"N": str(now)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def _move_slot(self, slot: Slot, target: str, *, until: float) -> bool:
        """Compare-and-set: point the slot at `target` only if it still names what it named when read."""
        if slot.target is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(confirmation_id)"}
        else:
            condition = {
                "ConditionExpression": "#target = :seen",
                "ExpressionAttributeNames": {"#target": "target"},
                "ExpressionAttributeValues": {":seen": {"S": slot.target}},
            }
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={
                    "confirmation_id": {"S": slot.key},
                    "target": {"S": target},
                    "ttl": {"N": str(int(until) + RETENTION_SECONDS)},
                },
                **condition,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def get(self, confirmation_id: str) -> Confirmation | None:
        item = self._item(confirmation_id)
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
        """executing → done, keeping the answer every repeat of this decision will get, and when (the slot's done
        window counts from it)."""
        self._dynamodb.update_item(
            TableName=self._table,
            Key={"confirmation_id": {"S": confirmation_id}},
            UpdateExpression="SET #state = :done, #result = :result, done_at = :now REMOVE lease_until",
            ConditionExpression="#state = :executing",
            ExpressionAttributeNames={"#state": "state", "#result": "result"},
            ExpressionAttributeValues={
                ":done": {"S": "done"},
                ":executing": {"S": "executing"},
                ":result": {"S": json.dumps(result)},
                ":now": {"N": str(round(self._clock(), 3))},
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

    def check(self, confirmation: Confirmation | None, *, cid: str, conversation_id: str) -> Refusal | None:
        """Why this caller cannot decide on this (freshly read) confirmation now, or None if it may try: the
        same verdicts a claim's conditional write reaches, without writing. The claim still decides."""
        return decision_refusal(confirmation, cid, conversation_id, self._clock())


# Pointer items share the table; their keys are not UUIDs, so the decision routes can never address them.
_RECENT = "recent#{action}#{cid}#{conversation_id}#{order_id}"


def decision_refusal(old: Confirmation | None, cid: str, conversation_id: str, now: float) -> Refusal | None:
    """In this order: who may see it (404, 403), a decision already taken (replayed), a newer prompt, expiry,
    a decision running. None: pending (or executing with a lapsed lease) and not expired."""
    if old is None or old.cid != cid:
        return Refusal("not_found")  # another tenant's confirmation does not exist for this caller
    if old.conversation_id != conversation_id:
        return Refusal("other_conversation")
    if old.state in ("done", "declined"):
        return Refusal("decided", old)
    if old.state == "superseded":
        return Refusal("superseded", old)
    if old.expired(now):
        return Refusal("expired", old)
    if old.state == "executing" and (old.lease_until is None or old.lease_until >= now):
        return Refusal("in_progress", old)
    return None


def _why_refused(old: Confirmation | None, cid: str, conversation_id: str, now: float) -> Refusal:
    """Why a conditional transition failed; a record that looks decidable lost to a concurrent writer."""
    return decision_refusal(old, cid, conversation_id, now) or Refusal("in_progress", old)


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
        done_at=number("done_at"),
    )
