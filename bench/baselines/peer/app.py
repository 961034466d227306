"""Baseline for first and warm invocations: the floor of what POST /v1/payments/status must do.

The same Powertools decorators and resolver as ours, and exactly one DynamoDB GetItem (ConsistentRead) of the
tenant's connection, one KMS Decrypt of its credentials (the ConnectionStore's encryption context), one GET
/v2/<order_id>/status with Basic auth. No validation models, no gates, no action events. boto3 clients are created
on first use with the layer's client config; the HTTP session is module-level. Never deployed; `make bench` runs it
with the status function's environment (tables, key, MIDTRANS_API_BASE_URL).
"""

import json
import os
import warnings
from functools import cache
from typing import Any
from urllib.parse import quote

import boto3
import requests
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

app = APIGatewayHttpResolver()
tracer = Tracer()
logger = Logger()
metrics = Metrics()
warnings.filterwarnings("ignore", message="No application metrics to publish")  # as ours does

SESSION = requests.Session()
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"})


@cache
def dynamodb() -> Any:
    return boto3.client("dynamodb", config=_AWS_CONFIG)


@cache
def kms() -> Any:
    return boto3.client("kms", config=_AWS_CONFIG)


@app.post("/v1/payments/status")
def payment_status() -> dict[str, Any]:
    cid = app.current_event.request_context.authorizer.jwt_claim["cid"]
    order_id = app.current_event.json_body["order_id"]
    item = dynamodb().get_item(
        TableName=os.environ["CONNECTIONS_TABLE_NAME"], Key={"cid": {"S": cid}}, ConsistentRead=True
    )["Item"]
    plaintext = kms().decrypt(
        CiphertextBlob=item["credentials_ciphertext"]["B"],
        EncryptionContext={"tenant_id": cid, "purpose": "midtrans-credentials"},
        KeyId=os.environ["CREDENTIALS_KEY_ID"],
    )["Plaintext"]
    server_key = json.loads(plaintext)["server_key"]
    base_url = os.environ["MIDTRANS_API_BASE_URL"]  # the bench's simulator: never the real sandbox
    response = SESSION.get(
        f"{base_url.rstrip('/')}/v2/{quote(order_id, safe='')}/status",
        auth=(server_key, ""),
        headers={"Accept": "application/json"},
        timeout=(3.05, 10),
    )
    body: dict[str, Any] = response.json()
    return body


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
