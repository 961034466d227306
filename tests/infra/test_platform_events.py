"""The platform's event bus and the optional delivery of its events to the platform's messaging endpoint.

The bus always exists (the notification function publishes to it). The API destination family (connection,
destination, rule, the rule's role, the dead-letter queue, its policy and alarm) exists only when both parameters are
given, and the Rules section refuses an endpoint without a key before anything is created.
"""

from __future__ import annotations

from typing import Any

import pytest

from midtrans_native.stores.platform_events import SOURCE
from tests.infra.template_model import function_grants

CONDITION = "HasPlatformEventsEndpoint"
DELIVERY = {
    "PlatformEventsConnection": "AWS::Events::Connection",
    "PlatformEventsApiDestination": "AWS::Events::ApiDestination",
    "PlatformEventsDeliveryRole": "AWS::IAM::Role",
    "PlatformEventsRule": "AWS::Events::Rule",
    "PlatformEventsDeadLetterQueue": "AWS::SQS::Queue",
    "PlatformEventsDeadLetterQueuePolicy": "AWS::SQS::QueuePolicy",
    "PlatformEventsDeadLetterAlarm": "AWS::CloudWatch::Alarm",
}


def props(resources: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = resources[name]["Properties"]
    return found


def test_the_bus_is_named_after_the_stack_and_functions_get_its_name(resources, template):
    assert resources["PlatformEventsBus"]["Type"] == "AWS::Events::EventBus"
    assert "Condition" not in resources["PlatformEventsBus"]
    assert props(resources, "PlatformEventsBus")["Name"] == {"Fn::Sub": "${AWS::StackName}-platform-events"}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["PLATFORM_EVENTS_BUS_NAME"] == {"Ref": "PlatformEventsBus"}  # Ref of a bus is its name


def test_only_the_notification_function_publishes_and_only_to_this_bus(functions):
    publishers = {
        name: {resource for action, resource in grants if action.startswith("events:")}
        for name, grants in function_grants(functions).items()
        if any(action.startswith("events:") for action, _ in grants)
    }
    assert publishers == {"MidtransNotificationsFunction": {"PlatformEventsBus"}}


def test_the_parameters_default_to_no_delivery_and_the_key_is_never_echoed(template):
    parameters = template["Parameters"]
    assert parameters["PlatformEventsEndpoint"]["Default"] == ""
    assert parameters["PlatformEventsApiKey"]["Default"] == ""
    assert parameters["PlatformEventsApiKey"]["NoEcho"] is True
    pattern = parameters["PlatformEventsEndpoint"]["AllowedPattern"]
    assert pattern == r"^(https://\S+)?$"  # https only (the key travels in a header), or empty


def test_delivery_exists_only_with_an_endpoint_and_its_key(template, resources):
    assert template["Conditions"][CONDITION] == {
        "Fn::And": [
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PlatformEventsEndpoint"}, ""]}]},
            {"Fn::Not": [{"Fn::Equals": [{"Ref": "PlatformEventsApiKey"}, ""]}]},
        ]
    }
    conditional = {name: r["Type"] for name, r in resources.items() if r.get("Condition") == CONDITION}
    assert conditional == DELIVERY
    # An endpoint without a key is refused before any resource changes (not silently left undelivered).
    [rule] = template["Rules"].values()
    assert rule["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "PlatformEventsEndpoint"}, ""]}]}
    assert [a["Assert"] for a in rule["Assertions"]] == [
        {"Fn::Not": [{"Fn::Equals": [{"Ref": "PlatformEventsApiKey"}, ""]}]}
    ]
    conditional_outputs = {name for name, o in template["Outputs"].items() if "Condition" in o}
    assert conditional_outputs == {"PlatformEventsDeadLetterQueueUrl"}


def test_the_endpoint_is_called_with_the_api_key_header(resources):
    connection = props(resources, "PlatformEventsConnection")
    assert connection["AuthorizationType"] == "API_KEY"
    assert connection["AuthParameters"] == {
        "ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": {"Ref": "PlatformEventsApiKey"}}
    }
    destination = props(resources, "PlatformEventsApiDestination")
    assert destination["ConnectionArn"] == {"Fn::GetAtt": ["PlatformEventsConnection", "Arn"]}
    assert destination["InvocationEndpoint"] == {"Ref": "PlatformEventsEndpoint"}
    assert destination["HttpMethod"] == "POST"
    assert 1 <= destination["InvocationRateLimitPerSecond"] <= 300


def test_the_rule_sends_this_services_events_to_the_destination_with_retries_and_dead_letters(resources):
    rule = props(resources, "PlatformEventsRule")
    assert rule["EventBusName"] == {"Ref": "PlatformEventsBus"}
    assert rule["EventPattern"] == {"source": [SOURCE]}  # what PlatformEvents.publish sends
    assert rule["State"] == "ENABLED"
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["PlatformEventsApiDestination", "Arn"]}
    assert target["RoleArn"] == {"Fn::GetAtt": ["PlatformEventsDeliveryRole", "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["PlatformEventsDeadLetterQueue", "Arn"]}}
    retry = target["RetryPolicy"]
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400 and 0 <= retry["MaximumRetryAttempts"] <= 185
    assert "InputPath" not in target and "InputTransformer" not in target  # the whole envelope (detail-type, detail)


def test_the_delivery_role_may_invoke_that_destination_only(resources):
    role = props(resources, "PlatformEventsDeliveryRole")
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "events:InvokeApiDestination"
    assert statement["Resource"] == {"Fn::GetAtt": ["PlatformEventsApiDestination", "Arn"]}


def test_only_the_rule_may_write_dead_letters_and_only_over_tls(resources):
    queue = props(resources, "PlatformEventsDeadLetterQueue")
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600  # SQS's maximum: time to fix and redrive
    assert queue["SqsManagedSseEnabled"] is True
    policy = props(resources, "PlatformEventsDeadLetterQueuePolicy")
    assert policy["Queues"] == [{"Ref": "PlatformEventsDeadLetterQueue"}]
    allow, deny = policy["PolicyDocument"]["Statement"]
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Resource"] == {"Fn::GetAtt": ["PlatformEventsDeadLetterQueue", "Arn"]}
    assert allow["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["PlatformEventsRule", "Arn"]}}}
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


@pytest.mark.parametrize("name", ["NotificationReceiptsTable", "OrderContextsTable"])
def test_the_new_tables_reach_the_functions_through_the_environment(template, name):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert {"Ref": name} in variables.values()
