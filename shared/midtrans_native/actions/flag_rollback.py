"""Turn `midtrans_native_integration` off for everyone when the flag-rollback alarm (alarm 3) fires.

AppConfig rolls a flag change back by itself only while the deployment or its bake runs (the alarm is the
environment's monitor). After the bake nothing watches it, so an EventBridge rule on the alarm's change to
ALARM invokes this: it writes a hosted configuration version with the flag OFF and no tenant enabled (the
same document the template ships) and deploys it with the no-bake strategy. A revert (`StopDeployment` with
`AllowRevert`) is not used: it only works within 72 hours of the deployment and restores whatever came
before, which is not necessarily OFF.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from botocore.exceptions import ClientError

from midtrans_native.flags import FLAG
from midtrans_native.observability import count, logger
from midtrans_native.settings import EnvironmentSettings

ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"
FLAG_ROLLED_BACK = "FeatureFlagRolledBack"
# Byte for byte what FeatureFlagsInitialVersion ships (a template test compares them): OFF by default, and the
# allowlist rule kept but empty, so re-enabling tenants means editing the list, as the README describes.
FLAG_OFF_DOCUMENT: dict[str, Any] = {
    FLAG: {
        "default": False,
        "rules": {
            "enabled tenants": {
                "when_match": True,
                "conditions": [{"action": "KEY_IN_VALUE", "key": "cid", "value": []}],
            }
        },
    }
}


class AppConfigClient(Protocol):
    """The two calls this module makes on a boto3 `appconfig` client."""

    def create_hosted_configuration_version(self, **kwargs: Any) -> Mapping[str, Any]: ...
    def start_deployment(self, **kwargs: Any) -> Mapping[str, Any]: ...


class RollbackSettings(EnvironmentSettings):
    """Read from the function's environment (template.yaml) on first use."""

    feature_flags_application: str
    feature_flags_environment: str
    feature_flags_profile: str
    flag_rollback_strategy_id: str
    flag_rollback_alarm_name: str


class DeploymentInProgress(Exception):
    """AppConfig refused a second deployment while one runs or bakes. Raised so that Lambda retries the
    asynchronous event later, once AppConfig's own monitor has rolled that deployment back."""


@dataclass(frozen=True)
class RollbackResult:
    outcome: Literal["rolled_back", "ignored"]
    reason: str
    configuration_version: int | None = None
    deployment_number: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def alarm_state(event: Mapping[str, Any]) -> tuple[str, str] | None:
    """(alarm name, new state) of an EventBridge "CloudWatch Alarm State Change" event, else None."""
    if event.get("source") != "aws.cloudwatch" or event.get("detail-type") != ALARM_STATE_CHANGE:
        return None
    detail = event.get("detail")
    if not isinstance(detail, Mapping):
        return None
    name, state = detail.get("alarmName"), (detail.get("state") or {}).get("value")
    if not isinstance(name, str) or not isinstance(state, str):
        return None
    return name, state


def roll_back_flag(
    event: Mapping[str, Any], *, appconfig: AppConfigClient, settings: RollbackSettings
) -> RollbackResult:
    found = alarm_state(event)
    # The EventBridge rule already filters; this guards against a rule edited by hand or a test event.
    if found is None:
        return _ignored("not a CloudWatch alarm state change")
    name, state = found
    if name != settings.flag_rollback_alarm_name:
        return _ignored(f"alarm {name} is not the flag-rollback alarm")
    if state != "ALARM":
        return _ignored(f"alarm {name} changed to {state}")

    version = appconfig.create_hosted_configuration_version(
        ApplicationId=settings.feature_flags_application,
        ConfigurationProfileId=settings.feature_flags_profile,
        Content=json.dumps(FLAG_OFF_DOCUMENT).encode(),
        ContentType="application/json",
        Description=f"Flag OFF for everyone: {name} went to ALARM",
    )["VersionNumber"]
    try:
        deployment = appconfig.start_deployment(
            ApplicationId=settings.feature_flags_application,
            EnvironmentId=settings.feature_flags_environment,
            ConfigurationProfileId=settings.feature_flags_profile,
            ConfigurationVersion=str(version),
            DeploymentStrategyId=settings.flag_rollback_strategy_id,
            Description=f"Automatic rollback: {name} went to ALARM",
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConflictException":
            logger.warning(
                "a flag deployment is still running: AppConfig's monitor rolls it back; retrying later",
                extra={"event": "feature_flag_rollback_deferred", "alarm": name, "configuration_version": version},
            )
            raise DeploymentInProgress(f"deployment in progress; flag-off version {version} not deployed") from exc
        raise
    result = RollbackResult(
        outcome="rolled_back",
        reason=f"{name} went to ALARM",
        configuration_version=int(version),
        deployment_number=int(deployment["DeploymentNumber"]),
    )
    logger.warning(
        "feature flag turned off for everyone",
        extra={"event": "feature_flag_rolled_back", "flag": FLAG, "alarm": name, **result.as_dict()},
    )
    count(FLAG_ROLLED_BACK)
    return result


def _ignored(reason: str) -> RollbackResult:
    logger.info("flag rollback not needed", extra={"event": "feature_flag_rollback_ignored", "reason": reason})
    return RollbackResult(outcome="ignored", reason=reason)
