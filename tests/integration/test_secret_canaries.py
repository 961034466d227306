"""Canary secrets sent through every route in every malformed way never come back: not in a response body, not in
a log line, with the service logging at DEBUG (LOG_LEVEL=DEBUG) and every other logger at DEBUG too.

The canaries look like what a caller could paste by mistake: a Midtrans server key, a BI-SNAP client secret, a PEM
private key and a JWT. They go in form fields and form keys, multipart parts, JSON values of the wrong type, extra
fields, values too long, nested values, JSON keys, broken JSON, oversized and deep bodies, the headers the service
reads (X-Conversation-Id, X-Channel-Type, Accept-Language, X-Customer-Message-Id), query strings and path
parameters. A request that is refused must not repeat any of them; one that is not (a header that is ignored) must
not log them.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from midtrans_native.api import MAX_BODY_BYTES
from midtrans_native.observability import logger as service_logger
from tests.conftest import load_event

from .conftest import NOT_FOUND_BODY, PROBE, invoke
from .test_hostile_requests import EVENT_OF_ROUTE, MCP, allowed_claims, function_of, reads_body, route_event

SERVER_KEY = "SB-Mid-server-CANARYq7Zx3Lw9Tf2Kp"
BISNAP_SECRET = "CANARYbisnap5f0c2e9a41b74d3e9b1a77aa0c3e51d2"
PRIVATE_KEY = "\n".join(
    [
        "-----BEGIN PRIVATE KEY-----",
        "MIIEvCANARYpkXq93LmZt0Rw7Ys4Vb2Nc8Jh5Fd1Ka6GeTu",
        "-----END PRIVATE KEY-----",
        "",
    ]
)
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJDQU5BUllqd3QifQ.CANARYjwtSIGq8Zx7Lw2Tf9KpR4"
CANARIES = {"server key": SERVER_KEY, "BI-SNAP client secret": BISNAP_SECRET, "private key": PRIVATE_KEY, "JWT": JWT}
# The part of each canary that is its own: any 12 characters of it found anywhere is a leak (pydantic's reprs cut
# long values in the middle), as is the word every canary holds.
CORES = {
    "server key": "CANARYq7Zx3Lw9Tf2Kp",
    "BI-SNAP client secret": "CANARYbisnap5f0c2e9a41b74d3e9b1a77aa0c3e51d2",
    "private key": "MIIEvCANARYpkXq93LmZt0Rw7Ys4Vb2Nc8Jh5Fd1Ka6GeTu",
    "JWT": "CANARYjwtSIGq8Zx7Lw2Tf9KpR4",
}
FRAGMENT = 12


def base64_needles(core: str) -> list[str]:
    """The core as it appears inside any base64 text (a KMS plaintext, a Basic header), at each of the 3 alignments."""
    needles = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + core.encode()).decode()
        start, end = (offset + 2) // 3 * 4, (offset + len(core)) // 3 * 4
        needles.append(encoded[start:end])
    return needles


NEEDLES: dict[str, list[str]] = {
    name: [
        canary,
        json.dumps(canary)[1:-1],
        urllib.parse.quote(canary),
        urllib.parse.quote_plus(canary),
        *(CORES[name][at : at + FRAGMENT] for at in range(len(CORES[name]) - FRAGMENT + 1)),
        *base64_needles(CORES[name]),
    ]
    for name, canary in CANARIES.items()
}


def leaks(text: str) -> dict[str, str]:
    """Canary name -> where it was found (with some context), for every canary a fragment of which is in `text`."""
    found = {}
    lowered = text.lower()
    for name, needles in NEEDLES.items():
        for needle in needles:
            at = text.find(needle)
            if at < 0:
                at = lowered.find(needle.lower())
            if at >= 0:
                found[name] = text[max(0, at - 150) : at + len(needle) + 50]
                break
    if "canary" in lowered and not found:
        at = lowered.find("canary")
        found["a fragment"] = text[max(0, at - 150) : at + 60]
    return found


@pytest.fixture
def debug_logs(
    monkeypatch: pytest.MonkeyPatch, log_output, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[[], str]]:
    """LOG_LEVEL=DEBUG for the service logger (re-read from the environment, as a new execution environment would),
    every other logger at DEBUG through the root; returns a function that gives everything written so far."""
    monkeypatch.delenv("POWERTOOLS_LOG_LEVEL", raising=False)
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    previous = service_logger.log_level
    service_logger.setLevel(None)  # None: the level comes from POWERTOOLS_LOG_LEVEL / LOG_LEVEL
    assert service_logger.log_level == logging.DEBUG
    caplog.set_level(logging.DEBUG)

    def everything() -> str:
        records = "\n".join(f"{record.getMessage()} {vars(record)!r}" for record in caplog.records)
        captured = capsys.readouterr()
        return "\n".join([log_output.getvalue(), records, caplog.text, captured.out, captured.err])

    try:
        yield everything
    finally:
        service_logger.setLevel(previous)


@pytest.fixture
def midtrans_answers_anything(connected: str, midtrans: responses.RequestsMock) -> responses.RequestsMock:
    """tenant-demo connected, every action configured; any Midtrans call is answered "not found"."""
    for method in (responses.GET, responses.POST, responses.PATCH, responses.DELETE):
        midtrans.add(method, re.compile(r"https?://.*"), json=NOT_FOUND_BODY)
    return midtrans


# ---- the malformed ways -------------------------------------------------------------------------------------------

ALL = list(CANARIES.values())


def malformed(value: str) -> str:
    """The canary made invalid for any identifier or header rule: a space and a control character in it."""
    return f"{value} \x07 {value}"


def replace_leaves(value: Any, make: Callable[[int], Any], counter: list[int] | None = None) -> Any:
    """`value` with every scalar leaf replaced by make(n), n counting the leaves."""
    counter = counter if counter is not None else [0]
    if isinstance(value, dict):
        return {key: replace_leaves(item, make, counter) for key, item in value.items()}
    if isinstance(value, list):
        return [replace_leaves(item, make, counter) for item in value]
    counter[0] += 1
    return make(counter[0])


def canary(n: int) -> str:
    return ALL[n % len(ALL)]


FIELD_NAMES = [
    "server_key",
    "client_key",
    "environment",
    "order_id",
    "amount",
    "decision",
    "action_type",
    "action_name",
    "conversation_id",
    "channel_type",
    "locale",
    "reason",
    "partner_id",
    "merchant_id",
]


def body_variants(valid: dict[str, Any]) -> dict[str, tuple[str | bytes, str | None]]:
    """Name -> (body, Content-Type); bytes go base64-encoded."""
    extra = {"zz_extra_field": SERVER_KEY, "client_secret": BISNAP_SECRET, "private_key": PRIVATE_KEY, "jwt": JWT}
    form_values = urllib.parse.urlencode({"server_key": SERVER_KEY, "client_secret": BISNAP_SECRET, "jwt": JWT})
    parts = "".join(
        f'--B0undary\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in [("server_key", SERVER_KEY), ("private_key", PRIVATE_KEY), ("jwt", JWT)]
    )
    wrong_types = {name: {"nested": canary(i)} for i, name in enumerate(FIELD_NAMES)}
    as_values = {name: canary(i) for i, name in enumerate(FIELD_NAMES)}
    bisnap = {
        **as_values,
        "environment": "sandbox",
        "bisnap": {"client_id": JWT, "client_secret": BISNAP_SECRET, "private_key": PRIVATE_KEY, "channel_id": "x"},
    }
    return {
        "form values": (
            f"{form_values}&private_key={urllib.parse.quote(PRIVATE_KEY)}",
            "application/x-www-form-urlencoded",
        ),
        "form keys": ("&".join(f"{urllib.parse.quote(c)}=1" for c in ALL), "application/x-www-form-urlencoded"),
        "valid JSON sent as a form": (json.dumps({**valid, **extra}), "application/x-www-form-urlencoded"),
        "multipart": (parts + "--B0undary--\r\n", "multipart/form-data; boundary=B0undary"),
        "text/plain": (json.dumps({**valid, **extra}), "text/plain"),
        "extra fields": (json.dumps({**valid, **extra}), "application/json"),
        "every field a canary": (json.dumps(replace_leaves(valid, canary) | {"zz": 1}), "application/json"),
        "every field malformed": (
            json.dumps(replace_leaves(valid, lambda n: malformed(canary(n)))),
            "application/json",
        ),
        "every field too long": (json.dumps(replace_leaves(valid, lambda n: canary(n) * 40)), "application/json"),
        "every field of the wrong type": (json.dumps(replace_leaves(valid, lambda n: [canary(n)])), "application/json"),
        "known fields as canaries": (json.dumps({**valid, **as_values}), "application/json"),
        "known fields of the wrong type": (json.dumps({**valid, **wrong_types}), "application/json"),
        "BI-SNAP credentials as canaries": (json.dumps(bisnap), "application/json"),
        "nested": (
            json.dumps({**valid, "a": {"b": [SERVER_KEY, {"c": BISNAP_SECRET, "d": [PRIVATE_KEY, JWT]}]}}),
            None,
        ),
        "canaries as keys": (json.dumps({**valid, **dict.fromkeys(ALL, 1)}), "application/json"),
        "array": (json.dumps([{**valid, **extra}, *ALL]), "application/json"),
        "repeated key": ('{"order_id": ' + json.dumps(SERVER_KEY) + ', "order_id": ' + json.dumps(JWT) + "}", None),
        "broken JSON": (json.dumps({**valid, **extra})[:-3], "application/json"),
        "NaN among canaries": (json.dumps({**extra, "amount": 1})[:-2] + "NaN}", "application/json"),
        "invalid UTF-8": (json.dumps(extra).encode()[:-1] + b', "x": "\xff\xfe"}', "application/json"),
        "oversized": (json.dumps({**extra, "pad": SERVER_KEY * (MAX_BODY_BYTES // len(SERVER_KEY) + 1)}), None),
        "deep": ("[" * 60 + json.dumps(extra) + "]" * 60, "application/json"),
        "very deep": ("[" * 5000 + json.dumps(ALL) + "]" * 5000, "application/json"),
        "a JSON string": (json.dumps(SERVER_KEY), "application/json"),
    }


def header_variants() -> dict[str, dict[str, str]]:
    return {
        "X-Conversation-Id malformed": {"x-conversation-id": malformed(SERVER_KEY)},
        "X-Conversation-Id too long": {"x-conversation-id": JWT * 10},
        "X-Conversation-Id a PEM": {"x-conversation-id": PRIVATE_KEY},
        "X-Channel-Type malformed": {"x-channel-type": malformed(BISNAP_SECRET)},
        "X-Channel-Type a JWT": {"x-channel-type": JWT},
        "Accept-Language a key": {"accept-language": SERVER_KEY},
        "Accept-Language a PEM": {"accept-language": PRIVATE_KEY},
        "X-Customer-Message-Id malformed": {"x-customer-message-id": malformed(JWT)},
        "X-Customer-Message-Id too long": {"x-customer-message-id": BISNAP_SECRET * 10},
        "every header at once": {
            "x-conversation-id": malformed(JWT),
            "x-channel-type": malformed(SERVER_KEY),
            "accept-language": BISNAP_SECRET,
            "x-customer-message-id": PRIVATE_KEY,
        },
    }


def query_variants() -> dict[str, dict[str, str]]:
    return {
        "query: unknown parameters": {"server_key": SERVER_KEY, "client_secret": BISNAP_SECRET},
        "query: format and locale": {"format": JWT, "locale": SERVER_KEY},
        "query: a PEM": {"format": PRIVATE_KEY, "locale": PRIVATE_KEY},
    }


def set_body(event: dict[str, Any], body: str | bytes, content_type: str | None) -> None:
    if isinstance(body, bytes):
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"], event["isBase64Encoded"] = body, False
    event["headers"].pop("content-type", None)
    if content_type is not None:
        event["headers"]["content-type"] = content_type


def canary_events(route_key: str) -> dict[str, dict[str, Any]]:
    """Every malformed request for one route: name -> event (the caller is one the route admits)."""

    def admitted(event: dict[str, Any]) -> dict[str, Any]:
        if "authorizer" in event["requestContext"]:  # Midtrans' notification routes have no JWT
            event["requestContext"]["authorizer"]["jwt"]["claims"].update(allowed_claims(route_key))
        return event

    def base() -> dict[str, Any]:
        return admitted(route_event(route_key))

    valid = json.loads(route_event(route_key).get("body") or "{}")
    events: dict[str, dict[str, Any]] = {}
    for name, (body, content_type) in body_variants(valid).items():
        events[name] = base()
        set_body(events[name], body, content_type)
    for name, headers in header_variants().items():
        events[name] = base()
        events[name]["headers"].update(headers)
    for name, query in query_variants().items():
        events[name] = base()
        events[name]["rawQueryString"] = urllib.parse.urlencode(query)
        events[name]["queryStringParameters"] = query
    for parameter in (route_event(route_key).get("pathParameters") or {}).items():
        name, _value = parameter
        for label, bad in (("a key", SERVER_KEY), ("a JWT", JWT), ("malformed", malformed(BISNAP_SECRET))):
            event = load_event(EVENT_OF_ROUTE[route_key], path={name: urllib.parse.quote(bad, safe="")})
            event["pathParameters"][name] = bad
            events[f"path {name}: {label}"] = admitted(event)
    return events


BODY_VARIANT_NAMES = set(body_variants({}))


@pytest.mark.parametrize("route_key", [key for key in EVENT_OF_ROUTE if key != MCP])
def test_canaries_sent_every_malformed_way_never_come_back(
    midtrans_answers_anything: responses.RequestsMock, debug_logs: Callable[[], str], route_key: str
) -> None:
    function = function_of(route_key)
    answers: dict[str, str] = {}
    not_refused: dict[str, int] = {}
    for name, event in canary_events(route_key).items():
        status, body = invoke(function, event)
        answers[name] = json.dumps(body)
        assert status < 500, (name, body)
        if name in BODY_VARIANT_NAMES and reads_body(route_key) and not 400 <= status < 500:
            not_refused[name] = status

    assert not_refused == {}, "a malformed body was accepted"
    found = {name: leak for name, answer in answers.items() if (leak := leaks(answer))}
    assert found == {}, "a response repeats a canary"
    assert leaks(debug_logs()) == {}, "a log line holds a canary"


# ---- MCP: JSON-RPC messages ---------------------------------------------------------------------------------------


def rpc(method: str, params: Any, id_: Any = 7) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params})


def call(name: str, arguments: Any) -> str:
    return rpc("tools/call", {"name": name, "arguments": arguments})


MCP_MESSAGES: dict[str, tuple[str, dict[str, str]]] = {
    "tool arguments: extra fields": (
        call("check_payment_status", {"order_id": "ORDER-1", "server_key": SERVER_KEY, "jwt": JWT}),
        {},
    ),
    "tool arguments: malformed values": (call("check_payment_status", {"order_id": malformed(SERVER_KEY)}), {}),
    "tool arguments: too long": (call("request_refund", {"order_id": JWT * 4, "reason": PRIVATE_KEY * 40}), {}),
    "tool arguments: wrong types": (
        call("create_payment_link", {"transaction_details": {"order_id": [SERVER_KEY], "gross_amount": JWT}}),
        {},
    ),
    "tool arguments: canaries as keys": (call("check_payment_status", dict.fromkeys(ALL, 1)), {}),
    "tool arguments: not an object": (call("check_payment_status", [SERVER_KEY, JWT]), {}),
    "decision: a canary confirmation id": (
        call("cancel_transaction_decision", {"confirmation_id": SERVER_KEY, "decision": PRIVATE_KEY}),
        {},
    ),
    "params: canaries": (rpc("tools/list", {"cursor": SERVER_KEY, "server_key": BISNAP_SECRET}), {}),
    "broken JSON": (call("check_payment_status", {"order_id": SERVER_KEY})[:-5], {}),
    "protocol version header a canary": (rpc("tools/list", {}), {"mcp-protocol-version": BISNAP_SECRET}),
    "accept header a canary": (rpc("tools/list", {}), {"accept": PRIVATE_KEY}),
    "headers: malformed conversation": (
        call("check_payment_status", {"order_id": "ORDER-1"}),
        {"x-conversation-id": malformed(SERVER_KEY), "x-customer-message-id": PRIVATE_KEY},
    ),
    "headers: channel and language": (
        call("create_payment_link", {"transaction_details": {"gross_amount": 1}}),
        {"x-channel-type": malformed(JWT), "accept-language": BISNAP_SECRET},
    ),
}
# Known echoes in the MCP layer (midtrans_native.agent_mcp and the MCP SDK), not in the REST error mapping: each one
# puts a value of the request into the JSON-RPC error it answers. Strict: the mark goes when the echo does.
MCP_ECHOES = {
    "tool name a canary": (
        call(SERVER_KEY, {}),
        "agent_mcp._on_call_tool answers 'Unknown tool: <the name>' (the first 128 characters of the value)",
    ),
    "method a canary": (rpc(JWT, {}), "mcp/server/runner.py:197: MCPError('Method not found', data=<the method>)"),
    "jsonrpc version a canary": (
        json.dumps({"jsonrpc": JWT, "id": 1, "method": "tools/list"}),
        "mcp/server/streamable_http.py:591: 'Validation error: {pydantic error}' (its input_value repr: the value's "
        "first and last 24 characters)",
    ),
    "a batch of canaries": (
        json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "x": c} for c in ALL]),
        "mcp/server/streamable_http.py:591, as above: the batch's repr",
    ),
}


def mcp_event(body: str, headers: dict[str, str]) -> dict[str, Any]:
    """POST /mcp in the 2025 protocol era (each POST self-contained, no per-request envelope), so that the message
    itself reaches the tool layer."""
    event = load_event("mcp_server.tools_list")
    event["headers"].pop("mcp-method", None)
    event["headers"].update({"mcp-protocol-version": "2025-11-25", **headers})
    event["body"] = body
    return event


# These once came back (the gateway's "Unknown tool: <name>", the SDK's `data=<method>` and its pydantic error text);
# the gateway now answers every JSON-RPC error with a fixed message per code.
MCP_CASES = [*MCP_MESSAGES, *MCP_ECHOES]


@pytest.mark.parametrize("name", MCP_CASES)
def test_canaries_in_mcp_messages_never_come_back(
    midtrans_answers_anything: responses.RequestsMock, debug_logs: Callable[[], str], name: str
) -> None:
    body, headers = MCP_MESSAGES[name] if name in MCP_MESSAGES else (MCP_ECHOES[name][0], {})

    status, answer = invoke("mcp_server", mcp_event(body, headers))

    assert status < 500, answer
    assert leaks(json.dumps(answer)) == {}, "the answer repeats a canary"
    assert leaks(debug_logs()) == {}, "a log line holds a canary"


def test_a_well_formed_connect_with_canary_credentials_logs_nothing_at_debug(
    aws, midtrans: responses.RequestsMock, debug_logs: Callable[[], str]
) -> None:
    """The one accepted request: the key reaches Midtrans (Basic auth) and KMS (encrypted at rest), and still
    no log line holds it, base64 or not: not botocore's wire logs of KMS Encrypt, not the probe's."""
    midtrans.get(PROBE, json=NOT_FOUND_BODY)
    connect = {"server_key": SERVER_KEY, "client_key": "SB-Mid-client-PUBLICCLIENT01", "environment": "sandbox"}

    status, body = invoke("connection", load_event("connection.put_sandbox", body=connect))
    answers = [json.dumps(body), json.dumps(invoke("connection", load_event("connection.get"))[1])]

    assert status == 200, body
    assert len(midtrans.calls) == 1
    assert leaks("\n".join(answers)) == {}
    assert leaks(debug_logs()) == {}, "a log line holds a canary"
