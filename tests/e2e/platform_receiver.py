"""A stand-in for the platform's messaging endpoint: an HTTP server on 127.0.0.1:0 that records every event the
local stack POSTs to PLATFORM_EVENTS_URL, and lets a test wait for them (a Condition, never a bare sleep)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Event = dict[str, Any]


class PlatformEventReceiver:
    def __init__(self, status: int = 200) -> None:
        self.status = status  # what it answers
        self._events: list[Event] = []
        self._condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    event = json.loads(body)
                except ValueError:
                    event = {"unparsable": body.decode(errors="replace")}
                event["_content_type"] = self.headers.get("Content-Type")
                with receiver._condition:
                    receiver._events.append(event)
                    receiver._condition.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/platform-events"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> PlatformEventReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def __enter__(self) -> PlatformEventReceiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def events(self, matching: Callable[[Event], bool] = lambda event: True) -> list[Event]:
        with self._condition:
            return [event for event in self._events if matching(event)]

    def wait_for(self, matching: Callable[[Event], bool], count: int = 1, timeout: float = 20) -> list[Event]:
        """At least `count` events `matching` received, or AssertionError (listing what came) after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                found = [event for event in self._events if matching(event)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(found)} of {count} matching events in {timeout} s; got {self._events}")
                self._condition.wait(remaining)
