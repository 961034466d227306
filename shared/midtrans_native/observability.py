"""The one place Logger, Metrics and Tracer are created, and the PRD's action events (docs/product-contract.md §10).

Events are structured log records whose `event` field is the PRD name. Metrics are EMF with
low-cardinality dimensions only (action_type, failure_reason, channel_type, cache): never the tenant, order or
conversation. The alarms in template.yaml read the metric names below; docs/runbook.md explains them.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from midtrans_native.registry import SUCCESS_RATE_ACTION_TYPES

# Libraries whose DEBUG (and some INFO) logs are wire-level: request and response bodies, headers, signed
# canonical requests, URLs. botocore.endpoint logs each request's body (KMS Encrypt's carries the plaintext
# credentials, base64) and botocore.parsers each response's (KMS Decrypt's plaintext); botocore.auth the
# canonical request with the session token; urllib3.connectionpool every URL. The parents cover every child
# that keeps the default level; the noisiest children are named too, so that re-enabling a parent (say
# `boto3.set_stream_logger("botocore")`) still leaves request and response bodies out.
WIRE_LOGGERS = (
    "boto3",
    "botocore",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.auth",
    "botocore.hooks",
    "botocore.retryhandler",
    "botocore.retries",
    "botocore.httpsession",
    "urllib3",
    "urllib3.connectionpool",
    "requests",
    # Powertools' resolver logs each route's arguments at DEBUG ("Calling API Route Handler: {...}"): a path
    # parameter can be a notification URL's token, or whatever a caller put where one belongs.
    "aws_lambda_powertools.event_handler.api_gateway",
)


def quiet_wire_loggers() -> None:
    """Keep the wire-level logs of AWS and HTTP clients out of every log level: their warnings and errors stay.

    A level on the libraries' loggers, set here in the layer, rather than a filter or the handlers' levels:
    LOG_LEVEL=DEBUG (and Lambda's log-level control) lowers the service logger and the root logger, and the
    libraries' records reach the root's handlers through propagation, which consults neither the root's level
    nor a filter on a parent logger, only the level of the logger that made the record. A level also means the
    record is never built (no formatting of request bodies at all). The handlers belong to the Lambda runtime
    (or to a test), and one added later would not carry a filter installed now. Runs at import: no I/O."""
    for name in WIRE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


quiet_wire_loggers()

# Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
logger = Logger()
metrics = Metrics()
tracer = Tracer()
# Read-only routes (GET /v1/connection) add no metric; Powertools would warn on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")

# Metric names the alarms and the dashboard in template.yaml read (tests/infra/test_alarms.py checks both sides).
ACTION_STARTED = "ActionStarted"
ACTION_SUCCEEDED = "ActionSucceeded"
ACTION_FAILED = "ActionFailed"
PAYMENT_LINK_CREATED = "PaymentLinkCreated"
# Emitted by the BI-SNAP token manager (not written yet): one per token lookup, `cache` = hit | miss.
TOKEN_CACHE_LOOKUP = "TokenCacheLookup"  # noqa: S105 (a metric name, not a secret)
# Emitted by the token manager exactly once when a tenant's refresh-failure streak reaches 3 (cid in metadata).
TOKEN_REFRESH_FAILURE_STREAK = "TokenRefreshFailureStreak"  # noqa: S105 (a metric name)
# Midtrans' payment notifications: one per notification received, `outcome` one of NOTIFICATION_OUTCOMES; one per
# event published to the platform's bus, `event_type` one of the event types (actions/notifications.py).
NOTIFICATION_RECEIVED = "NotificationReceived"
PLATFORM_EVENT_PUBLISHED = "PlatformEventPublished"
NOTIFICATION_OUTCOMES = (
    "accepted",  # verified, the status re-read, processed (an event published when the change means one)
    "duplicate",  # this (order, status) was processed before: answered 200, nothing published again
    "bad_signature",  # signature_key / X-SIGNATURE missing or wrong: refused, nothing recorded
    "unknown_tenant",  # no connected tenant has this notification URL (revoked, or guessed)
    "invalid",  # not a notification (not JSON, a required field missing)
    "retry_later",  # the status re-read or the publish failed: answered 5xx so that Midtrans retries
)
# The agent actions the PRD's success-rate KPI and the failure-rate alarms are about (the registry says which).
# The admin's `connect` is left out of the aggregate: it fails when an admin types a wrong key, which is not the
# service failing.
AGENT_ACTION_TYPES = SUCCESS_RATE_ACTION_TYPES


def count(name: str, **dimensions: str) -> None:
    """Emit one count now, not at the handler's flush. This matters for ActionStarted: a Lambda killed by
    its timeout never reaches log_metrics' flush, so "started but not succeeded" must still be countable."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value)


def count_payment_link_created(channel_type: str) -> None:
    """By channel, normalised to two values: the channel name is free text from the request, and every distinct
    dimension value is a separate billed metric."""
    count(PAYMENT_LINK_CREATED, channel_type="whatsapp" if channel_type == "whatsapp" else "other")


def count_notification(outcome: str) -> None:
    """One per notification received (the dashboard's notification row; the bad-signature alarm)."""
    if outcome not in NOTIFICATION_OUTCOMES:
        raise ValueError(f"unknown notification outcome {outcome!r}")
    count(NOTIFICATION_RECEIVED, outcome=outcome)


def count_platform_event(event_type: str) -> None:
    count(PLATFORM_EVENT_PUBLISHED, event_type=event_type)


def count_token_lookup(*, cache_hit: bool) -> None:
    """For the token manager: the dashboard's cache hit rate is hit / (hit + miss)."""
    count(TOKEN_CACHE_LOOKUP, cache="hit" if cache_hit else "miss")


def count_token_refresh_failure_streak(cid: str) -> None:
    """For the token manager, when a tenant's consecutive refresh failures reach 3 (alarm 2). The tenant goes
    into the EMF metadata (searchable in Logs Insights), never into a dimension."""
    with single_metric(name=TOKEN_REFRESH_FAILURE_STREAK, unit=MetricUnit.Count, value=1) as metric:
        metric.add_metadata(key="cid", value=cid)


class ActionTelemetry:
    """midtrans_action_executed, then exactly one of midtrans_action_success / midtrans_action_failed."""

    def __init__(
        self,
        action_type: str,
        *,
        cid: str,
        conversation_id: str | None,
        order_id: str | None,
        stage: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._started = clock()
        self._fields: dict[str, str | None] = {
            "action_type": action_type,
            "order_id": order_id,
            "cid": cid,
            "conversation_id": conversation_id,
        }
        if stage:  # cancel and refund run twice: the eligibility "precheck" and the confirmed "execute"
            self._fields["stage"] = stage

    def executed(self) -> None:
        self._started = self._clock()
        logger.info(
            "midtrans_action_executed",
            extra={"event": "midtrans_action_executed", **self._fields, "timestamp": datetime.now(UTC).isoformat()},
        )
        action_type = str(self._fields["action_type"])
        count(ACTION_STARTED, action_type=action_type)
        if action_type in AGENT_ACTION_TYPES:
            # The alarms need one count across all action types; they cannot SEARCH, and a metric-math alarm
            # takes at most 10 metrics. So the same count again, with the `service` dimension only.
            count(ACTION_STARTED)

    def succeeded(self, response_status: str, outcome: str) -> None:
        logger.info(
            "midtrans_action_success",
            extra={
                "event": "midtrans_action_success",
                **self._fields,
                "response_status": response_status,
                "outcome": outcome,
                "duration_ms": self._duration_ms(),
            },
        )
        action_type = str(self._fields["action_type"])
        metrics.add_dimension(name="action_type", value=action_type)
        metrics.add_metric(name=ACTION_SUCCEEDED, unit=MetricUnit.Count, value=1)
        if action_type in AGENT_ACTION_TYPES:
            # The aggregate the alarms divide by ActionStarted's (see executed). Its own EMF blob: the handler's
            # metric set carries action_type, which would make it a different metric.
            count(ACTION_SUCCEEDED)

    def failed(self, failure_reason: str, detail: str) -> None:
        logger.warning(
            "midtrans_action_failed",
            extra={
                "event": "midtrans_action_failed",
                **self._fields,
                "failure_reason": failure_reason,
                "detail": detail,
                "duration_ms": self._duration_ms(),
            },
        )
        metrics.add_dimension(name="action_type", value=str(self._fields["action_type"]))
        metrics.add_dimension(name="failure_reason", value=failure_reason)
        metrics.add_metric(name=ACTION_FAILED, unit=MetricUnit.Count, value=1)

    def _duration_ms(self) -> int:
        return round((self._clock() - self._started) * 1000)


def log_confirmation(event: str, **fields: object) -> None:
    """midtrans_confirmation_requested / _decided: with the conversation id, so support can reconstruct
    exactly what the customer was asked and what they answered."""
    logger.info(event, extra={"event": event, **fields})
