"""The token manager against the real token table (moto, created from template.yaml) with a counting fake
endpoint: single flight, TTL lag, failure streaks, rotation and tenant isolation.

Each "execution environment" is its own TokenManager with its own TokenMemory; they share only DynamoDB,
as separate Lambda environments do. Threads model concurrent environments.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from midtrans_native import deps
from midtrans_native.deadline import Deadline
from midtrans_native.errors import MidtransApiError, MidtransAuthError, MidtransTimeout
from midtrans_native.midtrans.bisnap_tokens import (
    REFRESH_MARGIN_SECONDS,
    AccessToken,
    TokenManager,
    TokenMemory,
)
from midtrans_native.stores.token_cache import CachedToken, token_key
from tests.conftest import emf_blobs, events_named

from .conftest import FakeEndpoint, WallClock, credentials_for

pytestmark = pytest.mark.usefixtures("aws")


def manager(endpoint: FakeEndpoint, clock: WallClock, memory: TokenMemory | None = None) -> TokenManager:
    return TokenManager(deps.token_cache_store(), endpoint, memory or TokenMemory(), clock=clock, sleep=clock.sleep)


def test_a_cold_start_asks_the_endpoint_then_memory_answers(clock: WallClock, log_output) -> None:
    endpoint = FakeEndpoint()
    tokens = manager(endpoint, clock)
    first = tokens.token(credentials_for("tenant-a"), Deadline(25))
    second = tokens.token(credentials_for("tenant-a"), Deadline(25))
    assert first == AccessToken("token-tenant-a-1", cached=False)
    assert second == AccessToken("token-tenant-a-1", cached=True)
    assert endpoint.issued == Counter({"client-tenant-a": 1})
    events = events_named(log_output.getvalue(), "midtrans_auth_token_refreshed")
    assert [(e["cache_hit"], e["source"], e["cid"], e["environment"]) for e in events] == [
        (False, "endpoint", "tenant-a", "sandbox"),
        (True, "memory", "tenant-a", "sandbox"),
    ]
    assert all(isinstance(e["duration_ms"], int) for e in events)


def test_another_environment_reads_the_table_instead_of_asking_again(clock: WallClock) -> None:
    endpoint = FakeEndpoint()
    manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
    warm_elsewhere = manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
    assert warm_elsewhere == AccessToken("token-tenant-a-1", cached=True)
    assert endpoint.issued.total() == 1


def test_fifty_concurrent_cold_environments_make_one_token_request(clock: WallClock, serialized_dynamodb) -> None:
    endpoint = FakeEndpoint(delay=0.2)  # slow enough that the others find the lease taken
    start = threading.Barrier(50)

    def cold_invocation(_: int) -> AccessToken:
        start.wait()
        return manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))

    with ThreadPoolExecutor(max_workers=50) as pool:
        tokens = list(pool.map(cold_invocation, range(50)))
    assert endpoint.issued == Counter({"client-tenant-a": 1})
    assert {t.value for t in tokens} == {"token-tenant-a-1"}


def test_five_tenants_at_once_make_five_token_requests(clock: WallClock, serialized_dynamodb) -> None:
    endpoint = FakeEndpoint(delay=0.2)
    tenants = [f"tenant-{n}" for n in range(5)]
    start = threading.Barrier(50)

    def cold_invocation(n: int) -> tuple[str, str]:
        cid = tenants[n % 5]
        start.wait()
        return cid, manager(endpoint, clock).token(credentials_for(cid), Deadline(25)).value

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(cold_invocation, range(50)))
    assert endpoint.issued == Counter({f"client-{cid}": 1 for cid in tenants})
    assert all(value == f"token-{cid}-1" for cid, value in results)  # nobody got another tenant's token


def test_an_expired_token_left_by_ttl_lag_is_never_used(clock: WallClock) -> None:
    endpoint = FakeEndpoint()
    store = deps.token_cache_store()
    owner = "previous-environment"
    assert store.try_lease("sandbox", "tenant-a", owner=owner, now=clock(), seconds=15) is not None
    fingerprint = credentials_for("tenant-a").bisnap.fingerprint  # type: ignore[union-attr]
    # Expired an hour ago; DynamoDB's TTL sweeper has not come by (it can lag two days).
    store.store("sandbox", "tenant-a", owner=owner, token=CachedToken("stale-token", clock() - 3600, fingerprint))
    assert store.read("sandbox", "tenant-a").token.access_token == "stale-token"  # type: ignore[union-attr]

    token = manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
    assert token.value == "token-tenant-a-1"
    assert store.read("sandbox", "tenant-a").token.access_token == "token-tenant-a-1"  # type: ignore[union-attr]


def test_a_token_inside_its_refresh_margin_is_refreshed_ahead_of_expiry(clock: WallClock) -> None:
    endpoint = FakeEndpoint(expires_in=900)
    tokens = manager(endpoint, clock)
    tokens.token(credentials_for("tenant-a"), Deadline(25))
    clock.advance(900 - REFRESH_MARGIN_SECONDS - 1)
    assert tokens.token(credentials_for("tenant-a"), Deadline(25)).value == "token-tenant-a-1"
    clock.advance(2)  # now inside the margin: still valid at Midtrans, but too close to use
    assert tokens.token(credentials_for("tenant-a"), Deadline(25)).value == "token-tenant-a-2"


def test_while_one_environment_refreshes_the_others_keep_the_still_valid_token(clock: WallClock) -> None:
    endpoint = FakeEndpoint()
    manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
    clock.advance(900 - REFRESH_MARGIN_SECONDS + 10)  # in the margin, 110 s of life left
    store = deps.token_cache_store()
    assert store.try_lease("sandbox", "tenant-a", owner="refreshing-elsewhere", now=clock(), seconds=15)
    token = manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
    assert token == AccessToken("token-tenant-a-1", cached=True)
    assert endpoint.issued.total() == 1  # nobody piled on


def test_a_waiter_gives_up_inside_its_deadline_when_the_refresher_never_finishes(clock: WallClock) -> None:
    clock.fake_sleep = True
    store = deps.token_cache_store()
    assert store.try_lease("sandbox", "tenant-a", owner="stuck-elsewhere", now=clock(), seconds=15)
    endpoint = FakeEndpoint()
    with pytest.raises(MidtransTimeout):
        manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(5, clock=clock.monotonic))
    assert endpoint.issued.total() == 0
    assert clock.slept <= 5  # never waited past its own deadline


def test_a_dead_refreshers_lease_lapses_and_the_next_caller_refreshes(clock: WallClock) -> None:
    store = deps.token_cache_store()
    assert store.try_lease("sandbox", "tenant-a", owner="crashed-elsewhere", now=clock(), seconds=15)
    clock.advance(16)
    endpoint = FakeEndpoint()
    assert manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25)).value == "token-tenant-a-1"


def test_a_failed_refresh_is_never_cached_and_is_counted(clock: WallClock) -> None:
    endpoint = FakeEndpoint(fail_with=MidtransAuthError("access token: responseCode 4017300 (HTTP 401)"))
    with pytest.raises(MidtransAuthError):
        manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
    item = deps.token_cache_store().read("sandbox", "tenant-a")
    assert item is not None and item.token is None and item.lock_owner is None
    assert item.failure_reason == "auth_error"
    raw = deps.dynamodb_client().get_item(
        TableName=deps.get_settings().token_cache_table_name, Key={"pk": {"S": token_key("sandbox", "tenant-a")}}
    )["Item"]
    assert raw["fail_streak"] == {"N": "1"}
    assert "access_token" not in raw


def streak_metrics(output: str) -> int:
    return sum(1 for blob in emf_blobs(output) if "TokenRefreshFailureStreak" in blob)


@pytest.mark.parametrize(
    ("outcomes", "alarm_metrics"),
    [
        (["fail", "fail", "ok", "fail"], 0),  # the success resets the streak
        (["fail", "fail", "fail"], 1),
        (["fail", "fail", "fail", "fail", "fail"], 1),  # once per streak, not once per failure after the third
        (["fail", "fail", "fail", "ok", "fail", "fail", "fail"], 2),  # a new streak alarms again
    ],
)
def test_the_third_consecutive_failure_emits_the_alarm_metric_once(
    clock: WallClock, capsys: pytest.CaptureFixture[str], outcomes: list[str], alarm_metrics: int
) -> None:
    for outcome in outcomes:
        endpoint = FakeEndpoint(fail_with=None if outcome == "ok" else MidtransApiError("access token: HTTP 500"))
        tokens = manager(endpoint, clock)  # a fresh environment each time: the streak lives in DynamoDB
        if outcome == "ok":
            tokens.token(credentials_for("tenant-a"), Deadline(25))
            clock.advance(900)  # let it expire so the next attempt refreshes again
        else:
            with pytest.raises(MidtransApiError):
                tokens.token(credentials_for("tenant-a"), Deadline(25))
    output = capsys.readouterr().out
    assert streak_metrics(output) == alarm_metrics
    for blob in emf_blobs(output):
        if "TokenRefreshFailureStreak" in blob:
            assert blob["cid"] == "tenant-a"
            assert all("cid" not in dims for d in blob["_aws"]["CloudWatchMetrics"] for dims in d["Dimensions"])


def test_waiters_share_a_failure_instead_of_each_calling_the_endpoint(clock: WallClock, serialized_dynamodb) -> None:
    endpoint = FakeEndpoint(delay=0.2, fail_with=MidtransAuthError("access token: responseCode 4017300 (HTTP 401)"))
    start = threading.Barrier(10)

    def cold_invocation(_: int) -> str:
        start.wait()
        try:
            manager(endpoint, clock).token(credentials_for("tenant-a"), Deadline(25))
        except MidtransAuthError:
            return "auth_error"
        return "token"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(cold_invocation, range(10)))
    assert results == ["auth_error"] * 10
    assert endpoint.attempts.total() == 1


def test_a_rejected_token_is_dropped_but_a_newer_one_from_another_environment_is_kept(clock: WallClock) -> None:
    endpoint = FakeEndpoint()
    here = manager(endpoint, clock)
    old = here.token(credentials_for("tenant-a"), Deadline(25))
    # Another environment rotated the token (its own 401 on the old one) and stored token 2.
    elsewhere = manager(endpoint, clock)
    elsewhere.reject(credentials_for("tenant-a"), AccessToken(old.value, cached=True))
    assert elsewhere.token(credentials_for("tenant-a"), Deadline(25)).value == "token-tenant-a-2"
    # This environment's call with token 1 now meets a 401: rejecting it must not remove token 2.
    here.reject(credentials_for("tenant-a"), old)
    assert here.token(credentials_for("tenant-a"), Deadline(25)) == AccessToken("token-tenant-a-2", cached=True)
    assert endpoint.issued.total() == 2


def test_a_warm_environment_never_hands_one_tenants_token_to_another(clock: WallClock) -> None:
    endpoint = FakeEndpoint()
    memory = TokenMemory()
    tokens = manager(endpoint, clock, memory)
    a = tokens.token(credentials_for("tenant-a"), Deadline(25))
    b = tokens.token(credentials_for("tenant-b"), Deadline(25))
    assert (a.value, b.value) == ("token-tenant-a-1", "token-tenant-b-1")
    assert tokens.token(credentials_for("tenant-a"), Deadline(25)).value == a.value
    assert tokens.token(credentials_for("tenant-b"), Deadline(25)).value == b.value
    # Same tenant id in the other environment: its own token, never the sandbox one.
    production = tokens.token(credentials_for("tenant-a", environment="production"), Deadline(25))
    assert production.value == "token-tenant-a-2"


def test_new_credentials_never_reuse_a_token_issued_for_the_old_ones(clock: WallClock) -> None:
    endpoint = FakeEndpoint()
    memory = TokenMemory()
    tokens = manager(endpoint, clock, memory)
    tokens.token(credentials_for("tenant-a"), Deadline(25))
    reconnected = credentials_for("tenant-a", client_secret="another-client-secret")
    assert tokens.token(reconnected, Deadline(25)).value == "token-tenant-a-2"
    assert manager(endpoint, clock).token(reconnected, Deadline(25)).value == "token-tenant-a-2"  # via the table
