"""midtrans_local.aws.MotoServer: the moto server every worker of the stack shares, atomic per request as DynamoDB
is per single-item operation and per transaction.

Unlocked, moto's threaded server can let two conditional writers both win (check, then write, in Python with no
lock); it shows rarely, so the tests make Python switch threads as often as it can while 32 clients race."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import requests

from midtrans_local.aws import MotoServer, client_options, create_resources_from_template
from tests.integration.local_stack.conftest import FIXTURE_TEMPLATE

CLIENTS = 32
ROUNDS = 6


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = MotoServer()
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def dynamodb(url: str) -> Any:
    return boto3.client("dynamodb", **client_options(endpoint_url=url))


def winners(url: str, attempt: Callable[[Any, int], None]) -> list[int]:
    """How many of CLIENTS concurrent `attempt`s succeeded, per round (ConditionalCheckFailed/Transaction-
    Canceled count as losing), with Python switching threads every microsecond."""
    clients = [dynamodb(url) for _ in range(CLIENTS)]
    counts = []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for round_number in range(ROUNDS):
            barrier = threading.Barrier(CLIENTS)

            def run(index: int, round_number: int = round_number, barrier: threading.Barrier = barrier) -> int:
                client = clients[index]
                errors = client.exceptions
                lost = (errors.ConditionalCheckFailedException, errors.TransactionCanceledException)
                barrier.wait()
                try:
                    attempt(client, round_number * 1000 + index)
                except lost:
                    return 0
                return 1

            with ThreadPoolExecutor(CLIENTS) as pool:
                counts.append(sum(pool.map(run, range(CLIENTS))))
    finally:
        sys.setswitchinterval(interval)
    return counts


def _table(url: str, name: str = "Race") -> None:
    dynamodb(url).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_one_conditional_put_wins(moto_url: str):
    _table(moto_url)

    def put(client: Any, attempt: int) -> None:
        client.put_item(
            TableName="Race",
            Item={"pk": {"S": f"first-{attempt // 1000}"}, "writer": {"N": str(attempt)}},
            ConditionExpression="attribute_not_exists(pk)",
        )

    assert winners(moto_url, put) == [1] * ROUNDS


def test_one_lease_is_taken(moto_url: str):
    """The token manager's single flight: SET lock_owner only when there is none (or it lapsed)."""
    _table(moto_url)

    def lease(client: Any, attempt: int) -> None:
        client.update_item(
            TableName="Race",
            Key={"pk": {"S": f"TOKEN#sandbox#tenant-{attempt // 1000}"}},
            UpdateExpression="SET lock_owner = :me, lock_until = :until",
            ConditionExpression="attribute_not_exists(lock_until) OR lock_until < :now",
            ExpressionAttributeValues={":me": {"S": str(attempt)}, ":until": {"N": "2000"}, ":now": {"N": "1000"}},
        )

    assert winners(moto_url, lease) == [1] * ROUNDS


def test_one_transaction_wins(moto_url: str):
    _table(moto_url)

    def transact(client: Any, attempt: int) -> None:
        key = f"decision-{attempt // 1000}"
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": "Race",
                        "Item": {"pk": {"S": key}, "owner": {"S": str(attempt)}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
                {"Put": {"TableName": "Race", "Item": {"pk": {"S": f"{key}-by-{attempt}"}}}},
            ]
        )

    assert winners(moto_url, transact) == [1] * ROUNDS
    # Atomic: only the winner's second item exists.
    items = dynamodb(moto_url).scan(TableName="Race")["Items"]
    assert len([item for item in items if "-by-" in item["pk"]["S"]]) == ROUNDS


def test_the_template_resources_are_created_on_the_server_and_a_new_server_starts_empty():
    first = MotoServer()
    url = first.start()
    try:
        ids = create_resources_from_template(FIXTURE_TEMPLATE, endpoint_url=url)
        assert dynamodb(url).list_tables()["TableNames"] == ["ItemsTable"]
        assert ids["FixtureKeyAlias"] == "alias/fixture-hello"
    finally:
        first.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=5)
    second = MotoServer()
    again = second.start()
    try:  # moto's backends are process-wide: the server resets them when it starts
        assert dynamodb(again).list_tables()["TableNames"] == []
    finally:
        second.stop()
