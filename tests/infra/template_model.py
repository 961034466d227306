"""template.yaml read the way the infra tests need it: plain functions of the parsed template dict.

The fixtures in conftest.py apply them to template.yaml; tests that check a checker apply them to a mutated copy.
cfn-lint's decoder returns the short intrinsic tags (!Ref, !GetAtt, !Sub) in their long form ({"Ref": ...},
{"Fn::GetAtt": [...]}), so everything here works on plain dicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

from midtrans_local.template import merge_globals
from midtrans_native.registry import ActionTypeSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
# The function that serves every agent tool over MCP (POST /mcp): it runs every action type's operations.
MCP_FUNCTION = "McpFunction"
# Midtrans' payment notifications (webhooks): no JWT (Midtrans cannot send one); the path's token names the tenant.
NOTIFICATIONS_FUNCTION = "MidtransNotificationsFunction"
NOTIFICATION_PATH = "/v1/notifications/midtrans/{token}"
# The only routes without the JWT authorizer (`Auth: {Authorizer: NONE}`), as (function, METHOD, path): the Core
# API's notification URL and the two paths BI-SNAP appends to it.
UNAUTHENTICATED_ROUTES = frozenset(
    {
        (NOTIFICATIONS_FUNCTION, "POST", NOTIFICATION_PATH),
        (NOTIFICATIONS_FUNCTION, "POST", f"{NOTIFICATION_PATH}/v1.0/debit/notify"),
        (NOTIFICATIONS_FUNCTION, "POST", f"{NOTIFICATION_PATH}/v1.0/qr/qr-mpm-notify"),
    }
)
# Routes no action type of the registry declares, as (function, METHOD, path): the admin API, the agent's tool
# catalog, MCP and Midtrans' notifications. A route in the template that is neither here nor in the registry fails
# the template tests.
NON_ACTION_ROUTES = UNAUTHENTICATED_ROUTES | frozenset(
    {
        ("ConnectionFunction", "GET", "/v1/connection"),
        ("ConnectionFunction", "PUT", "/v1/connection"),
        ("ConnectionFunction", "DELETE", "/v1/connection"),
        ("ActionsFunction", "GET", "/v1/actions"),
        ("ActionsFunction", "POST", "/v1/actions"),
        ("ActionsFunction", "GET", "/v1/actions/{action_id}"),
        ("ActionsFunction", "PUT", "/v1/actions/{action_id}"),
        ("ActionsFunction", "DELETE", "/v1/actions/{action_id}"),
        ("ActionsFunction", "GET", "/v1/action-types"),
        ("AgentToolsFunction", "GET", "/v1/agent/tools"),
        (MCP_FUNCTION, "POST", "/mcp"),
    }
)


def declared_routes(specs: Sequence[ActionTypeSpec]) -> set[tuple[str, str, str]]:
    """(function, METHOD, path) of every route somebody declared: the action types' tools and NON_ACTION_ROUTES."""
    return {(spec.function_id, route.method, route.path) for spec in specs for route in spec.routes} | set(
        NON_ACTION_ROUTES
    )


@dataclass(frozen=True)
class Route:
    function: str  # logical id of the AWS::Serverless::Function
    event: str  # name of the event under the function's Events
    method: str  # as written in the template (SAM accepts any case)
    path: str
    properties: dict[str, Any]

    @property
    def route_key(self) -> str:
        """API Gateway's routeKey for this route, e.g. "POST /v1/payments/status"."""
        return f"{self.method.upper()} {self.path}"


def load_template(path: Path = REPO_ROOT / "template.yaml") -> dict[str, Any]:
    loaded: dict[str, Any] = cfn_yaml.load(str(path))
    return loaded


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def serverless_functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every AWS::Serverless::Function, with Globals.Function applied."""
    global_props = template.get("Globals", {}).get("Function", {})
    return {
        name: merge_globals(global_props, resource.get("Properties", {}))
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def http_routes(functions: dict[str, dict[str, Any]]) -> list[Route]:
    """Every HttpApi event of every function."""
    return [
        Route(name, event_name, event["Properties"]["Method"], event["Properties"]["Path"], event["Properties"])
        for name, props in functions.items()
        for event_name, event in props.get("Events", {}).items()
        if event["Type"] == "HttpApi"
    ]


def _target(resource: Any) -> str:
    """Logical id an ARN/id expression points at: !GetAtt X.Arn or !Ref X, or for an ARN built with !Sub the last
    resource it names (…/environment/${Env}/configuration/${FeatureFlagsProfile} -> FeatureFlagsProfile). A table's
    index (!Sub ${T.Arn}/index/I) is "T/index/I": a grant on the index is not a grant on the table, nor the reverse."""
    if isinstance(resource, dict) and isinstance(resource.get("Fn::Sub"), str):
        index = re.fullmatch(r"\$\{(\w+)\.Arn\}/index/([\w.-]+)", resource["Fn::Sub"])
        if index:
            return f"{index[1]}/index/{index[2]}"
    if isinstance(resource, dict) and "Fn::Sub" in resource and isinstance(resource["Fn::Sub"], str):
        named = [name for name in re.findall(r"\$\{([^}!.]+)\}", resource["Fn::Sub"]) if not name.startswith("AWS::")]
        if named:
            return named[-1]
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        return str(resource["Fn::GetAtt"][0])
    if isinstance(resource, dict) and "Ref" in resource:
        return str(resource["Ref"])
    return str(resource)


# What the SAM policy templates this template may use expand to (resource given by the named argument).
POLICY_TEMPLATES = {
    "KMSDecryptPolicy": ("KeyId", ["kms:Decrypt"]),
    "DynamoDBReadPolicy": (
        "TableName",
        ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"],
    ),
}


def granted(policies: list[Any]) -> set[tuple[str, str]]:
    """(action, resource logical id) pairs a Policies list allows, e.g. ("kms:Encrypt", "CredentialsKey")."""
    pairs: set[tuple[str, str]] = set()
    for policy in policies:
        if not isinstance(policy, dict):
            continue
        for name, (argument, actions) in POLICY_TEMPLATES.items():
            if name in policy:
                pairs.update((action, _target(policy[name][argument])) for action in actions)
        for statement in as_list(policy.get("Statement", [])):
            assert statement["Effect"] == "Allow"
            for resource in as_list(statement["Resource"]):
                pairs.update((action, _target(resource)) for action in as_list(statement["Action"]))
    return pairs


def function_grants(functions: dict[str, dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """Logical id of each function -> the (action, resource logical id) pairs its policies allow."""
    return {name: granted(props.get("Policies", [])) for name, props in functions.items()}


def log_groups(template: dict[str, Any]) -> dict[str, str]:
    """Function logical id -> logical id of its log group (LogGroupName `!Sub /aws/lambda/${Function}`)."""
    found = {}
    for name, resource in template["Resources"].items():
        group_name = resource.get("Properties", {}).get("LogGroupName")
        if resource["Type"] != "AWS::Logs::LogGroup" or not isinstance(group_name, dict):
            continue
        matched = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", str(group_name.get("Fn::Sub", "")))
        if matched:
            found[matched[1]] = name
    return found


def placeholder(name: str) -> str:
    """What `substituted` turns ${Name} (or ${Name.Attr}) into."""
    return f"placeholder-{name}"


def sub_parts(sub: Any) -> tuple[str, dict[str, Any]]:
    """A !Sub's text and variables: `!Sub text` has none; `!Sub [text, {Name: value}]` has its map."""
    if isinstance(sub, str):
        return sub, {}
    text, variables = sub
    return str(text), dict(variables)


def substituted(text: str, template: dict[str, Any], variables: dict[str, Any] | None = None) -> str:
    """A !Sub string with every ${Name} / ${Name.Attr} replaced by a JSON-safe placeholder, after checking
    that each names a parameter, a resource, a pseudo parameter or one of the !Sub's own `variables`. A variable
    becomes what it is when its condition holds: `!If [C, !Sub ', "${X.Arn}"', ""]` gives `, "placeholder-X"`."""
    known = set(template["Resources"]) | set(template["Parameters"])
    values = {name: _variable_text(value, template) for name, value in (variables or {}).items()}

    def replace(found: re.Match[str]) -> str:
        if found.group(1) in values:
            return values[found.group(1)]
        name = found.group(1).split(".")[0]
        assert name in known or name.startswith("AWS::"), f"${{{found.group(1)}}} names nothing in the template"
        return placeholder(name)

    return re.sub(r"\$\{([^}!]+)\}", replace, text)


def _variable_text(value: Any, template: dict[str, Any]) -> str:
    """A !Sub variable's text: a string, a nested !Sub, or an !If's true branch (its condition holding)."""
    if isinstance(value, dict) and "Fn::If" in value:
        condition, when_true, _ = value["Fn::If"]
        assert condition in template.get("Conditions", {}), f"!If names no condition {condition}"
        return _variable_text(when_true, template)
    if isinstance(value, dict) and "Fn::Sub" in value:
        text, variables = sub_parts(value["Fn::Sub"])
        return substituted(text, template, variables)
    assert isinstance(value, str), f"cannot read the !Sub variable {value!r}"
    return value


def dashboard_body(template: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """OperationsDashboard's !Sub text and variables, unparsed."""
    return sub_parts(template["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"])


def dashboard(template: dict[str, Any]) -> dict[str, Any]:
    """OperationsDashboard's body, parsed, with placeholders for the names it substitutes (and every conditional
    variable as it is when its condition holds, so that conditional widgets and alarms are checked too)."""
    text, variables = dashboard_body(template)
    parsed: dict[str, Any] = json.loads(substituted(text, template, variables))
    return parsed


def widget(board: dict[str, Any], title_start: str) -> dict[str, Any]:
    """The properties of the one widget whose title starts with `title_start`."""
    [found] = [w["properties"] for w in board["widgets"] if w["properties"].get("title", "").startswith(title_start)]
    return found


def metric_rows(rows: list[list[Any]]) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """A metric widget's rows as (fields, options), with CloudWatch's shorthand expanded: "." is the previous
    row's field at that position; a leading "..." is the previous row's fields, the values after it replacing
    the last ones (`["...", {"stat": "p95"}]` is the previous metric again). Expression rows have no fields."""
    expanded: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    previous: tuple[Any, ...] = ()
    for row in rows:
        has_options = bool(row) and isinstance(row[-1], dict)
        options: dict[str, Any] = row[-1] if has_options else {}
        fields = list(row[:-1] if has_options else row)
        if fields and fields[0] == "...":
            tail = fields[1:]
            fields = [*previous[: len(previous) - len(tail)], *tail]
        else:
            fields = [previous[i] if value == "." and i < len(previous) else value for i, value in enumerate(fields)]
        if fields:
            previous = tuple(fields)
        expanded.append((tuple(fields), options))
    return expanded


def dimensions(fields: tuple[Any, ...]) -> dict[str, Any]:
    """[namespace, metric, name1, value1, name2, value2...] -> {name1: value1, ...}."""
    return dict(zip(fields[2::2], fields[3::2], strict=True))
