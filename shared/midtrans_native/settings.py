"""Typed settings, read from the environment on first use (never at import time)."""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MIDTRANS_HOSTS = {
    "sandbox": "https://api.sandbox.midtrans.com",
    "production": "https://api.midtrans.com",
}
# BI-SNAP lives on its own hosts (docs/midtrans-behaviour.md §1).
BISNAP_HOSTS = {
    "sandbox": "https://merchants.sbx.midtrans.com",
    "production": "https://merchants.midtrans.com",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

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
    return Settings()  # values come from the environment
