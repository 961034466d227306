"""Fixtures for the template tests: template.yaml parsed the way the local stack parses it.

The parsing lives in tests/infra/template_model.py (plain functions of the template dict, so a test can also feed
them a mutated copy); these fixtures apply it to template.yaml once per session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from midtrans_native.registry import ACTION_TYPES
from tests.infra import template_model
from tests.infra.template_model import MCP_FUNCTION, NOTIFICATIONS_FUNCTION, REPO_ROOT, Route

API_ID = "MidtransActionsApi"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return template_model.load_template()


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template["Resources"]
    return found


@pytest.fixture(scope="session")
def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Logical id -> properties of every AWS::Serverless::Function, with Globals.Function applied."""
    return template_model.serverless_functions(template)


@pytest.fixture(scope="session")
def routes(functions: dict[str, dict[str, Any]]) -> list[Route]:
    """Every HttpApi event of every function."""
    return template_model.http_routes(functions)


@pytest.fixture(scope="session")
def grants(functions: dict[str, dict[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """Logical id of each function -> the (action, resource logical id) pairs its policies allow."""
    return template_model.function_grants(functions)


@pytest.fixture(scope="session")
def function_dirs(functions: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Directory name under functions/ -> logical id (the event fixtures are named after the directory)."""
    return {Path(props["CodeUri"]).name: name for name, props in functions.items()}


@pytest.fixture(scope="session")
def log_groups(template: dict[str, Any]) -> dict[str, str]:
    """Function logical id -> logical id of its log group."""
    return template_model.log_groups(template)


@pytest.fixture(scope="session")
def agent_functions() -> list[str]:
    """The functions of the registry's action types (each serves its type's REST routes), in registry order."""
    return [spec.function_id for spec in ACTION_TYPES]


@pytest.fixture(scope="session")
def agent_log_groups(agent_functions: list[str], log_groups: dict[str, str]) -> list[str]:
    """The log groups the failed-actions readers (rule, saved query, log widget) read: every action type's function,
    then the MCP function, then the notification function."""
    return [log_groups[name] for name in [*agent_functions, MCP_FUNCTION, NOTIFICATIONS_FUNCTION]]


@pytest.fixture(scope="session")
def declared_routes() -> set[tuple[str, str, str]]:
    """(function, METHOD, path) of every route somebody declared: the registry's tools and NON_ACTION_ROUTES."""
    return template_model.declared_routes(ACTION_TYPES)


@pytest.fixture(scope="session")
def dashboard(template: dict[str, Any]) -> dict[str, Any]:
    """OperationsDashboard's body, parsed (substituted names become `placeholder-<Name>`)."""
    return template_model.dashboard(template)
