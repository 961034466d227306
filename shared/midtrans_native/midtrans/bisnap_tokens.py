"""The BI-SNAP token manager (docs/product-contract.md §1, docs/decisions.md D23): memory → token table → endpoint.

- Memory, per execution environment, keyed by (environment, tenant, credentials fingerprint): never shared
  across tenants, never used with credentials it was not issued for.
- The token table, read consistently, with `expires_at` checked here (TTL deletion lags up to two days).
- The endpoint, behind a single-flight lease taken by conditional write: of many environments that find the
  token stale at once, one refreshes; the others use the old token while it is still good, or wait briefly
  within their deadline and read the new one. A failed refresh is never stored as a token; it is counted per
  tenant, and the third failure in a row emits the alarm's metric once.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from midtrans_native.deadline import Deadline
from midtrans_native.errors import (
    MidtransApiError,
    MidtransAuthError,
    MidtransError,
    MidtransRateLimited,
    MidtransTimeout,
)
from midtrans_native.models.midtrans import BiSnapCredentials, MidtransCredentials
from midtrans_native.observability import count_token_lookup, count_token_refresh_failure_streak, logger
from midtrans_native.stores.token_cache import CachedToken, TokenCacheStore, TokenItem

# Refresh when less than this is left (Midtrans issues 900 s tokens): no call starts on a token about to lapse.
REFRESH_MARGIN_SECONDS = 120.0
# A token in its refresh margin still serves while another environment refreshes, if this much is left.
STILL_USABLE_SECONDS = 30.0
# Longer than one token request can take (connect 3 s + read 10 s); a holder that died frees it by time.
LEASE_SECONDS = 15.0
POLL_SECONDS = 0.1
# Waiting for another environment's refresh stops while this much deadline is left for the call itself.
RESERVE_SECONDS = 1.5
FAILURE_STREAK_ALARM = 3


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: float

    def __repr__(self) -> str:
        return f"IssuedToken(expires_in={self.expires_in})"


@dataclass(frozen=True)
class AccessToken:
    """The token for one invocation. `cached` says it came from a cache, so a 401 may mean it was revoked."""

    value: str
    cached: bool

    def __repr__(self) -> str:
        return f"AccessToken(cached={self.cached})"


class TokenEndpoint(Protocol):
    def issue(self, credentials: BiSnapCredentials, environment: str, deadline: Deadline) -> IssuedToken: ...


class TokenMemory:
    """The per-environment memory level. Bounded, and locked because a warm environment may run threads."""

    def __init__(self, max_entries: int = 512) -> None:
        self._tokens: OrderedDict[tuple[str, str, str], CachedToken] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: tuple[str, str, str]) -> CachedToken | None:
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: tuple[str, str, str], token: CachedToken) -> None:
        with self._lock:
            self._tokens[key] = token
            self._tokens.move_to_end(key)
            while len(self._tokens) > self._max:
                self._tokens.popitem(last=False)

    def drop(self, key: tuple[str, str, str], value: str) -> None:
        with self._lock:
            held = self._tokens.get(key)
            if held is not None and held.access_token == value:
                del self._tokens[key]


class TokenManager:
    def __init__(
        self,
        store: TokenCacheStore,
        endpoint: TokenEndpoint,
        memory: TokenMemory,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._endpoint = endpoint
        self._memory = memory
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter

    def token(self, credentials: MidtransCredentials, deadline: Deadline) -> AccessToken:
        bisnap = _bisnap(credentials)
        env, cid, fingerprint = credentials.environment, credentials.cid, bisnap.fingerprint
        key = (env, cid, fingerprint)
        started = time.monotonic()
        held = self._memory.get(key)
        if held is not None and self._fresh(held):
            return self._served(held, credentials, started, source="memory")
        waiting_since = self._clock()
        owner = uuid.uuid4().hex
        while True:
            item = self._store.read(env, cid)
            current = _matching(item, fingerprint)
            if current is not None and self._fresh(current):
                self._memory.put(key, current)
                return self._served(current, credentials, started, source="table")
            usable = current if current is not None and self._usable(current) else None
            if item is not None and item.failed_at > waiting_since and item.lock_owner is None:
                # Another environment's refresh failed while we waited: share its answer, do not pile on.
                if usable is not None:
                    return self._served(usable, credentials, started, source="table")
                raise _failure(item.failure_reason, "token refresh failed in another invocation")
            leased = self._store.try_lease(
                env, cid, owner=owner, now=self._clock(), seconds=LEASE_SECONDS, no_failure_since=waiting_since
            )
            if leased is not None:
                refreshed = _matching(leased, fingerprint)
                if refreshed is not None and self._fresh(refreshed):
                    # Refreshed between our read and our lease: use it, and free the lease untouched.
                    self._store.release(env, cid, owner=owner)
                    self._memory.put(key, refreshed)
                    return self._served(refreshed, credentials, started, source="table")
                return self._refresh(credentials, bisnap, key, owner, deadline, started)
            if usable is not None:
                return self._served(usable, credentials, started, source="table")  # old token while they refresh
            pause = POLL_SECONDS * (0.5 + self._jitter())
            if deadline.remaining() - pause < RESERVE_SECONDS:
                raise MidtransTimeout("the token refresh running in another invocation did not finish in time")
            self._sleep(pause)

    def reject(self, credentials: MidtransCredentials, token: AccessToken) -> None:
        """Midtrans answered 401 to this token: forget it here and in the table (unless already replaced)."""
        bisnap = _bisnap(credentials)
        self._memory.drop((credentials.environment, credentials.cid, bisnap.fingerprint), token.value)
        self._store.discard(credentials.environment, credentials.cid, rejected=token.value)
        logger.info(
            "midtrans_auth_token_rejected",
            extra={
                "event": "midtrans_auth_token_rejected",
                "cid": credentials.cid,
                "environment": credentials.environment,
            },
        )

    def _refresh(
        self,
        credentials: MidtransCredentials,
        bisnap: BiSnapCredentials,
        key: tuple[str, str, str],
        owner: str,
        deadline: Deadline,
        started: float,
    ) -> AccessToken:
        env, cid = credentials.environment, credentials.cid
        asked_at = self._clock()  # before the request: the token's life is counted from here, latency included
        try:
            issued = self._endpoint.issue(bisnap, env, deadline)
        except MidtransError as exc:
            streak = self._store.record_failure(env, cid, owner=owner, now=self._clock(), reason=exc.failure_reason)
            logger.warning(
                "midtrans_auth_token_refresh_failed",
                extra={
                    "event": "midtrans_auth_token_refresh_failed",
                    "environment": env,
                    "cid": cid,
                    "failure_reason": exc.failure_reason,
                    "detail": exc.detail,
                    "fail_streak": streak,
                    "duration_ms": _ms_since(started),
                },
            )
            if streak == FAILURE_STREAK_ALARM:  # exactly once per streak: the 4th failure does not repeat it
                count_token_refresh_failure_streak(cid)
            raise
        except BaseException:
            self._store.release(env, cid, owner=owner)
            raise
        token = CachedToken(issued.access_token, asked_at + issued.expires_in, key[2])
        self._store.store(env, cid, owner=owner, token=token)
        self._memory.put(key, token)
        self._log_served(credentials, started, cache_hit=False, source="endpoint")
        return AccessToken(token.access_token, cached=False)

    def _fresh(self, token: CachedToken) -> bool:
        return self._clock() < token.expires_at - REFRESH_MARGIN_SECONDS

    def _usable(self, token: CachedToken) -> bool:
        return self._clock() < token.expires_at - STILL_USABLE_SECONDS

    def _served(self, token: CachedToken, credentials: MidtransCredentials, started: float, source: str) -> AccessToken:
        self._log_served(credentials, started, cache_hit=True, source=source)
        return AccessToken(token.access_token, cached=True)

    @staticmethod
    def _log_served(credentials: MidtransCredentials, started: float, *, cache_hit: bool, source: str) -> None:
        # docs/product-contract.md §10: environment, duration_ms, cache_hit, cid. `source` says which level answered.
        logger.info(
            "midtrans_auth_token_refreshed",
            extra={
                "event": "midtrans_auth_token_refreshed",
                "environment": credentials.environment,
                "duration_ms": _ms_since(started),
                "cache_hit": cache_hit,
                "cid": credentials.cid,
                "source": source,
            },
        )
        count_token_lookup(cache_hit=cache_hit)


def _bisnap(credentials: MidtransCredentials) -> BiSnapCredentials:
    if credentials.bisnap is None:
        raise ValueError("this tenant has no BI-SNAP credentials")
    return credentials.bisnap


def _matching(item: TokenItem | None, fingerprint: str) -> CachedToken | None:
    token = item.token if item is not None else None
    return token if token is not None and token.fingerprint == fingerprint else None


def _failure(reason: str | None, detail: str) -> MidtransError:
    kinds: dict[str | None, type[MidtransError]] = {
        "auth_error": MidtransAuthError,
        "timeout": MidtransTimeout,
        "rate_limited": MidtransRateLimited,
    }
    return kinds.get(reason, MidtransApiError)(detail)


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
