"""`MidtransSimulator`: the Python face of the simulator (start/stop, faults, state, call log)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from midtrans_local.simulator.auth import PRODUCTION_SERVER_KEY, SANDBOX_SERVER_KEY
from midtrans_local.simulator.bisnap_registry import make_merchant
from midtrans_local.simulator.notification_api import NotificationControls
from midtrans_local.simulator.routes import App
from midtrans_local.simulator.server import SimulatorHTTPServer
from midtrans_local.simulator.state import SimulatorState


class MidtransSimulator(NotificationControls):
    """A stateful local stand-in for Midtrans' Core API v2, Payment Link API and BI-SNAP.

    Nothing listens until `start()`; state exists (seeded) from construction. HTTP notifications to the
    merchant, and the payment events that cause them, are in NotificationControls (notification_api.py).
    """

    def __init__(self, server_keys: Iterable[str] = (SANDBOX_SERVER_KEY, PRODUCTION_SERVER_KEY)) -> None:
        keys = tuple(server_keys)
        if not keys or any(not key for key in keys):
            raise ValueError("server_keys must hold at least one non-empty key")
        self._state = SimulatorState(keys)
        self._server: SimulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 = any free port) in a daemon thread; return the base URL."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        server = SimulatorHTTPServer((host, port), App(self._state))
        bound_host, bound_port = server.server_address[:2]
        self._state.base_url = f"http://{_url_host(str(bound_host))}:{bound_port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="midtrans-simulator", daemon=True
        )
        self._thread.start()
        return self._state.base_url

    @property
    def base_url(self) -> str:
        if not self._state.base_url:
            raise RuntimeError("the simulator has not been started")
        return self._state.base_url

    @property
    def server_keys(self) -> tuple[str, ...]:
        return self._state.server_keys

    def stop(self) -> None:
        """Stop listening and sending notifications. Safe to call twice."""
        self._state.notifier.stop()
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def reset(self) -> None:
        """Back to the seeded state; payment links, faults, the call log, BI-SNAP tokens, counters and
        token TTL, and notification URLs, retry delays, queue and log are cleared. Registered BI-SNAP
        merchants stay, as the server keys do."""
        self._state.reset()

    def add_fault(
        self,
        kind: str = "status",
        status: int | None = None,
        order_id: str | None = None,
        times: int | None = None,
        retry_after: int | str | None = None,
        delay_seconds: float = 0.0,
        method: str | None = None,
        processed: bool = False,
        operation: str | None = None,
    ) -> dict[str, Any]:
        """Inject a fault (see docs/simulator.md); returns its description. ValueError if invalid.

        `status` defaults to 429 for kind "status" and 502 for kind "html". `operation` narrows the
        fault to one kind of call, e.g. "refund" or "bisnap_token" (faults.OPERATIONS lists them).
        """
        fields = {
            "kind": kind,
            "status": status,
            "order_id": order_id,
            "times": times,
            "retry_after": retry_after,
            "delay_seconds": delay_seconds,
            "method": method,
            "processed": processed,
            "operation": operation,
        }
        with self._state.lock:
            return self._state.faults.add(fields).describe()

    def clear_faults(self) -> int:
        """Remove every fault; returns how many there were."""
        with self._state.lock:
            return self._state.faults.clear()

    def faults(self) -> list[dict[str, Any]]:
        with self._state.lock:
            return self._state.faults.describe()

    def calls(self) -> list[dict[str, Any]]:
        """Every Midtrans API request received, oldest first (control calls are not logged)."""
        return self._state.calls()

    def transaction(self, order_id: str) -> dict[str, Any] | None:
        """The status body of a stored transaction (order_id or transaction_id), or None."""
        return self._state.transaction(order_id)

    def payment_link(self, order_id: str) -> dict[str, Any] | None:
        """A stored payment link's definition plus `deleted`, or None."""
        return self._state.payment_link(order_id)

    def register_bisnap_merchant(
        self,
        *,
        client_id: str,
        partner_id: str,
        merchant_id: str,
        client_secret: str,
        public_key_pem: str,
        server_key: str = SANDBOX_SERVER_KEY,
    ) -> dict[str, Any]:
        """Let a BI-SNAP merchant in (or replace the one with this client_id); returns its public identifiers.

        BI-SNAP calls then see and change the same transactions Core API /v2 serves for `server_key`.
        ValueError when a field is empty, the key is not an RSA public key PEM, `server_key` is not
        one of this simulator's, or `partner_id` belongs to another client_id.
        """
        fields = {
            "client_id": client_id,
            "partner_id": partner_id,
            "merchant_id": merchant_id,
            "client_secret": client_secret,
            "public_key_pem": public_key_pem,
            "server_key": server_key,
        }
        merchant = make_merchant(fields, self._state.server_keys)
        with self._state.lock:
            self._state.bisnap.register(merchant)
        return merchant.describe()

    def set_bisnap_token_ttl(self, seconds: int) -> None:
        """expiresIn (and lifetime) of access tokens issued from now on; reset() restores 900."""
        with self._state.lock:
            self._state.bisnap.set_token_ttl(seconds)

    def revoke_bisnap_tokens(self, client_id: str | None = None) -> int:
        """Invalidate every outstanding token of `client_id` (all clients when None), as when Midtrans
        rotates tokens. Returns how many live tokens were revoked."""
        with self._state.lock:
            return self._state.bisnap.revoke(client_id)

    def bisnap_token_requests(self, client_id: str | None = None) -> int:
        """POST /v1.0/access-token/b2b received for this X-CLIENT-KEY (all when None), failed ones included."""
        with self._state.lock:
            counter = self._state.bisnap.token_requests
            return counter.total() if client_id is None else counter[client_id]

    def bisnap_tokens_issued(self, client_id: str | None = None) -> int:
        """Access tokens issued to this client (to everyone when None)."""
        with self._state.lock:
            counter = self._state.bisnap.tokens_issued
            return counter.total() if client_id is None else counter[client_id]

    def __enter__(self) -> MidtransSimulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
