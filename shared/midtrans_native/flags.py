"""The `midtrans_native_integration` feature flag (docs/product-contract.md §6), evaluated by Powertools Feature Flags.

In AWS the store is AppConfig; locally (and in tests) a JSON file in Powertools' own schema, named by
FEATURE_FLAGS_FILE. The flag defaults to OFF, and so does a store that cannot be read — loudly: Powertools'
`evaluate()` returns the default silently when its store fails, so the store is read first, explicitly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.feature_flags import AppConfigStore, FeatureFlags
from aws_lambda_powertools.utilities.feature_flags.base import StoreProvider
from aws_lambda_powertools.utilities.feature_flags.exceptions import ConfigurationStoreError

from midtrans_native.models.common import Caller
from midtrans_native.observability import logger

FLAG = "midtrans_native_integration"


class FileStore(StoreProvider):
    """Feature flags from a local JSON file (Powertools' schema), re-read on every evaluation so an edit
    takes effect at once in the local stack. Not for AWS, where AppConfig is the store."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    @property
    def get_raw_configuration(self) -> dict[str, Any]:
        try:
            document = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationStoreError(f"cannot read feature flags file {self._path}: {exc}") from exc
        if not isinstance(document, dict):
            raise ConfigurationStoreError(f"feature flags file {self._path} is not a JSON object")
        return document

    def get_configuration(self) -> dict[str, Any]:
        return self.get_raw_configuration


def flag_store(*, file: str, application: str, environment: str, profile: str) -> StoreProvider:
    if file:
        return FileStore(file)
    return AppConfigStore(environment=environment, application=application, name=profile, max_age=30)


def integration_enabled(store: StoreProvider, caller: Caller) -> bool:
    try:
        # Read the store ourselves first: evaluate() would swallow a failure and return the default.
        store.get_configuration()
    except Exception as exc:  # any store failure means OFF
        logger.error(
            "feature flag store unreadable: treating the integration as OFF",
            extra={"event": "feature_flag_store_error", "flag": FLAG, "cid": caller.cid, "error": str(exc)},
        )
        return False
    context = {"cid": caller.cid, "plan": caller.plan}
    return bool(FeatureFlags(store=store).evaluate(name=FLAG, context=context, default=False))
