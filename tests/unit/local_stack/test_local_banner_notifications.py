"""The banner's lines about payment notifications: the demo tenant's URL, the simulator's payment routes, and
whether PLATFORM_EVENTS_URL delivery is on."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from midtrans_local.banner import notification_lines, simulator_payment_curls

URL = "http://127.0.0.1:3000/v1/notifications/midtrans/TOKEN"


def fake_stack(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "notification_url": URL,
        "simulator_notification_url": URL,
        "platform_events_url": "",
        "simulator": object(),
        "midtrans_base_url": "http://127.0.0.1:4000",
    }
    return SimpleNamespace(**{**values, **overrides})


def test_the_notification_url_and_that_the_simulator_uses_it() -> None:
    lines = "\n".join(notification_lines(fake_stack(), "tenant-demo"))
    assert f"tenant-demo's notification URL {URL}" in lines
    assert "simulator's Payment Notification URL" in lines


def test_delivery_on_names_the_url_and_off_says_how_to_turn_it_on() -> None:
    on = "\n".join(notification_lines(fake_stack(platform_events_url="http://127.0.0.1:9999/"), "t"))
    assert "PLATFORM_EVENTS_URL on: every event on PlatformEventsBus is also POSTed to http://127.0.0.1:9999/" in on
    off = "\n".join(notification_lines(fake_stack(), "t"))
    assert "PLATFORM_EVENTS_URL off" in off and "docs/local-stack.md" in off


def test_no_url_no_url_line() -> None:
    lines = "\n".join(notification_lines(fake_stack(notification_url=None, simulator_notification_url=None), "t"))
    assert "notification URL" not in lines and "PLATFORM_EVENTS_URL off" in lines


def test_payment_routes_only_with_our_simulator_notifying_the_stack() -> None:
    curls = "\n".join(simulator_payment_curls(fake_stack(), "tenant-demo"))
    assert "curl -s -X POST http://127.0.0.1:4000/__simulator/payment-links/ORDER/pay" in curls
    assert '-d \'{"payment_type":"gopay"}\'' in curls
    assert "http://127.0.0.1:4000/__simulator/orders/ORDER/settle" in curls and "expire" in curls
    assert "http://127.0.0.1:4000/__simulator/notifications" in curls
    assert simulator_payment_curls(fake_stack(simulator=None), "t") == []
    assert simulator_payment_curls(fake_stack(simulator_notification_url=None), "t") == []
