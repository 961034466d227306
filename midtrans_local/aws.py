"""AWS for the local stack: moto, either in-process (`EmbeddedAws`) or as a loopback server every worker
process shares (`MotoServer`), with the template's tables and keys created.

`create_resources_from_template` is also meant for tests that run their own `mock_aws()`: it creates
the same DynamoDB tables (keys, indexes, TTL), KMS keys/aliases and EventBridge buses that template.yaml declares
(those whose Condition holds with the parameters' defaults).
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from collections.abc import Callable, Iterable, Mapping
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


def client_options(region_name: str = LOCAL_REGION, endpoint_url: str | None = None) -> dict[str, Any]:
    """boto3.client keyword arguments for in-process moto (`endpoint_url` None) or the moto server at
    `endpoint_url`, with the dummy credentials."""
    options: dict[str, Any] = {"region_name": region_name}
    if endpoint_url:
        options |= {
            "endpoint_url": endpoint_url,
            "aws_access_key_id": LOCAL_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": LOCAL_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            "aws_session_token": LOCAL_AWS_ENVIRONMENT["AWS_SESSION_TOKEN"],
        }
    return options


def aws_client_environment(base: Mapping[str, str], endpoint_url: str) -> dict[str, str]:
    """`base` (a process environment) with every AWS client sent to `endpoint_url` with dummy credentials: no
    profile, no service-specific endpoint, nothing that could reach a real account."""
    env = {
        name: value
        for name, value in base.items()
        if name not in _UNSET_VARIABLES
        and not name.startswith("AWS_ENDPOINT_URL")
        and name not in ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
    }
    env.update(LOCAL_AWS_ENVIRONMENT)
    env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


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


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _OneAtATime:
    """A WSGI app that serves one request at a time, its response body read before the next starts.

    moto's DynamoDB checks a condition and then writes, in Python, with no lock: two threads can both pass
    `attribute_not_exists(pk)`. DynamoDB makes each single-item operation and each transaction atomic; serving
    one request at a time gives moto the same guarantee (and costs little: moto answers in a millisecond or two).
    """

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            response = self._app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                close = getattr(response, "close", None)
                if close is not None:
                    close()


class MotoServer:
    """moto's server on loopback for every worker process of the stack (`AWS_ENDPOINT_URL`), atomic per request.

    What `moto.server.ThreadedMotoServer` does (werkzeug's threaded server around moto's dispatcher app), with
    the app serialised by `_OneAtATime`, a short shutdown poll, and moto's state reset at start (its backends are
    process-wide: a second stack in the same process must not find the first one's tables).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.url = ""
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
        # Threaded: a request waits for the lock, not for the accept loop; the backlog is werkzeug's 128.
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler)
        self.url = f"http://{self.host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="moto-server", daemon=True
        )
        self._thread.start()
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our own server
            answer.read()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()  # serve_forever closes the socket when it returns
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None


def create_resources_from_template(
    template: SamTemplate | Mapping[str, Any] | str | Path,
    *,
    region_name: str = LOCAL_REGION,
    endpoint_url: str | None = None,
) -> dict[str, str]:
    """Create every KMS key, KMS alias, DynamoDB table and EventBridge bus of the template: inside `mock_aws()`,
    or on the moto server at `endpoint_url` (with dummy credentials). A resource whose `Condition` is false with
    every parameter at its Default is skipped, as CloudFormation would skip it.

    `template` is a SamTemplate, a decoded template dict or a path. Returns logical id → physical id:
    the key id for a key, the alias name for an alias, the logical id (the local table or bus name) for a table
    or a bus. A bus's !Ref is its name, as in AWS, so PLATFORM_EVENTS_BUS_NAME: !Ref Bus names the local bus.
    """
    if isinstance(template, SamTemplate):
        sam = template
    elif isinstance(template, Mapping):
        sam = SamTemplate(template)
    else:
        sam = SamTemplate.load(template)
    physical_ids: dict[str, str] = {}
    connect = client_options(region_name, endpoint_url)
    kms = boto3.client("kms", **connect)
    for logical_id, resource in sam.created_resources_of_type("AWS::KMS::Key").items():
        props = sam.resolve(resource.get("Properties") or {}, physical_ids)
        options = {k: props[k] for k in ("Description", "KeyUsage", "KeySpec") if k in props}
        key_id = kms.create_key(**options)["KeyMetadata"]["KeyId"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key_id)
        physical_ids[logical_id] = key_id
    for logical_id, resource in sam.created_resources_of_type("AWS::KMS::Alias").items():
        props = sam.resolve(resource.get("Properties") or {}, physical_ids)
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        physical_ids[logical_id] = props["AliasName"]
    dynamodb = boto3.client("dynamodb", **connect)
    for logical_id, resource in sam.created_resources_of_type("AWS::DynamoDB::Table").items():
        props = sam.resolve(resource.get("Properties") or {}, physical_ids)
        dynamodb.create_table(**_create_table_arguments(logical_id, props))
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=logical_id,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        physical_ids[logical_id] = logical_id
    for logical_id, resource in sam.created_resources_of_type("AWS::Serverless::SimpleTable").items():
        primary = sam.resolve((resource.get("Properties") or {}).get("PrimaryKey") or {"Name": "id"})
        key_type = {"String": "S", "Number": "N", "Binary": "B"}[primary.get("Type", "String")]
        dynamodb.create_table(
            TableName=logical_id,
            KeySchema=[{"AttributeName": primary["Name"], "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": primary["Name"], "AttributeType": key_type}],
            BillingMode="PAY_PER_REQUEST",
        )
        physical_ids[logical_id] = logical_id
    events = boto3.client("events", **connect)
    for logical_id in sam.created_resources_of_type("AWS::Events::EventBus"):
        # Named after the logical id, as tables are (the template's Name is the stack's, e.g. <stack>-platform-events).
        events.create_event_bus(Name=logical_id)
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
