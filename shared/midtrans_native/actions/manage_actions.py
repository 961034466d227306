"""Admin configuration of the tenant's actions: list, read, create, update, delete (PRD S01)."""

from __future__ import annotations

from typing import Protocol

from midtrans_native.errors import RequestRefused
from midtrans_native.messages import Msg, render
from midtrans_native.models.admin import (
    ActionCreate,
    ActionDeleted,
    ActionList,
    ActionTypeList,
    ActionTypeView,
    ActionUpdate,
    ActionView,
    configurable_types,
)
from midtrans_native.models.common import Caller, Locale
from midtrans_native.registry import ACTION_TYPES
from midtrans_native.registry import action_type as action_type_spec
from midtrans_native.stores.actions import ActionConflict, ActionStore, ConfiguredAction, TenantNotConnected
from midtrans_native.stores.connections import StoredConnection


class ConnectionLookup(Protocol):
    def get(self, cid: str) -> StoredConnection | None: ...


def view(action: ConfiguredAction) -> ActionView:
    return ActionView(
        action_id=action.action_id,
        action_type=action.action_type,
        action_type_label=action_type_spec(action.action_type).label(),
        action_name=action.action_name,
        trigger_description=action.trigger_description,
        defaults=action.defaults,
        created_at=action.created_at,
        updated_at=action.updated_at,
    )


def list_actions(caller: Caller, *, store: ActionStore) -> ActionList:
    return ActionList(actions=[view(action) for action in store.for_tenant(caller.cid)])


def list_action_types(caller: Caller, *, store: ActionStore, locale: Locale = "en") -> ActionTypeList:
    """The admin's type selector: every available type, labelled, and whether this account configured it."""
    configured = {action.action_type: action.action_id for action in store.for_tenant(caller.cid)}
    return ActionTypeList(
        action_types=[
            ActionTypeView(
                action_type=spec.id,
                label=spec.label(locale),
                labels={"en": spec.label("en"), "id": spec.label("id")},
                phase=spec.phase,
                moves_money=spec.moves_money,
                configured=spec.id in configured,
                action_id=configured.get(spec.id),
            )
            for spec in ACTION_TYPES
        ]
    )


def get_action(caller: Caller, action_id: str, *, store: ActionStore) -> ActionView:
    return view(_find(caller, action_id, store))


def create_action(
    caller: Caller, request: ActionCreate, *, store: ActionStore, connections: ConnectionLookup
) -> ActionView:
    _require_connection(caller, connections)
    try:
        action = store.create(
            caller.cid,
            action_type=request.action_type,
            action_name=request.action_name,
            trigger_description=request.trigger_description,
            defaults=request.defaults.model_dump(exclude_none=True) if request.defaults else None,
        )
    except ActionConflict as conflict:
        raise _conflict(conflict, request.action_type) from None
    except TenantNotConnected:  # disconnected between the check above and the write
        raise _connection_required() from None
    return view(action)


def update_action(
    caller: Caller, action_id: str, request: ActionUpdate, *, store: ActionStore, connections: ConnectionLookup
) -> ActionView:
    current = _find(caller, action_id, store)
    _require_connection(caller, connections)
    if request.defaults is not None and action_type_spec(current.action_type).defaults is None:
        raise RequestRefused(422, "invalid_request", f"defaults: can only be set for {', '.join(configurable_types())}")
    try:
        action = store.update(
            caller.cid,
            current,
            action_name=request.action_name,
            trigger_description=request.trigger_description,
            defaults=request.defaults.model_dump(exclude_none=True) if request.defaults else None,
        )
    except ActionConflict as conflict:
        raise _conflict(conflict, current.action_type) from None
    except TenantNotConnected:
        raise _connection_required() from None
    return view(action)


def delete_action(caller: Caller, action_id: str, *, store: ActionStore) -> ActionDeleted:
    store.delete(caller.cid, _find(caller, action_id, store))
    return ActionDeleted(action_id=action_id)


def _find(caller: Caller, action_id: str, store: ActionStore) -> ConfiguredAction:
    action = store.get(caller.cid, action_id)
    if action is None:  # another tenant's id is simply not found here: 404, never a 403 that leaks existence
        raise RequestRefused(404, "action_not_found", "No such action for this account.")
    return action


def _require_connection(caller: Caller, connections: ConnectionLookup) -> None:
    if connections.get(caller.cid) is None:
        raise _connection_required()


def _connection_required() -> RequestRefused:
    return RequestRefused(409, "connection_required", render(Msg.SAVE_WITHOUT_CONNECTION, "en"))


def _conflict(conflict: ActionConflict, action_type: str) -> RequestRefused:
    if conflict.what == "index":
        return RequestRefused(
            409, "concurrent_change", "The account's actions were being changed at the same time; try again."
        )
    if conflict.what == "name":
        return RequestRefused(409, "action_name_taken", "Another action of this account already has this name.")
    label = action_type_spec(action_type).label()
    return RequestRefused(
        409, "action_type_taken", f"This account already has a {label} action; edit it instead of adding another."
    )
