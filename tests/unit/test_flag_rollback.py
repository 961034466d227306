"""FlagRollbackFunction's logic against a stubbed AppConfig client (moto has no AppConfig deployments).

botocore's Stubber checks every request against the real AppConfig API model, so a wrong parameter name or
type fails here, not in AWS.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from functions.flag_rollback import app
from midtrans_native.actions.flag_rollback import (
    FLAG_OFF_DOCUMENT,
    DeploymentInProgress,
    RollbackSettings,
    roll_back_flag,
)
from tests.conftest import EVENTS, emf_blobs, events_named

SETTINGS = RollbackSettings(
    feature_flags_application="app1234",
    feature_flags_environment="env1234",
    feature_flags_profile="prof123",
    flag_rollback_strategy_id="strat12",
    flag_rollback_alarm_name="midtrans-native-actions-dev-flag-rollback",
)


def alarm_event(name: str = "alarm") -> dict:
    return json.loads((EVENTS / f"flag_rollback.{name}.json").read_text())


@pytest.fixture
def appconfig():
    client = boto3.client("appconfig", region_name="ap-southeast-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_version(stubber: Stubber, version: int = 7) -> None:
    stubber.add_response(
        "create_hosted_configuration_version",
        {"ApplicationId": "app1234", "ConfigurationProfileId": "prof123", "VersionNumber": version},
        {
            "ApplicationId": "app1234",
            "ConfigurationProfileId": "prof123",
            "Content": json.dumps(FLAG_OFF_DOCUMENT).encode(),
            "ContentType": "application/json",
            "Description": "Flag OFF for everyone: midtrans-native-actions-dev-flag-rollback went to ALARM",
        },
    )


def test_alarm_deploys_the_flag_off_version_with_the_immediate_strategy(appconfig, log_output, capsys) -> None:
    client, stubber = appconfig
    expect_version(stubber, version=7)
    stubber.add_response(
        "start_deployment",
        {"DeploymentNumber": 12, "State": "DEPLOYING"},
        {
            "ApplicationId": "app1234",
            "EnvironmentId": "env1234",
            "ConfigurationProfileId": "prof123",
            "ConfigurationVersion": "7",
            "DeploymentStrategyId": "strat12",
            "Description": "Automatic rollback: midtrans-native-actions-dev-flag-rollback went to ALARM",
        },
    )
    result = roll_back_flag(alarm_event(), appconfig=client, settings=SETTINGS)
    assert (result.outcome, result.configuration_version, result.deployment_number) == ("rolled_back", 7, 12)
    [logged] = events_named(log_output.getvalue(), "feature_flag_rolled_back")
    assert logged["flag"] == "midtrans_native_integration" and logged["deployment_number"] == 12
    [blob] = emf_blobs(capsys.readouterr().out)
    assert blob["FeatureFlagRolledBack"] in (1.0, [1.0])  # Powertools writes one value or a list of them


def test_the_flag_off_document_is_what_the_template_ships() -> None:
    from .alarm_math import load_template

    shipped = load_template()["Resources"]["FeatureFlagsInitialVersion"]["Properties"]["Content"]
    assert json.loads(shipped) == FLAG_OFF_DOCUMENT
    assert FLAG_OFF_DOCUMENT["midtrans_native_integration"]["default"] is False


def test_a_deployment_still_baking_raises_so_lambda_retries(appconfig, log_output) -> None:
    client, stubber = appconfig
    expect_version(stubber)
    stubber.add_client_error("start_deployment", service_error_code="ConflictException", http_status_code=409)
    with pytest.raises(DeploymentInProgress):
        roll_back_flag(alarm_event(), appconfig=client, settings=SETTINGS)
    assert events_named(log_output.getvalue(), "feature_flag_rollback_deferred")


def test_other_appconfig_errors_are_not_swallowed(appconfig) -> None:
    client, stubber = appconfig
    expect_version(stubber)
    stubber.add_client_error("start_deployment", service_error_code="BadRequestException", http_status_code=400)
    with pytest.raises(Exception, match="BadRequestException"):
        roll_back_flag(alarm_event(), appconfig=client, settings=SETTINGS)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda e: e, "changed to OK"),
        (lambda e: {**e, "detail": {**e["detail"], "alarmName": "someone-elses-alarm"}}, "is not the flag-rollback"),
        (lambda e: {**e, "source": "aws.ec2"}, "not a CloudWatch alarm state change"),
        (lambda e: {**e, "detail": "nonsense"}, "not a CloudWatch alarm state change"),
    ],
)
def test_anything_but_our_alarm_going_to_alarm_changes_nothing(appconfig, mutate, reason: str) -> None:
    client, _ = appconfig  # no responses queued: any AppConfig call would fail the stub
    result = roll_back_flag(mutate(alarm_event("back_to_ok")), appconfig=client, settings=SETTINGS)
    assert result.outcome == "ignored" and reason in result.reason


def test_handler_reads_its_settings_from_the_environment_and_uses_the_cached_client(
    appconfig, monkeypatch, lambda_context
) -> None:
    client, _ = appconfig  # nothing queued: an ignored event makes no AppConfig call
    for name, value in {
        "FEATURE_FLAGS_APPLICATION": "app1234",
        "FEATURE_FLAGS_ENVIRONMENT": "env1234",
        "FEATURE_FLAGS_PROFILE": "prof123",
        "FLAG_ROLLBACK_STRATEGY_ID": "strat12",
        "FLAG_ROLLBACK_ALARM_NAME": "midtrans-native-actions-dev-flag-rollback",
    }.items():
        monkeypatch.setenv(name, value)
    app.settings.cache_clear()
    monkeypatch.setattr(app, "appconfig_client", lambda: client)
    try:
        answer = app.lambda_handler(alarm_event("back_to_ok"), lambda_context)
    finally:
        app.settings.cache_clear()
    assert answer["outcome"] == "ignored" and "changed to OK" in answer["reason"]
