"""events/*.json are real events for the functions in the template: API Gateway HTTP API (payload v2) events for
routes, and EventBridge events for functions that EventBridge rules invoke (FlagRollbackFunction).

Fixtures are named `events/<function_dir>.<scenario>.json` (e.g. `connection.put.json`) and every
function needs at least one, so each handler can be invoked locally and in tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROLES = {"admin", "spv", "agent", "ai_agent"}
FILE_NAME = re.compile(r"^(?P<function_dir>[a-z0-9_]+)\.(?P<scenario>[a-z0-9_.-]+)\.json$")


def path_regex(template_path: str) -> re.Pattern[str]:
    """/v1/refunds/{confirmation_id}/decision -> a regex; {proxy+} spans segments."""
    pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(template_path))
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
    return re.compile(f"^{pattern}$")


def event_problems(
    event: dict[str, Any], route_keys: set[str], open_route_keys: frozenset[str] = frozenset()
) -> list[str]:
    """What keeps `event` from being a v2 event that API Gateway would send for one of `route_keys`. A route in
    `open_route_keys` has no authorizer (Midtrans' notifications): API Gateway sends no authorizer context at all."""
    problems = []
    if event.get("version") != "2.0":
        problems.append("version is not 2.0")
    context = event.get("requestContext", {})
    route_key = event.get("routeKey")
    if route_key not in route_keys:
        return [*problems, f"routeKey {route_key!r} is not one of {sorted(route_keys)}"]
    if context.get("routeKey") != route_key:
        problems.append("requestContext.routeKey differs from routeKey")
    method, path = route_key.split(" ", 1)
    if context.get("http", {}).get("method") != method:
        problems.append("requestContext.http.method differs from the route")
    raw_path = event.get("rawPath", "")
    if not path_regex(path).match(raw_path) or context.get("http", {}).get("path") != raw_path:
        problems.append(f"rawPath {raw_path!r} does not match {path}")
    claims = context.get("authorizer", {}).get("jwt", {}).get("claims", {})
    if route_key in open_route_keys:
        if "authorizer" in context:
            problems.append("requestContext.authorizer on a route without an authorizer")
    else:
        if not isinstance(claims.get("cid"), str) or not claims["cid"]:
            problems.append("claims.cid missing")
        if claims.get("role") not in ROLES:
            problems.append(f"claims.role {claims.get('role')!r} not in {sorted(ROLES)}")
    headers = event.get("headers", {})
    if any(name != name.lower() for name in headers):
        problems.append("header names must be lower case, as HTTP APIs deliver them")
    if event.get("isBase64Encoded") is not False:
        problems.append("isBase64Encoded must be false (plain JSON bodies)")
    # API Gateway passes the body through as a string, malformed or not (fixtures may test that).
    if "body" in event and not isinstance(event["body"], str):
        problems.append("body is not a string")
    return problems


def test_event_check_rejects_what_api_gateway_would_not_send():
    good = {
        "version": "2.0",
        "routeKey": "PUT /v1/connection",
        "rawPath": "/v1/connection",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "routeKey": "PUT /v1/connection",
            "http": {"method": "PUT", "path": "/v1/connection"},
            "authorizer": {"jwt": {"claims": {"cid": "tenant-a", "role": "admin"}}},
        },
        "body": "{}",
        "isBase64Encoded": False,
    }
    assert event_problems(good, {"PUT /v1/connection"}) == []
    bad = {**good, "version": "1.0", "headers": {"Content-Type": "x"}, "body": {"a": 1}}
    assert event_problems(bad, {"PUT /v1/connection"}) == [
        "version is not 2.0",
        "header names must be lower case, as HTTP APIs deliver them",
        "body is not a string",
    ]
    assert event_problems(good, {"GET /v1/connection"})[-1].startswith("routeKey 'PUT /v1/connection'")
    open_route = {"PUT /v1/connection"}
    assert event_problems(good, open_route, frozenset(open_route)) == [
        "requestContext.authorizer on a route without an authorizer"
    ]
    anonymous = {**good, "requestContext": {k: v for k, v in good["requestContext"].items() if k != "authorizer"}}
    assert event_problems(anonymous, open_route, frozenset(open_route)) == []
    assert event_problems(anonymous, open_route) == [
        "claims.cid missing",
        "claims.role None not in " + str(sorted(ROLES)),
    ]
    assert path_regex("/v1/refunds/{confirmation_id}/decision").match("/v1/refunds/c-1/decision")
    assert not path_regex("/v1/refunds/{confirmation_id}/decision").match("/v1/refunds/a/b/decision")


def event_files(repo_root: Path) -> list[Path]:
    return sorted((repo_root / "events").glob("*.json"))


def test_every_event_file_is_named_after_a_function(repo_root, function_dirs):
    misnamed = []
    for path in event_files(repo_root):
        match = FILE_NAME.match(path.name)
        if not match or match["function_dir"] not in function_dirs:
            misnamed.append(path.name)
    assert misnamed == []


def test_every_function_has_an_event_fixture(repo_root, function_dirs):
    covered = {path.name.split(".", 1)[0] for path in event_files(repo_root)}
    assert sorted(set(function_dirs) - covered) == []


ALARM_STATES = {"OK", "ALARM", "INSUFFICIENT_DATA"}
EVENTBRIDGE_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


def alarm_name_regex(alarm_name: Any) -> re.Pattern[str]:
    """An alarm's AlarmName (`!Sub ${AWS::StackName}-flag-rollback`) as a regex over deployed names."""
    text = alarm_name["Fn::Sub"] if isinstance(alarm_name, dict) else str(alarm_name)
    return re.compile("^" + re.sub(r"\\\$\\\{[^}]+\\\}", "[A-Za-z0-9-]+", re.escape(text)) + "$")


def alarm_event_problems(event: dict[str, Any], pattern: dict[str, Any], alarm_names: re.Pattern[str]) -> list[str]:
    """What keeps `event` from being the "CloudWatch Alarm State Change" EventBridge delivers for the rule's alarm.
    The state is not checked against the pattern: a fixture may show a change the rule would not deliver."""
    problems = [f"missing {key}" for key in sorted(EVENTBRIDGE_KEYS - set(event))]
    if event.get("source") not in pattern["source"]:
        problems.append(f"source {event.get('source')!r} is not {pattern['source']}")
    if event.get("detail-type") not in pattern["detail-type"]:
        problems.append(f"detail-type {event.get('detail-type')!r} is not {pattern['detail-type']}")
    detail = event.get("detail") if isinstance(event.get("detail"), dict) else {}
    name = detail.get("alarmName", "")
    if not alarm_names.match(name):
        problems.append(f"alarmName {name!r} is not {alarm_names.pattern}")
    arn = f"arn:aws:cloudwatch:{event.get('region')}:{event.get('account')}:alarm:{name}"
    if event.get("resources") != [arn]:
        problems.append(f"resources must be [{arn!r}]")
    for key in ("state", "previousState"):
        if (detail.get(key) or {}).get("value") not in ALARM_STATES:
            problems.append(f"detail.{key}.value not in {sorted(ALARM_STATES)}")
    return problems


def test_alarm_event_check_rejects_what_eventbridge_would_not_send():
    pattern = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
    names = alarm_name_regex({"Fn::Sub": "${AWS::StackName}-flag-rollback"})
    good = {
        "version": "0",
        "id": "1",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2026-11-20T11:16:00Z",
        "region": "ap-southeast-1",
        "resources": ["arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:stack-dev-flag-rollback"],
        "detail": {
            "alarmName": "stack-dev-flag-rollback",
            "state": {"value": "ALARM"},
            "previousState": {"value": "OK"},
        },
    }
    assert alarm_event_problems(good, pattern, names) == []
    bad = {**good, "source": "aws.ec2", "detail": {**good["detail"], "alarmName": "other", "state": {"value": "ON"}}}
    del bad["time"]
    assert alarm_event_problems(bad, pattern, names) == [
        "missing time",
        "source 'aws.ec2' is not ['aws.cloudwatch']",
        "alarmName 'other' is not " + names.pattern,
        "resources must be ['arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:other']",
        "detail.state.value not in ['ALARM', 'INSUFFICIENT_DATA', 'OK']",
    ]


def test_every_event_is_a_real_event_for_its_function(repo_root, function_dirs, functions, resources, routes):
    files = event_files(repo_root)
    assert files, "events/ holds no fixtures"
    problems, checked_alarm_events = {}, 0
    for path in files:
        function = function_dirs.get(path.name.split(".", 1)[0])
        event = json.loads(path.read_text(encoding="utf-8"))
        route_keys = {route.route_key for route in routes if route.function == function}
        open_route_keys = frozenset(
            route.route_key for route in routes if route.function == function and "Auth" in route.properties
        )
        rules = [e["Properties"] for e in functions[function]["Events"].values() if e["Type"] == "EventBridgeRule"]
        if route_keys:
            found = event_problems(event, route_keys, open_route_keys)
        elif rules:
            [rule] = rules
            [alarm_arn] = rule["Pattern"]["resources"]
            alarm = resources[alarm_arn["Fn::GetAtt"][0]]["Properties"]
            found = alarm_event_problems(event, rule["Pattern"], alarm_name_regex(alarm["AlarmName"]))
            checked_alarm_events += 1
        else:
            found = [f"{function} has neither an HttpApi route nor an EventBridge rule"]
        if found:
            problems[path.name] = found
    assert problems == {}
    assert checked_alarm_events >= 1
