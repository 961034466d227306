"""Delivery of HTTP notifications: the per-key notification URLs, the queue, a sender thread, retries, the log.

Midtrans counts a notification as done when the merchant answers 2xx; otherwise it retries, up to 5 times, at
about 2, 10, 30, 90 and 210 minutes. The simulator keeps that shape on a scale tests can wait for
(DEFAULT_RETRY_DELAYS seconds). Duplicates and out-of-order deliveries happen with Midtrans too: a notification
waiting for its retry does not hold back the ones queued after it.

Locking: the notifier has its own condition. Callers may hold the state lock while they queue (the body is then
read from a consistent transaction); the sender thread never takes the state lock and holds the notifier's only
to pick a job or record an attempt, never while a request is on the wire.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from midtrans_local.simulator.model import WIB, Transaction
from midtrans_local.simulator.notifications import Message, core_message

log = logging.getLogger("midtrans_local.simulator")

DEFAULT_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)  # Midtrans' 2, 10, 30, 90, 210 minutes, scaled down
MAX_RETRIES = 5
SEND_TIMEOUT = 5.0  # seconds for one attempt (connect and read)
_ANSWER_LIMIT = 65536  # characters of an answer body kept in the log


@dataclass
class _Job:
    delivery_id: int
    message: Message
    attempt: int  # the number the next attempt will carry, from 1
    due: float  # time.monotonic() at which it may be sent
    generation: int  # reset() bumps the notifier's; an older job's outcome is dropped


class Notifier:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._urls: dict[str, str] = {}
        self._jobs: list[_Job] = []
        self._in_flight = 0
        self._log: list[dict[str, Any]] = []
        self._delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
        self._generation = 0
        self._next_id = 1
        self._thread: threading.Thread | None = None
        self._stop_thread: threading.Event | None = None

    # --- configuration -------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget URLs, queued deliveries, the log and the retry delays (they are test state).

        A request already on the wire finishes, but its outcome is neither logged nor retried.
        """
        with self._cond:
            self._urls = {}
            self._jobs = []
            self._log = []
            self._delays = DEFAULT_RETRY_DELAYS
            self._generation += 1
            self._cond.notify_all()

    def set_url(self, server_key: str, url: str | None) -> None:
        if url is not None:
            parts = urlsplit(url) if isinstance(url, str) else None
            if parts is None or parts.scheme not in {"http", "https"} or not parts.netloc:
                raise ValueError("url must be an http:// or https:// URL, or null to clear it")
        with self._cond:
            if url is None:
                self._urls.pop(server_key, None)
            else:
                self._urls[server_key] = url

    def url_for(self, server_key: str) -> str | None:
        with self._cond:
            return self._urls.get(server_key)

    def set_retry_delays(self, delays: Iterable[float]) -> tuple[float, ...]:
        """One delay (seconds) per retry; at most MAX_RETRIES of them. [] means no retries."""
        values = tuple(delays)
        if len(values) > MAX_RETRIES:
            raise ValueError(f"at most {MAX_RETRIES} retry delays")
        for value in values:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600:
                raise ValueError("each retry delay must be a number of seconds between 0 and 600")
        with self._cond:
            self._delays = tuple(float(value) for value in values)
            return self._delays

    # --- queueing ------------------------------------------------------------------------------------------

    def announce(self, transaction: Transaction, transaction_status: str | None = None) -> dict[str, Any] | None:
        """Queue the Core API notification of `transaction` to its server key's URL; None when no URL is set."""
        url = self.url_for(transaction.server_key)
        if url is None:
            return None
        return self.enqueue(core_message(url, transaction, transaction.server_key, transaction_status))

    def enqueue(self, message: Message) -> dict[str, Any]:
        """Queue one notification; returns what will be sent (its delivery_id names every attempt)."""
        with self._cond:
            job = _Job(self._next_id, message, 1, time.monotonic(), self._generation)
            self._next_id += 1
            self._jobs.append(job)
            self._ensure_sender()
            self._cond.notify_all()
            return _described(job)

    # --- observing -----------------------------------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        with self._cond:
            return copy.deepcopy(self._log)

    def clear_records(self) -> int:
        with self._cond:
            cleared = len(self._log)
            self._log = []
            return cleared

    def wait_for(self, count: int, timeout: float) -> list[dict[str, Any]]:
        """Block until at least `count` deliveries were answered 2xx; returns those attempts' records."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._jobs:
                self._ensure_sender()
            while True:
                delivered = [record for record in self._log if record["delivered"]]
                if len(delivered) >= count:
                    return copy.deepcopy(delivered)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{len(delivered)} of {count} notifications answered 2xx within {timeout} s; {self._summary()}"
                    )
                self._cond.wait(remaining)

    def drain(self, timeout: float) -> list[dict[str, Any]]:
        """Block until nothing is queued, waiting for a retry or on the wire; returns every attempt's record."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._jobs:
                self._ensure_sender()
            while self._jobs or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"notifications still queued after {timeout} s; {self._summary()}")
                self._cond.wait(remaining)
            return copy.deepcopy(self._log)

    def _summary(self) -> str:
        attempts = [
            f"#{r['delivery_id']} {r['order_id']} {r['transaction_status']} attempt {r['attempt']} -> "
            + (str(r["answer_status"]) if r["answer_status"] is not None else f"error ({r['error']})")
            for r in self._log
        ]
        queued = [f"#{job.delivery_id} {job.message.order_id} attempt {job.attempt}" for job in self._jobs]
        return f"attempts: {attempts or 'none'}; queued: {queued or 'none'}; in flight: {self._in_flight}"

    # --- sending -------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the sender thread (queued deliveries stay; the next enqueue, wait or drain starts a new one)."""
        with self._cond:
            thread, stop = self._thread, self._stop_thread
            self._thread, self._stop_thread = None, None
            if stop is not None:
                stop.set()
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout=SEND_TIMEOUT + 1)

    def _ensure_sender(self) -> None:
        """Start the sender thread if none runs. Caller holds the condition."""
        if self._thread is not None and self._thread.is_alive():
            return
        stop = threading.Event()
        thread = threading.Thread(target=self._run, args=(stop,), name="midtrans-simulator-notifications", daemon=True)
        self._thread, self._stop_thread = thread, stop
        thread.start()

    def _run(self, stop: threading.Event) -> None:
        session = requests.Session()
        # No proxies, .netrc credentials or default headers from the environment: the request carries exactly
        # the headers Midtrans sends (a .netrc entry would even add an Authorization header Midtrans never sends).
        session.trust_env = False
        session.headers.clear()
        try:
            while True:
                job = self._next_job(stop)
                if job is None:
                    return
                record = self._attempt(session, job)
                self._finish(job, record)
        finally:
            session.close()

    def _next_job(self, stop: threading.Event) -> _Job | None:
        """The earliest due job, taken off the queue; None once `stop` is set."""
        with self._cond:
            while not stop.is_set():
                now = time.monotonic()
                ready = min(self._jobs, key=lambda job: (job.due, job.delivery_id), default=None)
                if ready is not None and ready.due <= now:
                    self._jobs.remove(ready)
                    self._in_flight += 1
                    return ready
                self._cond.wait(None if ready is None else ready.due - now)
            return None

    def _attempt(self, session: requests.Session, job: _Job) -> dict[str, Any]:
        message = job.message
        answer_status: int | None = None
        answer_body, error = "", None
        try:
            response = session.post(message.url, data=message.body, headers=message.headers, timeout=SEND_TIMEOUT)
            answer_status, answer_body = response.status_code, response.text[:_ANSWER_LIMIT]
        except Exception as exc:  # a bad URL or a dead receiver is an outcome to log and retry, not a crash
            error = f"{type(exc).__name__}: {exc}"
        return {
            **_described(job),
            "attempt": job.attempt,
            "answer_status": answer_status,
            "answer_body": answer_body,
            "error": error,
            "delivered": answer_status is not None and 200 <= answer_status < 300,
            "at": datetime.now(WIB).isoformat(timespec="milliseconds"),
        }

    def _finish(self, job: _Job, record: dict[str, Any]) -> None:
        with self._cond:
            self._in_flight -= 1
            if job.generation == self._generation:
                self._log.append(record)
                if not record["delivered"]:
                    outcome = record["answer_status"] or record["error"]
                    log.debug("notification #%s attempt %s: %s", job.delivery_id, job.attempt, outcome)
                retry = job.attempt - 1  # index of the delay before the next attempt
                if not record["delivered"] and retry < len(self._delays):
                    job.attempt += 1
                    job.due = time.monotonic() + self._delays[retry]
                    self._jobs.append(job)
            self._cond.notify_all()


def _described(job: _Job) -> dict[str, Any]:
    """What a queued notification is: every attempt's record starts with it."""
    message = job.message
    return {
        "delivery_id": job.delivery_id,
        "kind": message.kind,
        "url": message.url,
        "order_id": message.order_id,
        "transaction_status": message.transaction_status,
        "body": json.loads(message.body),
        "headers": dict(message.headers),
    }
