"""The EMF the actions print carries exactly the metrics the alarms read: same namespace, name, dimension names
and values as each alarm's MetricStat in template.yaml. A renamed metric or an extra dimension would make an
alarm watch a metric nobody emits, and it would sit at 0 forever."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from midtrans_native.observability import (
    ActionTelemetry,
    count_payment_link_created,
    count_token_lookup,
    count_token_refresh_failure_streak,
    metrics,
)
from tests.conftest import emf_blobs

from .alarm_math import alarm_state, alarms, load_template

TEMPLATE = load_template()
ALARMS = alarms(TEMPLATE)
SERVICE = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
MetricKey = tuple[str, str, frozenset[tuple[str, str]]]


def metric_key(stat: dict[str, Any]) -> MetricKey:
    metric = stat["Metric"]
    dimensions = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
    return metric["Namespace"], metric["MetricName"], dimensions


def alarm_metrics(alarm: dict[str, Any]) -> dict[str, MetricKey]:
    """Query id -> the metric a MetricStat query reads."""
    return {q["Id"]: metric_key(q["MetricStat"]) for q in alarm["Metrics"] if "MetricStat" in q}


def emitted(text: str) -> Counter[MetricKey]:
    """Sum of every metric value in the EMF blobs, per (namespace, name, dimension names and values)."""
    sums: Counter[MetricKey] = Counter()
    for blob in emf_blobs(text):
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, blob[name]) for name in dimension_set)
                for metric in directive["Metrics"]:
                    values = blob[metric["Name"]]
                    total = sum(values) if isinstance(values, list) else values
                    sums[directive["Namespace"], metric["Name"], dimensions] += total
    return sums


def invoke(action_type: str, outcome: str) -> None:
    """One invocation as the handler runs it: `timeout` is killed before log_metrics flushes."""
    telemetry = ActionTelemetry(action_type, cid="tenant-a", conversation_id="conv-1", order_id="ORDER-1")
    telemetry.executed()
    if outcome == "ok":
        telemetry.succeeded(response_status="200", outcome="ok")
    elif outcome == "failed":
        telemetry.failed("timeout", "no answer")
    if outcome == "timeout":
        metrics.clear_metrics()  # the process dies: what log_metrics would have flushed is lost
    else:
        metrics.flush_metrics()


def test_alarm_metrics_use_the_functions_namespace_and_service() -> None:
    variables = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for name, alarm in ALARMS.items():
        for namespace, _, dimensions in alarm_metrics(alarm).values():
            assert namespace == variables["POWERTOOLS_METRICS_NAMESPACE"], name
            assert dict(dimensions) == {"service": SERVICE}, name


def test_a_failed_action_emits_what_the_failure_rate_alarms_read(capsys: pytest.CaptureFixture[str]) -> None:
    invoke("check_payment_status", "failed")
    sums = emitted(capsys.readouterr().out)
    for name in ("ActionFailureRateAlarm", "FlagRollbackAlarm"):
        reads = alarm_metrics(ALARMS[name])
        assert sums[reads["started"]] == 1, name
        assert sums[reads["succeeded"]] == 0, name  # the failure shows up as started minus succeeded
    # The per-type and per-reason counts the dashboard reads are still there, without tenant dimensions.
    namespace = "MidtransNativeActions"
    reason = frozenset({("service", SERVICE), ("action_type", "check_payment_status"), ("failure_reason", "timeout")})
    assert sums[namespace, "ActionFailed", reason] == 1
    assert all("cid" not in dict(dims) and "order_id" not in dict(dims) for _, _, dims in sums)


def test_a_succeeded_action_emits_the_aggregate_success(capsys: pytest.CaptureFixture[str]) -> None:
    invoke("create_payment_link", "ok")
    sums = emitted(capsys.readouterr().out)
    reads = alarm_metrics(ALARMS["ActionFailureRateAlarm"])
    assert (sums[reads["started"]], sums[reads["succeeded"]]) == (1, 1)
    per_type = frozenset({("service", SERVICE), ("action_type", "create_payment_link")})
    assert sums["MidtransNativeActions", "ActionSucceeded", per_type] == 1


def test_the_admins_connect_is_not_in_the_agent_aggregate(capsys: pytest.CaptureFixture[str]) -> None:
    invoke("connect", "failed")
    sums = emitted(capsys.readouterr().out)
    reads = alarm_metrics(ALARMS["ActionFailureRateAlarm"])
    assert sums[reads["started"]] == 0
    assert sums["MidtransNativeActions", "ActionStarted", frozenset({("service", SERVICE), ("action_type", "connect")})]


@pytest.mark.parametrize(
    ("ok", "failed", "timed_out", "state"),
    [(94, 2, 4, "ALARM"), (96, 4, 0, "OK"), (96, 0, 4, "OK"), (94, 0, 6, "ALARM")],
)
def test_emitted_counts_drive_alarm1(capsys, ok: int, failed: int, timed_out: int, state: str) -> None:
    types = ["check_payment_status", "create_payment_link", "cancel_transaction", "request_refund"]
    outcomes = ["ok"] * ok + ["failed"] * failed + ["timeout"] * timed_out
    for index, outcome in enumerate(outcomes):
        invoke(types[index % len(types)], outcome)
    sums = emitted(capsys.readouterr().out)
    alarm = ALARMS["ActionFailureRateAlarm"]
    period = {query_id: float(sums[key]) or None for query_id, key in alarm_metrics(alarm).items()}
    assert period["started"] == ok + failed + timed_out
    assert alarm_state(alarm, [period]) == state


def test_the_token_streak_metric_is_what_alarm2_reads_with_the_tenant_out_of_the_dimensions(capsys) -> None:
    count_token_refresh_failure_streak("tenant-a")
    out = capsys.readouterr().out
    [reads] = alarm_metrics(ALARMS["TokenRefreshFailureAlarm"]).values()
    assert emitted(out) == Counter({reads: 1})
    [blob] = emf_blobs(out)
    assert blob["cid"] == "tenant-a"  # metadata: searchable in Logs Insights, not a billed dimension


def test_payment_links_and_token_lookups_have_small_dimension_sets(capsys) -> None:
    for channel in ("whatsapp", "web_chat", "instagram", "WhatsApp"):
        count_payment_link_created(channel)
    count_token_lookup(cache_hit=True)
    count_token_lookup(cache_hit=False)
    sums = emitted(capsys.readouterr().out)
    link = "MidtransNativeActions", "PaymentLinkCreated"
    assert sums[(*link, frozenset({("service", SERVICE), ("channel_type", "whatsapp")}))] == 1
    assert sums[(*link, frozenset({("service", SERVICE), ("channel_type", "other")}))] == 3
    lookup = "MidtransNativeActions", "TokenCacheLookup"
    assert sums[(*lookup, frozenset({("service", SERVICE), ("cache", "hit")}))] == 1
    assert sums[(*lookup, frozenset({("service", SERVICE), ("cache", "miss")}))] == 1
