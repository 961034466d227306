"""The agent gates, in one order, before anything reaches Midtrans (docs/decisions.md D16, D29): the flag on for
the tenant, the tenant connected, an action of the type configured. The caller's role and plan were decided
before (`api.require_caller`), from the verified token only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider

from midtrans_native.errors import RequestRefused
from midtrans_native.flags import integration_enabled
from midtrans_native.messages import Msg, render
from midtrans_native.models.common import Caller, Locale
from midtrans_native.models.midtrans import MidtransCredentials
from midtrans_native.registry import ActionTypeSpec
from midtrans_native.stores.actions import ConfiguredAction
from midtrans_native.stores.connections import StoredConnection, TenantRecord


class TenantSource(Protocol):
    def tenant(self, cid: str) -> TenantRecord: ...
    def tenant_and_item(
        self, cid: str, table: str, key: dict[str, Any]
    ) -> tuple[TenantRecord, dict[str, Any] | None]: ...
    def credentials_of(self, tenant: TenantRecord) -> tuple[StoredConnection, MidtransCredentials] | None: ...


class ActionLookup(Protocol):
    def for_tenant(self, cid: str) -> list[ConfiguredAction]: ...


# Records here are NamedTuples, not frozen dataclasses: as immutable, and a tenth of the cost to define during a
# cold start (Python 3.11 dataclasses exec every generated method; docs/decisions.md D30).
class ReadAlong(NamedTuple):
    """An item read together with the tenant's (None: there is no such item)."""

    item: dict[str, Any] | None


@dataclass
class AgentGates:
    """What the agent gates check against, for one request: the flag, and the tenant's connection item read once
    (connection, credentials ciphertext and configured actions in one consistent read, docs/decisions.md D29).
    Actions use it as their credentials source, so the request decrypts from that same read."""

    flags: StoreProvider
    connections: TenantSource
    actions: ActionLookup
    _tenant: TenantRecord | None = field(default=None, repr=False)
    _along: tuple[str, dict[str, Any]] | None = field(default=None, repr=False)
    _along_read: ReadAlong | None = field(default=None, repr=False)

    def read_along(self, table: str, key: dict[str, Any]) -> None:
        """Have the tenant's read (if it has not happened yet) fetch this item too, in the same round trip: the
        confirmation item a cancel or refund reads first. The gates still decide in their order; a request refused
        before the tenant is read reads nothing. An item fetched for an earlier request and never taken is forgotten:
        what `item_read_along` returns is always the item asked for last."""
        self._along, self._along_read = (table, key), None

    def item_read_along(self) -> ReadAlong | None:
        """What `read_along` fetched, once; None when the tenant was read without it (the caller reads itself)."""
        along, self._along_read, self._along = self._along_read, None, None
        return along

    def tenant(self, cid: str) -> TenantRecord:
        if self._tenant is None or self._tenant.cid != cid:
            if self._along is None:
                self._tenant = self.connections.tenant(cid)
            else:
                self._tenant, item = self.connections.tenant_and_item(cid, *self._along)
                self._along, self._along_read = None, ReadAlong(item)
        return self._tenant

    def configured(self, tenant: TenantRecord) -> dict[str, ConfiguredAction]:
        """The tenant's actions by type: from the item's index, or (an item written before the index existed)
        from the actions table."""
        if tenant.actions is not None:
            return tenant.actions
        return {action.action_type: action for action in self.actions.for_tenant(tenant.cid)}

    def credentials(self, cid: str) -> tuple[StoredConnection, MidtransCredentials] | None:
        return self.connections.credentials_of(self.tenant(cid))


def require_enabled(caller: Caller, flags: StoreProvider, locale: Locale = "en") -> None:
    """The feature flag gate (docs/product-contract.md §6): OFF by default, and OFF when its store cannot be read."""
    if not integration_enabled(flags, caller):
        raise RequestRefused(403, "feature_disabled", render(Msg.FEATURE_DISABLED, locale))


def require_connected(caller: Caller, locale: Locale, gates: AgentGates) -> TenantRecord:
    """The flag on and the tenant connected (the tool catalog and MCP need no particular action)."""
    require_enabled(caller, gates.flags, locale)
    tenant = gates.tenant(caller.cid)
    if tenant.connection is None:
        raise RequestRefused(409, "not_connected", render(Msg.NOT_CONNECTED, locale))
    return tenant


def require_agent(caller: Caller, action: ActionTypeSpec, locale: Locale, gates: AgentGates) -> ConfiguredAction:
    """Agent actions run only for a caller already admitted by `require_caller(app, AGENT_ROLES)` (role
    ai_agent, eligible plan), then: the flag on, a connected tenant and an action of this type configured —
    checked in that order, each refusal with its own status and message, and all before anything reaches
    Midtrans."""
    tenant = require_connected(caller, locale, gates)
    configured = gates.configured(tenant).get(action.id)
    if configured is None:
        raise RequestRefused(
            409, "action_not_configured", render(Msg.ACTION_NOT_CONFIGURED, locale, label=action.label(locale))
        )
    return configured
