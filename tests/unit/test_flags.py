"""The flag really reads its store: AppConfig through a stubbed appconfigdata client (moto has no AppConfig
data plane, and Powertools returns the default silently when the store fails)."""

from __future__ import annotations

import io
import json

import boto3
from aws_lambda_powertools.utilities.feature_flags import AppConfigStore
from botocore.response import StreamingBody
from botocore.stub import Stubber

from midtrans_native.flags import integration_enabled
from midtrans_native.models.common import Caller
from tests.conftest import events_named

PILOT = Caller(cid="tenant-pilot", role="ai_agent", plan="ultimate")
OTHER = Caller(cid="tenant-other", role="ai_agent", plan="ultimate")
FLAGS = {
    "midtrans_native_integration": {
        "default": False,
        "rules": {
            "pilot": {
                "when_match": True,
                "conditions": [{"action": "KEY_IN_VALUE", "key": "cid", "value": ["tenant-pilot"]}],
            }
        },
    }
}


def appconfig_store(answer: dict | None) -> tuple[AppConfigStore, Stubber]:
    client = boto3.client("appconfigdata", region_name="ap-southeast-1")
    stubber = Stubber(client)
    session = {
        "ApplicationIdentifier": "app",
        "EnvironmentIdentifier": "env",
        "ConfigurationProfileIdentifier": "flags",
    }
    if answer is None:
        stubber.add_client_error("start_configuration_session", "ResourceNotFoundException", expected_params=None)
    else:
        stubber.add_response("start_configuration_session", {"InitialConfigurationToken": "t1"}, session)
        body = json.dumps(answer).encode()
        stubber.add_response(
            "get_latest_configuration",
            {
                "Configuration": StreamingBody(io.BytesIO(body), len(body)),
                "NextPollConfigurationToken": "t2",
                "ContentType": "application/json",
            },
            {"ConfigurationToken": "t1"},
        )
    stubber.activate()
    return AppConfigStore(environment="env", application="app", name="flags", boto3_client=client), stubber


def test_appconfig_is_read_and_the_rule_decides() -> None:
    store, stubber = appconfig_store(FLAGS)
    assert integration_enabled(store, PILOT) is True
    assert integration_enabled(store, OTHER) is False  # same cached configuration, other tenant
    stubber.assert_no_pending_responses()  # the store really was read


def test_appconfig_failure_is_off_and_logged(log_output) -> None:
    store, _ = appconfig_store(None)
    assert integration_enabled(store, PILOT) is False
    [error] = events_named(log_output.getvalue(), "feature_flag_store_error")
    assert error["cid"] == "tenant-pilot"
