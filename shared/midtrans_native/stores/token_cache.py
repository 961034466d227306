"""The token cache table: one item per tenant and environment holding the BI-SNAP access token, the refresh
lease and the consecutive-failure streak (docs/decisions.md D23).

Key `pk = TOKEN#{environment}#{cid}`. `ttl` lets DynamoDB delete the item lazily, up to two days late, so every
reader checks `expires_at` itself. `fingerprint` names the credentials the token was issued for. Every write is
conditional where two execution environments could race: the lease is taken only when free or lapsed, a
token is written only by the lease holder, and a rejected token is removed only if it is still the one stored.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

ENVIRONMENTS = ("sandbox", "production")
# Keep the item (streak, lease) a while after the token expires; DynamoDB deletes it some time after.
KEEP_AFTER_EXPIRY_SECONDS = 3600


def token_key(environment: str, cid: str) -> str:
    return f"TOKEN#{environment}#{cid}"


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    expires_at: float
    fingerprint: str

    def __repr__(self) -> str:  # never print the token itself
        return f"CachedToken(expires_at={self.expires_at}, fingerprint={self.fingerprint!r})"


@dataclass(frozen=True)
class TokenItem:
    """What one read of the item says: the token (if any), who holds the lease, the last failure."""

    token: CachedToken | None
    lock_owner: str | None
    lock_until: float
    failed_at: float
    failure_reason: str | None


class TokenCacheStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def read(self, environment: str, cid: str) -> TokenItem | None:
        item = self._dynamodb.get_item(TableName=self._table, Key=self._key(environment, cid), ConsistentRead=True).get(
            "Item"
        )
        return _to_item(item) if item else None

    def try_lease(
        self, environment: str, cid: str, *, owner: str, now: float, seconds: float, no_failure_since: float = 0.0
    ) -> TokenItem | None:
        """Take the refresh lease if it is free or lapsed (a holder that died frees it by time alone), and no
        refresh failed since `no_failure_since` (a caller that waited through a failure shares it instead of
        trying again). Returns the item as it is now ours, or None when the lease is not ours to take."""
        try:
            attributes = self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(environment, cid),
                UpdateExpression="SET lock_owner = :me, lock_until = :until, #ttl = if_not_exists(#ttl, :ttl)",
                ConditionExpression="(attribute_not_exists(lock_until) OR lock_until < :now) "
                "AND (attribute_not_exists(failed_at) OR failed_at <= :since)",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":me": {"S": owner},
                    ":until": {"N": _n(now + seconds)},
                    ":now": {"N": _n(now)},
                    ":since": {"N": _n(no_failure_since)},
                    ":ttl": {"N": str(int(now + seconds + KEEP_AFTER_EXPIRY_SECONDS))},
                },
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return None
        return _to_item(attributes)

    def store(self, environment: str, cid: str, *, owner: str, token: CachedToken) -> bool:
        """Write a fresh token, reset the failure streak and free the lease, only while we still hold it."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(environment, cid),
                UpdateExpression="SET access_token = :token, expires_at = :exp, fingerprint = :fp, "
                "fail_streak = :zero, #ttl = :ttl REMOVE lock_owner, lock_until, failed_at, failure_reason",
                ConditionExpression="lock_owner = :me",
                ExpressionAttributeNames={"#ttl": "ttl"},
                ExpressionAttributeValues={
                    ":token": {"S": token.access_token},
                    ":exp": {"N": _n(token.expires_at)},
                    ":fp": {"S": token.fingerprint},
                    ":zero": {"N": "0"},
                    ":ttl": {"N": str(int(token.expires_at + KEEP_AFTER_EXPIRY_SECONDS))},
                    ":me": {"S": owner},
                },
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False  # our lease lapsed and someone else refreshed: their token stands
        return True

    def release(self, environment: str, cid: str, *, owner: str) -> None:
        """Free our lease without writing a token (nothing to store, or an unexpected error)."""
        # Already lapsed and taken by someone else: nothing of ours to free.
        with contextlib.suppress(self._dynamodb.exceptions.ConditionalCheckFailedException):
            self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(environment, cid),
                UpdateExpression="REMOVE lock_owner, lock_until",
                ConditionExpression="lock_owner = :me",
                ExpressionAttributeValues={":me": {"S": owner}},
            )

    def record_failure(self, environment: str, cid: str, *, owner: str, now: float, reason: str) -> int:
        """Count one more failed refresh and free the lease; return the streak. A failure is never a token:
        only `failed_at` and the reason are written, so waiters give up instead of refreshing again."""
        count = "ADD fail_streak :one SET failed_at = :now, failure_reason = :reason"
        values = {":one": {"N": "1"}, ":now": {"N": _n(now)}, ":reason": {"S": reason}}
        try:
            attributes = self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(environment, cid),
                UpdateExpression=count + " REMOVE lock_owner, lock_until",
                ConditionExpression="attribute_not_exists(lock_owner) OR lock_owner = :me",
                ExpressionAttributeValues={**values, ":me": {"S": owner}},
                ReturnValues="UPDATED_NEW",
            )["Attributes"]
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            # Our lease lapsed and another environment holds it now: still count the failure, leave its lease.
            attributes = self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(environment, cid),
                UpdateExpression=count,
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",
            )["Attributes"]
        return int(attributes["fail_streak"]["N"])

    def discard(self, environment: str, cid: str, *, rejected: str) -> bool:
        """Forget a token Midtrans rejected, unless another environment already replaced it."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=self._key(environment, cid),
                UpdateExpression="REMOVE access_token, expires_at, fingerprint",
                ConditionExpression="access_token = :rejected",
                ExpressionAttributeValues={":rejected": {"S": rejected}},
            )
        except self._dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def forget_tenant(self, cid: str) -> None:
        """Disconnecting (or re-connecting) must leave no usable token behind, in either environment."""
        for environment in ENVIRONMENTS:
            self._dynamodb.delete_item(TableName=self._table, Key=self._key(environment, cid))

    @staticmethod
    def _key(environment: str, cid: str) -> dict[str, Any]:
        return {"pk": {"S": token_key(environment, cid)}}


def _n(value: float) -> str:
    return f"{value:.3f}"


def _to_item(item: dict[str, Any]) -> TokenItem:
    def number(name: str) -> float:
        return float(item[name]["N"]) if name in item else 0.0

    token = None
    if "access_token" in item and "expires_at" in item:
        fingerprint = item.get("fingerprint", {}).get("S", "")
        token = CachedToken(item["access_token"]["S"], number("expires_at"), fingerprint)
    return TokenItem(
        token=token,
        lock_owner=item.get("lock_owner", {}).get("S"),
        lock_until=number("lock_until"),
        failed_at=number("failed_at"),
        failure_reason=item.get("failure_reason", {}).get("S"),
    )
