"""The whole API on 127.0.0.1 without Docker: `python -m midtrans_local.server [--port N] [--template PATH]`."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from midtrans_local.aws import EmbeddedAws, MotoServer, aws_client_environment, create_resources_from_template

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
from midtrans_local.workers import DEFAULT_CONCURRENCY, FunctionError, Invocation, NoWorker, WorkerPools, WorkerSpec

logger = logging.getLogger("midtrans_local")

DEFAULT_PORT = 3000
SEED_CLIENT_KEY = "SB-Mid-client-LOCALSIMULATOR01"
# API Gateway's integration timeout: an invocation that found every worker busy waits this long (from the
# request's receipt) for one, then gets API Gateway's 503.
GATEWAY_TIMEOUT_SECONDS = 30.0
# After SIGTERM/SIGINT the stack is gone within this: past it, a watchdog kills the workers and exits.
STOP_DEADLINE_SECONDS = 4.0
Handler = Callable[[dict[str, Any], Any], Any]


class StackStopping(RuntimeError):
    """start() was interrupted by a stop request."""


def concurrency_from_environment(value: str | None) -> int | None:
    """LOCAL_CONCURRENCY: workers per function (default 4); 0 = no workers, every invocation in the stack's own
    process, one at a time (the mode a debugger needs)."""
    if value is None or not value.strip():
        return DEFAULT_CONCURRENCY
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"LOCAL_CONCURRENCY must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"LOCAL_CONCURRENCY must be 0 or more, not {number}")
    return number or None


class MidtransServer(Protocol):
    """What the stack needs from the Midtrans simulator (or anything shaped like it)."""

    def start(self, host: str = ..., port: int = ...) -> str: ...
    def stop(self) -> None: ...


class LocalStack:
    """Local AWS + Midtrans + the template's functions, served over HTTP on `host`.

    Reads template.yaml, starts moto with the template's tables and keys, starts the Midtrans simulator
    (unless MIDTRANS_API_BASE_URL names another Midtrans-compatible server), seeds a demo tenant's connection
    and serves every HttpApi route like API Gateway would: JWT check, payload 2.0 event, the function's
    `lambda_handler(event, context)`, response mapping.

    Two ways to run the functions:

    * `concurrency=N` (what `make run` uses, N from LOCAL_CONCURRENCY): worker processes per function, up to N
      each, as Lambda's execution environments (midtrans_local.workers), all sharing one moto server on
      loopback that is atomic per request (midtrans_local.aws.MotoServer).
    * `concurrency=None` (the default of this class, for in-process tests and tools): moto in-process, every
      invocation in this process under one lock, the function's environment applied around it.
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
        concurrency: int | None = None,
        function_environment: Mapping[str, str] | None = None,
        platform_events_url: str | None = None,
        public_api_url: str | None = None,
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
        if concurrency is not None and concurrency < 1:
            raise ValueError("concurrency must be at least 1 (None: in-process)")
        self.concurrency = concurrency
        # Set in every function's environment over the template's (e.g. `make invoke`'s short read timeout).
        self.function_environment = dict(function_environment or {})
        # Every event a function puts on EventBridge is also POSTed here (midtrans_local.platform_events).
        self.platform_events_url = platform_events_url or ""
        if self.platform_events_url and not self.platform_events_url.startswith(("http://", "https://")):
            raise ValueError(f"PLATFORM_EVENTS_URL must be an http:// or https:// URL, not {platform_events_url!r}")
        # The functions' PUBLIC_API_URL (the base of notification URLs): this, or the stack's own URL.
        self.public_api_url = (public_api_url or "").rstrip("/")
        self.notification_url: str | None = None  # the seeded tenant's, as GET /v1/connection shows it
        self.simulator_notification_url: str | None = None  # where the simulator sends that tenant's notifications
        self._uninstall_platform_events: Callable[[], None] | None = None
        self.scenario_confirmations: list[str] = []  # ids of the decision fixtures' seeded confirmations
        self.aws_endpoint_url = ""  # the moto server's URL, with workers
        self._aws = EmbeddedAws()
        self._moto: MotoServer | None = None
        self._pools: WorkerPools | None = None
        self._stopping = False
        self._stop_lock = threading.Lock()
        # In-process: one invocation at a time: env vars are process-global and moto's conditional writes are
        # not atomic under threads.
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}
        self._environments: dict[str, dict[str, str]] = {}
        self._server: HttpApiServer | None = None
        self._thread: threading.Thread | None = None
        self._template: SamTemplate | None = None

    @classmethod
    def from_environment(
        cls,
        template_path: str | Path,
        port: int | None = None,
        *,
        workers: bool = True,
        function_environment: Mapping[str, str] | None = None,
    ) -> LocalStack:
        """A stack configured by PORT, MIDTRANS_API_BASE_URL, LOCAL_SEED_TENANT, LOG_LEVEL, PLATFORM_EVENTS_URL,
        PUBLIC_API_URL and (with `workers`) LOCAL_CONCURRENCY; `workers=False` runs the functions in-process whatever
        LOCAL_CONCURRENCY says."""
        concurrency = concurrency_from_environment(os.environ.get("LOCAL_CONCURRENCY")) if workers else None
        return cls(
            template_path,
            port if port is not None else int(os.environ.get("PORT") or DEFAULT_PORT),
            midtrans_base_url=os.environ.get("MIDTRANS_API_BASE_URL") or None,
            seed_tenant=os.environ.get("LOCAL_SEED_TENANT", DEMO_TENANT),
            log_level=os.environ.get("LOG_LEVEL") or None,
            concurrency=concurrency,
            function_environment=function_environment,
            platform_events_url=os.environ.get("PLATFORM_EVENTS_URL") or None,
            public_api_url=os.environ.get("PUBLIC_API_URL") or None,
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
            if self.concurrency is None:
                self._aws.start()
                _reset_layer_caches()
                if self.platform_events_url:  # before any handler creates its clients
                    from midtrans_local.platform_events import install_on_default_session

                    _, self._uninstall_platform_events = install_on_default_session(self.platform_events_url)
                self.physical_ids = create_resources_from_template(self._template)
            else:
                self._moto = MotoServer(self.host)
                self.aws_endpoint_url = self._moto.start()
                self.physical_ids = create_resources_from_template(self._template, endpoint_url=self.aws_endpoint_url)
            self._check_not_stopping()
            if not self._external_midtrans:
                from midtrans_local.simulator import MidtransSimulator

                simulator: MidtransServer = MidtransSimulator()
                self.simulator = simulator
                self.midtrans_base_url = simulator.start(host=self.host, port=0)
            # Bind now (connections queue in the backlog) so the URL is known while seeding, and to the functions
            # (PUBLIC_API_URL).
            self._server = HttpApiServer((self.host, self.port), self)
            self.api_url = f"http://{self.host}:{self._server.server_address[1]}"
            self._environments = {fid: self._environment(fid) for fid in self._template.functions}
            if self.concurrency is None:
                self._preload_handlers()
            else:
                self._start_pools(self.concurrency)
            self._check_not_stopping()
            self._seed()
            self._check_not_stopping()
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

    def begin_stop(self) -> None:
        """The part of stop() that is safe while start() runs in another thread: refuse new invocations and end
        every worker, so a start that is seeding through them fails fast. Then call stop()."""
        self._stopping = True
        if self._pools is not None:
            self._pools.close()

    def stop(self) -> None:
        """Stop the HTTP server, the workers, the simulator and moto; safe to call twice."""
        with self._stop_lock:
            self._stopping = True
            if self._server is not None:
                if self._thread is not None:
                    self._server.shutdown()
                    self._thread.join()
                self._server.server_close()  # the port is free from here
                self._server = self._thread = None
            if self._pools is not None:
                self._pools.close()
                for line in self._pools.summary_lines():
                    logger.info("%s", line)
                self._pools = None
            if self.simulator is not None:
                self.simulator.stop()
                self.simulator = None
            if self._moto is not None:
                self._moto.stop()
                self._moto = None
            self._aws.stop()
            if self._uninstall_platform_events is not None:
                self._uninstall_platform_events()
                self._uninstall_platform_events = None
            if self.concurrency is None:
                _reset_layer_caches()

    def kill_workers_now(self) -> None:
        """SIGKILL and reap every worker without taking a lock (the stop watchdog's last resort)."""
        pools = self._pools
        if pools is not None:
            pools.kill_now()

    def timings(self) -> list[str]:
        """The `SUMMARY function=...` lines so far (cold starts, warm durations); empty in-process."""
        return self._pools.summary_lines() if self._pools is not None else []

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Run one function with `event` as given (no JWT check); returns its result.

        In-process, an exception in the handler propagates, as a Lambda function error would; with workers, a
        function error (the handler raised, timed out or its worker died) is a `FunctionError` carrying Lambda's
        errorType, errorMessage and stackTrace.
        """
        return self._invoke(logical_id, event)[0]

    def _invoke(self, logical_id: str, event: dict[str, Any]) -> tuple[Any, Invocation | None]:
        spec = self.template.functions.get(logical_id)
        if spec is None:
            raise KeyError(f"no AWS::Serverless::Function {logical_id} in {self.template_path}")
        if self.concurrency is not None:
            return self._invoke_in_worker(logical_id, event)
        return self._invoke_in_process(logical_id, event), None

    def _invoke_in_worker(self, logical_id: str, event: dict[str, Any]) -> tuple[Any, Invocation]:
        pools = self._pools
        if pools is None:
            raise NoWorker("the local stack is stopping")
        # The event's timeEpoch is when API Gateway received the request: waiting for a worker counts from there.
        received = float(event.get("requestContext", {}).get("timeEpoch") or time.time() * 1000) / 1000
        wait_until = time.monotonic() + max(0.0, received + GATEWAY_TIMEOUT_SECONDS - time.time())
        invocation = pools.invoke(logical_id, event, wait_until=wait_until)
        if invocation.error is not None:
            error = invocation.error
            raise FunctionError(
                str(error.get("errorMessage")),
                error_type=str(error.get("errorType")),
                stack_trace=list(error.get("stackTrace") or []),
                invocation=invocation,
            )
        return invocation.result, invocation

    def _invoke_in_process(self, logical_id: str, event: dict[str, Any]) -> Any:
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
        if self._stopping:
            return gateway_error(503)
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
            domain_name=_request_host(header_list) or self.api_url.removeprefix("http://"),
        )
        return self._call(route.function_id, event)

    def _call(self, logical_id: str, event: dict[str, Any]) -> HttpResponse:
        started = time.monotonic()
        invocation: Invocation | None = None
        try:
            result, invocation = self._invoke(logical_id, event)
            response = lambda_result_to_http(result)
        except InvalidLambdaResponse:
            logger.exception("%s returned a response API Gateway cannot map", logical_id)
            response = gateway_error(500)
        except NoWorker as reason:
            logger.warning("%s: no worker took the invocation (%s); API Gateway answers 503", logical_id, reason)
            response = gateway_error(503)
        except FunctionError as error:
            invocation = error.invocation
            logger.error("%s failed (%s); API Gateway answers 500\n%s", logical_id, error.error_type, error.describe())
            response = gateway_error(500)
        except Exception:
            logger.exception("%s raised; API Gateway answers 500", logical_id)
            response = gateway_error(500)
        # One line per invocation; with workers its REPORT part names the worker, cold or warm, and the timings.
        logger.info(
            "%s -> %d (%s, %.0f ms)%s",
            event["routeKey"],
            response.status,
            logical_id,
            (time.monotonic() - started) * 1000,
            f" {invocation.report()}" if invocation is not None else "",
        )
        response.headers.append(("apigw-requestid", event["requestContext"]["requestId"]))
        return response

    def _environment(self, logical_id: str) -> dict[str, str]:
        env = self.template.function_environment(logical_id, self.physical_ids)
        memory = self.template.function_number(logical_id, "MemorySize", 128)
        env.update(lambda_runtime_environment(logical_id, memory))
        env["POWERTOOLS_TRACE_DISABLED"] = "true"  # no X-Ray daemon locally
        env["MIDTRANS_API_BASE_URL"] = self.midtrans_base_url
        # Notification URLs (GET /v1/connection) start here, so that the simulator (or a tunnel) can reach them.
        env["PUBLIC_API_URL"] = self.public_api_url or self.api_url
        # No AppConfig locally: the flag comes from a file in Powertools' schema (ON for eligible plans).
        env["FEATURE_FLAGS_FILE"] = os.environ.get("FEATURE_FLAGS_FILE") or str(
            Path(self.template_path).resolve().parent / "config" / "feature-flags.local.json"
        )
        if self._log_level:
            env["LOG_LEVEL"] = self._log_level
            if "POWERTOOLS_LOG_LEVEL" in env:
                env["POWERTOOLS_LOG_LEVEL"] = self._log_level
        env.update(self.function_environment)
        return env

    def _worker_environment(self, logical_id: str) -> dict[str, str]:
        """A worker's whole process environment: this process's, AWS pointed at the moto server, the function's."""
        env = aws_client_environment(os.environ, self.aws_endpoint_url)
        env.pop("PLATFORM_EVENTS_URL", None)  # the stack's setting, handed to the worker itself (not the function)
        env.update(self._environments[logical_id])
        env["AWS_ENDPOINT_URL"] = self.aws_endpoint_url  # whatever the template says: AWS is the moto server here
        return env

    def _start_pools(self, concurrency: int) -> None:
        root = (self._import_root or Path.cwd()).resolve()
        specs = {
            fid: WorkerSpec(
                function_id=fid,
                module=spec.module_name(root),  # a CodeUri outside the root is a TemplateError now, not per request
                handler=spec.handler_attribute,
                timeout=float(self.template.function_number(fid, "Timeout", 3)),
                memory=self.template.function_number(fid, "MemorySize", 128),
                environment=self._worker_environment(fid),
                cwd=root,
                platform_events_url=self.platform_events_url,
            )
            for fid, spec in self.template.functions.items()
        }
        self._pools = WorkerPools(specs, concurrency)

    def _check_not_stopping(self) -> None:
        if self._stopping:
            raise StackStopping("stopped while starting")

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
        self._seed_notification_url()
        # With our own simulator, a second tenant connects over BI-SNAP (a key pair made now, never on disk).
        if self.seed_status is not None and isinstance(self.simulator, BiSnapRegistry):
            bisnap_body = bisnap_demo_connection(self.simulator, self._seed_server_key, SEED_CLIENT_KEY)
            self.bisnap_seed_status = self._seed_tenant(BISNAP_DEMO_TENANT, bisnap_body)
        self._seed_scenario_confirmations()

    def _seed_scenario_confirmations(self) -> None:
        """The decision fixtures' confirmations (midtrans_local.scenarios), for the seeded tenant: only with our
        own simulator (it has their orders) and a connected tenant."""
        table = self.physical_ids.get("ConfirmationsTable")
        connected = self.seed_status is not None and 200 <= self.seed_status < 300
        if self.seed_tenant is None or self._external_midtrans or table is None or not connected:
            return
        from midtrans_local.scenarios import seed_confirmations

        self.scenario_confirmations = seed_confirmations(
            table, self.seed_tenant, endpoint_url=self.aws_endpoint_url or None
        )
        logger.info("seed: tenant %s, %d scenario confirmations", self.seed_tenant, len(self.scenario_confirmations))

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

    def _seed_notification_url(self) -> None:
        """The seeded tenant's notification URL (GET /v1/connection), set as the simulator's "Payment Notification
        URL" for the seed's server key, so a payment in the simulator notifies the stack with no manual step."""
        connected = self.seed_status is not None and 200 <= self.seed_status < 300
        if self.seed_tenant is None or not connected:
            return
        response = self._seed_request("GET", "/v1/connection", None, self.seed_tenant)
        url: Any = None
        if response is not None and response.status == 200:
            with contextlib.suppress(ValueError, AttributeError):
                url = json.loads(response.body).get("notification_url")
        if not isinstance(url, str) or not url:
            status = response.status if response is not None else "no route"
            logger.info("seed: no notification_url for tenant %s (GET /v1/connection -> %s)", self.seed_tenant, status)
            return
        self.notification_url = url
        set_notification_url = getattr(self.simulator, "set_notification_url", None)
        if not callable(set_notification_url):  # another Midtrans: its dashboard is yours to set
            return
        # The stack's own address, whatever PUBLIC_API_URL says: the simulator runs beside it.
        local = urlsplit(url)._replace(scheme="http", netloc=self.api_url.removeprefix("http://")).geturl()
        set_notification_url(local, server_key=self._seed_server_key)
        self.simulator_notification_url = local
        logger.info("seed: the simulator notifies tenant %s at its notification URL", self.seed_tenant)

    def _seed_call(self, method: str, path: str, body: dict[str, Any] | None, cid: str) -> int | None:
        response = self._seed_request(method, path, body, cid)
        return response.status if response is not None else None

    def _seed_request(self, method: str, path: str, body: dict[str, Any] | None, cid: str) -> HttpResponse | None:
        """One admin request of `cid` through its route's function (no JWT check); None without such a route."""
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
        return self._call(route.function_id, event)


def _request_host(headers: Iterable[tuple[str, str]]) -> str | None:
    """The Host the request was sent to (host:port): API Gateway's requestContext.domainName."""
    host = next((value.strip() for name, value in headers if name.lower() == "host"), "")
    return host or None


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


class StopSignals:
    """SIGINT and SIGTERM as a request to stop, safe whatever the main thread is doing.

    The handler only counts (no lock, no Event: the main thread may hold the very lock the handler would take;
    that deadlock once kept a stack and its port alive for 40 minutes after SIGTERM). `signal.set_wakeup_fd`
    writes a byte to a pipe at the C level, so `wait()`, a select() on that pipe, returns at once.
    """

    def __init__(self) -> None:
        self.count = 0
        self.signum: int | None = None
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)

    def install(self) -> None:
        """From the main thread, before anything is started."""
        signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    @property
    def requested(self) -> bool:
        return self.count > 0

    def wait(self, timeout: float) -> bool:
        """Sleep until a signal arrives or `timeout` passes; True once a stop was requested."""
        if not self.requested:
            with contextlib.suppress(InterruptedError):
                select.select([self._read], [], [], timeout)
            with contextlib.suppress(BlockingIOError, InterruptedError):
                while os.read(self._read, 512):
                    pass
        return self.requested

    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum else "stop"

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        self.count += 1


def _arm_watchdog(stack: LocalStack, signals: StopSignals) -> None:
    """The stack ends within STOP_DEADLINE_SECONDS of the stop request, even if stopping hangs; a second signal
    ends it at once. Either way its workers are killed and reaped first (orphans would keep the process group)."""

    def watch() -> None:
        deadline = time.monotonic() + STOP_DEADLINE_SECONDS
        while time.monotonic() < deadline and signals.count < 2:
            time.sleep(0.05)
        reason = "a second signal" if signals.count >= 2 else f"stopping took over {STOP_DEADLINE_SECONDS:.0f} s"
        logger.error("local stack: %s; killing the workers and exiting now", reason)
        stack.kill_workers_now()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(1)

    threading.Thread(target=watch, name="stop-watchdog", daemon=True).start()


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
    try:
        stack = LocalStack.from_environment(args.template, args.port)
    except ValueError as error:
        logger.error("local stack did not start: %s", error)
        return 1
    signals = StopSignals()
    signals.install()
    # start() runs in a thread so that a signal during the start (imports, cold starts, seeding) is seen at once.
    failure: list[BaseException] = []

    def start() -> None:
        try:
            stack.start()
        except BaseException as error:  # handed to the main thread
            failure.append(error)

    starter = threading.Thread(target=start, name="local-stack-start", daemon=True)
    starter.start()
    while starter.is_alive() and not signals.wait(0.5):
        pass
    if signals.requested:
        _arm_watchdog(stack, signals)
        logger.info("stopping the local stack (%s during start)", signals.name())
        stack.begin_stop()  # the start fails fast: no worker takes its seeding calls any more
        starter.join(STOP_DEADLINE_SECONDS)
        stack.stop()
        return 0
    if failure:
        if isinstance(failure[0], TemplateError | OSError):
            logger.error("local stack did not start: %s", failure[0])
            return 1
        raise failure[0]
    try:
        print(banner(stack), flush=True)
        while not signals.wait(1.0):
            pass
    finally:
        _arm_watchdog(stack, signals)
        logger.info("stopping the local stack (%s)", signals.name())
        stack.stop()
    return 0


def _exit_now(code: int) -> None:
    """Exit without the interpreter's teardown of moto's and boto's module graph (~0.7 s): everything that
    mattered is stopped, and the logs are flushed here."""
    logging.shutdown()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit_now(main())
