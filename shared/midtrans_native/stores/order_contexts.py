"""Which conversation an order belongs to: written when the agent sends a payment link or prompts a cancel or
refund, read when Midtrans notifies about that order (docs/decisions.md D31). One item per (tenant, order), with a
TTL: the last conversation that acted on an order is the one told about it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["payment_link", "cancel", "refund"]
# A purchase made through a payment link may carry the link's order_id plus suffixes ("<link>-<epoch ms>",
# docs/midtrans-behaviour.md §12): candidates are the order_id cut at each "-", longest first, at most this many.
MAX_PREFIX_CANDIDATES = 8


@dataclass(frozen=True)
class OrderContext:
    cid: str
    order_id: str  # as recorded: the link's order_id for a payment link
    conversation_id: str
    channel_type: str | None
    locale: str
    source: Source


class OrderContextStore:
    def __init__(self, dynamodb: Any, table_name: str, clock: Callable[[], float] = time.time) -> None:
        self._dynamodb = dynamodb
        self._table = table_name
        self._clock = clock

    def remember(
        self,
        *,
        cid: str,
        order_id: str,
        conversation_id: str,
        channel_type: str | None,
        locale: str,
        source: Source,
        ttl_days: int,
    ) -> None:
        item: dict[str, Any] = {
            "cid": {"S": cid},
            "order_id": {"S": order_id},
            "conversation_id": {"S": conversation_id},
            "locale": {"S": locale},
            "source": {"S": source},
            "ttl": {"N": str(int(self._clock()) + ttl_days * 86_400)},
        }
        if channel_type:
            item["channel_type"] = {"S": channel_type}
        self._dynamodb.put_item(TableName=self._table, Item=item)

    def find_with_prefixes(self, cid: str, order_id: str) -> tuple[OrderContext | None, list[OrderContext]]:
        """In one round trip: the record for exactly this order, and the records of payment links whose order_id is
        a "-"-prefix of it, longest first (the links a suffixed purchase order_id may belong to; the caller confirms
        one with Midtrans before believing it). Expired records are ignored: TTL deletion lags."""
        wanted = [order_id, *prefixes(order_id)]
        keys = [{"cid": {"S": cid}, "order_id": {"S": candidate}} for candidate in wanted]
        answer = self._dynamodb.batch_get_item(RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}})
        items = list(answer.get("Responses", {}).get(self._table, []))
        unprocessed = answer.get("UnprocessedKeys", {}).get(self._table, {}).get("Keys", [])
        for key in unprocessed:  # DynamoDB may leave keys unprocessed (throttling): read those one by one
            item = self._dynamodb.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
            if item:
                items.append(item)
        found = [c for c in (self._context(item) for item in items) if c is not None]
        exact = next((c for c in found if c.order_id == order_id), None)
        linked = [c for c in found if c.order_id != order_id and c.source == "payment_link"]
        return exact, sorted(linked, key=lambda context: len(context.order_id), reverse=True)

    def _context(self, item: dict[str, Any]) -> OrderContext | None:
        if float(item["ttl"]["N"]) <= self._clock():
            return None
        return OrderContext(
            cid=item["cid"]["S"],
            order_id=item["order_id"]["S"],
            conversation_id=item["conversation_id"]["S"],
            channel_type=item["channel_type"]["S"] if "channel_type" in item else None,
            locale=item["locale"]["S"],
            source=item["source"]["S"],
        )


def prefixes(order_id: str) -> list[str]:
    """ "A-B-C-D" → ["A-B-C", "A-B", "A"]: the order_id cut before each "-", longest first."""
    cuts = [index for index, char in enumerate(order_id) if char == "-" and index > 0]
    return [order_id[:cut] for cut in reversed(cuts)][:MAX_PREFIX_CANDIDATES]
