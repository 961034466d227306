"""One simulator per module on an ephemeral loopback port, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from midtrans_local.simulator import SANDBOX_SERVER_KEY, MidtransSimulator

TIMEOUT = 5


class Api:
    """requests on loopback, authenticated with the sandbox key unless told otherwise."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str, key: str | None = SANDBOX_SERVER_KEY) -> requests.Response:
        return requests.get(self.base_url + path, auth=_auth(key), timeout=TIMEOUT)

    def post(self, path: str, body: Any = None, key: str | None = SANDBOX_SERVER_KEY) -> requests.Response:
        return requests.post(self.base_url + path, json=body, auth=_auth(key), timeout=TIMEOUT)

    def post_raw(self, path: str, data: bytes) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        auth = _auth(SANDBOX_SERVER_KEY)
        return requests.post(self.base_url + path, data=data, headers=headers, auth=auth, timeout=TIMEOUT)

    def delete(self, path: str, key: str | None = SANDBOX_SERVER_KEY) -> requests.Response:
        return requests.delete(self.base_url + path, auth=_auth(key), timeout=TIMEOUT)

    def status(self, ident: str) -> dict[str, Any]:
        response = self.get(f"/v2/{ident}/status")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body

    def refund(self, ident: str, **body: Any) -> dict[str, Any]:
        response = self.post(f"/v2/{ident}/refund", body)
        assert response.status_code == 200  # Core API outcomes travel in HTTP 200 bodies
        result: dict[str, Any] = response.json()
        return result


def _auth(key: str | None) -> tuple[str, str] | None:
    return (key, "") if key is not None else None


@pytest.fixture(scope="module")
def _running() -> Iterator[MidtransSimulator]:
    with MidtransSimulator() as simulator:
        yield simulator


@pytest.fixture
def sim(_running: MidtransSimulator) -> MidtransSimulator:
    _running.reset()
    return _running


@pytest.fixture
def api(sim: MidtransSimulator) -> Api:
    return Api(sim.base_url)
