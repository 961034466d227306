"""Fixtures for the local stack tests: a stand-in Midtrans server and a LocalStack on the fixture template."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from midtrans_local.server import LocalStack
from midtrans_local.tokens import issue_dev_token

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_TEMPLATE = FIXTURES / "template.yaml"
ISSUER = "https://issuer.fixture.invalid/"  # the fixture template's JwtIssuer/JwtAudience defaults
AUDIENCE = "fixture-audience"
SECRET = "fixture-secret-long-enough-for-hs256-keys"
SEED_KEY = "SB-Mid-server-FIXTURE"


class StandInMidtrans:
    """A minimal Midtrans-compatible server: 404 for any status probe with the right key, else 401."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization)
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization")
                stand_in.requests.append(("GET", self.path, authorization))
                expected = "Basic " + base64.b64encode(f"{SEED_KEY}:".encode()).decode()
                known = authorization == expected
                body = json.dumps({"status_code": "404" if known else "401"}).encode()
                self.send_response(404 if known else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> StandInMidtrans:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()


@pytest.fixture
def midtrans() -> Iterator[StandInMidtrans]:
    with StandInMidtrans() as server:
        yield server


@pytest.fixture
def stack(midtrans: StandInMidtrans) -> Iterator[LocalStack]:
    local = LocalStack(
        FIXTURE_TEMPLATE,
        port=0,
        midtrans_base_url=midtrans.url,
        seed_tenant="tenant-fixture",
        jwt_secret=SECRET,
        seed_server_key=SEED_KEY,
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()


def token(role: str = "ai_agent", cid: str = "tenant-a", **overrides: Any) -> str:
    options: dict[str, Any] = {"secret": SECRET, "issuer": ISSUER, "audience": AUDIENCE, **overrides}
    return issue_dev_token(cid, role, **options)


def bearer(role: str = "ai_agent", cid: str = "tenant-a", **overrides: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, cid, **overrides)}"}
