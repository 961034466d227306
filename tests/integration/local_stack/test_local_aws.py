"""midtrans_local.aws: moto resources created from a template, and the embedded-AWS environment."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
from cfnlint.decode import cfn_yaml
from moto import mock_aws

from midtrans_local.aws import EmbeddedAws, create_resources_from_template
from tests.integration.local_stack.conftest import FIXTURE_TEMPLATE

ROOT = Path(__file__).resolve().parents[3]


def test_real_template_tables_and_key_exist_after_creation():
    with mock_aws():
        ids = create_resources_from_template(ROOT / "template.yaml")
        dynamodb = boto3.client("dynamodb", region_name="ap-southeast-1")
        kms = boto3.client("kms", region_name="ap-southeast-1")

        assert ids["ConnectionsTable"] == "ConnectionsTable"
        assert ids["TokenCacheTable"] == "TokenCacheTable"
        connections = dynamodb.describe_table(TableName="ConnectionsTable")["Table"]
        assert connections["KeySchema"] == [{"AttributeName": "cid", "KeyType": "HASH"}]
        assert connections["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        ttl = dynamodb.describe_time_to_live(TableName="TokenCacheTable")["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
        aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
        assert aliases[ids["CredentialsKeyAlias"]] == ids["CredentialsKey"]
        assert kms.get_key_rotation_status(KeyId=ids["CredentialsKey"])["KeyRotationEnabled"] is True


def test_decoded_template_dict_works_too_with_indexes():
    with mock_aws():
        ids = create_resources_from_template(cfn_yaml.load(str(FIXTURE_TEMPLATE)))
        table = boto3.client("dynamodb", region_name="ap-southeast-1").describe_table(TableName=ids["ItemsTable"])

        assert [index["IndexName"] for index in table["Table"]["GlobalSecondaryIndexes"]] == ["by_owner"]
        assert ids["FixtureKeyAlias"] == "alias/fixture-hello"


def test_provisioned_table_without_throughput_gets_a_default():
    template = {
        "Resources": {
            "T": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                },
            }
        }
    }
    with mock_aws():
        create_resources_from_template(template)
        table = boto3.client("dynamodb", region_name="ap-southeast-1").describe_table(TableName="T")["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
        assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}


def test_embedded_aws_sets_dummy_credentials_and_puts_the_environment_back(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIA-before")
    aws = EmbeddedAws()

    aws.start()
    try:
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_DEFAULT_REGION"] == "ap-southeast-1"
        assert boto3.client("dynamodb").list_tables()["TableNames"] == []  # answered by moto
    finally:
        aws.stop()

    assert os.environ["AWS_PROFILE"] == "someone-real"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIA-before"
