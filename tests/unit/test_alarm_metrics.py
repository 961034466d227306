"""The EMF the actions print carries exactly the metrics the alarms read: same namespace, name, dimension names
and values as each alarm's MetricStat in template.yaml. A renamed metric or an extra dimension would make an
alarm watch a metric nobody emits, and it would sit at 0 forever. The same holds for the dashboard's payment
notification rows, and the notification alarm's math is computed from the counts the code emits."""

from __future__ import annotations

from collections import Counter
from typing import Any, get_args

import pytest

from midtrans_native.models.notifications import EventType
from midtrans_native.observability import (
    NOTIFICATION_OUTCOMES,
    ActionTelemetry,
    count_notification,
    count_payment_link_created,
    count_platform_event,
    count_token_lookup,
    count_token_refresh_failure_streak,
    metrics,
)
from tests.conftest import emf_blobs
from tests.infra import template_model

from .alarm_math import alarm_state, alarms, evaluate_query, load_template

TEMPLATE = load_template()
ALARMS = alarms(TEMPLATE)
SERVICE = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
NAMESPACE = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
MetricKey = tuple[str, str, frozenset[tuple[str, str]]]
# The dimensions besides `service` each alarm on the code's metrics reads. Alarms on AWS's own metrics (the
# dead-letter queue's depth) read no EMF and are not here.
EXTRA_DIMENSIONS = {
    "ActionFailureRateAlarm": {},
    "TokenRefreshFailureAlarm": {},
    "FlagRollbackAlarm": {},
    "NotificationSignatureFailuresAlarm": {"outcome": "bad_signature"},
}


def metric_key(stat: dict[str, Any]) -> MetricKey:
    metric = stat["Metric"]
    # A value the template computes (!GetAtt Queue.QueueName) is kept as its text: no EMF carries it anyway.
    named = frozenset(
        (d["Name"], d["Value"] if isinstance(d["Value"], str) else str(d["Value"]))
        for d in metric.get("Dimensions", [])
    )
    return metric["Namespace"], metric["MetricName"], named


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
    own = {name for name, alarm in ALARMS.items() if any(key[0] == NAMESPACE for key in alarm_metrics(alarm).values())}
    assert own == set(EXTRA_DIMENSIONS)
    for name in own:
        for namespace, _, dimensions in alarm_metrics(ALARMS[name]).values():
            assert namespace == NAMESPACE, name
            assert dict(dimensions) == {"service": SERVICE, **EXTRA_DIMENSIONS[name]}, name


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


# ---------------------------------------------------------------- payment notifications


def test_a_bad_signature_emits_exactly_what_the_signature_alarm_reads(capsys: pytest.CaptureFixture[str]) -> None:
    count_notification("bad_signature")
    out = capsys.readouterr().out
    [reads] = alarm_metrics(ALARMS["NotificationSignatureFailuresAlarm"]).values()
    assert emitted(out) == Counter({reads: 1})
    [blob] = emf_blobs(out)
    assert "cid" not in blob and "token" not in blob  # no tenant and no URL secret in the metric


def test_no_other_outcome_reaches_the_signature_alarm(capsys: pytest.CaptureFixture[str]) -> None:
    others = [outcome for outcome in NOTIFICATION_OUTCOMES if outcome != "bad_signature"]
    for outcome in others:
        count_notification(outcome)
    sums = emitted(capsys.readouterr().out)
    [reads] = alarm_metrics(ALARMS["NotificationSignatureFailuresAlarm"]).values()
    assert sums[reads] == 0
    assert sum(sums.values()) == len(others)
    with pytest.raises(ValueError, match="unknown notification outcome"):
        count_notification("bad signature")  # a typo must not become a metric nobody graphs


@pytest.mark.parametrize(
    ("first", "second", "state"),
    [(10, 10, "ALARM"), (50, 12, "ALARM"), (10, 9, "OK"), (200, 0, "OK"), (0, 200, "OK"), (9, 9, "OK")],
)
def test_emitted_bad_signatures_drive_the_signature_alarm(capsys, first: int, second: int, state: str) -> None:
    """Two 5-minute windows, each summed the way CloudWatch sums the EMF: at least 10 in both pages, a burst in one
    window does not. Accepted notifications in between change nothing."""
    alarm = ALARMS["NotificationSignatureFailuresAlarm"]
    [(query_id, reads)] = alarm_metrics(alarm).items()
    periods = []
    for bad in (first, second):
        for _ in range(bad):
            count_notification("bad_signature")
        count_notification("accepted")
        periods.append({query_id: float(emitted(capsys.readouterr().out)[reads]) or None})
    assert alarm_state(alarm, periods) == state


def test_the_signature_alarm_is_ok_without_any_notification() -> None:
    alarm = ALARMS["NotificationSignatureFailuresAlarm"]
    assert evaluate_query(alarm, {}) == 0.0  # FILL: a value, never INSUFFICIENT_DATA
    assert alarm_state(alarm, [{}, {}]) == "OK"


def test_the_dead_letter_alarm_fires_while_any_event_waits() -> None:
    alarm = ALARMS["PlatformEventsDeadLetterAlarm"]
    [query_id] = alarm_metrics(alarm)
    assert alarm_state(alarm, [{query_id: 1.0}]) == "ALARM"
    assert alarm_state(alarm, [{query_id: 0.0}]) == "OK"
    assert alarm_state(alarm, [{}]) == "OK"  # an idle queue sends no datapoint


def dashboard_rows(title: str) -> list[MetricKey]:
    """The metrics of the dashboard widget titled `title`, as the metric keys EMF would fill."""
    found = template_model.widget(template_model.dashboard(TEMPLATE), title)
    return [
        (fields[0], fields[1], frozenset(template_model.dimensions(fields).items()))
        for fields, _ in template_model.metric_rows(found["metrics"])
    ]


def test_the_dashboards_notification_rows_are_what_the_code_emits(capsys: pytest.CaptureFixture[str]) -> None:
    for outcome in NOTIFICATION_OUTCOMES:
        count_notification(outcome)
    assert set(emitted(capsys.readouterr().out)) == set(dashboard_rows("Notifications by outcome"))
    count_notification("bad_signature")
    count_notification("unknown_tenant")
    assert set(emitted(capsys.readouterr().out)) == set(dashboard_rows("Bad signatures and unknown tenants"))
    for event_type in get_args(EventType):
        count_platform_event(event_type)
    assert set(emitted(capsys.readouterr().out)) == set(dashboard_rows("Platform events published by type"))
