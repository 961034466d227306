"""Composition root: the real collaborators, built on first use and reused by a warm execution
environment. Handlers take them from here; actions receive them as arguments, so tests hand in fakes.
Nothing here runs at import time; `reset()` clears every cache (tests, or a changed environment)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import boto3
import requests
from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider
from botocore.client import BaseClient
from botocore.config import Config
from requests.adapters import HTTPAdapter

from midtrans_native.actions.gates import AgentGates
from midtrans_native.deadline import Deadline, RemainingTime
from midtrans_native.flags import flag_store as flag_store_for
from midtrans_native.midtrans.core_api import CoreApiClient, PaymentsClient
from midtrans_native.midtrans.transport import MidtransTransport, RetryPolicy
from midtrans_native.models.midtrans import MidtransCredentials
from midtrans_native.observability import quiet_wire_loggers
from midtrans_native.settings import get_settings
from midtrans_native.stores.actions import ActionStore
from midtrans_native.stores.connections import ConnectionStore, DecryptedCredentials

# Imported where used: a function loads the modules of the paths it runs, not every path's: only BI-SNAP tenants
# pay for the BI-SNAP modules (~15 ms), only the cancel, refund and MCP functions for the confirmation store
# (docs/decisions.md D30).
if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.config import IdempotencyConfig

    from midtrans_native.actions.notifications import Collaborators
    from midtrans_native.actions.refund_sender import RefundRecorded
    from midtrans_native.midtrans.bisnap_tokens import TokenManager, TokenMemory
    from midtrans_native.midtrans.payment_links import PaymentLinkClient
    from midtrans_native.stores.confirmations import ConfirmationStore
    from midtrans_native.stores.order_contexts import OrderContextStore
    from midtrans_native.stores.token_cache import TokenCacheStore

# AWS calls are small and inside the same 25 s budget: fail fast rather than hang.
_AWS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"})


@cache
def dynamodb_client() -> BaseClient:
    quiet_wire_loggers()  # see kms_client
    return boto3.client("dynamodb", config=_AWS_CONFIG)


@cache
def kms_client() -> BaseClient:
    # botocore's DEBUG logs carry request and response bodies: KMS Encrypt's and Decrypt's hold the tenant's
    # credentials. observability quiets them at import; again here (idempotent, no I/O) so that no client is
    # ever built while they are loud, whatever was imported first.
    quiet_wire_loggers()
    return boto3.client("kms", config=_AWS_CONFIG)


@cache
def events_client() -> BaseClient:
    quiet_wire_loggers()
    return boto3.client("events", config=_AWS_CONFIG)


@cache
def http_session() -> requests.Session:
    """One session per execution environment: keeps TLS connections to Midtrans warm."""
    session = requests.Session()
    # Retries belong to MidtransTransport (deadline-aware); urllib3 must not retry behind its back.
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=10, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@cache
def decrypted_credentials() -> DecryptedCredentials:
    """Per execution environment: decrypted once per tenant and ciphertext (docs/decisions.md D29)."""
    return DecryptedCredentials()


def connection_store() -> ConnectionStore:
    settings = get_settings()
    return ConnectionStore(
        dynamodb_client(),
        kms_client(),
        settings.connections_table_name,
        settings.credentials_key_id,
        decrypted=decrypted_credentials(),
    )


def action_store() -> ActionStore:
    settings = get_settings()
    return ActionStore(dynamodb_client(), settings.actions_table_name, settings.connections_table_name)


@cache
def flag_store() -> StoreProvider:
    """Cached per environment: AppConfigStore keeps its own 30 s cache; the file store re-reads each time."""
    settings = get_settings()
    return flag_store_for(
        file=settings.feature_flags_file,
        application=settings.feature_flags_application,
        environment=settings.feature_flags_environment,
        profile=settings.feature_flags_profile,
    )


def agent_gates() -> AgentGates:
    """What the agent gates check against, for one request: the flag, the tenant's connection item (read once),
    its configured actions."""
    return AgentGates(flags=flag_store(), connections=connection_store(), actions=action_store())


def confirmation_store() -> ConfirmationStore:
    from midtrans_native.stores.confirmations import ConfirmationStore

    return ConfirmationStore(dynamodb_client(), get_settings().confirmations_table_name)


@cache
def refund_idempotency_config() -> IdempotencyConfig:
    """One config per environment: the handler registers each invocation's context on it before the call."""
    from midtrans_native.actions.refund_sender import idempotency_config  # Powertools idempotency: refund only

    return idempotency_config()


@cache
def refund_sender() -> Callable[..., RefundRecorded]:
    """send_refund wrapped by Powertools idempotency on DynamoDB, built on first use (the persistence
    layer creates a boto3 client, which must not happen at import time)."""
    from midtrans_native.actions.refund_sender import idempotent_sender

    return idempotent_sender(
        table_name=get_settings().idempotency_table_name,
        dynamodb=dynamodb_client(),
        config=refund_idempotency_config(),
    )


def token_cache_store() -> TokenCacheStore:
    from midtrans_native.stores.token_cache import TokenCacheStore

    return TokenCacheStore(dynamodb_client(), get_settings().token_cache_table_name)


def deadline(context: RemainingTime | None) -> Deadline:
    return Deadline.for_invocation(context, get_settings().action_deadline_seconds)


def midtrans_transport(credentials: MidtransCredentials, deadline: Deadline) -> MidtransTransport:
    """The shared session, the tenant's environment (or MIDTRANS_API_BASE_URL), the invocation's deadline."""
    settings = get_settings()
    return MidtransTransport(
        http_session(),
        settings.midtrans_base_url(credentials.environment),
        credentials,
        deadline,
        connect_timeout=settings.midtrans_connect_timeout_seconds,
        read_timeout=settings.midtrans_read_timeout_seconds,
        retry=RetryPolicy(max_attempts=settings.midtrans_max_attempts),
    )


def bisnap_transport(environment: str, deadline: Deadline) -> MidtransTransport:
    """The BI-SNAP host for the environment; auth is per call (token endpoint: RSA; the rest: bearer + HMAC)."""
    settings = get_settings()
    return MidtransTransport(
        http_session(),
        settings.bisnap_base_url(environment),
        None,
        deadline,
        connect_timeout=settings.midtrans_connect_timeout_seconds,
        read_timeout=settings.midtrans_read_timeout_seconds,
        retry=RetryPolicy(max_attempts=settings.midtrans_max_attempts),
    )


def payment_link_client(credentials: MidtransCredentials, deadline: Deadline) -> PaymentLinkClient:
    """Over the same transport as core_api (session, environment, deadline)."""
    from midtrans_native.midtrans.payment_links import PaymentLinkClient

    return PaymentLinkClient(midtrans_transport(credentials, deadline))


@cache
def token_memory() -> TokenMemory:
    """The token manager's memory level: one per execution environment, keyed by tenant inside."""
    from midtrans_native.midtrans.bisnap_tokens import TokenMemory

    return TokenMemory()


def token_manager() -> TokenManager:
    from midtrans_native.midtrans.bisnap import BiSnapTokenEndpoint
    from midtrans_native.midtrans.bisnap_tokens import TokenManager

    return TokenManager(token_cache_store(), BiSnapTokenEndpoint(bisnap_transport), token_memory())


def core_api(credentials: MidtransCredentials, deadline: Deadline) -> PaymentsClient:
    """The tenant's status/cancel/refund client: BI-SNAP when it connected BI-SNAP credentials
    (docs/product-contract.md §1), otherwise Core API with the server key. Both answer in Core API terms."""
    if credentials.bisnap is not None:
        from midtrans_native.midtrans.bisnap import BiSnapClient

        return BiSnapClient(bisnap_transport(credentials.environment, deadline), credentials, token_manager(), deadline)
    return CoreApiClient(midtrans_transport(credentials, deadline))


def order_context_store() -> OrderContextStore:
    """Which conversation an order belongs to (written by links and prompts, read by notifications)."""
    from midtrans_native.stores.order_contexts import OrderContextStore

    return OrderContextStore(dynamodb_client(), get_settings().order_contexts_table_name)


def notification_collaborators(deadline: Deadline) -> Collaborators:
    """What the notification function talks to, its Midtrans calls inside `deadline`."""
    from midtrans_native.actions.notifications import Collaborators
    from midtrans_native.stores.notification_receipts import NotificationReceipts
    from midtrans_native.stores.platform_events import PlatformEvents

    settings = get_settings()
    return Collaborators(
        core_api=lambda credentials: core_api(credentials, deadline),
        links=lambda credentials: payment_link_client(credentials, deadline),
        receipts=NotificationReceipts(dynamodb_client(), settings.notification_receipts_table_name),
        contexts=order_context_store(),
        events=PlatformEvents(events_client(), settings.platform_events_bus_name),
    )


def reset() -> None:
    for cached in (
        dynamodb_client,
        kms_client,
        events_client,
        http_session,
        get_settings,
        refund_sender,
        refund_idempotency_config,
        flag_store,
        token_memory,
        decrypted_credentials,
    ):
        cached.cache_clear()
