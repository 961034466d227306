"""The child side of `make bench`: `python -m bench.worker MODE MODULE` from the repository root.

Runs with a function's environment (bench.py sets it) and imports nothing but the standard library before the handler,
so the handler's own imports and first call are what is timed. stdout is /dev/null (the handlers write JSON logs and
EMF there, as in Lambda; discarding it keeps terminal I/O out of the numbers, the same for every handler); answers go
to bench.py on a duplicate of the original stdout, one JSON object a line.

Modes:
  first  import MODULE, time its first `lambda_handler(event, context)` (and the GC inside it, and the second
         call), answer, exit;
         `first MODULE --profile` runs the first call under cProfile
  serve  import MODULE, then answer commands read from stdin, one a line: `call` (one timed invocation), `split`
         (one, with the time spent waiting on AWS and on Midtrans), `count` (one, with the AWS API calls counted),
         `profile` (50 under cProfile), `quit`
  seed   read [{"env": {...}, "module": "...", "event": {...}}, ...] from stdin, invoke each once, answer the statuses
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

EVENT_FILE = Path("events") / "check_payment_status.settlement.json"


class Context:
    """The attributes Powertools and the app read from Lambda's context object (awslambdaric's names)."""

    def __init__(self, function_name: str, timeout_seconds: float = 29, memory_mb: int = 512) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:ap-southeast-1:123456789012:function:{function_name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _answer_channel() -> Any:
    """A duplicate of stdout for the answers; fd 1 and sys.stdout then go to /dev/null."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = Path(os.devnull).open("w")  # noqa: SIM115 (for the life of the process)
    return answers


def _status_event() -> dict[str, Any]:
    """The settlement fixture (headers as they are) with timeEpoch = now: the deadline counts from it."""
    event: dict[str, Any] = json.loads(EVENT_FILE.read_text())
    event["requestContext"]["timeEpoch"] = int(time.time() * 1000)
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    return event


def _invoke(handler: Any, function_name: str) -> tuple[float, dict[str, Any]]:
    event, context = _status_event(), Context(function_name)
    start = time.perf_counter()
    result = handler(event, context)
    return (time.perf_counter() - start) * 1000, result


def _check(result: dict[str, Any]) -> str | None:
    """Why the answer is not a settled status (a benchmark of an error path would be meaningless), or None."""
    try:
        body = json.loads(result.get("body") or "{}")
    except ValueError:
        body = {}
    text = json.dumps(body)
    if result.get("statusCode") != 200 or "settlement" not in text:
        return f"HTTP {result.get('statusCode')}: {text[:300]}"
    return None


class GcTimer:
    """Wall time inside the cyclic garbage collector, and how many full (generation 2) collections ran."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.full = 0
        self._started = 0.0

    def __enter__(self) -> GcTimer:
        import gc

        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        import gc

        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._started) * 1000
            self.full += info["generation"] == 2


def first(module_name: str, answers: Any, profile: bool = False) -> None:
    """Import, first call, second call. With `profile`, the first call runs under cProfile (slower)."""
    start = time.perf_counter()
    module = __import__(module_name, fromlist=["lambda_handler"])
    import_ms = (time.perf_counter() - start) * 1000
    gc_timer = GcTimer()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    with gc_timer:
        first_ms, result = _invoke(module.lambda_handler, module_name)
    if profiler is not None:
        profiler.disable()
    second_ms, _ = _invoke(module.lambda_handler, module_name)
    answer = {
        "import_ms": import_ms,
        "first_ms": first_ms,
        "second_ms": second_ms,
        "gc_ms": gc_timer.ms,
        "gc_full": gc_timer.full,
        "error": _check(result),
    }
    if profiler is not None:
        answer["profile"] = _stats(profiler)
    answers.write(json.dumps(answer) + "\n")


class CallCounter:
    """Counts AWS API calls with a botocore `before-call` hook: registered on boto3's default session before any
    client exists (clients copy its handlers) and, at count time, on every live client (any other session)."""

    UNIQUE_ID = "bench-call-counter"

    def __init__(self) -> None:
        self.counting = False
        self.calls: dict[str, int] = {}

    def install(self) -> None:
        import boto3

        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register("before-call", self._hook, unique_id=self.UNIQUE_ID)

    def register_on_live_clients(self) -> None:
        import gc

        from botocore.client import BaseClient

        for obj in gc.get_objects():
            if isinstance(obj, BaseClient):
                obj.meta.events.register("before-call", self._hook, unique_id=self.UNIQUE_ID)

    def _hook(self, model: Any, params: Any = None, **kwargs: Any) -> None:
        """`params` is the serialized request; DynamoDB's JSON body names the table."""
        if self.counting:
            name = f"{model.service_model.service_name}.{model.name}"
            try:
                table = json.loads((params or {}).get("body") or b"{}").get("TableName")
            except (ValueError, AttributeError):
                table = None
            if table:
                name += f"({table})"
            self.calls[name] = self.calls.get(name, 0) + 1


class WaitTimer:
    """Time spent in the network legs of a call: botocore's HTTP send (AWS) and requests' adapter send (Midtrans),
    request written to response read. Installed only for `split` calls, then removed."""

    def __init__(self) -> None:
        self.waits = {"aws": 0.0, "midtrans": 0.0}
        self._saved: list[tuple[Any, str, Any]] = []

    def __enter__(self) -> WaitTimer:
        from botocore.httpsession import URLLib3Session
        from requests.adapters import HTTPAdapter

        for cls, name, leg in ((URLLib3Session, "send", "aws"), (HTTPAdapter, "send", "midtrans")):
            original = getattr(cls, name)
            self._saved.append((cls, name, original))
            setattr(cls, name, self._timed(original, leg))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for cls, name, original in self._saved:
            setattr(cls, name, original)

    def _timed(self, original: Any, leg: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.waits[leg] += (time.perf_counter() - start) * 1000

        return timed


def serve(module_name: str, answers: Any) -> None:
    counter = CallCounter()
    counter.install()
    handler = __import__(module_name, fromlist=["lambda_handler"]).lambda_handler
    answers.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        command = line.strip()
        if command == "call":
            elapsed, result = _invoke(handler, module_name)
            answers.write(json.dumps({"ms": elapsed, "error": _check(result)}) + "\n")
        elif command == "count":
            counter.register_on_live_clients()
            counter.calls, counter.counting = {}, True
            try:
                elapsed, result = _invoke(handler, module_name)
            finally:
                counter.counting = False
            answers.write(json.dumps({"ms": elapsed, "aws": counter.calls, "error": _check(result)}) + "\n")
        elif command == "split":
            with WaitTimer() as timer:
                elapsed, result = _invoke(handler, module_name)
            answers.write(json.dumps({"ms": elapsed, **timer.waits, "error": _check(result)}) + "\n")
        elif command == "profile":
            answers.write(json.dumps({"profile": _profile(handler, module_name)}) + "\n")
        elif command == "quit":
            return
        else:
            answers.write(json.dumps({"error": f"unknown command {command!r}"}) + "\n")


def _profile(handler: Any, module_name: str, calls: int = 50) -> str:
    """cProfile over `calls` warm invocations: the top functions by cumulative and by own time."""
    import cProfile

    profiler = cProfile.Profile()
    for _ in range(calls):
        event, context = _status_event(), Context(module_name)
        profiler.enable()
        handler(event, context)
        profiler.disable()
    return _stats(profiler)


def _stats(profiler: Any) -> str:
    """The top functions by cumulative and by own time."""
    import io
    import pstats

    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def seed(answers: Any) -> None:
    statuses = []
    for step in json.loads(sys.stdin.read()):
        os.environ.update(step["env"])
        module = __import__(step["module"], fromlist=["lambda_handler"])
        result = module.lambda_handler(step["event"], Context(step["module"]))
        statuses.append({"status": result.get("statusCode"), "body": str(result.get("body"))[:300]})
    answers.write(json.dumps(statuses) + "\n")


def main() -> None:
    answers = _answer_channel()
    mode = sys.argv[1]
    if mode == "first":
        first(sys.argv[2], answers, profile="--profile" in sys.argv[3:])
    elif mode == "serve":
        serve(sys.argv[2], answers)
    elif mode == "seed":
        seed(answers)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
