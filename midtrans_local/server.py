"""The whole API on 127.0.0.1 without Docker: `python -m midtrans_local.server [--port N] [--template PATH]`."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from urllib.parse import unquote

from midtrans_local.aws import EmbeddedAws, create_resources_from_template

# Re-exported (the `as` form marks it public for mypy): DEMO_TENANT was defined here before the banner moved out.
from midtrans_local.banner import DEMO_TENANT as DEMO_TENANT
from midtrans_local.banner import banner
from midtrans_local.bisnap_seed import BISNAP_DEMO_TENANT, BiSnapRegistry, bisnap_demo_connection
from midtrans_local.context import FakeLambdaContext, environment_applied, lambda_runtime_environment
from midtrans_local.events import (
    HttpApiServer,
    HttpResponse,
    InvalidLambdaResponse,
    build_http_api_event,
    gateway_error,
    lambda_result_to_http,
)
from midtrans_local.template import DEFAULT_TEMPLATE_PATH, SamTemplate, TemplateError
from midtrans_local.tokens import Unauthorized, dev_jwt_secret, verify_authorization

logger = logging.getLogger("midtrans_local")

DEFAULT_PORT = 3000
SEED_CLIENT_KEY = "SB-Mid-client-LOCALSIMULATOR01"
Handler = Callable[[dict[str, Any], Any], Any]


class MidtransServer(Protocol):
    """What the stack needs from the Midtrans simulator (or anything shaped like it)."""

    def start(self, host: str = ..., port: int = ...) -> str: ...
    def stop(self) -> None: ...


class LocalStack:
    """Embedded AWS + Midtrans + the template's functions, served over HTTP on `host`.

    Reads template.yaml, starts moto in-process with the template's tables and keys, starts the Midtrans
    simulator (unless MIDTRANS_API_BASE_URL names another Midtrans-compatible server), seeds a demo
    tenant's connection and serves every HttpApi route like API Gateway would: JWT check, payload 2.0
    event, in-process `lambda_handler(event, context)`, response mapping.
    """

    def __init__(
        self,
        template_path: str | Path = DEFAULT_TEMPLATE_PATH,
        port: int = 0,
        midtrans_base_url: str | None = None,
        seed_tenant: str | None = DEMO_TENANT,
        *,
        host: str = "127.0.0.1",
        jwt_secret: str | None = None,
        log_level: str | None = None,
        seed_server_key: str | None = None,
        import_root: str | Path | None = None,
    ) -> None:
        self.template_path = Path(template_path)
        self.port = port
        self.host = host
        self.seed_tenant = seed_tenant or None
        self.simulator: MidtransServer | None = None
        self.midtrans_base_url = midtrans_base_url or ""
        self.api_url = ""
        self.jwt_secret = jwt_secret or ""
        self.seed_status: int | None = None  # status of the seeding PUT, None when not seeded
        self.bisnap_seed_status: int | None = None  # the same for the BI-SNAP demo tenant
        self.physical_ids: dict[str, str] = {}
        self._external_midtrans = bool(midtrans_base_url)
        self._log_level = log_level
        self._seed_server_key = seed_server_key
        self._import_root = Path(import_root) if import_root else None
        self._aws = EmbeddedAws()
        # One invocation at a time: env vars are process-global and moto's conditional writes are
        # not atomic under threads. Fine for development, and what makes local results reproducible.
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._environments: dict[str, dict[str, str]] = {}
        self._server: HttpApiServer | None = None
        self._thread: threading.Thread | None = None
        self._template: SamTemplate | None = None

    @classmethod
    def from_environment(cls, template_path: str | Path, port: int | None = None) -> LocalStack:
        """A stack configured by PORT, MIDTRANS_API_BASE_URL, LOCAL_SEED_TENANT and LOG_LEVEL."""
        return cls(
            template_path,
            port if port is not None else int(os.environ.get("PORT") or DEFAULT_PORT),
            midtrans_base_url=os.environ.get("MIDTRANS_API_BASE_URL") or None,
            seed_tenant=os.environ.get("LOCAL_SEED_TENANT", DEMO_TENANT),
            log_level=os.environ.get("LOG_LEVEL") or None,
        )

    @property
    def template(self) -> SamTemplate:
        if self._template is None:
            raise RuntimeError("the local stack is not started")
        return self._template

    def start(self) -> str:
        """Start everything; returns the API's base URL, e.g. "http://127.0.0.1:3000"."""
        try:
            self._template = SamTemplate.load(self.template_path)
            self.jwt_secret = self.jwt_secret or dev_jwt_secret()
            self._aws.start()
            _reset_layer_caches()
            self.physical_ids = create_resources_from_template(self._template)
            if not self._external_midtrans:
                from midtrans_local.simulator import MidtransSimulator

                simulator: MidtransServer = MidtransSimulator()
                self.simulator = simulator
                self.midtrans_base_url = simulator.start(host=self.host, port=0)
            self._environments = {fid: self._environment(fid) for fid in self._template.functions}
            # Bind now (connections queue in the backlog) so the URL is known while seeding.
            self._server = HttpApiServer((self.host, self.port), self)
            self.api_url = f"http://{self.host}:{self._server.server_address[1]}"
            self._preload_handlers()
            self._seed()
            # A short poll interval: stop() waits for the serving loop to notice the shutdown.
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-api", daemon=True
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        logger.info("local API on %s, Midtrans at %s", self.api_url, self.midtrans_base_url)
        return self.api_url

    def stop(self) -> None:
        """Stop the HTTP server, the simulator and moto; safe to call twice."""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join()
            self._server.server_close()
            self._server = self._thread = None
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None
        self._aws.stop()
        _reset_layer_caches()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run one function in-process with `event` as given (no JWT check); returns its result.

        An exception in the handler propagates, as a Lambda function error would.
        """
        spec = self.template.functions.get(logical_id)
        if spec is None:
            raise KeyError(f"no AWS::Serverless::Function {logical_id} in {self.template_path}")
        timeout = self.template.function_number(logical_id, "Timeout", 3)
        memory = self.template.function_number(logical_id, "MemorySize", 128)
        payload = json.loads(json.dumps(event))  # the handler gets its own copy, as in Lambda
        with self._lock, environment_applied(self._environments[logical_id]):
            handler = self._handler(logical_id)
            context = FakeLambdaContext(logical_id, timeout, memory)
            started = time.monotonic()
            result = handler(payload, context)
            elapsed = time.monotonic() - started
        if elapsed > timeout:
            logger.warning(
                "%s ran %.1f s, past its %d s Timeout (Lambda would have stopped it)", logical_id, elapsed, timeout
            )
        try:  # Lambda serialises the result to JSON; what cannot be is a function error
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as error:
            raise RuntimeError(f"Runtime.MarshalError: the result of {logical_id} is not JSON") from error

    def handle_request(
        self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes, source_ip: str
    ) -> HttpResponse:
        """One HTTP request through the emulated API Gateway (route, authorizer, function, response)."""
        raw_path, _, query = target.partition("?")
        path = unquote(raw_path)  # HTTP APIs hand the function a percent-decoded rawPath and path params
        found = self.template.find_route(method, path)
        if found is None:  # unknown path, or known path with another method: both 404 in HTTP APIs
            logger.info("%s %s -> 404 (no route)", method, path)
            return gateway_error(404)
        route, path_parameters = found
        header_list = list(headers)
        claims = None
        if route.authorizer is not None:
            authorization = next((v for k, v in header_list if k.lower() == "authorization"), None)
            try:
                claims = verify_authorization(
                    authorization,
                    secret=self.jwt_secret,
                    issuer=route.authorizer.issuer,
                    audiences=route.authorizer.audiences,
                )
            except Unauthorized as reason:
                logger.info("%s %s -> 401 (%s)", method, path, reason)
                return gateway_error(401)
        event = build_http_api_event(
            method,
            path,
            route.route_key,
            path_parameters,
            query,
            header_list,
            body,
            claims,
            source_ip,
            domain_name=self.api_url.removeprefix("http://"),
        )
        return self._call(route.function_id, event)

    def _call(self, logical_id: str, event: dict[str, Any]) -> HttpResponse:
        started = time.monotonic()
        try:
            response = lambda_result_to_http(self.invoke(logical_id, event))
        except InvalidLambdaResponse:
            logger.exception("%s returned a response API Gateway cannot map", logical_id)
            response = gateway_error(500)
        except Exception:
            logger.exception("%s raised; API Gateway answers 500", logical_id)
            response = gateway_error(500)
        logger.info(
            "%s -> %d (%s, %.0f ms)",
            event["routeKey"],
            response.status,
            logical_id,
            (time.monotonic() - started) * 1000,
        )
        response.headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
        return response

    def _environment(self, logical_id: str) -> dict[str, str]:
        env = self.template.function_environment(logical_id, self.physical_ids)
        memory = self.template.function_number(logical_id, "MemorySize", 128)
        env.update(lambda_runtime_environment(logical_id, memory))
        env["POWERTOOLS_TRACE_DISABLED"] = "true"  # no X-Ray daemon locally
        env["MIDTRANS_API_BASE_URL"] = self.midtrans_base_url
        # No AppConfig locally: the flag comes from a file in Powertools' schema (ON for eligible plans).
        env["FEATURE_FLAGS_FILE"] = os.environ.get("FEATURE_FLAGS_FILE") or str(
            Path(self.template_path).resolve().parent / "config" / "feature-flags.local.json"
        )
        if self._log_level:
            env["LOG_LEVEL"] = self._log_level
            if "POWERTOOLS_LOG_LEVEL" in env:
                env["POWERTOOLS_LOG_LEVEL"] = self._log_level
        return env

    def _handler(self, logical_id: str) -> Handler:
        if logical_id not in self._handlers:
            spec = self.template.functions[logical_id]
            module = importlib.import_module(spec.module_name(self._import_root or Path.cwd()))
            self._handlers[logical_id] = getattr(module, spec.handler_attribute)
        return self._handlers[logical_id]

    def _preload_handlers(self) -> None:
        """Import every handler now, so the first request is fast; a broken one fails only its routes."""
        for logical_id in self.template.functions:
            try:
                with self._lock, environment_applied(self._environments[logical_id]):
                    self._handler(logical_id)
            except TemplateError:
                raise
            except Exception:
                logger.exception("cannot import the handler of %s; its routes will answer 500", logical_id)

    def _seed(self) -> None:
        """Connect the demo tenant to Midtrans and add all four actions, through the real admin routes."""
        if not self.seed_tenant:
            return
        if self._seed_server_key is None:
            from midtrans_local.simulator import SANDBOX_SERVER_KEY

            self._seed_server_key = SANDBOX_SERVER_KEY
        body = {"server_key": self._seed_server_key, "client_key": SEED_CLIENT_KEY, "environment": "sandbox"}
        self.seed_status = self._seed_tenant(self.seed_tenant, body)
        # With our own simulator, a second tenant connects over BI-SNAP (a key pair made now, never on disk).
        if self.seed_status is not None and isinstance(self.simulator, BiSnapRegistry):
            bisnap_body = bisnap_demo_connection(self.simulator, self._seed_server_key, SEED_CLIENT_KEY)
            self.bisnap_seed_status = self._seed_tenant(BISNAP_DEMO_TENANT, bisnap_body)

    def _seed_tenant(self, cid: str, connection: dict[str, Any]) -> int | None:
        status = self._seed_call("PUT", "/v1/connection", connection, cid)
        if status is None:
            logger.info("no PUT /v1/connection in the template: tenant not seeded")
            return None
        outcome = "connected" if 200 <= status < 300 else "NOT connected"
        logger.info("seed: tenant %s %s (PUT /v1/connection -> %d)", cid, outcome, status)
        from midtrans_native.registry import ACTION_TYPE_IDS

        for action_type in ACTION_TYPE_IDS:
            action = {
                "action_type": action_type,
                "action_name": action_type.replace("_", " ").title(),
                "trigger_description": f"The customer wants to {action_type.replace('_', ' ')}.",
            }
            created = self._seed_call("POST", "/v1/actions", action, cid)
            logger.info("seed: tenant %s action %s (POST /v1/actions -> %s)", cid, action_type, created)
        return status

    def _seed_call(self, method: str, path: str, body: dict[str, Any], cid: str) -> int | None:
        route = next((r for r in self.template.routes if r.method == method and r.path == path), None)
        if route is None:
            return None
        claims = {"cid": cid, "role": "admin", "plan": "ultimate", "sub": "local-seed"}
        event = build_http_api_event(
            method,
            route.path,
            route.route_key,
            body=body,
            claims=claims,
            domain_name=self.api_url.removeprefix("http://"),
        )
        return self._call(route.function_id, event).status


def _reset_layer_caches() -> None:
    """The layer caches settings and clients per process, as a warm Lambda does. A new stack in the
    same process (tests) is a cold start: another simulator URL, another moto."""
    # Only if already loaded: importing the layer here, outside a function's environment, would create its
    # Powertools Metrics before POWERTOOLS_METRICS_NAMESPACE is set (Powertools reads it at creation).
    deps = sys.modules.get("midtrans_native.deps")
    if deps is not None:
        deps.reset()


def quiet_library_loggers() -> None:
    """moto's `responses` logs every call it lets through to the simulator; botocore its credentials."""
    for name in ("responses", "botocore.credentials"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m midtrans_local.server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help=f"TCP port on 127.0.0.1 (PORT, {DEFAULT_PORT}); 0 = any")
    parser.add_argument("--template", default=str(DEFAULT_TEMPLATE_PATH), help="SAM template (template.yaml)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=(os.environ.get("LOG_LEVEL") or "INFO").upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_library_loggers()
    stack = LocalStack.from_environment(args.template, args.port)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
    except (TemplateError, OSError) as error:
        logger.error("local stack did not start: %s", error)
        return 1
    try:
        print(banner(stack), flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        logger.info("stopping the local stack")
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
