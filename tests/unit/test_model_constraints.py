"""The request models' JSON Schemas (what docs/openapi.json and the LLM tools' input schemas publish) refuse exactly
what the models refuse, field by field; and credentials outside what Midtrans keys can contain are a 422 that names
the field and the rule, never the value, and never reach Midtrans."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from typing import Any

import jsonschema_rs
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from midtrans_native.actions.connection import _check_environment
from midtrans_native.errors import RequestRefused
from midtrans_native.models.admin import INVISIBLE_RANGES, ActionCreate
from midtrans_native.models.api import PaymentStatusBody
from midtrans_native.models.common import WHITESPACE
from midtrans_native.models.confirmations import DecisionBody, RefundBody, RefundDecisionBody
from midtrans_native.models.connection import BiSnapConnect, ConnectRequest
from midtrans_native.models.payment_links import (
    CustomerDetails,
    ItemDetail,
    LinkExpiry,
    PaymentLinkBody,
    PaymentLinkDefaults,
    TransactionDetails,
)
from tests.conftest import FakeLambdaContext, load_event

CONNECT: dict[str, Any] = {
    "server_key": "SB-Mid-server-LOCALSIMULATOR01",
    "client_key": "SB-Mid-client-LOCALSIMULATOR01",
    "environment": "sandbox",
}


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


BISNAP: dict[str, Any] = {
    "client_id": "G123456789-client",
    "client_secret": "s3cr3t-Secret.value",
    "private_key": _private_key(),
    "channel_id": "95221",
}
LINK: dict[str, Any] = {"transaction_details": {"order_id": "ORDER-1", "gross_amount": 150000}}
ACTION: dict[str, Any] = {"action_type": "request_refund", "action_name": "Refund", "trigger_description": "x"}

# ---- the schema admits what the model admits, and nothing else -------------------------------------------------

# What a client might send: anything JSON can carry, biased towards the edges of the rules.
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e13, max_value=1e13),
    st.integers(min_value=0, max_value=10**6).map(float),  # whole numbers written with a fraction: 150000.0
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="ascii"), max_size=60),
    st.sampled_from(["", " ", "  A-1 ", ".", "..", "a.b", "ORDER-1", "SB-Mid-server-abc€", "Mid-server-x1234567"]),
)


def _set(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(document)
    *parents, last = path.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return body


def _agree(model: type[BaseModel], body: dict[str, Any]) -> tuple[bool, bool]:
    schema_says = jsonschema_rs.validator_for(model.model_json_schema()).is_valid(body)
    try:
        validated = model.model_validate(body)
        if isinstance(validated, ConnectRequest):
            _check_environment(validated)  # the one request rule outside the model: a 422 before any call
        model_says = True
    except (ValidationError, RequestRefused):
        model_says = False
    return schema_says, model_says


# (model, a valid body, the field varied, extra values for it); each field's own schema pattern is drawn from too.
FIELDS: list[tuple[type[BaseModel], dict[str, Any], str, list[Any]]] = [
    (PaymentStatusBody, {}, "order_id", ["", "   ", "\t", "A" * 50, "A" * 51, "...", "a/b", " A-1", "ordér"]),
    (PaymentStatusBody, {}, "conversation_id", ["conv-1", "conv 1", "conv\u00851", "conv\ufeff", "x" * 129]),
    (PaymentStatusBody, {}, "locale", ["en", "id", "fr", "EN"]),
    (RefundBody, {}, "amount", [1, 1.0, 150000.0, 0, 0.0, 1.5, "1", True, 999_999_999_999, 10**12]),
    (RefundBody, {}, "reason", ["ok", "", "a\nb", "x" * 255, "x" * 256]),
    (RefundDecisionBody, {"decision": "confirm"}, "amount", [1, 2.0, -1, "2"]),
    (DecisionBody, {"decision": "confirm"}, "decision", ["confirm", "decline", "yes", None]),
    (TransactionDetails, LINK["transaction_details"], "gross_amount", [1, 1.0, 0, -5, 1.5, "1", True, 10**12]),
    (TransactionDetails, LINK["transaction_details"], "order_id", [None, "", "..", "A" * 51]),
    (ItemDetail, {"name": "Coffee", "price": 1, "quantity": 1}, "name", ["😀" * 25, "😀" * 26, "a" * 50, "<b>"]),
    (ItemDetail, {"name": "Coffee", "price": 1, "quantity": 1}, "price", [1, 1.0, 0, -1, 2.5]),
    (ItemDetail, {"name": "Coffee", "price": 1, "quantity": 1}, "quantity", [1, 10_000, 10_001, 0, 3.0]),
    (ItemDetail, {"name": "Coffee", "price": 1, "quantity": 1}, "brand", ["  ", " Kopi ", "x" * 51]),
    (CustomerDetails, {"first_name": "Budi"}, "email", ["a@b.co", "a@b", " a@b.co", "x" * 45 + "@b.co"]),
    (CustomerDetails, {"first_name": "Budi"}, "phone", ["+62 812-3456 (789)", "+62 812", "62+812345", "0812345678"]),
    (CustomerDetails, {"first_name": "Budi"}, "notes", ["ok", "", "😀" * 128, "é" * 255]),
    (CustomerDetails, {"email": "a@b.co"}, "first_name", [None, "Budi", "   "]),
    (LinkExpiry, {"duration": 1, "unit": "day"}, "unit", ["day", "days", "hours", "Hours", "week", " day"]),
    (LinkExpiry, {"duration": 1, "unit": "day"}, "duration", [1, 365, 366, 0, 1.0]),
    (LinkExpiry, {"duration": 1, "unit": "minute"}, "duration", [525_600, 525_601]),
    (PaymentLinkBody, LINK, "usage_limit", [0, 1, 1.0, 1_000_000, 1_000_001, "1"]),
    (PaymentLinkBody, LINK, "channel_type", ["", "whatsapp", " WhatsApp ", "web chat", "x" * 33, "\u212a"]),
    (PaymentLinkBody, LINK, "enabled_payments", [[], ["gopay"], ["gopay", "gopay"], ["cash"]]),
    (PaymentLinkBody, LINK, "item_details", [[], [{"name": "Coffee", "price": 150000, "quantity": 1}]]),
    (PaymentLinkDefaults, {}, "order_id_prefix", ["", "SHOP-1", "A" * 20, "A" * 21, "..", "toko baju"]),
    (
        ConnectRequest,
        CONNECT,
        "server_key",
        ["SB-Mid-server-abc€", "SB Mid server x", "Mid-server-x1234567", "短い鍵です短い鍵"],
    ),
    (ConnectRequest, CONNECT, "client_key", ["SB-Mid-client-é1234", "Mid-client-x1234567", "short"]),
    (ConnectRequest, CONNECT, "partner_id", [None, "P-1", "P 1", "", "p" * 65]),
    (ConnectRequest, CONNECT, "merchant_id", [None, "G000000001", "G00000000€"]),
    (ConnectRequest, CONNECT, "environment", ["sandbox", "production", "live"]),
    (BiSnapConnect, BISNAP, "client_id", ["G1-client", "G1 client", "G1-clïent"]),
    (BiSnapConnect, BISNAP, "client_secret", ["s3cr3t-Secret.value", "sécret-value", "secret value 1", "short"]),
    (BiSnapConnect, BISNAP, "channel_id", ["95221", "9522", "95221 ", "٩٥٢٢١"]),
    (ActionCreate, ACTION, "action_name", ["Refund", "  a  b  ", "   ", "x" * 100, "x" * 101, "a\u200bb", "a\tb"]),
    (ActionCreate, ACTION, "action_type", ["request_refund", "create_invoice", "nope"]),
    (ActionCreate, ACTION, "defaults", [None, {}, {"usage_limit": 2}]),
]


def _pattern_strings(model: type[BaseModel], body: dict[str, Any], path: str) -> st.SearchStrategy[Any]:
    """Strings drawn from every pattern the field's schema carries: the values a schema-driven client sends."""
    text = json.dumps(model.model_json_schema())
    name = path.split(".")[-1]
    start = text.find(f'"{name}"')
    patterns = re.findall(r'"pattern": "((?:[^"\\]|\\.)*)"', text[start : start + 4000]) if start >= 0 else []
    found = [json.loads(f'"{pattern}"') for pattern in patterns]
    return st.one_of([st.from_regex(pattern) for pattern in found]) if found else st.nothing()


@pytest.mark.parametrize(
    ("model", "body", "path", "values"), FIELDS, ids=[f"{m.__name__}.{p}" for m, _, p, _ in FIELDS]
)
def test_schema_and_model_agree_on_listed_values(
    model: type[BaseModel], body: dict[str, Any], path: str, values: list[Any]
) -> None:
    assert _agree(model, body) == (True, True), "the base body must be valid"
    disagreements = [value for value in values if len(set(_agree(model, _set(body, path, value)))) != 1]
    assert not disagreements, f"{model.__name__}.{path}: schema and model disagree on {disagreements!r}"


@pytest.mark.parametrize(
    ("model", "body", "path", "values"), FIELDS, ids=[f"{m.__name__}.{p}" for m, _, p, _ in FIELDS]
)
def test_schema_and_model_agree_on_generated_values(
    model: type[BaseModel], body: dict[str, Any], path: str, values: list[Any]
) -> None:
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(JSON_SCALARS, _pattern_strings(model, body, path)))
    def check(value: Any) -> None:
        schema_says, model_says = _agree(model, _set(body, path, value))
        assert schema_says == model_says, f"{model.__name__}.{path}={value!r}: schema {schema_says}, model {model_says}"

    check()


def test_cross_field_rules_are_in_the_schema() -> None:
    """BI-SNAP needs partner_id and merchant_id; keys of the other environment are refused; a customer needs a
    first name, e-mail or phone; defaults only for payment links; an expiry of at most a year per unit."""
    cases: list[tuple[type[BaseModel], dict[str, Any]]] = [
        (ConnectRequest, {**CONNECT, "bisnap": BISNAP}),
        (ConnectRequest, {**CONNECT, "bisnap": BISNAP, "partner_id": "P1", "merchant_id": None}),
        (ConnectRequest, {**CONNECT, "server_key": "Mid-server-abcdefgh"}),
        (ConnectRequest, {**CONNECT, "environment": "production"}),
        (CustomerDetails, {"last_name": "Santoso"}),
        (CustomerDetails, {"first_name": None, "email": None, "phone": None}),
        (ActionCreate, {**ACTION, "defaults": {"usage_limit": 2}}),
        (LinkExpiry, {"duration": 366, "unit": "days"}),
        (LinkExpiry, {"duration": 8761, "unit": "hour"}),
    ]
    for model, body in cases:
        assert _agree(model, body) == (False, False), (model.__name__, body)
    assert _agree(ActionCreate, {**ACTION, "action_type": "create_payment_link", "defaults": {}}) == (True, True)


# ---- numbers: JSON Schema's "integer" admits 1.0, and so does the code --------------------------------------------


@pytest.mark.parametrize("amount", [1.0, 150000.0])
def test_a_whole_number_written_with_a_fraction_is_that_integer(amount: float) -> None:
    assert RefundBody.model_validate({"amount": amount}).amount == int(amount)
    details = TransactionDetails.model_validate({"gross_amount": amount})
    assert details.gross_amount == int(amount) and isinstance(details.gross_amount, int)
    assert PaymentLinkBody.model_validate({**LINK, "usage_limit": 1.0}).usage_limit == 1


@pytest.mark.parametrize(
    ("model", "field"),
    [(RefundBody, "amount"), (TransactionDetails, "gross_amount"), (PaymentLinkBody, "usage_limit")],
)
def test_number_rules_reach_the_schema(model: type[BaseModel], field: str) -> None:
    schema = model.model_json_schema()["properties"][field]
    integer = next(option for option in [schema, *schema.get("anyOf", [])] if option.get("type") == "integer")
    assert integer["maximum"] > 1 and ("minimum" in integer or "exclusiveMinimum" in integer)
    assert not {"gt", "ge", "lt", "le"} & set(integer), "pydantic constraints that JSON Schema ignores"


# ---- credentials: what Midtrans keys can contain ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "body", "field", "value"),
    [
        (ConnectRequest, CONNECT, "server_key", "SB-Mid-server-abc€def"),  # outside Latin-1: was a 500
        (ConnectRequest, CONNECT, "server_key", "SB-Mid-server-abcé"),  # Latin-1, not ASCII
        (ConnectRequest, CONNECT, "server_key", "SB-Mid-server abc"),
        (ConnectRequest, CONNECT, "server_key", "SB-Mid-server-\x00abc"),
        (ConnectRequest, CONNECT, "client_key", "SB-Mid-client-€bc"),
        (ConnectRequest, CONNECT, "partner_id", "PARTNER-€"),
        (ConnectRequest, CONNECT, "merchant_id", "G0000 0001"),
        (BiSnapConnect, BISNAP, "client_id", "client-😀"),
        (BiSnapConnect, BISNAP, "client_secret", "secret-value-€€€"),
        (BiSnapConnect, BISNAP, "channel_id", "9522€"),
    ],
)
def test_credentials_outside_midtrans_key_characters_are_refused_without_echo(
    model: type[BaseModel], body: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate({**body, field: value})
    [error] = [e for e in raised.value.errors() if e["loc"][-1] == field]
    assert value not in error["msg"]
    assert "must be" in error["msg"]  # the rule, in words
    schema = model.model_json_schema()["properties"][field]
    [pattern] = [option["pattern"] for option in [schema, *schema.get("anyOf", [])] if "pattern" in option]
    assert not re.search(pattern, value), f"{field}: the schema must say so too"


def test_every_credential_field_carries_its_pattern() -> None:
    connect = ConnectRequest.model_json_schema()
    bisnap = connect["$defs"]["BiSnapConnect"]
    for schema, fields in (
        (connect, ("server_key", "client_key")),
        (bisnap, ("client_id", "client_secret", "channel_id", "private_key")),
    ):
        for field in fields:
            assert schema["properties"][field]["pattern"].startswith("^"), field
    for field in ("partner_id", "merchant_id"):
        [string] = [o for o in connect["properties"][field]["anyOf"] if o.get("type") == "string"]
        assert string["pattern"].startswith("^")
    # The secrets stay secret in the schema too.
    assert connect["properties"]["server_key"]["writeOnly"] is True
    assert bisnap["properties"]["client_secret"]["writeOnly"] is True


def test_a_non_latin1_server_key_is_a_422_naming_the_field_and_nothing_reaches_midtrans() -> None:
    from functions.connection.app import lambda_handler

    key = "SB-Mid-server-LOCAL€SIMULATOR01"
    event = load_event("connection.put_sandbox", body={**CONNECT, "server_key": key})
    with responses.RequestsMock(assert_all_requests_are_fired=False) as midtrans:
        result = lambda_handler(event, FakeLambdaContext())
        assert len(midtrans.calls) == 0
    body = json.loads(result["body"])
    assert result["statusCode"] == 422 and body["error"] == "invalid_request"
    assert "server_key" in body["message"] and "printable ASCII" in body["message"]
    assert key not in result["body"] and "€" not in result["body"]


# ---- the Unicode tables behind the patterns -------------------------------------------------------------------------


def test_whitespace_class_is_pythons_whitespace() -> None:
    whitespace = re.compile(f"[{WHITESPACE}]")
    assert {chr(c) for c in range(0x110000) if chr(c).isspace()} == {
        chr(c) for c in range(0x3100) if whitespace.fullmatch(chr(c))
    }


def test_invisible_ranges_are_unicodes_control_format_and_bmp_private_use() -> None:
    expected = {
        c
        for c in range(0x110000)
        if not chr(c).isspace()
        and (unicodedata.category(chr(c)) in ("Cc", "Cf") or (unicodedata.category(chr(c)) == "Co" and c <= 0xFFFF))
    }
    listed = {c for low, high in INVISIBLE_RANGES for c in range(low, high + 1)}
    assert listed == expected, "Python's Unicode tables changed: regenerate INVISIBLE_RANGES"
