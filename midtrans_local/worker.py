"""One Lambda execution environment of the local stack: `python -m midtrans_local.worker ...`, started by it.

The stack starts this process with the function's environment variables already set (as Lambda sets them before
the runtime starts), so whatever a handler reads at import time sees its own configuration. The worker then:

1. imports the handler once: the cold start (`import_ms` in its ready message);
2. serves one invocation at a time, read from a socket the stack holds the other end of, each with a fresh
   Lambda context whose countdown starts from the function's Timeout;
3. keeps module state (clients, caches, token memory) between invocations: a warm environment;
4. ends when the stack closes the socket, and dies with the stack in any case: a lifeline pipe whose write end only
   the stack holds (end of file = the stack is gone) and, on Linux, PR_SET_PDEATHSIG.

Only the standard library and `midtrans_local.context` are imported here, so the cold start is the handler's
(with `--platform-events-url`, also boto3, which the handler imports anyway: `midtrans_local.platform_events`).
Frames on the socket are a 4-byte big-endian length and a JSON object (`send_frame`, `recv_frame`).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import io
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from midtrans_local.context import FakeLambdaContext

_HEADER = struct.Struct("!I")
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def send_frame(channel: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, separators=(",", ":")).encode()
    channel.sendall(_HEADER.pack(len(data)) + data)


def recv_frame(channel: socket.socket) -> dict[str, Any] | None:
    """The next message, or None when the other side closed the channel between messages."""
    header = _recv_exactly(channel, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    data = _recv_exactly(channel, length) if length else b""
    if data is None:
        raise ConnectionError("the channel closed in the middle of a message")
    message = json.loads(data)
    if not isinstance(message, dict):
        raise ConnectionError("a message on the channel is not a JSON object")
    return message


def _recv_exactly(channel: socket.socket, size: int) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        piece = channel.recv(min(size - len(buffer), 1 << 20))
        if not piece:
            if buffer:
                raise ConnectionError("the channel closed in the middle of a message")
            return None
        buffer += piece
    return bytes(buffer)


def error_details(error: BaseException) -> dict[str, Any]:
    """Lambda's error shape for an exception: errorType, errorMessage, stackTrace."""
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }


def die_with_parent(parent_pid: int, lifeline_fd: int) -> None:
    """Make sure this process cannot outlive the stack, even one killed with SIGKILL."""
    if sys.platform.startswith("linux"):
        # Sent when the *thread* that started us ends: the stack starts workers from one long-lived launcher thread.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the stack died before we could watch it
        os._exit(0)

    def watch() -> None:
        while True:
            try:
                if not os.read(lifeline_fd, 1):  # end of file: the stack's end is closed, the stack is gone
                    break
            except InterruptedError:
                continue
            except OSError:
                break
        os._exit(0)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def invoke_once(
    handler: Callable[[Any, Any], Any], request: dict[str, Any], function_name: str, timeout: float, memory: int
) -> dict[str, Any]:
    """Run the handler on one event; the reply frame (result or Lambda's error shape) with the duration."""
    context = FakeLambdaContext(function_name, timeout, memory, aws_request_id=request.get("request_id"))
    started = time.monotonic()
    try:
        result = handler(request["event"], context)
    except Exception as error:
        return {"type": "error", "duration_ms": _ms_since(started), **error_details(error)}
    duration_ms = _ms_since(started)
    try:  # Lambda serialises the result to JSON; what cannot be is a function error
        encoded = json.dumps(result)
    except (TypeError, ValueError) as error:
        return {
            "type": "error",
            "duration_ms": duration_ms,
            "errorType": "Runtime.MarshalError",
            "errorMessage": f"Unable to marshal response: {error}",
            "stackTrace": [],
        }
    return {"type": "result", "duration_ms": duration_ms, "result_json": encoded}


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m midtrans_local.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--function", required=True, help="logical id, e.g. CheckPaymentStatusFunction")
    parser.add_argument("--module", required=True, help="the handler's module, e.g. functions.connection.app")
    parser.add_argument("--handler", required=True, help="the handler's name in that module")
    parser.add_argument("--timeout", type=float, required=True, help="the function's Timeout in seconds")
    parser.add_argument("--memory", type=int, required=True, help="the function's MemorySize in MB")
    parser.add_argument("--channel-fd", type=int, required=True, help="socket to the stack")
    parser.add_argument("--lifeline-fd", type=int, required=True, help="read end of the stack's lifeline pipe")
    parser.add_argument("--parent-pid", type=int, required=True, help="the stack's pid")
    parser.add_argument(
        "--platform-events-url",
        default="",
        help="POST every event the function puts on EventBridge here too (midtrans_local.platform_events)",
    )
    args = parser.parse_args(argv)
    # Ctrl-C in a terminal reaches the whole process group; the stack decides when its workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(args.parent_pid, args.lifeline_fd)
    channel = socket.socket(fileno=args.channel_fd)
    if isinstance(sys.stdout, io.TextIOWrapper):  # the function's logs reach the stack's log at once
        sys.stdout.reconfigure(line_buffering=True)
    started = time.monotonic()
    try:
        if args.platform_events_url:
            # On boto3's default session before the handler exists: every client it creates carries the hooks.
            # Counted in import_ms: the handler would import boto3 itself anyway.
            from midtrans_local.platform_events import install_on_default_session

            install_on_default_session(args.platform_events_url)
        handler = getattr(importlib.import_module(args.module), args.handler)
        if not callable(handler):
            raise TypeError(f"{args.module}.{args.handler} is not callable")
    except Exception as error:  # Lambda's Runtime.ImportModuleError / HandlerNotFound: every invocation fails
        traceback.print_exc()
        send_frame(channel, {"type": "init_error", **error_details(error)})
        return 1
    send_frame(channel, {"type": "ready", "pid": os.getpid(), "import_ms": _ms_since(started)})
    while True:
        request = recv_frame(channel)
        if request is None:  # the stack let this environment go
            return 0
        reply = invoke_once(handler, request, args.function, args.timeout, args.memory)
        sys.stdout.flush()
        sys.stderr.flush()
        send_frame(channel, reply)


if __name__ == "__main__":
    raise SystemExit(main())
