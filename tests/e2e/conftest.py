"""End-to-end tier: `python -m midtrans_local.server` as a subprocess (exactly what `make run` starts: worker
processes per function, a moto server), driven over loopback HTTP; Midtrans is the embedded simulator, steered
through its control API."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from midtrans_local.tokens import issue_dev_token
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e


REPORT_LINE = re.compile(r"(?P<route>\S+ \S+) -> (?P<status>\d+) \(\w+, [\d.]+ ms\) REPORT (?P<fields>.*)$")


@dataclass
class RunningStack:
    api: str
    midtrans: str
    process: subprocess.Popen[str]  # the leader of its own process group (its workers are in it)
    output: list[str] = field(default_factory=list)
    aws: str = ""  # the stack's moto server (AWS_ENDPOINT_URL of its workers)

    def reports(self, function: str | None = None) -> list[dict[str, str]]:
        """The stack's per-invocation REPORT lines so far, as dicts (route, status, function, worker, pid, start
        = cold|warm, init_ms and import_ms when cold, duration_ms, wait_ms), optionally of one function."""
        found = []
        for line in list(self.output):
            match = REPORT_LINE.search(line.rstrip())
            if match is None:
                continue
            fields = dict(part.split("=", 1) for part in match.group("fields").split())
            report = {"route": match.group("route"), "status": match.group("status"), **fields}
            if function is None or report["function"] == function:
                found.append(report)
        return found

    def call(
        self,
        method: str,
        path: str,
        *,
        role: str = "ai_agent",
        cid: str = "tenant-demo",
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """`headers` go on top of the Authorization header (e.g. the platform's X-Conversation-Id)."""
        sent = {"Authorization": f"Bearer {token or issue_dev_token(cid, role)}", **(headers or {})}
        return requests.request(method, self.api + path, json=body, headers=sent, timeout=30)

    def status(self, order_id: str | None, locale: str = "en", **kwargs: Any) -> requests.Response:
        body = {"conversation_id": "conv-e2e", "locale": locale}
        if order_id is not None:
            body["order_id"] = order_id
        return self.call("POST", "/v1/payments/status", body=body, **kwargs)

    def simulator(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(method, f"{self.midtrans}/__simulator{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def midtrans_calls(self) -> list[dict[str, Any]]:
        return list(self.simulator("GET", "/calls")["calls"])


def start_stack(extra_env: dict[str, str] | None = None) -> RunningStack:
    env = {**os.environ, "PORT": "0", **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "midtrans_local.server", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        process_group=0,  # its own group: stop_stack (and the stop tests) can see that none of its processes is left
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + 60
    api = midtrans = None
    aws = ""
    for line in process.stdout:
        output.append(line)
        if found := re.search(r"Midtrans\s+(http://127\.0\.0\.1:\d+)", line):
            midtrans = found.group(1)
        if found := re.search(r"AWS\s+moto server (http://127\.0\.0\.1:\d+)", line):
            aws = found.group(1)
        if line.startswith("LOCAL_STACK_READY "):
            api = line.split()[1].rstrip("/")
            break
        if time.monotonic() > deadline:
            break
    if not api or not midtrans:
        _kill_group(process)
        raise RuntimeError("local stack did not start:\n" + "".join(output))

    def drain() -> None:  # the handlers log to stdout: keep reading, or a full pipe blocks the server
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)

    threading.Thread(target=drain, daemon=True).start()
    return RunningStack(api=api, midtrans=midtrans, process=process, output=output, aws=aws)


def stop_stack(stack: RunningStack) -> None:
    stack.process.terminate()
    try:
        stack.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _kill_group(stack.process)


def _kill_group(process: subprocess.Popen[str]) -> None:
    """SIGKILL the stack and whatever of its process group is left (its workers), and reap the stack."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    # A short read timeout lets the latency fault prove the timeout path without waiting 25 s.
    running = start_stack({"MIDTRANS_READ_TIMEOUT_SECONDS": "1"})
    yield running
    stop_stack(running)


@pytest.fixture(autouse=True)
def _clean_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stack" in request.fixturenames:
        request.getfixturevalue("stack").simulator("DELETE", "/faults")
