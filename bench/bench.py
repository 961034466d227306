"""`make bench`: cold import of the status function (with and without precompiled bytecode) and warm
request latency through the local stack. Prints a table; asserts nothing (speed is measured, not tested).

Import times are taken in fresh interpreters (median of RUNS). "no .pyc" compiles every module on each run,
which is what Lambda does when the deployment package ships no __pycache__ (/opt and /var/task are read-only).
Numbers from a 2-core VM: use them to compare changes, not as Lambda's absolute cold start.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
REQUESTS = 60
IMPORT = "functions.check_payment_status.app"
SNIPPET = f"import time; t = time.perf_counter(); import {IMPORT}; print(time.perf_counter() - t)"


def _import_seconds(no_bytecode: bool) -> float:
    env = {**os.environ, "POWERTOOLS_SERVICE_NAME": "bench", "POWERTOOLS_METRICS_NAMESPACE": "bench"}
    command = [sys.executable, "-c", SNIPPET]
    with tempfile.TemporaryDirectory() as empty_cache:
        if no_bytecode:
            env["PYTHONPYCACHEPREFIX"] = empty_cache  # an empty cache: every module is compiled
            command.insert(1, "-B")  # …and nothing is written, so the next run compiles again
        out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def cold_imports() -> list[tuple[str, float, float]]:
    _import_seconds(no_bytecode=False)  # make sure the normal .pyc cache exists
    rows = []
    for label, no_bytecode in (("cold import, with .pyc", False), ("cold import, no .pyc", True)):
        samples = [_import_seconds(no_bytecode) * 1000 for _ in range(RUNS)]
        rows.append((label, statistics.median(samples), max(samples)))
    return rows


def warm_requests() -> list[tuple[str, float, float]]:
    from midtrans_local.server import LocalStack
    from midtrans_local.tokens import issue_dev_token

    stack = LocalStack(template_path=str(ROOT / "template.yaml"), port=0, log_level="WARNING")
    url = stack.start()
    try:
        session = requests.Session()
        agent = {"Authorization": f"Bearer {issue_dev_token('tenant-demo', 'ai_agent')}"}
        snap_agent = {"Authorization": f"Bearer {issue_dev_token('tenant-bisnap', 'ai_agent')}"}
        admin = {"Authorization": f"Bearer {issue_dev_token('tenant-demo', 'admin')}"}
        status = {"conversation_id": "bench", "order_id": "ORDER-SETTLEMENT-GOPAY-001"}
        cases = [
            ("POST /v1/payments/status (warm)", "POST", "/v1/payments/status", agent, status),
            ("POST /v1/payments/status, BI-SNAP", "POST", "/v1/payments/status", snap_agent, status),
            ("GET /v1/connection (warm)", "GET", "/v1/connection", admin, None),
        ]
        rows = []
        for label, method, path, headers, body in cases:
            session.request(method, url + path, headers=headers, json=body, timeout=30).raise_for_status()
            samples = []
            for _ in range(REQUESTS):
                start = time.perf_counter()
                session.request(method, url + path, headers=headers, json=body, timeout=30).raise_for_status()
                samples.append((time.perf_counter() - start) * 1000)
            samples.sort()
            rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
        return rows + agent_surface(session, url, agent)
    finally:
        stack.stop()


def _fixture_request(name: str) -> tuple[dict[str, str], str]:
    """Headers (minus the gateway's) and body of an events/ fixture: what an MCP client sends."""
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    skip = {"authorization", "host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "user-agent"}
    headers = {k: v for k, v in event["headers"].items() if k not in skip}
    return headers, event["body"]


def agent_surface(session: requests.Session, url: str, agent: dict[str, str]) -> list[tuple[str, float, float]]:
    """MCP tools/call of check_payment_status against the REST status route, interleaved request by request so
    both see the same machine; and tools/list. The ratio is printed by main()."""
    call_headers, call_body = _fixture_request("mcp_server.call_check_payment_status")
    list_headers, list_body = _fixture_request("mcp_server.tools_list")
    rest = {"order_id": "ORDER-SETTLEMENT-GOPAY-001"}
    rest_headers = {**agent, "X-Conversation-Id": "bench", "Accept-Language": "en"}

    def timed(method: str, path: str, headers: dict[str, str], **kwargs: object) -> float:
        start = time.perf_counter()
        response = session.request(method, url + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]
        elapsed = (time.perf_counter() - start) * 1000
        response.raise_for_status()
        if path == "/mcp":
            assert "error" not in response.json(), response.text
        return elapsed

    series: dict[str, list[float]] = {"REST status": [], "MCP tools/call status": [], "MCP tools/list": []}
    for _ in range(REQUESTS + 1):
        series["REST status"].append(timed("POST", "/v1/payments/status", rest_headers, json=rest))
        series["MCP tools/call status"].append(timed("POST", "/mcp", {**agent, **call_headers}, data=call_body))
        series["MCP tools/list"].append(timed("POST", "/mcp", {**agent, **list_headers}, data=list_body))
    rows = []
    for label, samples in series.items():
        samples = sorted(samples[1:])  # the first round warms each path
        rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
    return rows


def bisnap_signatures() -> list[tuple[str, float, float]]:
    """What a token refresh and every BI-SNAP call add in CPU: one RSA-2048 signature, one HMAC-SHA512."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from midtrans_native.midtrans.bisnap_signing import sign_access_token_request, sign_request

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    body = b'{"originalExternalId":"ORDER-1","serviceCode":"54"}'
    cases = (
        (
            "BI-SNAP token signature (RSA-2048)",
            lambda: sign_access_token_request(pem, "client", "2026-01-01T00:00:00+07:00"),
        ),
        (
            "BI-SNAP call signature (HMAC-512)",
            lambda: sign_request("secret", "POST", "/v1.0/debit/status", "t", body, "ts"),
        ),
    )
    rows = []
    for label, sign in cases:
        samples = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            sign()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
    return rows


def main() -> None:
    rows = cold_imports()
    with contextlib.redirect_stdout(io.StringIO()):  # the handlers' JSON logs and EMF would bury the table
        warm = warm_requests() + bisnap_signatures()
    print(f"\n{'measurement':<36} {'median ms':>10} {'max/p95 ms':>11}")
    print("-" * 59)
    for label, median, worst in rows:
        print(f"{label:<36} {median:>10.1f} {worst:>11.1f}")
    for label, median, p95 in warm:
        print(f"{label:<36} {median:>10.1f} {p95:>11.1f}")
    medians = {label: median for label, median, _ in warm}
    ratio = medians["MCP tools/call status"] / medians["REST status"]
    print(f"\nMCP tools/call status / REST status (interleaved, medians): {ratio:.2f}  (goal <= 1.25)")
    print(f"imports: {RUNS} fresh interpreters each (max); requests: {REQUESTS} each after one warm-up (p95)")


if __name__ == "__main__":
    main()
