"""Template invariants for functions, routes, the API and the layer that cfn-lint does not check."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

from tests.infra.template_model import NOTIFICATIONS_FUNCTION, UNAUTHENTICATED_ROUTES

ALLOWED_METHODS = {"get", "post", "put", "patch", "delete"}
API_REF = {"Ref": "MidtransActionsApi"}
LAYER_REF = {"Ref": "SharedLayer"}

# Which routes exist, on which function: tests/infra/test_registry_template.py (the registry's tools plus the
# declared non-action routes, template_model.NON_ACTION_ROUTES).
# Paths outside /v1/: MCP clients are configured with the endpoint's URL; the MCP-Protocol-Version header versions it.
UNVERSIONED_ROUTES = {"POST /mcp"}


def defines_lambda_handler(source: str) -> bool:
    """True when the module defines a top-level `lambda_handler`: a def (decorated or not) or a bound name."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "lambda_handler":
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "lambda_handler" for target in node.targets
        ):
            return True
    return False


# Functions that no HTTP route reaches, and the only event types they may have.
OPERATIONS_FUNCTIONS = {"FlagRollbackFunction": {"EventBridgeRule"}}


def test_every_function_is_declared_and_runs_python311_on_arm64(functions, declared_routes):
    # A function serves declared routes (the registry's or the non-action ones), or is an operations function.
    assert set(functions) == {function for function, _, _ in declared_routes} | set(OPERATIONS_FUNCTIONS)
    for name, props in functions.items():
        assert props.get("Runtime") == "python3.11", name
        assert props.get("Architectures") == ["arm64"], name
        assert props.get("Handler") == "app.lambda_handler", name


def test_every_function_gets_the_shared_layer_from_globals(template, functions):
    assert template["Globals"]["Function"]["Layers"] == [LAYER_REF]
    for name, props in functions.items():
        assert props["Layers"].count(LAYER_REF) == 1, name


def test_every_function_is_routed_through_the_jwt_protected_api(functions):
    opted_out = set()
    for name, props in functions.items():
        if name in OPERATIONS_FUNCTIONS:
            continue  # checked by test_operations_functions_have_no_http_route
        events = props.get("Events", {})
        assert events, f"{name} has no route"
        for event_name, event in events.items():
            assert event["Type"] == "HttpApi", f"{name}.{event_name}"
            # Without ApiId SAM puts the route on an implicit API that has no authorizer.
            assert event["Properties"].get("ApiId") == API_REF, f"{name}.{event_name}"
            # Every request carries the platform's JWT, except Midtrans' notifications (Midtrans cannot send one):
            # only they opt out, and only by naming no authorizer at all (never another authorizer or scopes).
            auth = event["Properties"].get("Auth")
            if auth is not None:
                assert auth == {"Authorizer": "NONE"}, f"{name}.{event_name}"
                opted_out.add((name, event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
    assert opted_out == UNAUTHENTICATED_ROUTES


def test_the_notification_function_serves_only_the_unauthenticated_routes(functions, routes):
    """Nothing else may share its code: a JWT route added to it would run beside code that trusts no caller."""
    served = {(r.function, r.method.upper(), r.path) for r in routes if r.function == NOTIFICATIONS_FUNCTION}
    assert served == UNAUTHENTICATED_ROUTES
    assert functions[NOTIFICATIONS_FUNCTION]["CodeUri"] == "functions/midtrans_notifications/"


def test_every_code_uri_holds_an_app_py_with_lambda_handler(functions, repo_root):
    problems = []
    for name, props in functions.items():
        app = repo_root / props["CodeUri"] / "app.py"
        if not app.is_file():
            problems.append(f"{name}: {app.relative_to(repo_root)} is missing")
        elif not defines_lambda_handler(app.read_text(encoding="utf-8")):
            problems.append(f"{name}: {app.relative_to(repo_root)} defines no lambda_handler")
    assert problems == []


def test_handler_detection_can_tell_a_handler_from_its_absence():
    assert defines_lambda_handler("@decorator\ndef lambda_handler(event, context):\n    return {}\n")
    assert defines_lambda_handler("lambda_handler = build()\n")
    assert not defines_lambda_handler("def handler(event, context):\n    return {}\n")
    assert not defines_lambda_handler("def outer():\n    def lambda_handler(e, c):\n        pass\n")


def test_every_function_directory_is_deployed(functions, repo_root):
    deployed = {Path(props["CodeUri"]).name for props in functions.values()}
    on_disk = {app.parent.name for app in (repo_root / "functions").glob("*/app.py")}
    assert on_disk <= deployed


def test_http_methods_are_plain_verbs(routes):
    assert routes
    for route in routes:
        assert route.method.lower() in ALLOWED_METHODS, f"{route.function}.{route.event}: {route.method}"


def test_every_route_is_declared_once(routes):
    counts = Counter((route.method.lower(), route.path) for route in routes)
    assert [key for key, count in counts.items() if count > 1] == []


def test_paths_are_versioned_and_absolute(routes):
    for route in routes:
        assert route.path.startswith("/v1/") or route.route_key in UNVERSIONED_ROUTES, route.route_key
        assert route.path.startswith("/"), route.route_key
        assert not route.path.endswith("/"), route.route_key


def test_jwt_authorizer_is_the_default_and_uses_the_parameters(template, resources):
    api = resources["MidtransActionsApi"]
    assert api["Type"] == "AWS::Serverless::HttpApi"
    auth = api["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "PlatformJwt"
    jwt = auth["Authorizers"]["PlatformJwt"]
    assert jwt["IdentitySource"] == "$request.header.Authorization"
    assert jwt["JwtConfiguration"]["issuer"] == {"Ref": "JwtIssuer"}
    assert jwt["JwtConfiguration"]["audience"] == [{"Ref": "JwtAudience"}]
    # The local stack signs development tokens with these defaults.
    parameters = template["Parameters"]
    assert parameters["JwtIssuer"]["Default"] == "https://auth.local.invalid/"
    assert parameters["JwtAudience"]["Default"] == "midtrans-native-actions"


def test_api_fails_on_warnings_throttles_and_logs_access(resources):
    props = resources["MidtransActionsApi"]["Properties"]
    assert props["FailOnWarnings"] is True
    assert props["StageName"] == "$default"
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    access = props["AccessLogSettings"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    # The bearer token must never reach the access log.
    assert "authorization" not in access["Format"].lower()
    # Nor a notification URL's token: the route key ({token}) is logged, never the path the request came on.
    assert "$context.routeKey" in access["Format"]
    assert "$context.path" not in access["Format"] and "$request.path" not in access["Format"]
    assert resources["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == 30


def test_functions_answer_before_the_http_api_gives_up(functions):
    for name, props in functions.items():
        deadline = float(props["Environment"]["Variables"]["ACTION_DEADLINE_SECONDS"])
        assert deadline < props["Timeout"] <= 29, name


def test_globals_environment_is_complete(template):
    assert template["Globals"]["Function"]["Environment"]["Variables"] == {
        "POWERTOOLS_SERVICE_NAME": "midtrans-native-actions",
        "POWERTOOLS_METRICS_NAMESPACE": "MidtransNativeActions",
        "LOG_LEVEL": {"Ref": "LogLevel"},
        "POWERTOOLS_LOGGER_LOG_EVENT": "false",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "STAGE": {"Ref": "Stage"},
        "CONNECTIONS_TABLE_NAME": {"Ref": "ConnectionsTable"},
        "TOKEN_CACHE_TABLE_NAME": {"Ref": "TokenCacheTable"},
        "CONFIRMATIONS_TABLE_NAME": {"Ref": "ConfirmationsTable"},
        "IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"},
        "ACTIONS_TABLE_NAME": {"Ref": "ActionsTable"},
        "FEATURE_FLAGS_APPLICATION": {"Ref": "FeatureFlagsApplication"},
        "FEATURE_FLAGS_ENVIRONMENT": {"Ref": "FeatureFlagsEnvironment"},
        "FEATURE_FLAGS_PROFILE": {"Ref": "FeatureFlagsProfile"},
        "CONFIRMATION_TTL_SECONDS": "300",
        "CREDENTIALS_KEY_ID": {"Ref": "CredentialsKey"},
        "ACTION_DEADLINE_SECONDS": "24.5",
        "MIDTRANS_API_BASE_URL": "",
        "NOTIFICATION_RECEIPTS_TABLE_NAME": {"Ref": "NotificationReceiptsTable"},
        "ORDER_CONTEXTS_TABLE_NAME": {"Ref": "OrderContextsTable"},
        "ORDER_CONTEXT_TTL_DAYS": "30",
        "PLATFORM_EVENTS_BUS_NAME": {"Ref": "PlatformEventsBus"},
        "PUBLIC_API_URL": "",
    }


def test_every_function_has_a_log_group_with_retention(resources, functions):
    groups = {
        resource["Properties"]["LogGroupName"]["Fn::Sub"]: resource["Properties"]
        for resource in resources.values()
        if resource["Type"] == "AWS::Logs::LogGroup"
    }
    for name in functions:
        assert groups[f"/aws/lambda/${{{name}}}"]["RetentionInDays"] == 30, name


def test_layer_is_built_by_sam_for_python311_arm64(resources, repo_root):
    layer = resources["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.11"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "python3.11", "BuildArchitecture": "arm64"}
    # sam build puts ContentUri's top-level packages under python/, i.e. /opt/python at runtime.
    assert (repo_root / "shared" / "midtrans_native" / "__init__.py").is_file()
    assert not (repo_root / "shared" / "python").exists()


def test_operations_functions_have_no_http_route(functions):
    for name, allowed in OPERATIONS_FUNCTIONS.items():
        events = functions[name]["Events"]
        assert events, name
        assert {event["Type"] for event in events.values()} <= allowed, name


def test_flag_rollback_runs_only_on_alarm_3_going_to_alarm(functions):
    [event] = functions["FlagRollbackFunction"]["Events"].values()
    assert event["Properties"]["Pattern"] == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": [{"Fn::GetAtt": ["FlagRollbackAlarm", "Arn"]}],
        "detail": {"state": {"value": ["ALARM"]}},
    }
    variables = functions["FlagRollbackFunction"]["Environment"]["Variables"]
    # The flag-off deployment must act at once: the no-bake strategy, not the rollout one.
    assert variables["FLAG_ROLLBACK_STRATEGY_ID"] == {"Ref": "FeatureFlagsDeploymentStrategy"}
    assert variables["FLAG_ROLLBACK_ALARM_NAME"] == {"Ref": "FlagRollbackAlarm"}
    invoke = functions["FlagRollbackFunction"]["EventInvokeConfig"]
    assert invoke["MaximumRetryAttempts"] == 2
    assert invoke["DestinationConfig"]["OnFailure"] == {"Type": "SNS", "Destination": {"Ref": "AlarmTopic"}}
