"""The admin's connection models: Midtrans credentials in (Core API keys, optional BI-SNAP), a masked view out.
Secrets are SecretStr; every message names the rule, never the value."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, SecretStr, StringConstraints, field_validator, model_validator
from pydantic.config import JsonDict, JsonValue

from midtrans_native.models.common import DeferredModel, Environment, Locale, matching

# Midtrans publishes no character set for its keys and secrets. Every published one is printable ASCII without
# spaces (server keys SB-Mid-server-… / Mid-server-…, client keys SB-Mid-client-…: docs/midtrans-behaviour.md §2-3),
# and a secret goes into an HTTP Basic auth header (Latin-1) or an HMAC key: anything else is refused here, never
# at the first call to Midtrans. The messages name the rule, never the value.
CREDENTIAL_PATTERN = r"^[!-~]+$"
CREDENTIAL_RULE = "must be printable ASCII characters without spaces (as Midtrans keys are, e.g. SB-Mid-server-…)"
_KEY_PATTERN = r"^[A-Za-z0-9_\-:.]+$"
_ID_PATTERN = r"^[A-Za-z0-9_\-.]+$"
_Key = Annotated[
    str,
    StringConstraints(min_length=8, max_length=200, pattern=_KEY_PATTERN),
    matching(_KEY_PATTERN, "key_format", "must be letters, digits, '_', '-', ':' or '.' (as in SB-Mid-client-…)"),
]
_OptionalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=_ID_PATTERN),
    matching(_ID_PATTERN, "id_format", "must be letters, digits, '_', '-' or '.'"),
]


def _secret(min_length: int, max_length: int, description: str | None = None) -> Any:
    """A SecretStr field's constraints. SecretStr takes no `pattern` constraint: the pattern is put into the
    schema as it is and checked on the plain text first (a message that never contains the value)."""
    return Field(
        min_length=min_length,
        max_length=max_length,
        description=description,
        json_schema_extra={"pattern": CREDENTIAL_PATTERN},
    )


_SecretText = matching(CREDENTIAL_PATTERN, "secret_format", CREDENTIAL_RULE)
# What load_pem_private_key reads: PEM armour around base64 lines (PKCS#8 or PKCS#1). Whether the base64 is an
# unencrypted RSA key of at least 2048 bits no pattern can say: `format` names that rule, the validator checks it.
PEM_PRIVATE_KEY_PATTERN = (
    r"^[ \t\r\n]*-----BEGIN (RSA )?PRIVATE KEY-----\r?\n([A-Za-z0-9+/=]+\r?\n)+"
    r"-----END (RSA )?PRIVATE KEY-----[ \t\r\n]*$"
)
PEM_PRIVATE_KEY_FORMAT = "pem-rsa-private-key"
PEM_PUBLIC_KEY_PATTERN = (
    r"^[ \t\r\n]*-----BEGIN (RSA )?PUBLIC KEY-----\r?\n([A-Za-z0-9+/=]+\r?\n)+"
    r"-----END (RSA )?PUBLIC KEY-----[ \t\r\n]*$"
)
PEM_PUBLIC_KEY_FORMAT = "pem-rsa-public-key"


class BiSnapConnect(DeferredModel):
    """BI-SNAP credentials from the Midtrans dashboard (Settings > Access Keys, Payment BI SNAP)."""

    model_config = ConfigDict(extra="forbid")

    client_id: _OptionalId
    client_secret: Annotated[SecretStr, _secret(8, 256), _SecretText]
    private_key: Annotated[
        SecretStr,
        Field(
            min_length=100,
            max_length=8192,
            description="RSA private key: PEM, unencrypted, ≥ 2048 bits",
            json_schema_extra={"pattern": PEM_PRIVATE_KEY_PATTERN, "format": PEM_PRIVATE_KEY_FORMAT},
        ),
    ]
    channel_id: Annotated[
        str,
        StringConstraints(pattern=r"^[0-9]{5}$"),
        matching(r"^[0-9]{5}$", "channel_id_format", "must be 5 digits"),
    ] = Field(description="CHANNEL-ID from the credential exchange: 5 digits")
    midtrans_public_key: str | None = Field(
        default=None,
        min_length=100,
        max_length=8192,
        pattern=PEM_PUBLIC_KEY_PATTERN,
        description="Midtrans' RSA public key (PEM) from the dashboard: verifies BI-SNAP payment notifications "
        "(without it, BI-SNAP notifications are refused; HTTP notifications need only the server key)",
        json_schema_extra={"format": PEM_PUBLIC_KEY_FORMAT},
    )

    @field_validator("private_key")
    @classmethod
    def _rsa_private_key(cls, value: SecretStr) -> SecretStr:
        # Checked here so a key Midtrans could never accept is refused before any call (the message
        # never repeats the key).
        from midtrans_native.models.keys import load_rsa_private_key

        load_rsa_private_key(value.get_secret_value())
        return value

    @field_validator("midtrans_public_key")
    @classmethod
    def _rsa_public_key(cls, value: str | None) -> str | None:
        from midtrans_native.models.keys import load_rsa_public_key

        if value is not None:
            load_rsa_public_key(value)
        return value


def _connect_rules() -> list[JsonValue]:
    """Rules across ConnectRequest's fields, for the schema: `_bisnap_needs_partner_and_merchant`, and the prefix
    check of actions.connection (a 422 environment_mismatch for keys of the other environment: §2)."""
    bisnap: JsonDict = {
        "if": {"required": ["bisnap"], "properties": {"bisnap": {"type": "object"}}},
        "then": {
            "required": ["partner_id", "merchant_id"],
            "properties": {"partner_id": {"type": "string"}, "merchant_id": {"type": "string"}},
        },
    }
    rules: list[JsonValue] = [bisnap]
    for environment, other in (("sandbox", ""), ("production", "SB-")):
        refused: JsonDict = {"not": {"pattern": f"^{other}Mid-(?:server|client)-"}}
        then: JsonDict = {"properties": {"server_key": refused, "client_key": refused}}
        rules.append({"if": {"properties": {"environment": {"const": environment}}}, "then": then})
    return rules


class ConnectRequest(DeferredModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": _connect_rules()})

    server_key: Annotated[SecretStr, _secret(8, 200), _SecretText]
    client_key: _Key
    environment: Environment
    partner_id: _OptionalId | None = Field(default=None, description="X-PARTNER-ID: required with bisnap")
    merchant_id: _OptionalId | None = Field(default=None, description="Required with bisnap")
    bisnap: BiSnapConnect | None = Field(
        default=None,
        description="Optional BI-SNAP credentials: when given (with partner_id and merchant_id), status, cancel and "
        "refund go over BI-SNAP with signed, token-authenticated calls; payment links always use the server key",
    )
    locale: Locale = "en"

    @model_validator(mode="after")
    def _bisnap_needs_partner_and_merchant(self) -> ConnectRequest:
        if self.bisnap is not None and not (self.partner_id and self.merchant_id):
            raise ValueError("BI-SNAP needs partner_id (X-PARTNER-ID) and merchant_id as well")
        return self


class ConnectionView(DeferredModel):
    """What an admin sees: never the key itself, only a masked form."""

    status: Literal["connected", "not_connected"]
    message: str | None = None
    environment: Environment | None = None
    mode: Literal["core_api", "bisnap"] | None = Field(
        default=None, description="core_api: server key only; bisnap: status, cancel and refund over BI-SNAP"
    )
    bisnap_client_id: str | None = Field(default=None, description="Masked BI-SNAP client id")
    bisnap_channel_id: str | None = None
    masked_server_key: str | None = None
    masked_client_key: str | None = None
    partner_id: str | None = None
    merchant_id: str | None = None
    connected_at: datetime | None = None
    updated_at: datetime | None = None
    notification_url: str | None = Field(
        default=None,
        description="Paste into the Midtrans dashboard's Payment Notification URL (BI-SNAP: the notification base "
        "URL). Created on connect, kept on re-authorization, revoked by a disconnect. Treat it as a secret.",
    )
