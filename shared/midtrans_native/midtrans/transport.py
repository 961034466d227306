"""HTTP to Midtrans: one requests.Session, Basic auth with the server key, timeouts drawn from the
invocation's deadline, and retries for safe calls only.

Why the retry loop is hand-written instead of urllib3's `Retry`: urllib3 cannot bound retries and
sleeps by a deadline shared with the rest of the invocation, cannot see Midtrans' outcome inside an
HTTP 200 body, and does not do full jitter. The loop below is the whole policy (docs/product-contract.md §2, §5).
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Any, NamedTuple

import requests

from midtrans_native.deadline import Deadline
from midtrans_native.errors import DeadlineExceeded, MidtransTimeout
from midtrans_native.models.midtrans import MidtransCredentials


def minify(payload: Any) -> bytes:
    """The body bytes: no insignificant whitespace, keys in the order given (BI-SNAP signs these exact bytes
    and forbids reordering)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# Each attempt's auth headers for the exact body bytes about to be sent (BI-SNAP signs them).
Signer = Callable[[bytes], Mapping[str, str]]

# Do not start a call with less than this left: it could not finish, and the answer would be lost.
MIN_CALL_SECONDS = 0.5
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "midtrans-native-actions/0.1"
# A Retry-After beyond this is read as this: no sleep could last that long, and a hint of days says nothing more.
MAX_RETRY_AFTER_SECONDS = 24 * 3600
# delta-seconds (RFC 9110 §10.2.3: 1*DIGIT); a decimal fraction is tolerated, as it always was here.
_DELTA_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class RetryPolicy(NamedTuple):
    max_attempts: int = 3
    base_delay_seconds: float = 0.25
    max_delay_seconds: float = 2.0


class MidtransReply(NamedTuple):
    http_status: int
    body: dict[str, Any] | None  # None when the body was not a JSON object (HTML, truncated JSON…)
    headers: Mapping[str, str] = MappingProxyType({})  # read-only: one empty default shared by every reply

    def header(self, name: str) -> str | None:
        """A header by name, whatever its case on the wire (HTTP/2 and many proxies send lower case)."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)

    @property
    def retry_after_seconds(self) -> int | None:
        """Retry-After as whole seconds, at least 1 (rounded up), for the caller's answer; None when absent or
        unreadable. A date already past still means "wait": 1."""
        seconds = parse_retry_after(self.header("Retry-After"))
        return None if seconds is None else max(1, math.ceil(seconds))

    @property
    def status_code(self) -> int | None:
        """Midtrans' own outcome: the body's string `status_code`, which wins over the HTTP status."""
        raw = self.body.get("status_code") if self.body else None
        try:
            return int(raw) if raw is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def snap_response_code(self) -> str | None:
        """BI-SNAP's 7-digit `responseCode` (HTTP status + service code + case), when the body has one. Eight
        digits are accepted too: two of Midtrans' own samples show them (docs/midtrans-behaviour.md §3)."""
        raw = self.body.get("responseCode") if self.body else None
        return raw if isinstance(raw, str) and len(raw) in (7, 8) and raw.isdigit() else None

    @property
    def effective_status(self) -> int:
        if self.status_code is not None:
            return self.status_code
        snap = self.snap_response_code
        return int(snap[:3]) if snap is not None else self.http_status


class MidtransTransport:
    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        credentials: MidtransCredentials | None,
        deadline: Deadline,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._deadline = deadline
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._jitter = jitter

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        idempotent: bool,
        sign: Signer | None = None,
    ) -> MidtransReply:
        """Send one logical call. `idempotent=False` (cancel, refund) means exactly one attempt.

        Without `sign` the call carries Basic auth with the server key (Core API, Payment Link API). With it,
        `sign(body)` gives each attempt's auth headers over the exact body bytes sent (BI-SNAP)."""
        body = minify(json) if json is not None else None
        attempt = 0
        while True:
            attempt += 1
            try:
                reply = self._send(method, path, body, sign)
            except MidtransTimeout:
                if not (idempotent and self._pause_before_retry(attempt, retry_after=None)):
                    raise
                continue
            if (
                idempotent
                and reply.effective_status in RETRYABLE_STATUSES
                and self._pause_before_retry(attempt, retry_after=reply.header("Retry-After"))
            ):
                continue
            return reply

    def _send(self, method: str, path: str, body: bytes | None, sign: Signer | None) -> MidtransReply:
        remaining = self._deadline.remaining()
        if remaining < MIN_CALL_SECONDS:
            raise DeadlineExceeded(f"{remaining:.2f}s left: not starting {method} {path}")
        # requests' timeouts bound each socket operation; capping both by what is left keeps every
        # wait inside the deadline (a server that dribbles bytes is the remaining, accepted, gap).
        timeout = (min(self._connect_timeout, remaining), min(self._read_timeout, remaining))
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if body is not None:
            headers["Content-Type"] = "application/json"
        auth = None
        if sign is not None:
            headers.update(sign(body or b""))
        elif self._credentials is not None:
            auth = (self._credentials.server_key.get_secret_value(), "")
        try:
            response = self._session.request(
                method,
                self._base_url + path,
                data=body,
                auth=auth,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise MidtransTimeout(f"{method} {path}: no answer within {timeout[1]:.1f}s") from exc
        except requests.ConnectionError as exc:
            # A dropped connection leaves the outcome unknown, exactly like a timeout.
            raise MidtransTimeout(f"{method} {path}: connection failed ({type(exc).__name__})") from exc
        return MidtransReply(response.status_code, _json_object(response), dict(response.headers))

    def _pause_before_retry(self, attempt: int, retry_after: str | None) -> bool:
        """Sleep before the next attempt if the policy and the deadline allow one; say whether they did."""
        if attempt >= self._retry.max_attempts:
            return False
        cap = min(self._retry.max_delay_seconds, self._retry.base_delay_seconds * 2 ** (attempt - 1))
        delay = self._jitter() * cap  # full jitter
        server_wait = parse_retry_after(retry_after)
        if server_wait is not None:
            delay = max(delay, server_wait)
        if self._deadline.remaining() - delay < MIN_CALL_SECONDS:
            return False
        self._sleep(delay)
        return True


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """A Retry-After header as seconds from now (0 for a date already past), at most MAX_RETRY_AFTER_SECONDS:
    delta-seconds or an HTTP date (RFC 9110 §10.2.3). None when absent or neither (negative, "inf", text)."""
    text = (value or "").strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return min(float(text), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": an HTTP date is always GMT
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, when.timestamp() - now()), MAX_RETRY_AFTER_SECONDS)
