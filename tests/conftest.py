"""Shared fixtures: a credential-free AWS environment, event loading from events/, a fake Lambda context."""

from __future__ import annotations

import copy
import io
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

# Powertools reads these when the Logger/Metrics are created (module import), as Lambda's environment would.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "midtrans-native-actions")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "MidtransNativeActions")

from midtrans_native import deps
from midtrans_native.observability import logger as service_logger
from midtrans_native.observability import metrics

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch):
    """Every test runs against fake AWS credentials and the template's Powertools settings."""
    for name, value in {
        "AWS_DEFAULT_REGION": "ap-southeast-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_SERVICE_NAME": "midtrans-native-actions",
        "POWERTOOLS_METRICS_NAMESPACE": "MidtransNativeActions",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "LOG_LEVEL": "INFO",
        "CONNECTIONS_TABLE_NAME": "ConnectionsTable",
        "TOKEN_CACHE_TABLE_NAME": "TokenCacheTable",
        "CREDENTIALS_KEY_ID": "alias/not-created",
        "CONFIRMATIONS_TABLE_NAME": "ConfirmationsTable",
        "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
        "ACTIONS_TABLE_NAME": "ActionsTable",
        "NOTIFICATION_RECEIPTS_TABLE_NAME": "NotificationReceiptsTable",
        "ORDER_CONTEXTS_TABLE_NAME": "OrderContextsTable",
        "PLATFORM_EVENTS_BUS_NAME": "PlatformEventsBus",
        "PUBLIC_API_URL": "",
        # The repository's local flag file: ON for eligible plans (tests that need OFF point elsewhere).
        "FEATURE_FLAGS_FILE": str(ROOT / "config" / "feature-flags.local.json"),
        "MIDTRANS_API_BASE_URL": "",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    deps.reset()
    yield
    deps.reset()
    metrics.clear_metrics()  # the Metrics object is process-global, as in a warm Lambda


def load_event(
    name: str, *, body: Any = None, claims: dict[str, str] | None = None, path: dict[str, str] | None = None
) -> dict[str, Any]:
    """A deep copy of events/<name>.json, optionally with another body, other claims or path parameters."""
    event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / f"{name}.json").read_text()))
    for key, value in (path or {}).items():
        old = event["pathParameters"][key]
        event["pathParameters"][key] = value
        event["rawPath"] = event["rawPath"].replace(old, value)
        event["requestContext"]["http"]["path"] = event["requestContext"]["http"]["path"].replace(old, value)
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if claims is not None:
        event["requestContext"]["authorizer"]["jwt"]["claims"].update(claims)
    return event


class FakeLambdaContext:
    function_name = "test-function"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:test-function"
    aws_request_id = "00000000-0000-4000-8000-000000000000"

    def __init__(self, remaining_ms: int = 29_000) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def log_output():
    """Everything the service logger writes, formatted exactly as in Lambda (Powertools' JSON formatter)."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(service_logger.registered_formatter)
    service_logger._logger.addHandler(handler)
    try:
        yield buffer
    finally:
        service_logger._logger.removeHandler(handler)


def emf_blobs(text: str) -> list[dict[str, Any]]:
    return [r for r in log_records(text) if "_aws" in r]


def log_records(text: str) -> list[dict[str, Any]]:
    """The JSON log lines Powertools wrote (EMF metric blobs included)."""
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def events_named(text: str, event: str | None) -> list[dict[str, Any]]:
    return [r for r in log_records(text) if r.get("event") == event]
