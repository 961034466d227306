"""The token cache table (BI-SNAP access tokens; the token manager itself comes with its own issue).

Key scheme, fixed here so every user agrees: `pk = TOKEN#{environment}#{cid}`, a `ttl` attribute for
DynamoDB's lazy deletion, and an `expires_at` that readers must check themselves (TTL lags up to 48 h).
"""

from __future__ import annotations

from typing import Any

ENVIRONMENTS = ("sandbox", "production")


def token_key(environment: str, cid: str) -> str:
    return f"TOKEN#{environment}#{cid}"


class TokenCacheStore:
    def __init__(self, dynamodb: Any, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def forget_tenant(self, cid: str) -> None:
        """Disconnecting must leave no usable token behind, in either environment."""
        for environment in ENVIRONMENTS:
            self._dynamodb.delete_item(TableName=self._table, Key={"pk": {"S": token_key(environment, cid)}})
