"""One OpenAPI document for the whole API, generated from the code: every function in template.yaml
contributes its resolver's routes and models. `make openapi` writes docs/openapi.json; a test fails
when the committed file drifts from the code."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from midtrans_local.template import SamTemplate

TITLE = "Midtrans native actions for the AI Agent"
VERSION = "1.0.0"
REPO_ROOT = Path(__file__).resolve().parent.parent


def build_openapi(template_path: Path = REPO_ROOT / "template.yaml") -> dict[str, Any]:
    template = SamTemplate.load(template_path)
    document: dict[str, Any] = {}
    # Only functions behind the HTTP API have a resolver; EventBridge-invoked ones (FlagRollbackFunction) have none.
    routed = {route.function_id for route in template.routes}
    for logical_id in sorted(routed):
        spec = template.functions[logical_id]
        module = importlib.import_module(spec.module_name(REPO_ROOT))
        part = json.loads(module.get_app().get_openapi_json_schema(title=TITLE, version=VERSION))
        if not document:
            document = part
            continue
        document["paths"].update(part.get("paths", {}))
        for section, entries in part.get("components", {}).items():
            document.setdefault("components", {}).setdefault(section, {}).update(entries)
    document.setdefault("components", {})["securitySchemes"] = {
        "PlatformJwt": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Platform JWT with claims cid (tenant), role and plan.",
        }
    }
    document["security"] = [{"PlatformJwt": []}]
    document["paths"] = dict(sorted(document["paths"].items()))
    return document


def main() -> None:
    json.dump(build_openapi(), sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
