"""The platform's EventBridge bus: one event per meaningful change of an order (docs/decisions.md D31). The
template can route the bus to the platform's messaging endpoint (an API destination); locally, the stack can POST
every event to PLATFORM_EVENTS_URL as well."""

from __future__ import annotations

import json
from typing import Any

SOURCE = "midtrans-native"


class EventPublishFailed(Exception):
    """EventBridge did not take the event (its answer listed it as failed): the notification must be retried."""


class PlatformEvents:
    def __init__(self, events: Any, bus_name: str) -> None:
        self._events = events
        self._bus = bus_name

    def publish(self, detail_type: str, detail: dict[str, Any]) -> None:
        answer = self._events.put_events(
            Entries=[
                {
                    "EventBusName": self._bus,
                    "Source": SOURCE,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail, ensure_ascii=False, separators=(",", ":")),
                }
            ]
        )
        # PutEvents answers HTTP 200 even when it refused an entry: the count says so.
        if answer.get("FailedEntryCount", 0):
            codes = sorted({entry.get("ErrorCode", "?") for entry in answer.get("Entries", []) if "ErrorCode" in entry})
            raise EventPublishFailed(f"EventBridge refused the event: {', '.join(codes) or 'unknown error'}")
