"""events/*.json are real API Gateway HTTP API (payload v2) events for routes in the template.

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


def event_problems(event: dict[str, Any], route_keys: set[str]) -> list[str]:
    """What keeps `event` from being a v2 event that API Gateway would send for one of `route_keys`."""
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


def test_every_event_is_a_v2_event_for_its_functions_route(repo_root, function_dirs, routes):
    files = event_files(repo_root)
    assert files, "events/ holds no fixtures"
    problems = {}
    for path in files:
        function = function_dirs.get(path.name.split(".", 1)[0])
        route_keys = {route.route_key for route in routes if route.function == function}
        found = event_problems(json.loads(path.read_text(encoding="utf-8")), route_keys)
        if found:
            problems[path.name] = found
    assert problems == {}
