"""What makes notification processing exactly-once (docs/decisions.md D31): one receipt per (tenant, order, state
as Midtrans' status API reports it), written by a conditional put before the event is published and marked done
after. Midtrans repeats notifications and sends them out of order; whatever arrives, a state is published once.

    (none) ──begin──▶ processing ──finish──▶ done       (repeats answer "duplicate")
                          │
                          └──release──▶ (none)          (publishing failed: Midtrans' retry starts again)

A `processing` receipt whose lease ran out (the Lambda died between begin and finish) can be taken over, so nothing
is lost; the event may then be published twice, and carries a stable `event_id` for the platform to drop the copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from botocore.exceptions import ClientError

Begun = Literal["new", "done", "in_progress"]
RETENTION_SECONDS = 30 * 86_400  # Midtrans retries for about six hours; a month covers any late repeat


class NotificationReceipts:
    def __init__(self, dynamodb: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._clock = clock

    def begin(self, receipt_id: str, *, lease_seconds: float) -> Begun:
        """Take the receipt: "new" (process it), "done" (processed before) or "in_progress" (another invocation
        holds a live lease on it)."""
        now = self._clock()
        try:
            self._dynamodb.put_item(
                TableName=self._table,
                Item={
                    "receipt_id": {"S": receipt_id},
                    "state": {"S": "processing"},
                    "lease_until": {"N": str(round(now + lease_seconds, 3))},
                    "ttl": {"N": str(int(now) + RETENTION_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(receipt_id) OR (#state = :processing AND lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":processing": {"S": "processing"}, ":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            old = error.response.get("Item") or self._read(receipt_id) or {}
            return "done" if old.get("state", {}).get("S") == "done" else "in_progress"
        return "new"

    def finish(self, receipt_id: str, *, event_id: str | None) -> None:
        values: dict[str, Any] = {":done": {"S": "done"}, ":now": {"S": str(self._clock())}}
        expression = "SET #state = :done, finished_at = :now REMOVE lease_until"
        if event_id:
            values[":event"] = {"S": event_id}
            expression = "SET #state = :done, finished_at = :now, event_id = :event REMOVE lease_until"
        self._dynamodb.update_item(
            TableName=self._table,
            Key={"receipt_id": {"S": receipt_id}},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=values,
        )

    def release(self, receipt_id: str) -> None:
        """Give the receipt up after a failure, so that Midtrans' retry processes the notification again."""
        try:
            self._dynamodb.delete_item(
                TableName=self._table,
                Key={"receipt_id": {"S": receipt_id}},
                ConditionExpression="#state = :processing",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":processing": {"S": "processing"}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise  # (a receipt another invocation finished meanwhile stays done)

    def _read(self, receipt_id: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._dynamodb.get_item(
            TableName=self._table, Key={"receipt_id": {"S": receipt_id}}, ConsistentRead=True
        ).get("Item")
        return item
