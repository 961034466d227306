"""midtrans_local.template: functions, routes and values read from a SAM template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from midtrans_local.template import SamTemplate, TemplateError, merge_globals

HERE = Path(__file__).parent
PHYSICAL_IDS = {"OrdersTable": "OrdersTable", "OrdersKey": "key-123", "OrdersKeyAlias": "alias/orders-dev"}


@pytest.fixture(scope="module")
def template() -> SamTemplate:
    return SamTemplate.load(HERE / "fixture_template.yaml")


def minimal(resources: dict[str, Any], **top: Any) -> SamTemplate:
    return SamTemplate({"Resources": resources, **top}, HERE / "inline.yaml")


def function(events: dict[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Serverless::Function",
        "Properties": {"CodeUri": "fn/", "Handler": "app.lambda_handler", "Events": events or {}, **props},
    }


def test_every_http_api_event_is_a_route_and_other_events_are_not(template: SamTemplate):
    routes = {(r.route_key, r.function_id, r.authorizer.name if r.authorizer else None) for r in template.routes}
    assert routes == {
        ("GET /v1/orders/{order_id}", "OrdersFunction", "Platform"),
        ("GET /v1/orders/export", "OrdersFunction", "Platform"),
        ("ANY /v1/orders/{order_id}", "OrdersFunction", "Platform"),
        ("GET /v1/files/{path+}", "OrdersFunction", "Platform"),
        ("GET /public", "OrdersFunction", None),
    }


def test_authorizer_issuer_and_audiences_resolve_to_parameter_defaults(template: SamTemplate):
    (authorizer,) = template.jwt_authorizers()
    assert authorizer.issuer == "https://issuer.unit.invalid/"
    assert authorizer.audiences == ("unit-audience", "second-audience")
    assert template.default_jwt_settings() == ("https://issuer.unit.invalid/", "unit-audience")


@pytest.mark.parametrize(
    ("method", "path", "route_key", "params"),
    [
        ("GET", "/v1/orders/export", "GET /v1/orders/export", {}),  # a literal segment beats {order_id}
        ("GET", "/v1/orders/o-1", "GET /v1/orders/{order_id}", {"order_id": "o-1"}),  # GET beats ANY
        ("delete", "/v1/orders/o-1", "ANY /v1/orders/{order_id}", {"order_id": "o-1"}),
        ("GET", "/v1/files/a/b/c.txt", "GET /v1/files/{path+}", {"path": "a/b/c.txt"}),
    ],
)
def test_find_route_picks_the_most_specific_match(template: SamTemplate, method, path, route_key, params):
    found = template.find_route(method, path)
    assert found is not None
    route, path_parameters = found
    assert (route.route_key, path_parameters) == (route_key, params)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/orders"), ("GET", "/v1/orders/o-1/items"), ("POST", "/public"), ("GET", "/v1/files/")],
)
def test_find_route_is_none_for_unknown_paths_and_methods(template: SamTemplate, method, path):
    assert template.find_route(method, path) is None


def test_globals_are_merged_into_each_function(template: SamTemplate):
    orders = template.functions["OrdersFunction"]
    assert template.function_number("OrdersFunction", "Timeout", 3) == 5  # the function's own wins
    assert template.function_number("OrdersFunction", "MemorySize", 128) == 512  # from Globals
    assert template.function_number("HealthFunction", "Timeout", 3) == 20
    assert orders.properties["Layers"] == [  # lists are concatenated, Globals first
        "arn:aws:lambda:ap-southeast-1:123456789012:layer:global:1",
        "arn:aws:lambda:ap-southeast-1:123456789012:layer:own:1",
    ]


def test_function_environment_resolves_intrinsics(template: SamTemplate):
    env = template.function_environment("OrdersFunction", PHYSICAL_IDS)

    assert env == {
        "STAGE": "dev",
        "SHARED": "from-globals",
        "OVERRIDDEN": "from-function",
        "RETRIES": "3",
        "TABLE": "OrdersTable",
        "TABLE_ARN": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/OrdersTable",
        "KEY": "key-123",
        "KEY_ARN": "arn:aws:kms:ap-southeast-1:123456789012:key/key-123",
        "ALIAS": "alias/orders-dev",
        "SUBBED": "midtrans-native-local/dev/OrdersTable/${Literal}/"
        "arn:aws:dynamodb:ap-southeast-1:123456789012:table/OrdersTable",
        "SUB_WITH_VARS": "pre-ap-southeast-1",
        "JOINED": "a-dev-c",
        "SELECTED": "y",
        "CHOSEN": "dev",
        "NOT_PROD": "yes",
        "FLAG": "true",
        "NUMBER": "42",
    }  # DROPPED resolved to AWS::NoValue and is absent


def test_ref_of_a_resource_without_physical_id_is_its_logical_id(template: SamTemplate):
    assert template.resolve({"Ref": "OrdersTable"}) == "OrdersTable"
    assert template.resolve({"Fn::GetAtt": "OrdersFunction.Arn"}).endswith(":function:OrdersFunction")


def test_handler_module_is_code_uri_plus_handler_module(template: SamTemplate):
    assert template.functions["OrdersFunction"].module_name(HERE) == "functions.orders.app"
    assert template.functions["HealthFunction"].module_name(HERE) == "functions.health.handlers.health"
    assert template.functions["HealthFunction"].handler_attribute == "main"
    with pytest.raises(TemplateError, match="outside"):
        template.functions["OrdersFunction"].module_name(HERE / "elsewhere")


def test_merge_globals_follows_sam_rules():
    merged = merge_globals(
        {"Timeout": 3, "Tags": {"a": "1", "b": "1"}, "Layers": ["g"]},
        {"Timeout": 9, "Tags": {"b": "2"}, "Layers": ["f"]},
    )
    assert merged == {"Timeout": 9, "Tags": {"a": "1", "b": "2"}, "Layers": ["g", "f"]}


@pytest.mark.parametrize(
    ("resources", "top", "message"),
    [
        ({"F": function(Environment={"Variables": {"X": {"Ref": "Nope"}}})}, {}, "no such parameter"),
        (
            {"F": function(Environment={"Variables": {"X": {"Ref": "P"}}})},
            {"Parameters": {"P": {"Type": "String"}}},
            "has no Default",
        ),
        ({"F": function(Environment={"Variables": {"X": {"Fn::ImportValue": "x"}}})}, {}, "not supported"),
    ],
    ids=["unknown-ref", "parameter-without-default", "unsupported-intrinsic"],
)
def test_unresolvable_values_are_template_errors(resources, top, message):
    template = minimal(resources, **top)
    with pytest.raises(TemplateError, match=message):
        template.function_environment("F", {})


def test_function_without_local_code_is_a_template_error():
    with pytest.raises(TemplateError, match="CodeUri"):
        minimal({"F": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "app.handler"}}})


def test_duplicate_route_is_a_template_error():
    event = {"Type": "HttpApi", "Properties": {"Method": "get", "Path": "/x"}}
    with pytest.raises(TemplateError, match="declared twice"):
        minimal({"F": function({"A": event}), "G": function({"B": event})})


def test_lambda_authorizer_is_refused_rather_than_left_open():
    api = {
        "Type": "AWS::Serverless::HttpApi",
        "Properties": {"Auth": {"DefaultAuthorizer": "L", "Authorizers": {"L": {"FunctionArn": "arn"}}}},
    }
    event = {"Type": "HttpApi", "Properties": {"ApiId": {"Ref": "Api"}, "Method": "get", "Path": "/x"}}
    with pytest.raises(TemplateError, match="only JWT authorizers"):
        minimal({"Api": api, "F": function({"E": event})})


def test_route_without_api_id_uses_the_implicit_api_and_globals_auth():
    event = {"Type": "HttpApi", "Properties": {"Method": "get", "Path": "/x"}}
    auth = {
        "DefaultAuthorizer": "J",
        "Authorizers": {"J": {"JwtConfiguration": {"issuer": "https://i.invalid/", "audience": ["a"]}}},
    }
    template = minimal({"F": function({"E": event})}, Globals={"HttpApi": {"Auth": auth}})
    (route,) = template.routes
    assert route.authorizer is not None and route.authorizer.issuer == "https://i.invalid/"


def test_missing_template_is_a_clear_error(tmp_path):
    with pytest.raises(TemplateError, match="no SAM template"):
        SamTemplate.load(tmp_path / "template.yaml")
