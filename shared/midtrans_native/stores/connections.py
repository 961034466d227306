"""Per-tenant Midtrans connection: one item per tenant (one Midtrans account per tenant, NEG-1).

The keys are encrypted with KMS under an encryption context naming the tenant, so a ciphertext copied
to another tenant's item cannot be decrypted there. Only masked forms are ever stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets as token_source
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol

from botocore.exceptions import ClientError
from pydantic import SecretStr

from midtrans_native.models.common import Environment
from midtrans_native.models.midtrans import BiSnapCredentials, MidtransCredentials
from midtrans_native.stores.actions import ConfiguredAction, actions_from_index


class BiSnapInput(Protocol):
    @property
    def client_id(self) -> str: ...
    @property
    def channel_id(self) -> str: ...
    @property
    def client_secret(self) -> SecretStr: ...
    @property
    def private_key(self) -> SecretStr: ...
    @property
    def midtrans_public_key(self) -> str | None: ...


class ConnectionInput(Protocol):
    """What `save` stores: the admin's validated connect request (the store does not depend on HTTP models)."""

    @property
    def server_key(self) -> SecretStr: ...
    @property
    def client_key(self) -> str: ...
    @property
    def environment(self) -> Environment: ...
    @property
    def partner_id(self) -> str | None: ...
    @property
    def merchant_id(self) -> str | None: ...
    @property
    def bisnap(self) -> BiSnapInput | None: ...


_KNOWN_PREFIXES = ("SB-Mid-server-", "SB-Mid-client-", "Mid-server-", "Mid-client-")


def mask_key(key: str) -> str:
    """Keep the documented prefix (it tells sandbox from production) and the last 4 characters."""
    prefix = next((p for p in _KNOWN_PREFIXES if key.startswith(p)), "")
    rest = key[len(prefix) :]
    tail = rest[-4:] if len(rest) >= 12 else ""
    return f"{prefix}****{tail}"


# Everything `save` writes and `delete` removes; the action index (ActionStore) is not among them.
_CONNECTION_ATTRIBUTES = (
    "environment",
    "#mode",
    "credentials_ciphertext",
    "masked_server_key",
    "masked_client_key",
    "updated_at",
    "connected_at",
    "partner_id",
    "merchant_id",
    "bisnap_client_id",
    "bisnap_channel_id",
    # Revoked with the credentials: a disconnected tenant's notification URL answers 404 (docs/decisions.md D31).
    "notification_token",
)
NOTIFICATION_TOKEN_INDEX = "NotificationTokenIndex"  # noqa: S105 (an index name, not a secret)


class DecryptedCredentials:
    """Decrypted secrets per execution environment, at most `size` tenants, least recently used out first.
    Keys are digests of the ciphertext: nothing here outlives a re-authorization, and nothing is ever written out."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._entries: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, secrets: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._entries[key] = secrets
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return secrets

    def __len__(self) -> int:
        return len(self._entries)


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class StoredConnection(NamedTuple):
    cid: str
    environment: Environment
    mode: str
    masked_server_key: str
    masked_client_key: str
    partner_id: str | None
    merchant_id: str | None
    connected_at: datetime
    updated_at: datetime
    bisnap_client_id: str | None = None  # masked
    bisnap_channel_id: str | None = None
    # The secret part of the tenant's notification URL (/v1/notifications/midtrans/{token}).
    notification_token: str | None = None


class TenantRecord(NamedTuple):
    """One read of the tenant's connection item."""

    cid: str
    connection: StoredConnection | None  # None: not connected
    ciphertext: bytes | None
    actions: dict[str, ConfiguredAction] | None  # by action type; None: no index on the item (read the table)


class ConnectionStore:
    def __init__(
        self,
        dynamodb: Any,
        kms: Any,
        table_name: str,
        key_id: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        decrypted: DecryptedCredentials | None = None,
    ) -> None:
        self._dynamodb = dynamodb
        self._kms = kms
        self._table = table_name
        self._key_id = key_id
        self._clock = clock
        self._decrypted = decrypted if decrypted is not None else DecryptedCredentials()

    @staticmethod
    def _context(cid: str) -> dict[str, str]:
        return {"tenant_id": cid, "purpose": "midtrans-credentials"}

    def tenant(self, cid: str) -> TenantRecord:
        """Everything an agent call needs, from one consistent read: the connection, its credentials' ciphertext
        and the configured actions (docs/decisions.md D29)."""
        return _tenant_record(cid, self._get_item(cid) or {})

    def tenant_and_item(self, cid: str, table: str, key: dict[str, Any]) -> tuple[TenantRecord, dict[str, Any] | None]:
        """The tenant's record and one item of another table in one round trip (a BatchGetItem, both reads
        consistent): the confirmation item a cancel or refund reads first (docs/decisions.md D29)."""
        own_key = {"cid": {"S": cid}}
        answer = self._dynamodb.batch_get_item(
            RequestItems={
                self._table: {"Keys": [own_key], "ConsistentRead": True},
                table: {"Keys": [key], "ConsistentRead": True},
            }
        )
        found = answer.get("Responses", {})
        unprocessed = answer.get("UnprocessedKeys", {})
        # DynamoDB may leave keys unprocessed (throttling) without an error; read those one by one.
        own = next(iter(found.get(self._table, [])), None)
        if self._table in unprocessed:
            own = self._get_item(cid)
        other = next(iter(found.get(table, [])), None)
        if table in unprocessed:
            other = self._dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return _tenant_record(cid, own or {}), other

    def get(self, cid: str) -> StoredConnection | None:
        return self.tenant(cid).connection

    def tenant_by_notification_token(self, token: str) -> TenantRecord | None:
        """The connected tenant whose notification URL carries `token`, or None. The index is eventually
        consistent, so the item it names is read again consistently and must still carry this very token: a URL
        revoked by a disconnect (or replaced by a reconnect) stops working at once."""
        found = self._dynamodb.query(
            TableName=self._table,
            IndexName=NOTIFICATION_TOKEN_INDEX,
            KeyConditionExpression="notification_token = :token",
            ExpressionAttributeValues={":token": {"S": token}},
            Limit=2,
        ).get("Items", [])
        for key in found:
            tenant = self.tenant(key["cid"]["S"])
            stored = tenant.connection.notification_token if tenant.connection else None
            if stored is not None and hmac.compare_digest(stored.encode(), token.encode()):
                return tenant
        return None

    def credentials(self, cid: str) -> tuple[StoredConnection, MidtransCredentials] | None:
        """The connection and its decrypted server key, or None when the tenant is not connected."""
        return self.credentials_of(self.tenant(cid))

    def credentials_of(self, tenant: TenantRecord) -> tuple[StoredConnection, MidtransCredentials] | None:
        """The tenant's decrypted credentials. Decrypted once per execution environment and ciphertext: the cache
        key is a digest of the ciphertext (and tenant), so re-authorizing — new ciphertext — decrypts anew on the
        very next call, and a disconnected tenant has no ciphertext to look up."""
        if tenant.connection is None or tenant.ciphertext is None:
            return None
        key = hashlib.sha256(tenant.cid.encode() + b"\0" + tenant.ciphertext).hexdigest()
        secrets = self._decrypted.get(key)
        if secrets is None:
            plaintext = self._kms.decrypt(
                CiphertextBlob=tenant.ciphertext, EncryptionContext=self._context(tenant.cid), KeyId=self._key_id
            )["Plaintext"]
            secrets = self._decrypted.put(key, json.loads(plaintext))
        connection = tenant.connection
        bisnap = secrets.get("bisnap")
        return connection, MidtransCredentials(
            cid=tenant.cid,
            environment=connection.environment,
            server_key=SecretStr(secrets["server_key"]),
            bisnap=_bisnap_credentials(bisnap, connection) if bisnap else None,
        )

    def save(self, cid: str, request: ConnectionInput) -> StoredConnection:
        """Create or replace the tenant's connection (a second PUT re-authorizes: still one account)."""
        server_key = request.server_key.get_secret_value()
        secrets: dict[str, Any] = {"server_key": server_key, "client_key": request.client_key}
        if request.bisnap is not None:
            secrets["bisnap"] = {
                "client_id": request.bisnap.client_id,
                "channel_id": request.bisnap.channel_id,
                "client_secret": request.bisnap.client_secret.get_secret_value(),
                "private_key": request.bisnap.private_key.get_secret_value(),
            }
            if request.bisnap.midtrans_public_key:
                secrets["bisnap"]["midtrans_public_key"] = request.bisnap.midtrans_public_key
        ciphertext = self._kms.encrypt(
            KeyId=self._key_id, Plaintext=json.dumps(secrets).encode(), EncryptionContext=self._context(cid)
        )["CiphertextBlob"]
        now = self._clock().isoformat()
        values: dict[str, Any] = {
            ":env": {"S": request.environment},
            ":mode": {"S": "bisnap" if request.bisnap else "core_api"},
            ":ct": {"B": ciphertext},
            ":msk": {"S": mask_key(server_key)},
            ":mck": {"S": mask_key(request.client_key)},
            ":now": {"S": now},
            ":token": {"S": token_source.token_urlsafe(32)},
        }
        assignments = [
            "environment = :env",
            "#mode = :mode",
            "credentials_ciphertext = :ct",
            "masked_server_key = :msk",
            "masked_client_key = :mck",
            "updated_at = :now",
            "connected_at = if_not_exists(connected_at, :now)",
            # Created on connect, kept on re-authorization (the admin pasted it into the Midtrans dashboard).
            "notification_token = if_not_exists(notification_token, :token)",
        ]
        removals = []
        bisnap_view = {
            "bisnap_client_id": mask_key(request.bisnap.client_id) if request.bisnap else None,
            "bisnap_channel_id": request.bisnap.channel_id if request.bisnap else None,
        }
        for name in ("partner_id", "merchant_id", "bisnap_client_id", "bisnap_channel_id"):
            value = bisnap_view[name] if name in bisnap_view else getattr(request, name)
            if value:
                values[f":{name}"] = {"S": value}
                assignments.append(f"{name} = :{name}")
            else:
                removals.append(name)
        expression = "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else "")
        item = self._dynamodb.update_item(
            TableName=self._table,
            Key={"cid": {"S": cid}},
            UpdateExpression=expression,
            ExpressionAttributeNames={"#mode": "mode"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )["Attributes"]
        return _to_connection(item)

    def delete(self, cid: str) -> bool:
        """Remove the tenant's credentials; say whether there were any. The item itself stays, with the action
        index (the admin's configured actions outlive a disconnect, as the actions table's items do)."""
        try:
            old = self._dynamodb.update_item(
                TableName=self._table,
                Key={"cid": {"S": cid}},
                UpdateExpression="REMOVE " + ", ".join(_CONNECTION_ATTRIBUTES),
                ConditionExpression="attribute_exists(cid)",
                ExpressionAttributeNames={"#mode": "mode"},
                ReturnValues="UPDATED_OLD",
            ).get("Attributes")
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            return False
        return bool(old and "credentials_ciphertext" in old)

    def _get_item(self, cid: str) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._dynamodb.get_item(
            TableName=self._table, Key={"cid": {"S": cid}}, ConsistentRead=True
        ).get("Item")
        return item


def _tenant_record(cid: str, item: dict[str, Any]) -> TenantRecord:
    connected = "credentials_ciphertext" in item
    index = item.get("action_index")
    return TenantRecord(
        cid=cid,
        connection=_to_connection(item) if connected else None,
        ciphertext=bytes(item["credentials_ciphertext"]["B"]) if connected else None,
        actions=actions_from_index(index) if index is not None else None,
    )


def _to_connection(item: dict[str, Any]) -> StoredConnection:
    def text(name: str) -> str | None:
        value = item.get(name)
        return value["S"] if value else None

    return StoredConnection(
        cid=item["cid"]["S"],
        environment=item["environment"]["S"],
        mode=item["mode"]["S"],
        masked_server_key=item["masked_server_key"]["S"],
        masked_client_key=item["masked_client_key"]["S"],
        partner_id=text("partner_id"),
        merchant_id=text("merchant_id"),
        connected_at=datetime.fromisoformat(item["connected_at"]["S"]),
        updated_at=datetime.fromisoformat(item["updated_at"]["S"]),
        bisnap_client_id=text("bisnap_client_id"),
        bisnap_channel_id=text("bisnap_channel_id"),
        notification_token=text("notification_token"),
    )


def _bisnap_credentials(secrets: dict[str, str], connection: StoredConnection) -> BiSnapCredentials:
    return BiSnapCredentials(
        client_id=secrets["client_id"],
        channel_id=secrets["channel_id"],
        client_secret=SecretStr(secrets["client_secret"]),
        private_key=SecretStr(secrets["private_key"]),
        midtrans_public_key=secrets.get("midtrans_public_key"),
        # Stored in clear beside the ciphertext (they are identifiers, not secrets); the request required them.
        partner_id=connection.partner_id or "",
        merchant_id=connection.merchant_id or "",
    )
