"""midtrans_local.aws for payment notifications: the platform bus, the token index, the notification tables, and the
template's conditional resources (the API destination family) left out with the parameters' defaults."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
from moto import mock_aws

from midtrans_local.aws import create_resources_from_template
from midtrans_local.template import SamTemplate

ROOT = Path(__file__).resolve().parents[3]
REGION = "ap-southeast-1"
DELIVERY = (
    "PlatformEventsConnection",
    "PlatformEventsApiDestination",
    "PlatformEventsDeliveryRole",
    "PlatformEventsRule",
    "PlatformEventsDeadLetterQueue",
    "PlatformEventsDeadLetterQueuePolicy",
    "PlatformEventsDeadLetterAlarm",
)


def test_real_template_bus_index_and_notification_tables_exist():
    with mock_aws():
        ids = create_resources_from_template(ROOT / "template.yaml")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        events = boto3.client("events", region_name=REGION)

        # The bus, named as the functions' PLATFORM_EVENTS_BUS_NAME (!Ref of the bus) resolves locally.
        assert ids["PlatformEventsBus"] == "PlatformEventsBus"
        assert events.describe_event_bus(Name=ids["PlatformEventsBus"])["Name"] == "PlatformEventsBus"
        environment = SamTemplate.load(ROOT / "template.yaml").function_environment(
            "MidtransNotificationsFunction", ids
        )
        assert environment["PLATFORM_EVENTS_BUS_NAME"] == "PlatformEventsBus"
        assert environment["NOTIFICATION_RECEIPTS_TABLE_NAME"] == ids["NotificationReceiptsTable"]
        assert environment["ORDER_CONTEXTS_TABLE_NAME"] == ids["OrderContextsTable"]
        answer = events.put_events(
            Entries=[
                {
                    "EventBusName": environment["PLATFORM_EVENTS_BUS_NAME"],
                    "Source": "midtrans-native",
                    "DetailType": "payment_received",
                    "Detail": json.dumps({"order_id": "ORDER-1"}),
                }
            ]
        )
        assert answer["FailedEntryCount"] == 0

        # The token index, created with the table: a Query by token yields the cid (KEYS_ONLY).
        connections = dynamodb.describe_table(TableName=ids["ConnectionsTable"])["Table"]
        [index] = connections["GlobalSecondaryIndexes"]
        assert index["IndexName"] == "NotificationTokenIndex"
        assert index["KeySchema"] == [{"AttributeName": "notification_token", "KeyType": "HASH"}]
        assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
        dynamodb.put_item(
            TableName=ids["ConnectionsTable"],
            Item={"cid": {"S": "tenant-a"}, "notification_token": {"S": "tok-1"}, "environment": {"S": "sandbox"}},
        )
        found = dynamodb.query(
            TableName=ids["ConnectionsTable"],
            IndexName="NotificationTokenIndex",
            KeyConditionExpression="notification_token = :t",
            ExpressionAttributeValues={":t": {"S": "tok-1"}},
        )["Items"]
        assert [item["cid"]["S"] for item in found] == ["tenant-a"]

        receipts = dynamodb.describe_table(TableName=ids["NotificationReceiptsTable"])["Table"]
        assert receipts["KeySchema"] == [{"AttributeName": "receipt_id", "KeyType": "HASH"}]
        contexts = dynamodb.describe_table(TableName=ids["OrderContextsTable"])["Table"]
        assert contexts["KeySchema"] == [
            {"AttributeName": "cid", "KeyType": "HASH"},
            {"AttributeName": "order_id", "KeyType": "RANGE"},
        ]
        for table in ("NotificationReceiptsTable", "OrderContextsTable"):
            ttl = dynamodb.describe_time_to_live(TableName=ids[table])["TimeToLiveDescription"]
            assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}, table


def test_the_delivery_family_is_skipped_with_the_parameters_defaults():
    template = SamTemplate.load(ROOT / "template.yaml")
    assert template.condition_holds("HasPlatformEventsEndpoint") is False
    assert template.condition_holds("HasAlarmEmail") is False
    with mock_aws():
        ids = create_resources_from_template(template)
        assert not set(DELIVERY) & set(ids)
        assert boto3.client("sqs", region_name=REGION).list_queues().get("QueueUrls", []) == []
        buses = [bus["Name"] for bus in boto3.client("events", region_name=REGION).list_event_buses()["EventBuses"]]
        assert sorted(buses) == ["PlatformEventsBus", "default"]


def test_a_resource_is_created_exactly_when_its_condition_holds():
    def table(condition: str) -> dict[str, object]:
        return {
            "Type": "AWS::DynamoDB::Table",
            "Condition": condition,
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            },
        }

    document = {
        "Parameters": {"Endpoint": {"Type": "String", "Default": "https://example.invalid/"}, "Key": {"Default": ""}},
        "Conditions": {
            "HasEndpoint": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Endpoint"}, ""]}]},
            "HasKey": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Key"}, ""]}]},
            "HasBoth": {"Fn::And": [{"Condition": "HasEndpoint"}, {"Condition": "HasKey"}]},
        },
        "Resources": {
            "WithEndpoint": table("HasEndpoint"),
            "WithBoth": table("HasBoth"),
            "Bus": {"Type": "AWS::Events::EventBus", "Condition": "HasKey", "Properties": {"Name": "b"}},
        },
    }
    with mock_aws():
        ids = create_resources_from_template(document)
        assert ids == {"WithEndpoint": "WithEndpoint"}
        assert boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"] == ["WithEndpoint"]


def test_the_local_stack_opens_exactly_the_notification_routes():
    """`Auth: {Authorizer: NONE}` is no authorizer locally too: the notification routes take no JWT, every other
    route keeps the template's default authorizer."""
    template = SamTemplate.load(ROOT / "template.yaml")
    open_routes = {route.route_key for route in template.routes if route.authorizer is None}
    assert open_routes == {
        "POST /v1/notifications/midtrans/{token}",
        "POST /v1/notifications/midtrans/{token}/v1.0/debit/notify",
        "POST /v1/notifications/midtrans/{token}/v1.0/qr/qr-mpm-notify",
    }
    assert {route.function_id for route in template.routes if route.authorizer is None} == {
        "MidtransNotificationsFunction"
    }
    found = template.find_route("POST", "/v1/notifications/midtrans/tok-1/v1.0/debit/notify")
    assert found is not None
    route, parameters = found
    assert route.path.endswith("/v1.0/debit/notify") and parameters == {"token": "tok-1"}
