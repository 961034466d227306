"""Lambda's execution environments for the local stack: worker processes per function, started on demand.

A function's pool starts a worker (`python -m midtrans_local.worker`, the function's environment variables set)
when an invocation finds none idle and fewer than `limit` exist: that invocation waits for the cold start (the
handler's import) and runs in it. A worker serves one invocation at a time and stays warm for the next. When all
`limit` workers are busy, an invocation waits for one (bounded by `wait_until`; Lambda itself would throttle with
429 at the account's concurrency limit, see docs/local-stack.md). Module state (clients, caches, BI-SNAP token
memory, decrypted credentials) lives per worker, as per execution environment in Lambda.

A worker ends when the stack closes its channel and lifeline (idle ones at once, busy ones through the lifeline
watcher), when it overran the function's Timeout (killed; Lambda resets the environment too), or when it died.
Every invocation yields an `Invocation` whose `report()` is the `REPORT ...` part of the stack's log line.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from queue import SimpleQueue
from typing import Any, TypeVar

from midtrans_local.worker import recv_frame, send_frame

logger = logging.getLogger("midtrans_local")

DEFAULT_CONCURRENCY = 4  # workers per function (LOCAL_CONCURRENCY)
# Lambda gives the init phase 10 s; many workers importing at once on a small machine (the tests start eight on
# two CPUs) need more, and a slow start is better reported late than as a failure.
INIT_TIMEOUT_SECONDS = 30.0
STOP_GRACE_SECONDS = 1.0  # how long reaping a killed worker may take before we stop waiting politely

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerSpec:
    """How to start one function's workers."""

    function_id: str
    module: str  # e.g. functions.connection.app
    handler: str  # e.g. lambda_handler
    timeout: float  # the function's Timeout, seconds: an invocation running longer is killed
    memory: int  # MemorySize, MB (reported in the context; not enforced)
    environment: Mapping[str, str]  # the whole process environment of a worker
    cwd: Path  # the import root
    platform_events_url: str = ""  # the worker POSTs every event the function publishes here too (empty: no)


@dataclass
class Invocation:
    """One invocation as a worker ran it; `report()` is what the stack logs for it."""

    function_id: str
    worker: int  # the worker's number within its function, from 1
    pid: int
    cold: bool  # this invocation started the worker (and waited for its init)
    init_ms: float  # cold: from starting the process to the handler imported; warm: 0
    import_ms: float  # cold: the handler's import alone, as the worker measured it
    duration_ms: float  # the handler's run, as the worker measured it (Lambda's Duration)
    wait_ms: float  # waiting for a free worker, all `limit` being busy
    result: Any = None
    error: dict[str, Any] | None = None  # Lambda's error shape when the handler raised

    def report(self) -> str:
        parts = [
            f"function={self.function_id}",
            f"worker={self.worker}",
            f"pid={self.pid}",
            f"start={'cold' if self.cold else 'warm'}",
        ]
        if self.cold:
            parts += [f"init_ms={self.init_ms:.0f}", f"import_ms={self.import_ms:.0f}"]
        parts += [f"duration_ms={self.duration_ms:.1f}", f"wait_ms={self.wait_ms:.0f}"]
        return "REPORT " + " ".join(parts)


class FunctionError(Exception):
    """The function did not return a result: Lambda reports a function error, API Gateway answers 500."""

    def __init__(
        self,
        message: str,
        *,
        error_type: str,
        stack_trace: list[str] | None = None,
        invocation: Invocation | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.stack_trace = stack_trace or []
        self.invocation = invocation

    def describe(self) -> str:
        trace = "".join(self.stack_trace).rstrip()
        return trace or f"{self.error_type}: {self}"


class NoWorker(Exception):
    """No environment could take the invocation (all busy past the wait, or the stack is stopping): 503."""


class _Launcher:
    """Starts worker processes from one long-lived thread. PR_SET_PDEATHSIG fires when the *thread* that started
    a process ends, and request threads end after each request: they must not start workers themselves."""

    def __init__(self) -> None:
        self._jobs: SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="worker-launcher", daemon=True)
        self._thread.start()

    def run(self, job: Callable[[], T]) -> T:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise NoWorker("the local stack is stopping")
            self._jobs.put((job, future))
        return future.result()

    def close(self, timeout: float) -> None:
        """Run no new job; wait (up to `timeout`) for the ones already queued, so every process is known."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, future = item
            try:
                future.set_result(job())
            except BaseException as error:  # handed to the waiting caller
                future.set_exception(error)


class WorkerProcess:
    """The stack's handle on one worker: its process, its channel and the write end of its lifeline."""

    def __init__(
        self, spec: WorkerSpec, number: int, process: subprocess.Popen[bytes], channel: socket.socket, lifeline: int
    ) -> None:
        self.spec = spec
        self.number = number
        self.process = process
        self.pid = process.pid
        self.channel = channel
        self._lifeline: int | None = lifeline
        self.init_ms = 0.0
        self.import_ms = 0.0

    def wait_ready(self, launched_at: float) -> None:
        """Wait for the handler's import (the cold start); FunctionError when it failed or took too long."""
        try:
            self.channel.settimeout(INIT_TIMEOUT_SECONDS)
            message = recv_frame(self.channel)
        except TimeoutError:
            raise FunctionError(
                f"the handler was not imported within {INIT_TIMEOUT_SECONDS:.0f} s", error_type="Runtime.InitTimeout"
            ) from None
        except (OSError, ValueError) as error:
            raise FunctionError(
                f"the worker's channel failed during init: {error}", error_type="Runtime.ExitError"
            ) from None
        if message is None:
            raise FunctionError(f"the worker exited during init ({self._exit()})", error_type="Runtime.ExitError")
        if message.get("type") == "init_error":
            raise FunctionError(
                str(message.get("errorMessage")),
                error_type=f"Runtime.ImportModuleError: {message.get('errorType')}",
                stack_trace=list(message.get("stackTrace") or []),
            )
        self.import_ms = float(message.get("import_ms") or 0.0)
        self.init_ms = (time.monotonic() - launched_at) * 1000

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """Send one event, wait for the reply (result or error frame) at most the function's Timeout."""
        timeout = self.spec.timeout
        try:
            self.channel.settimeout(timeout)
            send_frame(self.channel, {"type": "invoke", "request_id": str(uuid.uuid4()), "event": event})
            reply = recv_frame(self.channel)
        except TimeoutError:
            raise FunctionError(f"Task timed out after {timeout:.2f} seconds", error_type="Sandbox.Timedout") from None
        except (OSError, ValueError) as error:
            raise FunctionError(f"the worker's channel failed: {error}", error_type="Runtime.ExitError") from None
        if reply is None:
            raise FunctionError(f"the worker exited ({self._exit()})", error_type="Runtime.ExitError")
        return reply

    def retire(self) -> None:
        """Let the worker go: an idle one reads end of file and returns, a busy one's lifeline watcher exits."""
        with contextlib.suppress(OSError):
            self.channel.shutdown(socket.SHUT_RDWR)  # also wakes a thread of ours blocked on this channel
        self.channel.close()
        lifeline, self._lifeline = self._lifeline, None
        if lifeline is not None:
            with contextlib.suppress(OSError):
                os.close(lifeline)

    def kill(self) -> None:
        self.retire()
        with contextlib.suppress(OSError):
            self.process.kill()

    def reap(self, deadline: float) -> None:
        """Wait for the process until `deadline` (monotonic), then SIGKILL it; it is reaped either way."""
        try:
            self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                self.process.kill()
            self.process.wait()

    def _exit(self) -> str:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1.0)
        code = self.process.poll()
        if code is None:
            return "still running"
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


@dataclass
class FunctionStats:
    """Cold and warm timings of one function, for the summary the stack logs when it stops."""

    cold_init_ms: list[float] = field(default_factory=list)
    cold_import_ms: list[float] = field(default_factory=list)
    cold_duration_ms: list[float] = field(default_factory=list)
    warm_duration_ms: list[float] = field(default_factory=list)

    def add(self, invocation: Invocation) -> None:
        if invocation.cold:
            self.cold_init_ms.append(invocation.init_ms)
            self.cold_import_ms.append(invocation.import_ms)
            self.cold_duration_ms.append(invocation.duration_ms)
        else:
            self.warm_duration_ms.append(invocation.duration_ms)

    @property
    def invocations(self) -> int:
        return len(self.cold_duration_ms) + len(self.warm_duration_ms)


class FunctionPool:
    """One function's workers: idle ones reused (most recent first), new ones started up to `limit`."""

    def __init__(self, spec: WorkerSpec, limit: int, launch: Callable[[WorkerSpec, int], WorkerProcess]) -> None:
        self.spec = spec
        self.limit = limit
        self.stats = FunctionStats()
        self.started = 0  # workers started so far
        self._launch = launch
        self._cond = threading.Condition()
        self._idle: list[WorkerProcess] = []
        self._live = 0  # workers running or starting (the limit counts both)
        self._numbers = itertools.count(1)
        self._workers: dict[int, WorkerProcess] = {}
        self._closed = False

    def invoke(self, event: dict[str, Any], *, wait_until: float) -> Invocation:
        worker, cold, wait_ms = self._acquire(wait_until)
        try:
            reply = worker.invoke(event)
        except FunctionError as error:  # timed out or died: this environment is gone, as Lambda resets it
            self._discard(worker)
            if self._closed:
                raise NoWorker("the local stack is stopping") from error
            error.invocation = self._invocation(worker, cold, wait_ms, duration_ms=self.spec.timeout * 1000)
            raise
        except BaseException:
            self._discard(worker)
            raise
        self._release(worker)
        invocation = self._invocation(worker, cold, wait_ms, duration_ms=float(reply.get("duration_ms") or 0.0))
        if reply.get("type") == "result":
            invocation.result = _loads(reply.get("result_json"))
        else:  # the handler raised: the environment stays warm, as Lambda's Python runtime keeps it
            invocation.error = {k: reply.get(k) for k in ("errorType", "errorMessage", "stackTrace")}
        with self._cond:
            self.stats.add(invocation)
        return invocation

    def close(self) -> list[WorkerProcess]:
        """Refuse new invocations, let every worker go; returns them for the caller to reap."""
        with self._cond:
            self._closed = True
            workers = list(self._workers.values())
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.retire()
        return workers

    def _acquire(self, wait_until: float) -> tuple[WorkerProcess, bool, float]:
        asked = time.monotonic()
        with self._cond:
            while True:
                if self._closed:
                    raise NoWorker("the local stack is stopping")
                if self._idle:
                    return self._idle.pop(), False, (time.monotonic() - asked) * 1000
                if self._live < self.limit:
                    self._live += 1
                    number = next(self._numbers)
                    break
                remaining = wait_until - time.monotonic()
                if remaining <= 0:
                    raise NoWorker(f"all {self.limit} workers of {self.spec.function_id} stayed busy")
                self._cond.wait(remaining)
        wait_ms = (time.monotonic() - asked) * 1000
        try:
            return self._start(number), True, wait_ms
        except BaseException:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise

    def _start(self, number: int) -> WorkerProcess:
        launched_at = time.monotonic()
        worker = self._launch(self.spec, number)
        with self._cond:
            self._workers[number] = worker
            self.started += 1
            closed = self._closed
        if closed:
            self._forget(worker)
            raise NoWorker("the local stack is stopping")
        try:
            worker.wait_ready(launched_at)
        except FunctionError as error:
            self._forget(worker)
            if self._closed:
                raise NoWorker("the local stack is stopping") from error
            logger.error("INIT function=%s worker=%d failed: %s", self.spec.function_id, number, error.describe())
            raise
        except BaseException:
            self._forget(worker)
            raise
        logger.info(
            "INIT function=%s worker=%d pid=%d init_ms=%.0f import_ms=%.0f",
            self.spec.function_id,
            number,
            worker.pid,
            worker.init_ms,
            worker.import_ms,
        )
        return worker

    def _release(self, worker: WorkerProcess) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._cond.notify()

    def _discard(self, worker: WorkerProcess) -> None:
        self._forget(worker)
        with self._cond:
            self._live -= 1
            self._cond.notify()

    def _forget(self, worker: WorkerProcess) -> None:
        """Kill and reap a worker that will not serve again (its slot is the caller's business)."""
        worker.kill()
        worker.reap(time.monotonic() + STOP_GRACE_SECONDS)
        with self._cond:
            self._workers.pop(worker.number, None)

    def _invocation(self, worker: WorkerProcess, cold: bool, wait_ms: float, *, duration_ms: float) -> Invocation:
        return Invocation(
            function_id=self.spec.function_id,
            worker=worker.number,
            pid=worker.pid,
            cold=cold,
            init_ms=worker.init_ms if cold else 0.0,
            import_ms=worker.import_ms if cold else 0.0,
            duration_ms=duration_ms,
            wait_ms=wait_ms,
        )


class WorkerPools:
    """Every function's pool, one launcher thread, and the stop that leaves no process behind."""

    def __init__(self, specs: Mapping[str, WorkerSpec], limit: int) -> None:
        if limit < 1:
            raise ValueError("the concurrency limit must be at least 1")
        self.limit = limit
        self._launcher = _Launcher()
        self._pools = {fid: FunctionPool(spec, limit, self._launch) for fid, spec in specs.items()}
        self._closed = False
        # Every process started, recorded by the launcher thread the moment it exists: whatever a pool knows of it
        # yet, close() and kill_now() find it here.
        self._processes: list[subprocess.Popen[bytes]] = []

    def invoke(self, function_id: str, event: dict[str, Any], *, wait_until: float) -> Invocation:
        return self._pools[function_id].invoke(event, wait_until=wait_until)

    def close(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop every worker (busy ones too: SIGKILL, as Lambda ends an environment) and reap them."""
        if self._closed:
            return
        self._closed = True
        for pool in self._pools.values():
            pool.close()  # closes the channels and lifelines: threads waiting on a worker wake up
        self._launcher.close(timeout=grace)  # a process being started now is in the list below afterwards
        processes = list(self._processes)
        for process in processes:  # at once: nothing in a worker needs a clean exit, and Python's takes ~0.2 s
            with contextlib.suppress(OSError):
                process.kill()
        deadline = time.monotonic() + grace
        for process in processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.warning("worker pid %d did not end within %.1f s of SIGKILL", process.pid, grace)

    def kill_now(self) -> None:
        """SIGKILL and reap every worker, taking no lock: for the stop watchdog and a second signal."""
        for process in list(self._processes):  # one C-level copy: no lock needed
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(process.pid, 0)

    def stats(self) -> dict[str, FunctionStats]:
        return {fid: pool.stats for fid, pool in self._pools.items()}

    def summary_lines(self) -> list[str]:
        """One `SUMMARY function=...` line per function that was invoked: cold starts and warm durations."""
        lines = []
        for fid, pool in self._pools.items():
            stats = pool.stats
            if not stats.invocations:
                continue
            parts = [f"function={fid}", f"invocations={stats.invocations}", f"workers={pool.started}"]
            parts.append(f"cold={len(stats.cold_duration_ms)}")
            if stats.cold_init_ms:
                parts += [
                    f"init_ms_median={statistics.median(stats.cold_init_ms):.0f}",
                    f"init_ms_max={max(stats.cold_init_ms):.0f}",
                    f"import_ms_median={statistics.median(stats.cold_import_ms):.0f}",
                    f"cold_duration_ms_median={statistics.median(stats.cold_duration_ms):.1f}",
                ]
            parts.append(f"warm={len(stats.warm_duration_ms)}")
            if stats.warm_duration_ms:
                parts += [
                    f"warm_duration_ms_median={statistics.median(stats.warm_duration_ms):.1f}",
                    f"warm_duration_ms_p95={_percentile(stats.warm_duration_ms, 0.95):.1f}",
                ]
            lines.append("SUMMARY " + " ".join(parts))
        return lines

    def _launch(self, spec: WorkerSpec, number: int) -> WorkerProcess:
        ours, theirs = socket.socketpair()
        lifeline_read, lifeline_write = os.pipe()
        command = [
            sys.executable,
            "-m",
            "midtrans_local.worker",
            "--function",
            spec.function_id,
            "--module",
            spec.module,
            "--handler",
            spec.handler,
            "--timeout",
            str(spec.timeout),
            "--memory",
            str(spec.memory),
            "--channel-fd",
            str(theirs.fileno()),
            "--lifeline-fd",
            str(lifeline_read),
            "--parent-pid",
            str(os.getpid()),
        ]
        if spec.platform_events_url:
            command += ["--platform-events-url", spec.platform_events_url]

        def start() -> subprocess.Popen[bytes]:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                command,
                env=dict(spec.environment),
                cwd=spec.cwd,
                stdin=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(), lifeline_read),
            )
            # Only this thread changes the list; ended processes go, so it stays as long as the live ones.
            self._processes = [p for p in self._processes if p.returncode is None] + [process]
            return process

        try:
            process = self._launcher.run(start)
        except BaseException:
            ours.close()
            os.close(lifeline_write)
            raise
        finally:
            theirs.close()
            os.close(lifeline_read)
        return WorkerProcess(spec, number, process, ours, lifeline_write)


def _loads(text: Any) -> Any:
    return json.loads(text) if isinstance(text, str) else None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]
