"""samconfig.toml: both environments exist, deploy the right stack, and hold nothing secret."""

from __future__ import annotations

import re
import shlex
import tomllib
from typing import Any

import pytest

# Midtrans server/client keys (sandbox keys start with "SB-"), and words that name secrets.
SECRET_PATTERN = re.compile(r"(SB-)?Mid-(server|client)-|secret|password", re.IGNORECASE)


def secret_looking(node: Any, where: str = "") -> list[str]:
    """Dotted paths of every key or string value that looks like a secret."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else key
            if SECRET_PATTERN.search(key):
                found.append(path)
            found.extend(secret_looking(value, path))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found.extend(secret_looking(item, f"{where}[{index}]"))
    elif isinstance(node, str) and SECRET_PATTERN.search(node):
        found.append(where)
    return found


def overrides(deploy: dict[str, Any]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in shlex.split(deploy["parameter_overrides"]))


@pytest.fixture(scope="module")
def samconfig(repo_root):
    return tomllib.loads((repo_root / "samconfig.toml").read_text(encoding="utf-8"))


def test_secret_detector_flags_keys_and_values():
    assert secret_looking(
        {
            "a": {"parameter_overrides": "ServerKey=SB-Mid-server-abc", "db_password": "x"},
            "b": ["Mid-client-1"],
        }
    ) == ["a.parameter_overrides", "a.db_password", "b[0]"]
    assert secret_looking({"default": {"deploy": {"parameters": {"stack_name": "s"}}}}) == []


def test_samconfig_holds_no_secrets(samconfig):
    assert secret_looking(samconfig) == []


@pytest.mark.parametrize(("env", "stage"), [("default", "dev"), ("prod", "prod")])
def test_environment_deploys_its_own_stack(samconfig, template, env, stage):
    config = samconfig[env]
    assert config["global"]["parameters"]["stack_name"] == f"midtrans-native-actions-{stage}"
    assert config["global"]["parameters"]["region"] == "ap-southeast-1"
    assert config["build"]["parameters"]["cached"] is True
    assert config["build"]["parameters"]["parallel"] is True
    deploy = config["deploy"]["parameters"]
    assert deploy["resolve_s3"] is True
    assert deploy["capabilities"] == "CAPABILITY_IAM"
    params = overrides(deploy)
    assert params["Stage"] == stage
    # A misspelt parameter name would be silently ignored by the deployment.
    assert set(params) <= set(template["Parameters"])


def test_samconfig_version_and_environments(samconfig):
    assert samconfig["version"] == 0.1
    assert {"default", "prod"} <= set(samconfig)


def test_prod_overrides_the_local_jwt_issuer(samconfig, template):
    params = overrides(samconfig["prod"]["deploy"]["parameters"])
    assert params["JwtIssuer"].startswith("https://")
    assert params["JwtIssuer"] != template["Parameters"]["JwtIssuer"]["Default"]
    assert params["JwtAudience"]
