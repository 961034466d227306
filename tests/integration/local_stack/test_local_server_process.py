"""`python -m midtrans_local.server --port 0` as a subprocess, the way the e2e tests and people start it."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
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
            process_group=0,  # the stack and its workers: one group, which must be gone after a stop
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
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def group_is_gone(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False


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


def test_a_signal_during_the_start_stops_everything_within_5_s(midtrans):
    """SIGTERM while the stack imports, starts moto and the simulator, or seeds through a cold worker."""
    delay = random.uniform(0.5, 2.0)
    server = ServerProcess(["--template", str(FIXTURE_TEMPLATE)], server_env(MIDTRANS_API_BASE_URL=midtrans.url))
    try:
        time.sleep(delay)
        server.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        code = server.process.wait(timeout=5)
        while not server.group_is_gone() and time.monotonic() - signalled < 5:
            time.sleep(0.05)
        # Killed by the signal itself when it came before the handlers were installed (still importing): no worker
        # nor server exists yet then.
        assert code in (0, -signal.SIGTERM), code
        assert server.group_is_gone() and time.monotonic() - signalled < 5, f"SIGTERM after {delay:.2f} s"
    finally:
        server.kill()


# Run as its own process, a child subreaper: the stack's orphaned workers become its children, so it can tell
# when they died and reap them (PID 1 of some containers never reaps, and zombies would pile up).
KILLED_STACK_SCRIPT = """
import contextlib, ctypes, json, os, subprocess, sys, threading, time
import requests
from midtrans_local.tokens import issue_dev_token
template, midtrans_url, secret, issuer, audience = sys.argv[1:]
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
env = {**os.environ, "MIDTRANS_API_BASE_URL": midtrans_url, "LOCAL_JWT_SECRET": secret, "LOCAL_SEED_TENANT": ""}
server = subprocess.Popen([sys.executable, "-m", "midtrans_local.server", "--port", "0", "--template", template],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
api = next(line.split()[1] for line in server.stdout if line.startswith("LOCAL_STACK_READY "))
threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
headers = {"Authorization": "Bearer " + issue_dev_token("tenant-k", "ai_agent", secret=secret, issuer=issuer,
                                                         audience=audience)}
def call(seconds):
    with contextlib.suppress(requests.RequestException):
        answer = requests.post(api + "/v1/environment", json={"sleep": seconds}, headers=headers, timeout=30)
        return answer.json()["pid"]
both = [threading.Thread(target=lambda: pids.append(call(0.3))) for _ in range(2)]
pids = []
[t.start() for t in both]; [t.join() for t in both]
threading.Thread(target=call, args=(1.5,), daemon=True).start()  # one of the two is busy when the stack dies
time.sleep(0.3)
server.kill()  # SIGKILL: the stack runs no handler, stops nothing
server.wait()
killed = time.monotonic()
dead = {}
while len(dead) < len(set(pids)) and time.monotonic() - killed < 3:
    for pid in set(pids) - set(dead):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                dead[pid] = round(time.monotonic() - killed, 2)
    time.sleep(0.02)
print(json.dumps({"workers": sorted(set(pids)), "dead_after_s": dead}))
"""


SECRET = "killed-stack-secret-long-enough-for-hs256"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_CHILD_SUBREAPER is Linux's")
def test_workers_die_with_a_stack_killed_without_a_chance_to_stop_them(midtrans):
    done = subprocess.run(
        [sys.executable, "-c", KILLED_STACK_SCRIPT, str(FIXTURE_TEMPLATE), midtrans.url, SECRET, ISSUER, AUDIENCE],
        cwd=ROOT,
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(seen["workers"]) == 2, seen  # one idle, one in the middle of an invocation
    # every worker died inside the script's watch after the kill (its lifeline), none left behind
    assert sorted(int(pid) for pid in seen["dead_after_s"]) == seen["workers"], seen
