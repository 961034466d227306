"""What the local stack needs from a SAM template: functions, HttpApi routes, JWT authorizers, values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

# Re-exported (the `as` form marks them public for mypy): they were defined here before the resolver
# moved to intrinsics.py, and aws.py, context.py, events.py, server.py and the tests import them from here.
from midtrans_local.intrinsics import LOCAL_ACCOUNT_ID as LOCAL_ACCOUNT_ID
from midtrans_local.intrinsics import LOCAL_REGION as LOCAL_REGION
from midtrans_local.intrinsics import LOCAL_STACK_NAME as LOCAL_STACK_NAME
from midtrans_local.intrinsics import NO_VALUE as NO_VALUE
from midtrans_local.intrinsics import TemplateError as TemplateError
from midtrans_local.intrinsics import resolve_intrinsics

DEFAULT_TEMPLATE_PATH = Path("template.yaml")


@dataclass(frozen=True)
class JwtAuthorizer:
    name: str
    issuer: str
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    """One HttpApi event: `method` is upper-case or "ANY"; `path` is a template or "$default"."""

    method: str
    path: str
    function_id: str
    authorizer: JwtAuthorizer | None  # None: the route is open (`Auth: {Authorizer: NONE}`)
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: list[str] = []
        parts: list[str] = []
        for segment in self.path.split("/"):
            param = re.fullmatch(r"\{([^}+]+)(\+?)\}", segment)
            if param:
                names.append(param.group(1))
                parts.append("(.+)" if param.group(2) else "([^/]+)")
            else:
                parts.append(re.escape(segment))
        object.__setattr__(self, "_regex", re.compile("/".join(parts)))
        object.__setattr__(self, "_names", tuple(names))

    @property
    def route_key(self) -> str:
        return "$default" if self.path == "$default" else f"{self.method} {self.path}"

    def match_path(self, path: str) -> dict[str, str] | None:
        """Path parameters when `path` fits this route's path template, else None."""
        if self.path == "$default":
            return {}
        found = self._regex.fullmatch(path)
        return dict(zip(self._names, found.groups(), strict=True)) if found else None

    def specificity(self) -> tuple[int, ...]:
        """Lower is more specific: API Gateway prefers literal segments, then {param}, then {greedy+}."""
        if self.path == "$default":
            return (3,)
        ranks = [2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in self.path.split("/")]
        return (*ranks, 1 if self.method == "ANY" else 0)


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path  # absolute
    handler: str  # "app.lambda_handler"
    properties: Mapping[str, Any]  # Globals.Function merged in, unresolved

    def module_name(self, import_root: Path) -> str:
        """The dotted module of the handler, importable from `import_root` (the repository root)."""
        try:
            relative = self.code_dir.relative_to(import_root.resolve())
        except ValueError:
            raise TemplateError(
                f"{self.logical_id}: CodeUri {self.code_dir} is outside {import_root}; "
                "start the local stack from the repository root"
            ) from None
        return ".".join([*relative.parts, self.handler.rpartition(".")[0]])

    @property
    def handler_attribute(self) -> str:
        return self.handler.rpartition(".")[2]


def merge_globals(global_values: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: maps are merged, lists are concatenated, scalars of the resource win."""
    merged = dict(global_values)
    for key, value in own.items():
        previous = merged.get(key)
        if isinstance(previous, Mapping) and isinstance(value, Mapping):
            merged[key] = merge_globals(previous, value)
        elif isinstance(previous, list) and isinstance(value, list):
            merged[key] = previous + value
        else:
            merged[key] = value
    return merged


class SamTemplate:
    """A decoded SAM template plus the local view of it (functions, routes, authorizers)."""

    def __init__(self, document: Mapping[str, Any], path: Path | None = None) -> None:
        self.document = document
        self.path = path
        self.base_dir = (path.parent if path else Path.cwd()).resolve()
        self.resources: Mapping[str, Any] = document.get("Resources") or {}
        self.parameters: Mapping[str, Any] = document.get("Parameters") or {}
        self._globals: Mapping[str, Any] = document.get("Globals") or {}
        self.functions = self._read_functions()
        self.routes = self._read_routes()

    @classmethod
    def load(cls, path: str | Path = DEFAULT_TEMPLATE_PATH) -> SamTemplate:
        template_path = Path(path)
        if not template_path.is_file():
            raise TemplateError(f"no SAM template at {template_path.resolve()}")
        # cfn-lint's loader knows the CloudFormation tags, so `!Ref X` arrives as `{"Ref": "X"}`.
        return cls(cfn_yaml.load(str(template_path)), template_path)

    def resources_of_type(self, resource_type: str) -> dict[str, Mapping[str, Any]]:
        return {rid: res for rid, res in self.resources.items() if res.get("Type") == resource_type}

    def created_resources_of_type(self, resource_type: str) -> dict[str, Mapping[str, Any]]:
        """`resources_of_type` without the resources CloudFormation would skip: those whose `Condition` is false
        with every parameter at its Default (the local stack's values)."""
        return {
            rid: res
            for rid, res in self.resources_of_type(resource_type).items()
            if "Condition" not in res or self.condition_holds(str(res["Condition"]))
        }

    def condition_holds(self, name: str) -> bool:
        """A named condition of the template, evaluated with every parameter at its Default."""
        # Fn::Or of the one condition: the resolver evaluates condition functions, and {"Condition": name} in them.
        return bool(self.resolve({"Fn::Or": [{"Condition": name}]}))

    def resolve(self, value: Any, physical_ids: Mapping[str, str] | None = None) -> Any:
        return resolve_intrinsics(self, value, physical_ids or {})

    def parameter_default(self, name: str) -> str:
        return str(self.resolve({"Ref": name}))

    def function_environment(self, logical_id: str, physical_ids: Mapping[str, str]) -> dict[str, str]:
        variables = (self.functions[logical_id].properties.get("Environment") or {}).get("Variables") or {}
        resolved = self.resolve(dict(variables), physical_ids)
        return {name: _as_env_string(value) for name, value in resolved.items()}

    def function_number(self, logical_id: str, name: str, default: int) -> int:
        value = self.resolve(self.functions[logical_id].properties.get(name, default))
        return int(value)

    def jwt_authorizers(self) -> list[JwtAuthorizer]:
        found = {route.authorizer for route in self.routes if route.authorizer}
        for api_id in self.resources_of_type("AWS::Serverless::HttpApi"):
            auth = self._api_properties(api_id).get("Auth") or {}
            found.update(self._authorizer(api_id, name) for name in auth.get("Authorizers") or {})
        return sorted(found, key=lambda a: a.name)

    def default_jwt_settings(self) -> tuple[str, str]:
        """(issuer, audience) a development token must carry to pass this template's authorizer."""
        authorizers = self.jwt_authorizers()
        if authorizers:
            return authorizers[0].issuer, authorizers[0].audiences[0]
        if "JwtIssuer" in self.parameters and "JwtAudience" in self.parameters:
            return self.parameter_default("JwtIssuer"), self.parameter_default("JwtAudience")
        raise TemplateError("the template has no JWT authorizer and no JwtIssuer/JwtAudience parameters")

    def find_route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route API Gateway would pick, with its path parameters; None means 404."""
        candidates = []
        for route in self.routes:
            params = route.match_path(path)
            if params is not None and route.method in (method.upper(), "ANY"):
                candidates.append((route.specificity(), route, params))
        if not candidates:
            return None
        _, route, params = min(candidates, key=lambda c: c[0])
        return route, params

    def _read_functions(self) -> dict[str, FunctionSpec]:
        global_props = self._globals.get("Function") or {}
        functions = {}
        for logical_id, resource in self.resources_of_type("AWS::Serverless::Function").items():
            props = merge_globals(global_props, resource.get("Properties") or {})
            code_uri, handler = props.get("CodeUri"), props.get("Handler")
            if not isinstance(code_uri, str) or not isinstance(handler, str) or "." not in handler:
                raise TemplateError(f"{logical_id}: needs a local CodeUri directory and a module.function Handler")
            functions[logical_id] = FunctionSpec(logical_id, (self.base_dir / code_uri).resolve(), handler, props)
        return functions

    def _api_properties(self, api_id: str | None) -> Mapping[str, Any]:
        global_api = self._globals.get("HttpApi") or {}
        if api_id is None:  # the implicit API SAM creates for events without ApiId
            return global_api
        resource = self.resources.get(api_id)
        if not resource or resource.get("Type") != "AWS::Serverless::HttpApi":
            raise TemplateError(f"ApiId {api_id} is not an AWS::Serverless::HttpApi in this template")
        return merge_globals(global_api, resource.get("Properties") or {})

    def _authorizer(self, api_id: str | None, name: str) -> JwtAuthorizer:
        authorizers = (self._api_properties(api_id).get("Auth") or {}).get("Authorizers") or {}
        config = (authorizers.get(name) or {}).get("JwtConfiguration")
        if not config:
            raise TemplateError(f"authorizer {name} is not a JWT authorizer; only JWT authorizers are emulated")
        audiences = self.resolve(config.get("audience") or [])
        return JwtAuthorizer(name, str(self.resolve(config.get("issuer"))), tuple(str(a) for a in audiences))

    def _read_routes(self) -> list[Route]:
        routes: dict[str, Route] = {}
        for logical_id, spec in self.functions.items():
            for event in (spec.properties.get("Events") or {}).values():
                if event.get("Type") != "HttpApi":
                    continue
                props = event.get("Properties") or {}
                api_ref = props.get("ApiId")
                api_id = api_ref.get("Ref") if isinstance(api_ref, Mapping) else api_ref
                method = str(self.resolve(props.get("Method", "ANY"))).upper()
                method = "ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method
                name = (props.get("Auth") or {}).get("Authorizer")
                if name is None:
                    name = (self._api_properties(api_id).get("Auth") or {}).get("DefaultAuthorizer")
                authorizer = None if name in (None, "NONE") else self._authorizer(api_id, name)
                route = Route(method, str(self.resolve(props.get("Path", "$default"))), logical_id, authorizer)
                key = f"{api_id} {route.route_key}"
                if key in routes:
                    raise TemplateError(f"route {route.route_key} is declared twice")
                routes[key] = route
        return list(routes.values())


def _as_env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
