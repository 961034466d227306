"""Typed settings, read from the environment on first use (never at import time).

A pydantic model validated from `os.environ` (each field from the variable of the same name in upper case), not
pydantic-settings: environment variables were the only source we used, and its import cost ~30 ms of every cold
start (docs/decisions.md D30).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

MIDTRANS_HOSTS = {
    "sandbox": "https://api.sandbox.midtrans.com",
    "production": "https://api.midtrans.com",
}
# BI-SNAP lives on its own hosts (docs/midtrans-behaviour.md §1).
BISNAP_HOSTS = {
    "sandbox": "https://merchants.sbx.midtrans.com",
    "production": "https://merchants.midtrans.com",
}


class EnvironmentSettings(BaseModel):
    """Settings whose fields are environment variables (the field name in upper case)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Self:
        return cls.model_validate({name: environ[name.upper()] for name in cls.model_fields if name.upper() in environ})


class Settings(EnvironmentSettings):
    connections_table_name: str
    token_cache_table_name: str
    credentials_key_id: str
    confirmations_table_name: str
    # Configured actions (admin routes; every agent route checks that its action type is configured).
    actions_table_name: str = ""
    # Feature flags: a local JSON file when set (development, tests), otherwise AppConfig.
    feature_flags_file: str = ""
    feature_flags_application: str = ""
    feature_flags_environment: str = ""
    feature_flags_profile: str = ""
    # Powertools idempotency records (the refund's second layer). Only the refund function uses it.
    idempotency_table_name: str = ""
    # How long a customer has to answer a cancel/refund prompt (docs/product-contract.md §8: confirmations expire).
    confirmation_ttl_seconds: int = Field(default=300, ge=30, le=1800)
    stage: str = "dev"
    # Empty means "the real Midtrans host for the tenant's environment"; the local stack points it at
    # the simulator, and anyone can point it at another Midtrans-compatible server.
    midtrans_api_base_url: str = ""
    action_deadline_seconds: float = Field(default=24.5, gt=0, le=28)
    # Payment notifications (docs/decisions.md D31): the receipts that make processing exactly-once, the records of
    # which conversation an order belongs to, the platform's event bus, and the public base of notification URLs
    # (empty: https:// + the domain API Gateway received the request on).
    notification_receipts_table_name: str = ""
    order_contexts_table_name: str = ""
    order_context_ttl_days: int = Field(default=30, ge=1, le=365)
    # Midtrans waits 15 s for an answer to a notification and asks for one within ~5 s: the re-read and the publish
    # get this long from the request's arrival (docs/midtrans-behaviour.md §12).
    notification_deadline_seconds: float = Field(default=8.0, gt=0, le=14)
    platform_events_bus_name: str = ""
    public_api_url: str = ""
    midtrans_connect_timeout_seconds: float = Field(default=3.05, gt=0)
    midtrans_read_timeout_seconds: float = Field(default=10.0, gt=0)
    midtrans_max_attempts: int = Field(default=3, ge=1, le=6)

    def midtrans_base_url(self, environment: str) -> str:
        return (self.midtrans_api_base_url or MIDTRANS_HOSTS[environment]).rstrip("/")

    def bisnap_base_url(self, environment: str) -> str:
        """The override serves both APIs (the simulator answers Core API and BI-SNAP paths on one port)."""
        return (self.midtrans_api_base_url or BISNAP_HOSTS[environment]).rstrip("/")


@cache
def get_settings() -> Settings:
    return Settings.from_environment(os.environ)
