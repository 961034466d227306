"""Secrets never appear in logs, metrics, errors, stored items or responses (docs/product-contract.md §10)."""

from __future__ import annotations

import base64
import json
import logging

import boto3
import pytest
import requests
import responses

from midtrans_native.stores.connections import ConnectionStore
from tests.conftest import load_event

from .conftest import NOT_FOUND_BODY, PROBE, SANDBOX, invoke

CANARY = "SB-Mid-server-CANARYSECRET77"


def test_the_server_key_never_leaks_anywhere(
    aws, midtrans: responses.RequestsMock, log_output, capsys: pytest.CaptureFixture[str], caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    connect = {"server_key": CANARY, "client_key": "SB-Mid-client-CANARYCLIENT7", "environment": "sandbox"}
    answers: list[str] = []

    midtrans.get(PROBE, status=401, json={"status_code": "401", "status_message": "unauthorized"})
    answers.append(json.dumps(invoke("connection", load_event("connection.put_sandbox", body=connect))))
    midtrans.replace(responses.GET, PROBE, json=NOT_FOUND_BODY)
    answers.append(json.dumps(invoke("connection", load_event("connection.put_sandbox", body=connect))))
    answers.append(json.dumps(invoke("connection", load_event("connection.get"))))
    # Failures whose exceptions pass through the client: a timeout, a 401, a malformed body, validation.
    url = f"{SANDBOX}/v2/ORDER-SETTLEMENT-GOPAY-001/status"
    for answer in ({"body": requests.ConnectionError("boom")}, {"status": 401, "json": {"status_code": "401"}}):
        for _ in range(3):
            midtrans.get(url, **answer)
        answers.append(json.dumps(invoke("check_payment_status", load_event("check_payment_status.settlement"))))
    bad = load_event("connection.put_sandbox", body={**connect, "environment": "moon"})
    answers.append(json.dumps(invoke("connection", bad)))

    basic = base64.b64encode(f"{CANARY}:".encode()).decode()
    everything = "\n".join([log_output.getvalue(), capsys.readouterr().out, caplog.text, *answers])
    assert midtrans.calls, "the flows above must really have called Midtrans with the key"
    assert CANARY not in everything and basic not in everything
    assert "CANARYSECRET" not in everything  # not even a fragment of the secret part

    stored = boto3.client("dynamodb").scan(TableName=aws["ConnectionsTable"])["Items"]
    assert len(stored) == 1
    raw = repr(stored).encode() + b"".join(v["B"] for item in stored for v in item.values() if "B" in v)
    assert CANARY.encode() not in raw and b"CANARYSECRET" not in raw


def test_ciphertext_is_bound_to_its_tenant(aws) -> None:
    """A ciphertext copied into another tenant's item cannot be decrypted there (KMS encryption context)."""
    from midtrans_native import deps

    store = deps.connection_store()
    request_body = {"server_key": CANARY, "client_key": "SB-Mid-client-CANARYCLIENT7", "environment": "sandbox"}
    from midtrans_native.models.connection import ConnectRequest

    store.save("tenant-a", ConnectRequest.model_validate(request_body))
    dynamodb = boto3.client("dynamodb")
    item = dynamodb.get_item(TableName=aws["ConnectionsTable"], Key={"cid": {"S": "tenant-a"}})["Item"]
    dynamodb.put_item(TableName=aws["ConnectionsTable"], Item={**item, "cid": {"S": "tenant-b"}})

    loaded = store.credentials("tenant-a")
    assert loaded is not None and loaded[1].server_key.get_secret_value() == CANARY
    with pytest.raises(Exception, match="InvalidCiphertext"):
        store.credentials("tenant-b")
    assert isinstance(store, ConnectionStore)
