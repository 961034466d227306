"""The stdlib HTTP server that carries requests to the App and writes its replies."""

from __future__ import annotations

import contextlib
import logging
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from midtrans_local.simulator.routes import App, Request

log = logging.getLogger("midtrans_local.simulator")


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler still sleeping in a latency fault must not block exit
    # socketserver's default backlog of 5 resets or delays bursts of parallel clients.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive the way requests.Session pools them; every reply sets
    # Content-Length so clients know where it ends.
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes; without TCP_NODELAY the client's delayed ACK adds ~40 ms per call.
    disable_nagle_algorithm = True
    server_version = "MidtransSimulator/1.0"
    timeout = 60  # seconds an idle keep-alive connection may hold its thread

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        body = self._read_body()
        app = cast(SimulatorHTTPServer, self.server).app
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        reply = app.handle(request)
        if reply.drop:
            # No status line, no headers: the client sees the connection close under it.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # A client that timed out during a latency fault has gone: that is the point of the fault.
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                # Skip trailers up to the blank line that ends the message.
                while self.rfile.readline().strip():
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
