"""`python -m midtrans_local.invoke`: the Docker-free `sam local invoke`, run through its main()."""

from __future__ import annotations

import json

import pytest

from midtrans_local import invoke
from tests.integration.local_stack.conftest import FIXTURE_TEMPLATE, StandInMidtrans
from tests.integration.local_stack.fixtures.echo import app as echo_app

EVENT = {
    "version": "2.0",
    "routeKey": "POST /v1/echo/{item_id}",
    "rawPath": "/v1/echo/from-file",
    "pathParameters": {"item_id": "from-file"},
    "requestContext": {
        "http": {"method": "POST"},
        "authorizer": {"jwt": {"claims": {"cid": "tenant-file", "role": "ai_agent"}, "scopes": None}},
    },
    "body": "{}",
    "isBase64Encoded": False,
}


@pytest.fixture
def event_file(tmp_path, monkeypatch, midtrans: StandInMidtrans):
    monkeypatch.setenv("MIDTRANS_API_BASE_URL", midtrans.url)
    monkeypatch.setenv("LOCAL_SEED_TENANT", "")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(EVENT))
    echo_app.INVOCATIONS.clear()
    return path


def test_prints_only_the_response_json_and_exits_0(event_file, midtrans: StandInMidtrans, capsys):
    code = invoke.main(["EchoFunction", str(event_file), "--template", str(FIXTURE_TEMPLATE)])

    out = capsys.readouterr().out
    assert code == 0
    response = json.loads(out)  # nothing else on stdout
    assert response["statusCode"] == 201
    seen = json.loads(response["body"])
    assert seen["event"] == EVENT  # passed as it is: no JWT check, claims from the file
    assert seen["env"]["MIDTRANS_API_BASE_URL"] == midtrans.url  # MIDTRANS_API_BASE_URL replaces the simulator
    assert len(echo_app.INVOCATIONS) == 1
    assert seen["context"]["function_name"] == "EchoFunction"


def test_handler_exception_prints_the_lambda_error_and_exits_1(event_file, capsys):
    code = invoke.main(["BoomFunction", str(event_file), "--template", str(FIXTURE_TEMPLATE)])

    captured = capsys.readouterr()
    assert code == 1
    error = json.loads(captured.out)
    assert error["errorType"] == "FixtureFailure"
    assert error["errorMessage"] == "the boom fixture always fails"
    assert "FixtureFailure" in captured.err  # the traceback, as sam local invoke shows it


def test_unknown_function_exits_2_and_names_the_known_ones(event_file, capsys):
    code = invoke.main(["NoSuchFunction", str(event_file), "--template", str(FIXTURE_TEMPLATE)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "EchoFunction" in captured.err
