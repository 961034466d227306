"""`python -m midtrans_local.server --port 0` as a subprocess, the way the e2e tests and people start it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from midtrans_local.simulator import SANDBOX_SERVER_KEY, basic_auth_header
from midtrans_local.tokens import issue_dev_token
from tests.integration.local_stack.conftest import AUDIENCE, FIXTURE_TEMPLATE, ISSUER, StandInMidtrans

ROOT = Path(__file__).resolve().parents[3]
STARTUP_TIMEOUT = 60  # a cold start imports moto, boto3 and the handlers


class ServerProcess:
    """The server subprocess; its stdout is drained by a thread, so a full pipe never blocks it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "midtrans_local.server", "--port", "0", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_ready(self) -> str:
        while True:
            line = self.lines.get(timeout=STARTUP_TIMEOUT)
            assert line is not None, "the server exited before it was ready:\n" + "".join(self.output)
            self.output.append(line)
            if line.startswith("LOCAL_STACK_READY "):
                return line.split()[1]

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MIDTRANS_API_BASE_URL", "LOCAL_SEED_TENANT")}
    env.pop("LOCAL_JWT_SECRET", None)
    env.update(extra)
    return env


@pytest.fixture
def fixture_server(midtrans: StandInMidtrans) -> Iterator[ServerProcess]:
    server = ServerProcess(
        ["--template", str(FIXTURE_TEMPLATE)],
        server_env(MIDTRANS_API_BASE_URL=midtrans.url, LOCAL_JWT_SECRET="process-secret-long-enough-for-hs256"),
    )
    try:
        yield server
    finally:
        server.kill()


def test_fixture_template_served_by_the_subprocess_with_env_configuration(fixture_server, midtrans):
    api_url = fixture_server.wait_ready()

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", api_url) and not api_url.endswith(":0")
    banner = "".join(fixture_server.output)
    assert f"{midtrans.url}  (MIDTRANS_API_BASE_URL)" in banner
    assert requests.get(f"{api_url}/health", timeout=10).text == "ok"
    good = issue_dev_token(
        "tenant-p", "admin", secret="process-secret-long-enough-for-hs256", issuer=ISSUER, audience=AUDIENCE
    )
    default_secret = issue_dev_token("tenant-p", "admin", issuer=ISSUER, audience=AUDIENCE)
    assert requests.get(f"{api_url}/v1/echo", headers={"Authorization": f"Bearer {good}"}, timeout=10).ok
    # LOCAL_JWT_SECRET replaced the built-in development secret.
    refused = requests.get(f"{api_url}/v1/echo", headers={"Authorization": f"Bearer {default_secret}"}, timeout=10)
    assert refused.status_code == 401
    # The demo tenant is seeded with the simulator's sandbox key even against another Midtrans URL;
    # this stand-in knows only its own key, so Midtrans said 401 and the banner says so.
    assert [auth for _, _, auth in midtrans.requests] == [basic_auth_header(SANDBOX_SERVER_KEY)]
    assert "tenant tenant-demo: PUT /v1/connection -> 401" in banner
    assert fixture_server.stop(signal.SIGTERM) == 0


def test_ctrl_c_stops_cleanly(fixture_server):
    api_url = fixture_server.wait_ready()
    assert fixture_server.stop(signal.SIGINT) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{api_url}/health", timeout=10)


def test_real_template_with_the_simulator_answers_the_banner_curls():
    server = ServerProcess([], server_env())
    try:
        api_url = server.wait_ready()
        banner = "".join(server.output)
        assert "(simulator)" in banner
        assert "PUT /v1/connection -> 200" in banner  # tenant-demo connected to the simulator
        agent_token = re.search(r"/v1/payments/status -H 'Authorization: Bearer ([\w.-]+)'", banner)
        assert agent_token, banner

        status = requests.post(
            f"{api_url}/v1/payments/status",
            headers={"Authorization": f"Bearer {agent_token.group(1)}"},
            json={"conversation_id": "conv-1", "order_id": "ORDER-SETTLEMENT-GOPAY-001", "locale": "en"},
            timeout=30,
        )
        admin = issue_dev_token("tenant-demo", "admin")  # iss/aud from template.yaml's authorizer
        connection = requests.get(f"{api_url}/v1/connection", headers={"Authorization": f"Bearer {admin}"}, timeout=30)

        assert status.status_code == 200, status.text
        assert status.json()["outcome"] == "ok"
        assert connection.status_code == 200, connection.text
        assert connection.json()["status"] == "connected"
        assert requests.get(f"{api_url}/v1/connection", timeout=10).status_code == 401
        assert server.stop(signal.SIGTERM) == 0
    finally:
        server.kill()
