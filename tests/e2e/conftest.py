"""End-to-end tier: `python -m midtrans_local.server` as a subprocess (exactly what `make run` starts),
driven over loopback HTTP; Midtrans is the embedded simulator, steered through its control API."""

from __future__ import annotations

import os
import re
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


@dataclass
class RunningStack:
    api: str
    midtrans: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        *,
        role: str = "ai_agent",
        cid: str = "tenant-demo",
        body: Any = None,
        token: str | None = None,
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or issue_dev_token(cid, role)}"}
        return requests.request(method, self.api + path, json=body, headers=headers, timeout=30)

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
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + 60
    api = midtrans = None
    for line in process.stdout:
        output.append(line)
        if found := re.search(r"Midtrans\s+(http://127\.0\.0\.1:\d+)", line):
            midtrans = found.group(1)
        if line.startswith("LOCAL_STACK_READY "):
            api = line.split()[1].rstrip("/")
            break
        if time.monotonic() > deadline:
            break
    if not api or not midtrans:
        process.kill()
        raise RuntimeError("local stack did not start:\n" + "".join(output))

    def drain() -> None:  # the handlers log to stdout: keep reading, or a full pipe blocks the server
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)

    threading.Thread(target=drain, daemon=True).start()
    return RunningStack(api=api, midtrans=midtrans, process=process, output=output)


def stop_stack(stack: RunningStack) -> None:
    stack.process.terminate()
    try:
        stack.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        stack.process.kill()


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
