"""The OpenAPI document is generated from the code, valid, complete, and committed without drift."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from midtrans_local.openapi import REPO_ROOT, build_openapi


def test_committed_openapi_matches_the_code() -> None:
    committed = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    assert committed == build_openapi(), "docs/openapi.json is stale: run `make openapi`"


def test_openapi_is_valid_and_documents_every_template_route(routes) -> None:
    document = build_openapi()
    validate(document)
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    expected = {(route.method.upper(), route.path) for route in routes}
    assert expected and expected <= documented


def test_error_bodies_are_documented_as_error_response() -> None:
    operation = build_openapi()["paths"]["/v1/payments/status"]["post"]
    for code in ("401", "403", "409", "422"):
        schema = operation["responses"][code]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
