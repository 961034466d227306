"""Schemathesis over every route of docs/openapi.json, against a local stack of its own (`make run`'s server).

All of schemathesis' checks run (no server errors, response schema and status code conformance, content type,
response headers, schema-valid data accepted, schema-invalid data rejected, ...) on generated positive and
negative requests, with a fixed seed, derandomized, and a bounded number of examples per operation:
SCHEMATHESIS_EXAMPLES, 10 in `make test` (under a minute here), 100 in `make schemathesis`.

What the test adds to the generated requests, and why:

* the token: an `ai_agent` token of tenant-demo on agent routes, an `admin` token of the same tenant on admin
  routes (the `admin` tag);
* in a `before_call` hook, the rules a JSON Schema cannot state, applied so the request stays what it claims to
  be (schemathesis re-checks a case a hook changed against the schema, so a negative case stays negative only if
  it still is): the deprecated body fields `conversation_id`, `locale`, `channel_type` are dropped (their
  headers are the documented way; when both are sent they must agree, a rule across locations), and a payment
  link's `gross_amount` is set to its items' total (which it must equal);
* a strategy for the `pem-rsa-private-key` format (BI-SNAP private keys): real RSA keys, since whether a string
  is a usable key no pattern can say.

Operations whose schema-valid requests legitimately get a 4xx (`positive_data_acceptance` narrowed per operation,
everything else must answer 2xx to valid data):

* decisions on `/v1/cancellations/{id}` and `/v1/refunds/{id}`, and `/v1/actions/{action_id}`: a generated id
  names no confirmation or action of this tenant: 404;
* `POST /v1/actions`: the seeded tenant has an action of every type already: 409 action_type_taken;
* `POST /v1/payment-links`: a generated order_id that an earlier example used with other details: 409
  order_id_taken (the same details again are a 200 `replayed`);
* `PUT /v1/connection`: generated keys are not keys Midtrans (the simulator) knows: 400 connection_failed.
* Midtrans' notification routes: a generated token names no connected tenant's notification URL: 404
  unknown_notification_url (the token is an unguessable secret; tests/e2e/test_notifications_e2e.py covers the
  real URL).

`DELETE /v1/connection` is excluded: it disconnects the tenant, and every agent route would answer 409
not_connected from then on (it is covered by tests/e2e/test_connection_e2e.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from midtrans_local.tokens import issue_dev_token
from midtrans_native.models.connection import PEM_PRIVATE_KEY_FORMAT
from midtrans_native.models.payment_links import MAX_RUPIAH
from tests.conftest import ROOT
from tests.e2e.conftest import RunningStack, start_stack, stop_stack

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))
SEED = int(os.environ.get("SCHEMATHESIS_SEED", "20261127"))
TENANT = "tenant-demo"
DEPRECATED_BODY_FIELDS = ("conversation_id", "locale", "channel_type")


def _expect(operation: str, *statuses: str) -> dict[str, Any]:
    return {
        "include-name": operation,
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", *statuses]}},
    }


CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        # The token is the test's to give (below), not a generated parameter: a "missing Authorization" case would
        # get it anyway. Unauthenticated requests are still made, by the ignored_auth check.
        "generation": {
            "max-examples": EXAMPLES,
            "deterministic": True,
            "mode": "all",
            "with-security-parameters": False,
        },
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx"]},
            # API Gateway (HTTP API) answers a method no route declares with 404 {"message": "Not Found"}, never
            # 405 with Allow: the check's premise does not hold for it (docs/openapi.json's description says so).
            "unsupported_method": {"enabled": False},
        },
        # Undeclared methods are still probed, with the methods the local stack's HTTP server routes (TRACE and
        # QUERY get http.server's own 501 there, which says nothing about API Gateway).
        "phases": {"coverage": {"unexpected-methods": ["GET", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]}},
        "operations": [
            {"include-name": "DELETE /v1/connection", "enabled": False},
            _expect("POST /v1/cancellations/{confirmation_id}/decision", "404"),
            _expect("POST /v1/refunds/{confirmation_id}/decision", "404"),
            _expect("GET /v1/actions/{action_id}", "404"),
            _expect("PUT /v1/actions/{action_id}", "404"),
            _expect("DELETE /v1/actions/{action_id}", "404"),
            _expect("POST /v1/actions", "409"),
            _expect("POST /v1/payment-links", "409"),
            _expect("PUT /v1/connection", "400"),
            _expect("POST /v1/notifications/midtrans/{token}", "404"),
            _expect("POST /v1/notifications/midtrans/{token}/v1.0/debit/notify", "404"),
            _expect("POST /v1/notifications/midtrans/{token}/v1.0/qr/qr-mpm-notify", "404"),
        ],
    }
)
OPENAPI = ROOT / "docs" / "openapi.json"


@schemathesis.hook("before_call")  # a global hook (schemathesis has no per-schema before_call): for this schema only
def _rules_json_schema_cannot_state(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    body = case.body
    if case.operation.schema.location != OPENAPI.absolute().as_uri() or not isinstance(body, dict):
        return
    if "agent" in (case.operation.definition.raw.get("tags") or []):
        for field in DEPRECATED_BODY_FIELDS:
            body.pop(field, None)
    details, items = body.get("transaction_details"), body.get("item_details")
    if isinstance(details, dict) and isinstance(items, list) and items:
        lines = [(_whole(item.get("price")), _whole(item.get("quantity"))) for item in items if isinstance(item, dict)]
        if len(lines) == len(items) and None not in sum(lines, ()):
            total = sum(price * quantity for price, quantity in lines)  # type: ignore[operator]
            if 1 <= total <= MAX_RUPIAH:
                details["gross_amount"] = total


def _whole(value: Any) -> int | None:
    """JSON Schema's integers, 150000.0 included (schemathesis sends those too)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@pytest.fixture(scope="module")
def api() -> Iterator[RunningStack]:
    running = start_stack()  # its own stack: nothing here changes the state the other e2e tests see
    yield running
    stop_stack(running)


@pytest.fixture(scope="module")
def openapi_schema() -> Any:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    schemathesis.openapi.format(PEM_PRIVATE_KEY_FORMAT, st.just(pem.decode()))
    return schemathesis.openapi.from_path(OPENAPI, config=CONFIG)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32's lazy loader reads `node._nodeid`, which pytest 9.2 renamed (`nodeid` is the public name).
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


# Loaded when the test runs, not when pytest collects: the cases (the coverage phase's included) are generated only
# by the worker that runs the test, and every operation runs there, against one stack.
schema = schemathesis.pytest.from_fixture("openapi_schema")
TOKENS = {role: issue_dev_token(TENANT, role) for role in ("admin", "ai_agent")}


@schema.parametrize()
def test_the_api_honours_its_contract(case: schemathesis.Case, api: RunningStack) -> None:
    admin = "admin" in (case.operation.definition.raw.get("tags") or [])
    token = TOKENS["admin" if admin else "ai_agent"]
    case.call_and_validate(base_url=api.api, headers={"Authorization": f"Bearer {token}"})
