"""The one place Logger, Metrics and Tracer are created, and the PRD's action events (BRIEF §5).

Events are structured log records whose `event` field is the PRD name. Metrics are EMF with
low-cardinality dimensions only (action_type, failure_reason): never the tenant, order or conversation.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

# Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE.
logger = Logger()
metrics = Metrics()
tracer = Tracer()
# Read-only routes (GET /v1/connection) add no metric; Powertools would warn on every such invocation.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def count(name: str, **dimensions: str) -> None:
    """Emit one count now, not at the handler's flush. This matters for ActionStarted: a Lambda killed by
    its timeout never reaches log_metrics' flush, so "started but not succeeded" must still be countable."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1) as metric:
        for key, value in dimensions.items():
            metric.add_dimension(name=key, value=value)


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
        count("ActionStarted", action_type=str(self._fields["action_type"]))

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
        metrics.add_dimension(name="action_type", value=str(self._fields["action_type"]))
        metrics.add_metric(name="ActionSucceeded", unit=MetricUnit.Count, value=1)

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
        metrics.add_metric(name="ActionFailed", unit=MetricUnit.Count, value=1)

    def _duration_ms(self) -> int:
        return round((self._clock() - self._started) * 1000)


def log_confirmation(event: str, **fields: object) -> None:
    """midtrans_confirmation_requested / _decided: with the conversation id, so support can reconstruct
    exactly what the customer was asked and what they answered."""
    logger.info(event, extra={"event": event, **fields})
