"""Embedded AWS for the local stack: moto in-process, with the template's tables and keys created.

`create_resources_from_template` is also meant for tests that run their own `mock_aws()`: it creates
the same DynamoDB tables (keys, indexes, TTL) and KMS keys/aliases that template.yaml declares.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from midtrans_local.template import LOCAL_REGION, SamTemplate

logger = logging.getLogger(__name__)

# Dummy credentials: boto3 must find some, and nothing may ever reach a real AWS account.
LOCAL_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
    "AWS_REGION": LOCAL_REGION,
}
# A named profile or a custom endpoint would send clients away from moto.
_UNSET_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB")


class EmbeddedAws:
    """moto's `mock_aws` for the whole process, with the environment set before any client exists."""

    def __init__(self) -> None:
        self._mock: Any = None
        self._saved: dict[str, str | None] = {}

    def start(self) -> None:
        names = (*LOCAL_AWS_ENVIRONMENT, *_UNSET_VARIABLES)
        self._saved = {name: os.environ.get(name) for name in names}
        for name in _UNSET_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(LOCAL_AWS_ENVIRONMENT)
        self._mock = mock_aws()
        self._mock.start()

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved = {}


def create_resources_from_template(
    template: SamTemplate | Mapping[str, Any] | str | Path, *, region_name: str = LOCAL_REGION
) -> dict[str, str]:
    """Create every KMS key, KMS alias and DynamoDB table of the template; call inside `mock_aws()`.

    `template` is a SamTemplate, a decoded template dict or a path. Returns logical id → physical id:
    the key id for a key, the alias name for an alias, the logical id (the local table name) for a table.
    """
    if isinstance(template, SamTemplate):
        sam = template
    elif isinstance(template, Mapping):
        sam = SamTemplate(template)
    else:
        sam = SamTemplate.load(template)
    physical_ids: dict[str, str] = {}
    kms = boto3.client("kms", region_name=region_name)
    for logical_id, resource in sam.resources_of_type("AWS::KMS::Key").items():
        props = sam.resolve(resource.get("Properties") or {}, physical_ids)
        options = {k: props[k] for k in ("Description", "KeyUsage", "KeySpec") if k in props}
        key_id = kms.create_key(**options)["KeyMetadata"]["KeyId"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key_id)
        physical_ids[logical_id] = key_id
    for logical_id, resource in sam.resources_of_type("AWS::KMS::Alias").items():
        props = sam.resolve(resource.get("Properties") or {}, physical_ids)
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        physical_ids[logical_id] = props["AliasName"]
    dynamodb = boto3.client("dynamodb", region_name=region_name)
    for logical_id, resource in sam.resources_of_type("AWS::DynamoDB::Table").items():
        props = sam.resolve(resource.get("Properties") or {}, physical_ids)
        dynamodb.create_table(**_create_table_arguments(logical_id, props))
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=logical_id,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        physical_ids[logical_id] = logical_id
    for logical_id, resource in sam.resources_of_type("AWS::Serverless::SimpleTable").items():
        primary = sam.resolve((resource.get("Properties") or {}).get("PrimaryKey") or {"Name": "id"})
        key_type = {"String": "S", "Number": "N", "Binary": "B"}[primary.get("Type", "String")]
        dynamodb.create_table(
            TableName=logical_id,
            KeySchema=[{"AttributeName": primary["Name"], "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": primary["Name"], "AttributeType": key_type}],
            BillingMode="PAY_PER_REQUEST",
        )
        physical_ids[logical_id] = logical_id
    logger.debug("created local AWS resources: %s", physical_ids)
    return physical_ids


def _create_table_arguments(table_name: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation table properties → CreateTable arguments (the parts moto needs locally)."""
    billing_mode = props.get("BillingMode", "PROVISIONED")
    arguments: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": billing_mode,
    }
    if billing_mode == "PROVISIONED":
        arguments["ProvisionedThroughput"] = _throughput(props)
    for name in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = [dict(index) for index in props.get(name) or []]
        for index in indexes:
            if name == "GlobalSecondaryIndexes" and billing_mode == "PROVISIONED":
                index["ProvisionedThroughput"] = _throughput(index)
            else:
                index.pop("ProvisionedThroughput", None)
            index.pop("ContributorInsightsSpecification", None)
        if indexes:
            arguments[name] = indexes
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return arguments


def _throughput(props: Mapping[str, Any]) -> dict[str, int]:
    given = props.get("ProvisionedThroughput") or {}
    return {
        "ReadCapacityUnits": int(given.get("ReadCapacityUnits", 5)),
        "WriteCapacityUnits": int(given.get("WriteCapacityUnits", 5)),
    }
