"""LocalStack with worker processes (`concurrency=N`, what `make run` uses): execution environments as Lambda has
them, on the fixture template. The stack runs in this process; its workers and its moto server do not share it."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from midtrans_local.events import HttpApiServer
from midtrans_local.server import LocalStack, concurrency_from_environment
from midtrans_local.workers import FunctionError
from tests.integration.local_stack.conftest import FIXTURE_TEMPLATE, SECRET, StandInMidtrans, bearer

TIMEOUT = 15
REPORT = re.compile(r"REPORT function=(?P<function>\w+) worker=(?P<worker>\d+) pid=(?P<pid>\d+) start=(?P<start>\w+)")


@pytest.fixture
def workers_stack(midtrans: StandInMidtrans) -> Iterator[LocalStack]:
    local = LocalStack(
        FIXTURE_TEMPLATE, port=0, midtrans_base_url=midtrans.url, seed_tenant=None, jwt_secret=SECRET, concurrency=2
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()


def environment(stack: LocalStack, **body: Any) -> requests.Response:
    return requests.post(f"{stack.api_url}/v1/environment", json=body, headers=bearer(), timeout=TIMEOUT)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_worker_imports_its_handler_once_with_its_environment_then_stays_warm(workers_stack: LocalStack, caplog):
    with caplog.at_level(logging.INFO, logger="midtrans_local"):
        first = environment(workers_stack).json()
        second = environment(workers_stack).json()

    assert first["pid"] == second["pid"] != os.getpid()  # another process, and the same one twice
    assert (first["served"], second["served"]) == (1, 2)  # its memory survived between invocations
    assert first["imported_at"] == second["imported_at"]  # imported once: one cold start
    assert first["imported_with"] == "set-before-import"  # the function's environment was there at import
    assert first["aws_endpoint_url"] == workers_stack.aws_endpoint_url != ""  # AWS is the stack's moto server
    assert 0 < first["remaining_ms"] <= 2000  # the function's Timeout (2 s)
    starts = [m.group("start") for m in REPORT.finditer(caplog.text) if m.group("function") == "EnvironmentFunction"]
    assert starts == ["cold", "warm"]
    assert re.search(r"INIT function=EnvironmentFunction worker=1 pid=\d+ init_ms=\d+ import_ms=\d+", caplog.text)
    assert re.search(r"start=cold init_ms=\d+ import_ms=\d+ duration_ms=[\d.]+ wait_ms=\d+", caplog.text)


def test_concurrent_invocations_run_in_separate_workers_and_wait_at_the_limit(workers_stack: LocalStack, caplog):
    with ThreadPoolExecutor(2) as pool:  # two at once: two workers, both started and warm
        warm = list(pool.map(lambda _: environment(workers_stack, sleep=0.3).json(), range(2)))
    assert len({seen["pid"] for seen in warm}) == 2

    with caplog.at_level(logging.INFO, logger="midtrans_local"), ThreadPoolExecutor(3) as pool:
        seen = list(pool.map(lambda _: environment(workers_stack, sleep=0.6).json(), range(3)))

    assert {s["pid"] for s in seen} == {s["pid"] for s in warm}  # the limit (2) holds: no third worker
    waits = [int(w) for w in re.findall(r"function=EnvironmentFunction .* wait_ms=(\d+)", caplog.text)]
    # the third waited for one of the two: both were busy at once, side by side
    assert len(waits) == 3 and max(waits) >= 400


def test_a_handler_exception_is_a_500_and_the_worker_stays_warm(workers_stack: LocalStack, caplog):
    pid = environment(workers_stack).json()["pid"]
    with caplog.at_level(logging.ERROR, logger="midtrans_local"):
        failed = environment(workers_stack, **{"raise": True})

    assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})
    assert "FixtureFailure: the environment fixture was asked to fail" in caplog.text  # the worker's traceback
    assert environment(workers_stack).json()["pid"] == pid


def test_an_invocation_past_the_timeout_is_killed_and_the_next_one_is_cold(workers_stack: LocalStack, caplog):
    pid = environment(workers_stack).json()["pid"]
    with caplog.at_level(logging.INFO, logger="midtrans_local"):
        timed_out = environment(workers_stack, sleep=5)
        after = environment(workers_stack).json()

    assert timed_out.status_code == 500
    assert "Task timed out after 2.00 seconds" in caplog.text  # the function's Timeout (2 s), not the 5 s sleep
    assert not alive(pid) and after["pid"] != pid and after["served"] == 1
    assert [m.group("start") for m in REPORT.finditer(caplog.text)][-1] == "cold"


def test_a_crashed_worker_is_a_500_and_is_replaced(workers_stack: LocalStack, caplog):
    pid = environment(workers_stack).json()["pid"]
    with caplog.at_level(logging.ERROR, logger="midtrans_local"):
        crashed = environment(workers_stack, crash=True)

    assert crashed.status_code == 500
    assert "Runtime.ExitError" in caplog.text and "exit code 3" in caplog.text
    assert not alive(pid) and environment(workers_stack).json()["pid"] != pid


def test_a_handler_that_cannot_be_imported_fails_only_its_routes(workers_stack: LocalStack, caplog):
    with caplog.at_level(logging.ERROR, logger="midtrans_local"):
        broken = requests.get(f"{workers_stack.api_url}/v1/broken", headers=bearer(), timeout=TIMEOUT)

    assert (broken.status_code, broken.json()) == (500, {"message": "Internal Server Error"})
    assert "the broken fixture cannot be imported" in caplog.text
    assert requests.get(f"{workers_stack.api_url}/health", timeout=TIMEOUT).text == "ok"


def test_invoke_runs_in_a_worker_and_raises_function_errors(workers_stack: LocalStack):
    event = {"version": "2.0", "rawPath": "/v1/environment", "requestContext": {"http": {"method": "POST"}}}
    result = workers_stack.invoke("EnvironmentFunction", event)
    assert json.loads(result["body"])["pid"] != os.getpid()

    with pytest.raises(FunctionError) as raised:
        workers_stack.invoke("BoomFunction", {"rawPath": "/v1/boom"})
    assert raised.value.error_type == "FixtureFailure"
    assert "the boom fixture always fails" in raised.value.describe()


def test_stop_ends_busy_workers_at_once_and_frees_the_port(midtrans: StandInMidtrans):
    local = LocalStack(
        FIXTURE_TEMPLATE, port=0, midtrans_base_url=midtrans.url, seed_tenant=None, jwt_secret=SECRET, concurrency=2
    )
    local.start()
    pid = environment(local).json()["pid"]
    finished: list[int] = []  # the busy invocation's status, had it been allowed to finish
    busy = threading.Thread(
        target=lambda: _ignore_errors(lambda: finished.append(environment(local, sleep=1.9).status_code)), daemon=True
    )
    busy.start()
    time.sleep(0.5)  # the invocation is sleeping in the worker

    local.stop()

    assert not alive(pid)  # killed, not left to finish its 1.9 s
    busy.join(timeout=5)
    assert 200 not in finished
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{local.api_url}/health", timeout=TIMEOUT)
    assert local.timings() == []  # the pools are gone; their summary was logged


def _ignore_errors(call: Any) -> None:
    with contextlib.suppress(requests.RequestException):
        call()


def test_the_summary_names_cold_starts_and_warm_durations(workers_stack: LocalStack):
    for _ in range(3):
        environment(workers_stack)
    (line,) = [line for line in workers_stack.timings() if "function=EnvironmentFunction" in line]
    assert re.fullmatch(
        r"SUMMARY function=EnvironmentFunction invocations=3 workers=1 cold=1 init_ms_median=\d+ init_ms_max=\d+ "
        r"import_ms_median=\d+ cold_duration_ms_median=[\d.]+ warm=2 warm_duration_ms_median=[\d.]+ "
        r"warm_duration_ms_p95=[\d.]+",
        line,
    ), line


@pytest.mark.parametrize(("value", "expected"), [(None, 4), ("", 4), ("8", 8), ("1", 1), ("0", None), (" 3 ", 3)])
def test_local_concurrency(value: str | None, expected: int | None):
    assert concurrency_from_environment(value) == expected


@pytest.mark.parametrize("value", ["many", "-1", "2.5"])
def test_local_concurrency_refuses_nonsense(value: str):
    with pytest.raises(ValueError, match="LOCAL_CONCURRENCY"):
        concurrency_from_environment(value)


def test_from_environment_uses_workers_unless_told_not_to(monkeypatch):
    monkeypatch.setenv("LOCAL_CONCURRENCY", "6")
    assert LocalStack.from_environment("template.yaml").concurrency == 6
    assert LocalStack.from_environment("template.yaml", workers=False).concurrency is None
    monkeypatch.setenv("LOCAL_CONCURRENCY", "0")
    assert LocalStack.from_environment("template.yaml").concurrency is None
    assert LocalStack("template.yaml").concurrency is None  # the class itself defaults to in-process


def test_the_accept_queue_holds_bursts():
    assert HttpApiServer.request_queue_size >= 128
