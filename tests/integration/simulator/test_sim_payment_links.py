"""Payment Link API against the simulator: real HTTP statuses and `error_messages` (docs/midtrans-behaviour.md §8)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

LINK: dict[str, Any] = {
    "transaction_details": {"order_id": "LINK-001", "gross_amount": 150000},
    "item_details": [
        {"id": "sku-1", "name": "Coffee beans", "price": 50000, "quantity": 2},
        {"id": "sku-2", "name": "Grinder", "price": 50000, "quantity": 1},
    ],
    "customer_details": {"first_name": "Budi", "phone": "+628123456789"},
    "usage_limit": 1,
    "expiry": {"duration": 2, "unit": "days"},
    "enabled_payments": ["gopay", "bca_va"],
}


def with_details(**details):
    return {**LINK, "transaction_details": {**LINK["transaction_details"], **details}}


def test_create_returns_the_order_and_a_non_guessable_payment_url(api, sim):
    first = api.post("/v1/payment-links", LINK)
    second = api.post("/v1/payment-links", with_details(order_id="LINK-002"))

    assert first.status_code == 200
    body = first.json()
    assert body["order_id"] == "LINK-001"
    match = re.fullmatch(re.escape(sim.base_url) + r"/payment-links/([a-z0-9-]{20,})", body["payment_url"])
    assert match is not None
    assert second.json()["payment_url"] != body["payment_url"]


def test_get_returns_the_stored_definition(api):
    url = api.post("/v1/payment-links", LINK).json()["payment_url"]

    response = api.get("/v1/payment-links/LINK-001")

    assert response.status_code == 200
    link = response.json()
    assert link["order_id"] == "LINK-001"
    assert link["payment_link_url"] == url
    assert url.endswith("/" + link["payment_link_id"])
    assert link["payment_link_type"] == "FIXED_AMOUNT"
    assert link["gross_amount"] == 150000
    assert link["usage_limit"] == 1
    assert link["usage"] == 0
    assert link["enabled_payments"] == ["gopay", "bca_va"]
    assert (link["expiry_duration"], link["expiry_unit"]) == (2, "days")
    assert [item["name"] for item in link["item_details"]] == ["Coffee beans", "Grinder"]
    assert link["customer_details"]["first_name"] == "Budi"
    assert link["purchases"] == []


def test_a_given_payment_link_id_becomes_the_slug_and_cannot_be_reused(api):
    first = api.post("/v1/payment-links", with_details(payment_link_id="my-link-1"))
    taken = api.post("/v1/payment-links", with_details(order_id="LINK-OTHER", payment_link_id="my-link-1"))

    assert first.json()["payment_url"].endswith("/payment-links/my-link-1")
    assert taken.status_code == 400
    assert taken.json() == {"error_messages": ["This Payment Link ID 'my-link-1' has been taken"]}


def test_duplicate_order_id_is_409(api):
    api.post("/v1/payment-links", LINK)

    again = api.post("/v1/payment-links", LINK)

    assert again.status_code == 409
    assert again.json() == {"error_messages": ["The Order ID 'LINK-001' has been taken"]}


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"item_details": []}, "transaction_details is required"),
        (with_details(order_id=None), "order_id is required"),
        (with_details(order_id="A" * 51), "order_id must not be longer than 50"),
        (with_details(order_id="ORDER/1"), "order_id must only contain"),
        (with_details(gross_amount=0), "gross_amount must be a positive integer"),
        (with_details(gross_amount=150000.5), "gross_amount must be a positive integer"),
        (with_details(gross_amount=149999), "gross_amount must be equal to the sum of item_details"),
        (with_details(payment_link_id="Upper_Case"), "payment_link_id must only contain"),
        ({**LINK, "item_details": [{"name": "N" * 51, "price": 150000, "quantity": 1}]}, "name must not be"),
        ({**LINK, "usage_limit": 0}, "usage_limit"),
        ({**LINK, "enabled_payments": ["cash"]}, "enabled_payments"),
    ],
)
def test_invalid_requests_are_400_with_an_array_of_messages(api, payload, fragment):
    response = api.post("/v1/payment-links", payload)

    assert response.status_code == 400
    messages = response.json()["error_messages"]
    assert isinstance(messages, list)
    assert any(fragment in message for message in messages), messages


def test_invalid_json_is_400_and_stores_nothing(api, sim):
    response = api.post_raw("/v1/payment-links", b'{"transaction_details": ')

    assert response.status_code == 400
    assert response.json() == {"error_messages": ["Invalid JSON data provided."]}
    assert sim.payment_link("LINK-001") is None


@pytest.mark.parametrize("key", [None, "SB-Mid-server-WRONG"])
def test_unauthorized_is_401_with_a_string_not_an_array(api, sim, key):
    response = api.post("/v1/payment-links", LINK, key=key)

    assert response.status_code == 401
    assert response.json() == {"error_messages": "Access denied due to unauthorized request"}
    assert sim.payment_link("LINK-001") is None
    assert api.get("/v1/payment-links/LINK-001", key=key).status_code == 401


def test_delete_then_get_and_delete_again_are_404(api):
    api.post("/v1/payment-links", LINK)

    deleted = api.delete("/v1/payment-links/LINK-001")

    assert deleted.status_code == 200
    assert deleted.json() == {"message": "Payment Link with Order ID LINK-001 deleted"}
    gone = api.get("/v1/payment-links/LINK-001")
    assert gone.status_code == 404
    assert gone.json() == {"error_messages": ["Payment link not found"]}
    assert api.delete("/v1/payment-links/LINK-001").status_code == 404
    # The order_id of a deleted link stays taken.
    assert api.post("/v1/payment-links", LINK).status_code == 409


def test_unknown_link_is_404(api):
    assert api.get("/v1/payment-links/NOPE").status_code == 404
    assert api.delete("/v1/payment-links/NOPE").json() == {"error_messages": ["Payment link not found"]}


def test_payment_url_opens_an_html_page_until_the_link_is_deleted(api):
    url = api.post("/v1/payment-links", LINK).json()["payment_url"]

    page = requests.get(url, timeout=5)
    api.delete("/v1/payment-links/LINK-001")
    after = requests.get(url, timeout=5)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "LINK-001" in page.text
    assert after.status_code == 404


def test_a_link_has_no_core_api_status_until_someone_pays(api):
    api.post("/v1/payment-links", LINK)

    assert api.status("LINK-001")["status_code"] == "404"


def test_dynamic_amount_links_need_no_gross_amount(api):
    payload = {
        "transaction_details": {"order_id": "LINK-DYN"},
        "payment_link_type": "DYNAMIC_AMOUNT",
        "dynamic_amount": {"min_amount": 10000, "max_amount": 50000},
    }

    assert api.post("/v1/payment-links", payload).status_code == 200
    link = api.get("/v1/payment-links/LINK-DYN").json()
    assert link["gross_amount"] is None
    assert link["dynamic_amount"] == {"min_amount": 10000, "max_amount": 50000}
