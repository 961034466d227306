"""The PRD's alarms, the notification alarms, the flag rollback path and the dashboard in template.yaml, checked
statically.

moto does not evaluate alarms and cfn-lint misses a second `ReturnData: true` or an unknown id in an
expression, so these tests do (tests/unit/test_alarm_math.py computes the expressions themselves).
"""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import pytest

from midtrans_native import observability
from midtrans_native.models.notifications import EventType
from tests.infra import template_model
from tests.infra.template_model import dashboard_body, metric_rows, placeholder, substituted
from tests.unit.alarm_math import referenced_ids

# The failure-rate alarms of docs/product-contract.md §10 (windows: docs/decisions.md D20):
# (threshold %, period s, evaluation periods, datapoints to alarm).
PRD_ALARMS = {
    "ActionFailureRateAlarm": (5, 900, 1, 1),  # > 5 % in any 15-minute window
    "FlagRollbackAlarm": (10, 900, 4, 4),  # > 10 % sustained for one hour
}
EMITTED = {
    observability.ACTION_STARTED,
    observability.ACTION_SUCCEEDED,
    observability.ACTION_FAILED,
    observability.PAYMENT_LINK_CREATED,
    observability.TOKEN_CACHE_LOOKUP,
    observability.TOKEN_REFRESH_FAILURE_STREAK,
    observability.NOTIFICATION_RECEIVED,
    observability.PLATFORM_EVENT_PUBLISHED,
}
NAMESPACE = "MidtransNativeActions"
# Alarms on AWS's own metrics, (namespace, metric): the platform-events dead-letter queue's depth.
AWS_METRICS = {("AWS/SQS", "ApproximateNumberOfMessagesVisible")}
ALARM_TOPIC = {"Ref": "AlarmTopic"}
PLATFORM_EVENTS_CONDITION = "HasPlatformEventsEndpoint"


@pytest.fixture(scope="module")
def alarms(resources) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    return [query["MetricStat"] for query in alarm["Metrics"] if "MetricStat" in query]


def test_the_alarms_are_the_prds_three_and_the_notifications_two(alarms, resources):
    assert set(alarms) == {
        "ActionFailureRateAlarm",
        "TokenRefreshFailureAlarm",
        "FlagRollbackAlarm",
        "NotificationSignatureFailuresAlarm",
        "PlatformEventsDeadLetterAlarm",
    }
    # The dead-letter alarm exists with its queue, i.e. only when events are delivered to the platform's endpoint.
    conditional = {name for name in alarms if "Condition" in resources[name]}
    assert conditional == {"PlatformEventsDeadLetterAlarm"}
    assert resources["PlatformEventsDeadLetterAlarm"]["Condition"] == PLATFORM_EVENTS_CONDITION


def test_every_alarm_returns_exactly_one_series_and_its_ids_exist(alarms):
    for name, alarm in alarms.items():
        ids = [query["Id"] for query in alarm["Metrics"]]
        assert len(ids) == len(set(ids)), name
        assert all(re.fullmatch(r"[a-z][a-zA-Z0-9_]*", i) for i in ids), name  # CloudWatch's id rule
        assert [query.get("ReturnData", True) for query in alarm["Metrics"]].count(True) == 1, name
        for query in alarm["Metrics"]:
            if "Expression" in query:
                missing = referenced_ids(query["Expression"]) - set(ids)
                assert missing == set(), f"{name}.{query['Id']} refers to {missing}"
                assert "SEARCH" not in query["Expression"], name  # alarms cannot SEARCH
        assert 1 <= len(stats(alarm)) <= 10, name  # a metric-math alarm takes at most 10 metrics
        assert len({stat["Period"] for stat in stats(alarm)}) == 1, name  # one period for all of them


def test_thresholds_and_periods_match_the_prd(alarms):
    for name, (threshold, period, evaluations, datapoints) in PRD_ALARMS.items():
        alarm = alarms[name]
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold", name
        assert alarm["Threshold"] == threshold, name
        assert {stat["Period"] for stat in stats(alarm)} == {period}, name
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (evaluations, datapoints), name
        assert {stat["Stat"] for stat in stats(alarm)} == {"Sum"}, name
        # Failures are started minus succeeded (timeouts never flush ActionFailed), with a volume guard.
        assert {stat["Metric"]["MetricName"] for stat in stats(alarm)} == {"ActionStarted", "ActionSucceeded"}
        [returned] = [q["Expression"] for q in alarm["Metrics"] if q.get("ReturnData", True)]
        assert re.match(r"IF\(\w+ >= 20, ", returned), name
    assert PRD_ALARMS["FlagRollbackAlarm"][1] * PRD_ALARMS["FlagRollbackAlarm"][2] == 3600


def test_signature_alarm_reads_bad_signatures_ten_per_five_minutes_twice_in_a_row(alarms, template):
    alarm = alarms["NotificationSignatureFailuresAlarm"]
    [stat] = stats(alarm)
    service = template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    assert stat["Metric"]["Namespace"] == NAMESPACE
    assert stat["Metric"]["MetricName"] == observability.NOTIFICATION_RECEIVED
    dims = {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]}
    assert dims == {"outcome": "bad_signature", "service": service}
    assert dims["outcome"] in observability.NOTIFICATION_OUTCOMES
    assert (stat["Period"], stat["Stat"]) == (300, "Sum")
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 10)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 2)
    assert "docs/runbook.md#alarm-4-notification-signature-failures" in alarm["AlarmDescription"]


def test_dead_letter_alarm_fires_on_any_waiting_event(alarms):
    alarm = alarms["PlatformEventsDeadLetterAlarm"]
    [stat] = stats(alarm)
    assert stat["Metric"] == {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["PlatformEventsDeadLetterQueue", "QueueName"]}}],
    }
    assert stat["Stat"] == "Maximum"  # a depth, not a count of arrivals
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert "docs/runbook.md#alarm-5-platform-events-dead-letters" in alarm["AlarmDescription"]


def test_token_streak_alarm_fires_on_any_streak(alarms):
    alarm = alarms["TokenRefreshFailureAlarm"]
    [stat] = stats(alarm)
    assert stat["Metric"]["MetricName"] == observability.TOKEN_REFRESH_FAILURE_STREAK
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_no_alarm_can_sit_in_insufficient_data_and_all_notify_the_topic(alarms):
    for name, alarm in alarms.items():
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert alarm["AlarmActions"] == [ALARM_TOPIC], name
        assert alarm.get("ActionsEnabled", True) is True, name  # AppConfig ignores alarms with actions disabled
        for stat in stats(alarm):
            metric = stat["Metric"]
            if metric["Namespace"] == NAMESPACE:
                assert metric["MetricName"] in EMITTED, name
            else:
                assert (metric["Namespace"], metric["MetricName"]) in AWS_METRICS, name


def test_the_topic_has_only_an_optional_email_subscription(resources, template):
    subscriptions = {n: r for n, r in resources.items() if r["Type"] == "AWS::SNS::Subscription"}
    assert set(subscriptions) == {"AlarmEmailSubscription"}
    assert subscriptions["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def test_alarm3_is_the_flag_environments_monitor_through_a_read_only_role(resources):
    [monitor] = resources["FeatureFlagsEnvironment"]["Properties"]["Monitors"]
    assert monitor == {
        "AlarmArn": {"Fn::GetAtt": ["FlagRollbackAlarm", "Arn"]},
        "AlarmRoleArn": {"Fn::GetAtt": ["FeatureFlagsMonitorRole", "Arn"]},
    }
    role = resources["FeatureFlagsMonitorRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "appconfig.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    [policy] = role["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "cloudwatch:DescribeAlarms",
            "Resource": {"Fn::GetAtt": ["FlagRollbackAlarm", "Arn"]},
        }
    ]


def test_rollout_bake_outlasts_alarm3_and_rollback_deploys_at_once(resources, alarms):
    rollout = resources["FeatureFlagsRolloutStrategy"]["Properties"]
    alarm = alarms["FlagRollbackAlarm"]
    period_minutes = stats(alarm)[0]["Period"] // 60
    # Four windows, plus one window of clock alignment, plus a few minutes of EMF ingestion and evaluation.
    needed = period_minutes * alarm["EvaluationPeriods"] + period_minutes + 5
    assert needed <= rollout["FinalBakeTimeInMinutes"] <= 1440
    assert rollout["DeploymentDurationInMinutes"] == 0 and rollout["GrowthFactor"] == 100
    immediate = resources["FeatureFlagsDeploymentStrategy"]["Properties"]
    assert immediate["FinalBakeTimeInMinutes"] == immediate["DeploymentDurationInMinutes"] == 0
    # The initial OFF version still ships with the immediate strategy.
    initial = resources["FeatureFlagsDeployment"]["Properties"]
    assert initial["DeploymentStrategyId"] == {"Ref": "FeatureFlagsDeploymentStrategy"}


def test_dashboard_shows_the_kpi_failures_latency_tokens_links_and_tenants(dashboard):
    titles = [w["properties"].get("title", "") for w in dashboard["widgets"]]
    for needed in ("Success rate", "Failures by reason", "Latency percentiles", "Token cache hit rate"):
        assert any(title.startswith(needed) for title in titles), needed
    assert any("Payment links created by channel" in title for title in titles)
    assert any("Top tenants" in title for title in titles)
    metric_names, percentiles = set(), set()
    for widget in dashboard["widgets"]:
        rows = widget["properties"].get("metrics", [])
        ids = {row[-1]["id"] for row in rows if isinstance(row[-1], dict) and "id" in row[-1]}
        for row in rows:
            options = row[-1] if isinstance(row[-1], dict) else {}
            if "expression" in options and "SEARCH" not in options["expression"]:
                assert referenced_ids(options["expression"]) <= ids, options["expression"]
            elif row[0] == "MidtransNativeActions":
                metric_names.add(row[1])
            percentiles.add(options.get("stat"))
    assert metric_names <= EMITTED
    assert {"ActionStarted", "ActionSucceeded", "TokenCacheLookup", "PaymentLinkCreated"} <= metric_names
    assert {observability.NOTIFICATION_RECEIVED, observability.PLATFORM_EVENT_PUBLISHED} <= metric_names
    assert {"p50", "p95", "p99"} <= percentiles
    kpi = next(w for w in dashboard["widgets"] if w["properties"]["title"].startswith("Success rate"))
    assert kpi["properties"]["annotations"]["horizontal"][0]["value"] == 95


def test_top_failing_tenants_come_from_the_failed_event_by_cid(resources, template, agent_log_groups):
    # Which log groups, exactly: tests/infra/test_registry_template.py (every action type's function and MCP).
    rule = resources["TopFailingTenantsRule"]["Properties"]
    body = json.loads(substituted(rule["RuleBody"]["Fn::Sub"], template))
    assert body["LogGroupNames"] == [placeholder(name) for name in agent_log_groups]
    assert body["Contribution"] == {
        "Keys": ["$.cid"],
        "Filters": [{"Match": "$.event", "In": ["midtrans_action_failed"]}],
    }
    assert body["LogFormat"] == "JSON" and body["AggregateOn"] == "Count"
    query = resources["TopFailingTenantsQuery"]["Properties"]
    assert query["LogGroupNames"] == [{"Ref": name} for name in agent_log_groups]
    assert 'event = "midtrans_action_failed"' in query["QueryString"] and "by cid" in query["QueryString"]


def test_dashboard_shows_every_alarm_including_the_conditional_one(dashboard, alarms, template):
    [alarm_widget] = [w["properties"] for w in dashboard["widgets"] if w["type"] == "alarm"]
    assert sorted(alarm_widget["alarms"]) == sorted(placeholder(name) for name in alarms)
    # The dead-letter alarm comes in through a !Sub variable that is empty without a platform endpoint.
    _, variables = dashboard_body(template)
    condition, when_true, when_false = variables["PlatformEventsAlarms"]["Fn::If"]
    assert condition == PLATFORM_EVENTS_CONDITION and when_false == ""
    assert when_true == {"Fn::Sub": ', "${PlatformEventsDeadLetterAlarm.Arn}"'}


def rows_by(properties: dict[str, Any], metric: str, dimension: str) -> list[str]:
    """The `dimension` value of each row of `metric` in a widget, after checking every row is that metric of this
    service by exactly `dimension` and `service`, labelled with the value."""
    values = []
    for fields, options in metric_rows(properties["metrics"]):
        assert fields[:2] == (NAMESPACE, metric), fields
        dims = dict(zip(fields[2::2], fields[3::2], strict=True))
        assert set(dims) == {dimension, "service"} and dims["service"] == "midtrans-native-actions", fields
        assert options.get("label") == dims[dimension], fields
        values.append(dims[dimension])
    return values


def test_the_payment_notifications_row_reads_what_the_code_emits(dashboard, alarms):
    assert any("Payment notifications" in w["properties"].get("markdown", "") for w in dashboard["widgets"])
    outcomes = template_model.widget(dashboard, "Notifications by outcome")
    assert outcomes["stacked"] is True and outcomes["stat"] == "Sum"
    # Every outcome the code can count, once: a new outcome without a row would be invisible.
    assert rows_by(outcomes, observability.NOTIFICATION_RECEIVED, "outcome") == list(
        observability.NOTIFICATION_OUTCOMES
    )
    suspicious = template_model.widget(dashboard, "Bad signatures and unknown tenants")
    assert rows_by(suspicious, observability.NOTIFICATION_RECEIVED, "outcome") == ["bad_signature", "unknown_tenant"]
    # The line is the alarm's threshold, on the alarm's period.
    alarm = alarms["NotificationSignatureFailuresAlarm"]
    [line] = suspicious["annotations"]["horizontal"]
    assert line["value"] == alarm["Threshold"]
    assert suspicious["period"] == stats(alarm)[0]["Period"]
    events = template_model.widget(dashboard, "Platform events published by type")
    assert events["stacked"] is True
    assert rows_by(events, observability.PLATFORM_EVENT_PUBLISHED, "event_type") == list(get_args(EventType))
