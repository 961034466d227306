"""FlagRollbackFunction: EventBridge "CloudWatch Alarm State Change" of the flag-rollback alarm (no HTTP route).

Turns the feature flag off for everyone; the logic is midtrans_native.actions.flag_rollback.
"""

from __future__ import annotations

import gc

# Init builds what lives as long as the execution environment (modules, models, clients): a collection pass
# during it frees nothing and costs ~60 ms of a cold start. Collect again once it is frozen (docs/decisions.md D30).
gc.disable()

import os
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from midtrans_native.actions.flag_rollback import AppConfigClient, RollbackSettings, roll_back_flag
from midtrans_native.observability import logger, metrics, tracer


@cache
def appconfig_client() -> AppConfigClient:
    """Built on first use and kept for the execution environment (never at import time)."""
    client: AppConfigClient = boto3.client("appconfig")
    return client


@cache
def settings() -> RollbackSettings:
    return RollbackSettings.from_environment(os.environ)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return roll_back_flag(event, appconfig=appconfig_client(), settings=settings()).as_dict()


# What the imports built lives as long as the execution environment: move it out of the collector's sight, so no
# collection ever walks it (the first invocation paid a full one while botocore built its clients), and turn the
# collector back on for what invocations allocate (docs/decisions.md D30).
gc.freeze()
gc.enable()
