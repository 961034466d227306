"""Fixtures for the template tests: template.yaml parsed the way the local stack parses it.

cfn-lint's decoder understands the short intrinsic tags (!Ref, !GetAtt, !Sub) and returns them in
their long form ({"Ref": ...}, {"Fn::GetAtt": [...]}), so tests compare against plain dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from midtrans_local.template import merge_globals

REPO_ROOT = Path(__file__).resolve().parents[2]
API_ID = "MidtransActionsApi"


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


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = cfn_yaml.load(str(REPO_ROOT / "template.yaml"))
    return loaded


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template["Resources"]
    return found


@pytest.fixture(scope="session")
def functions(template: dict[str, Any], resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every AWS::Serverless::Function, with Globals.Function applied."""
    global_props = template.get("Globals", {}).get("Function", {})
    return {
        name: merge_globals(global_props, resource.get("Properties", {}))
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


@pytest.fixture(scope="session")
def routes(functions: dict[str, dict[str, Any]]) -> list[Route]:
    """Every HttpApi event of every function."""
    return [
        Route(name, event_name, event["Properties"]["Method"], event["Properties"]["Path"], event["Properties"])
        for name, props in functions.items()
        for event_name, event in props.get("Events", {}).items()
        if event["Type"] == "HttpApi"
    ]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _target(resource: Any) -> str:
    """Logical id an ARN/id expression points at: !GetAtt X.Arn or !Ref X, or for an ARN built with !Sub the last
    resource it names (…/environment/${Env}/configuration/${FeatureFlagsProfile} -> FeatureFlagsProfile)."""
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


@pytest.fixture(scope="session")
def grants(functions: dict[str, dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """Logical id of each function -> the (action, resource logical id) pairs its policies allow."""
    return {name: granted(props.get("Policies", [])) for name, props in functions.items()}


@pytest.fixture(scope="session")
def function_dirs(functions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Directory name under functions/ -> logical id (the event fixtures are named after the directory)."""
    return {Path(props["CodeUri"]).name: name for name, props in functions.items()}
