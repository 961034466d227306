"""`make bench`: the status function against two baselines, measured in the same run, interleaved; then warm
requests through the local stack (REST, MCP) and the BI-SNAP signatures. Prints tables; asserts nothing (speed is
measured, never tested).

Baselines (bench/baselines): `hello`, the Powertools hello world (SAM's hello-pt on the HTTP resolver), for cold
import; `peer`, a minimal Powertools handler doing what the status route cannot avoid (1 GetItem + 1 Decrypt + 1 GET),
for first and warm invocations. Every handler runs in its own child process (bench/worker.py) with the status
function's environment from template.yaml, against a moto server and the Midtrans simulator that this process serves
on 127.0.0.1, stdout discarded. Cold imports and first invocations use fresh interpreters with a warm .pyc cache
(Lambda gets bytecode from `make build`'s compileall); the "no .pyc" row compiles everything on every run.

Options: --profile also prints `-X importtime` of ours and hello, and cProfiles of ours' first call and of warm calls
(what dominates); --no-local-stack skips the HTTP rows; --runs N / --calls M change the sample sizes.
Numbers from a small VM: compare ratios and changes, not absolute Lambda cold starts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import requests

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
OURS = "functions.check_payment_status.app"
HELLO = "bench.baselines.hello.app"
PEER = "bench.baselines.peer.app"
LIBRARIES = "bench.baselines.libraries.app"  # info: the hello world + the libraries ours needs, nothing of ours
FUNCTION = "CheckPaymentStatusFunction"
TENANT = "tenant-demo"
CLIENT_KEY = "SB-Mid-client-LOCALSIMULATOR01"
GOAL = 1.30  # the issue's budget for every ratio below

COLD_RUNS = 9  # fresh interpreters per handler, interleaved (--runs N for more when the machine is quiet)
NO_PYC_RUNS = 3  # info only: each run compiles everything (seconds)
FIRST_RUNS = 9
WARMUP_CALLS = 20
WARM_CALLS = 300  # per handler, interleaved call by call
SPLIT_CALLS = 60  # per handler, with the network waits timed
REQUESTS = 60  # per route through the local stack
# CPython 3.11 frees a 16 KiB chunk of its frame stack as soon as the chunk's first frame returns, and maps a new one
# at the next call: a recursion (the regex parser, pydantic's schema builder) that keeps crossing a chunk boundary
# pays an mmap and a munmap per call. Where the boundaries fall depends on the stack depth the module is imported at,
# which is the runtime's business (awslambdaric's, or `python -c`'s): at one fixed depth either handler can look
# 20-40 % slower than at the next (docs/decisions.md D30). So each round imports at its own depth, from
# IMPORT_DEPTH_SPAN frames of `pad` down to none, the same depth for every module in the round, spread evenly over one
# chunk: the medians are over depths as well as over time.
IMPORT_DEPTH_SPAN = 160  # `pad` frames in a 16 KiB chunk: about 100 bytes each
IMPORT_SNIPPET = """import time
def pad(n):
    if n:
        return pad(n - 1)
    t = time.perf_counter()
    import {module}
    return (time.perf_counter() - t) * 1000
print(pad({depth}))"""


def import_depth(round_: int, rounds: int) -> int:
    """Round `round_` of `rounds` imports below this many frames of `pad`: evenly spread over one chunk."""
    return round_ * IMPORT_DEPTH_SPAN // max(rounds, 1)


@dataclass
class Series:
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    def spread(self, kind: str, digits: int = 1) -> str:
        """ "iqr": the middle half of the runs (quartiles); "range": min-max."""
        low, high = (
            (self.quantile(0.25), self.quantile(0.75)) if kind == "iqr" else (min(self.samples), max(self.samples))
        )
        return f"{low:.{digits}f}-{high:.{digits}f}"


@dataclass
class Comparison:
    label: str
    ours: Series
    baseline: Series
    spread: str  # "range" (min-max) or "iqr"
    goal: float | None = GOAL
    statistic: str = "median"

    def value(self, series: Series) -> float:
        return series.p95 if self.statistic == "p95" else series.median

    @property
    def ratio(self) -> float:
        return _ratio(self.value(self.ours), self.value(self.baseline))

    @property
    def pair_ratios(self) -> Series:
        """Ratios of the runs paired by round (both saw the same moment of the machine): the ratio's own noise."""
        return Series([_ratio(a, b) for a, b in zip(self.ours.samples, self.baseline.samples, strict=True)])


def _ratio(ours: float, baseline: float) -> float:
    return ours / baseline if baseline > 0 else float("inf")


# ---------------------------------------------------------------- environment: moto server, simulator, seed


class Backends:
    """A moto server and the Midtrans simulator on 127.0.0.1, the template's tables and keys created on moto,
    tenant-demo connected (PUT /v1/connection through the real handler) with its four actions configured."""

    def __init__(self) -> None:
        from midtrans_local.template import SamTemplate

        self.template = SamTemplate.load(ROOT / "template.yaml")
        self.moto: Any = None
        self.simulator: Any = None
        self.aws_url = ""
        self.midtrans_url = ""
        self.physical_ids: dict[str, str] = {}

    def __enter__(self) -> Backends:
        from midtrans_local.aws import MotoServer, create_resources_from_template
        from midtrans_local.simulator import MidtransSimulator

        self.moto = MotoServer()  # the stack's own: atomic per request, as the functions see it in `make run`
        self.aws_url = self.moto.start()
        self.simulator = MidtransSimulator()
        self.midtrans_url = self.simulator.start(host="127.0.0.1", port=0)
        self.physical_ids = create_resources_from_template(self.template, endpoint_url=self.aws_url)
        self._seed()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.simulator is not None:
            self.simulator.stop()
        if self.moto is not None:
            self.moto.stop()

    def environment(self, logical_id: str = FUNCTION) -> dict[str, str]:
        """What `LocalStack._environment` gives the function, but with AWS at the moto server."""
        from midtrans_local.aws import aws_client_environment
        from midtrans_local.context import lambda_runtime_environment

        inherited = ("AWS_", "POWERTOOLS_", "FEATURE_FLAGS_", "MIDTRANS_", "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITE")
        env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
        env.update(self.template.function_environment(logical_id, self.physical_ids))
        memory = self.template.function_number(logical_id, "MemorySize", 128)
        env.update(lambda_runtime_environment(logical_id, memory))
        env = aws_client_environment(env, self.aws_url)
        env["POWERTOOLS_TRACE_DISABLED"] = "true"  # no X-Ray daemon
        env["MIDTRANS_API_BASE_URL"] = self.midtrans_url
        env["FEATURE_FLAGS_FILE"] = str(ROOT / "config" / "feature-flags.local.json")
        if os.environ.get("BENCH_LOG_LEVEL"):
            env["LOG_LEVEL"] = os.environ["BENCH_LOG_LEVEL"]
        return env

    def _seed(self) -> None:
        """In a child process, as an admin would: connect the tenant, then add every action type."""
        from midtrans_local.events import build_http_api_event
        from midtrans_local.simulator import SANDBOX_SERVER_KEY
        from midtrans_native.registry import ACTION_TYPE_IDS

        claims = {"cid": TENANT, "role": "admin", "plan": "ultimate", "sub": "bench"}
        connect = {"server_key": SANDBOX_SERVER_KEY, "client_key": CLIENT_KEY, "environment": "sandbox"}
        requests_ = [("PUT", "/v1/connection", connect)] + [
            (
                "POST",
                "/v1/actions",
                {
                    "action_type": action_type,
                    "action_name": action_type.replace("_", " ").title(),
                    "trigger_description": f"The customer wants to {action_type.replace('_', ' ')}.",
                },
            )
            for action_type in ACTION_TYPE_IDS
        ]
        steps = []
        for method, path, body in requests_:
            route = next(r for r in self.template.routes if r.method == method and r.path == path)
            spec = self.template.functions[route.function_id]
            steps.append(
                {
                    "env": self.environment(route.function_id),
                    "module": spec.module_name(ROOT),
                    "event": build_http_api_event(method, path, route.route_key, body=body, claims=claims),
                }
            )
        out = _worker(["seed"], self.environment(), stdin=json.dumps(steps))
        statuses = json.loads(out)
        if any(not 200 <= s["status"] < 300 for s in statuses):
            raise RuntimeError(f"seeding {TENANT} failed: {statuses}")


def _worker(args: Sequence[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"bench.worker {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]


def _interleaved(runs: int, modules: Sequence[str], measure: Callable[[str], float]) -> dict[str, Series]:
    """`runs` rounds; each round measures every module once, the order rotating so no module always goes first."""
    return _rounds(runs, modules, lambda module, _round: measure(module))


def _rounds(runs: int, modules: Sequence[str], measure: Callable[[str, int], float]) -> dict[str, Series]:
    """As `_interleaved`, the measurement told which round it is in."""
    samples: dict[str, list[float]] = {m: [] for m in modules}
    for round_ in range(runs):
        shift = round_ % len(modules)
        for module in [*modules[shift:], *modules[:shift]]:
            samples[module].append(measure(module, round_))
    return {m: Series(s) for m, s in samples.items()}


# ---------------------------------------------------------------- cold import


def _import_ms(
    module: str, env: dict[str, str], depth: int = 0, no_bytecode: bool = False, gc_off: bool = False
) -> float:
    snippet = IMPORT_SNIPPET.format(module=module, depth=depth)
    command = [sys.executable, "-c", f"import gc\ngc.disable()\n{snippet}" if gc_off else snippet]
    with tempfile.TemporaryDirectory() as empty_cache:
        if no_bytecode:
            env = {**env, "PYTHONPYCACHEPREFIX": empty_cache}  # an empty cache: every module is compiled
            command.insert(1, "-B")  # …and nothing is written, so the next run compiles again
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"import {module} failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def cold_imports(env: dict[str, str], runs: int = COLD_RUNS) -> list[Comparison]:
    modules = [OURS, HELLO, PEER, LIBRARIES]
    for module in modules:  # writes the .pyc cache, so the timed runs read bytecode
        _import_ms(module, env)
    warm = _rounds(runs, modules, lambda m, r: _import_ms(m, env, import_depth(r, runs)))
    no_pyc = _rounds(
        NO_PYC_RUNS, [OURS, HELLO], lambda m, r: _import_ms(m, env, import_depth(r, NO_PYC_RUNS), no_bytecode=True)
    )
    # Our handlers import with the collector off (docs/decisions.md D30); the hello world as shipped does not. This
    # row turns it off for both: what the imports themselves cost, the same trick on each side.
    gc_off = _rounds(runs, [OURS, HELLO], lambda m, r: _import_ms(m, env, import_depth(r, runs), gc_off=True))
    return [
        Comparison("cold import vs hello", warm[OURS], warm[HELLO], "range"),
        Comparison("cold import, both with gc off (info)", gc_off[OURS], gc_off[HELLO], "range", goal=None),
        Comparison("cold import, peer vs hello (info)", warm[PEER], warm[HELLO], "range", goal=None),
        # The floor: what the libraries alone cost over the hello world. Ours minus this is our own modules.
        Comparison("cold import, libraries vs hello (info)", warm[LIBRARIES], warm[HELLO], "range", goal=None),
        Comparison("cold import no .pyc vs hello (info)", no_pyc[OURS], no_pyc[HELLO], "range", goal=None),
    ]


# ---------------------------------------------------------------- first invocation


def first_invocations(env: dict[str, str], runs: int = FIRST_RUNS) -> tuple[list[Comparison], dict[str, int]]:
    """The comparisons, and per handler the full (generation 2) collections counted over all its first calls."""
    results: dict[str, list[dict[str, Any]]] = {OURS: [], PEER: []}

    def first(module: str) -> float:
        answer = json.loads(_worker(["first", module], env))
        if answer["error"]:
            raise RuntimeError(f"{module}: the first invocation did not answer a settled status: {answer['error']}")
        results[module].append(answer)
        return float(answer["first_ms"])

    for module in results:  # untimed: writes the .pyc of modules imported on the first call
        first(module)
        results[module].clear()
    series = _interleaved(runs, [OURS, PEER], first)

    def field(name: str, module: str) -> Series:
        return Series([r[name] for r in results[module]])

    return [
        Comparison("first invocation vs peer", series[OURS], series[PEER], "range"),
        Comparison(
            "import + first invocation (info)",
            Series([r["import_ms"] + r["first_ms"] for r in results[OURS]]),
            Series([r["import_ms"] + r["first_ms"] for r in results[PEER]]),
            "range",
            goal=None,
        ),
        Comparison("GC inside the first invocation (info)", field("gc_ms", OURS), field("gc_ms", PEER), "range", None),
        Comparison("second invocation (info)", field("second_ms", OURS), field("second_ms", PEER), "range", goal=None),
    ], {m: sum(r["gc_full"] for r in rs) for m, rs in results.items()}


# ---------------------------------------------------------------- warm invocations


class Worker:
    """A long-lived child serving one handler: one command a line in, one JSON answer a line out."""

    def __init__(self, module: str, env: dict[str, str]) -> None:
        self.module = module
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker", "serve", module],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self._read()  # ready

    def ask(self, command: str) -> dict[str, Any]:
        assert self._process.stdin is not None
        self._process.stdin.write(command + "\n")
        self._process.stdin.flush()
        answer = self._read()
        if answer.get("error"):
            raise RuntimeError(f"{self.module} {command}: {answer['error']}")
        return answer

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            raise RuntimeError(f"bench.worker serve {self.module} died:\n{self._stderr.read()[-4000:]}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            assert self._process.stdin is not None
            self._process.stdin.write("quit\n")
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._stderr.close()


@dataclass
class WarmResult:
    comparisons: list[Comparison]
    calls: dict[str, dict[str, int]]  # module -> {"dynamodb.GetItem(Table)": 1, ..., "Midtrans HTTP": 1}
    split: dict[str, dict[str, float]]  # module -> medians of {"ms", "aws", "midtrans"}
    profile: str = ""


def warm_invocations(
    backends: Backends, env: dict[str, str], calls: int = WARM_CALLS, profile: bool = False
) -> WarmResult:
    workers = {OURS: Worker(OURS, env), PEER: Worker(PEER, env)}
    try:
        for _ in range(WARMUP_CALLS):
            for worker in workers.values():
                worker.ask("call")
        series = _interleaved(calls, list(workers), lambda m: float(workers[m].ask("call")["ms"]))
        splits: dict[str, dict[str, list[float]]] = {m: {"ms": [], "aws": [], "midtrans": []} for m in workers}
        for round_ in range(SPLIT_CALLS):
            for module in list(workers)[:: 1 if round_ % 2 == 0 else -1]:
                answer = workers[module].ask("split")
                for key, samples in splits[module].items():
                    samples.append(float(answer[key]))
        api_calls = {}
        for module, worker in workers.items():
            before = len(backends.simulator.calls())
            counted = worker.ask("count")
            api_calls[module] = {**counted["aws"], "Midtrans HTTP": len(backends.simulator.calls()) - before}
        profiled = workers[OURS].ask("profile")["profile"] if profile else ""
    finally:
        for worker in workers.values():
            worker.close()
    return WarmResult(
        [
            Comparison("warm status vs peer", series[OURS], series[PEER], "iqr"),
            Comparison("warm status vs peer, p95 (info)", series[OURS], series[PEER], "iqr", None, "p95"),
        ],
        api_calls,
        {m: _split_medians(split) for m, split in splits.items()},
        profiled,
    )


def _split_medians(split: dict[str, list[float]]) -> dict[str, float]:
    """Medians of the total, of each wait, and of the rest computed call by call (medians do not add up)."""
    rest = [ms - aws - midtrans for ms, aws, midtrans in zip(split["ms"], split["aws"], split["midtrans"], strict=True)]
    return {**{k: statistics.median(v) for k, v in split.items()}, "rest": statistics.median(rest)}


# ---------------------------------------------------------------- layer size, import profile


def layer_size() -> str:
    layer = ROOT / ".aws-sam" / "build" / "SharedLayer"
    if not layer.is_dir():
        return "layer zip: no .aws-sam/build/SharedLayer (run `make build` first)"
    buffer = io.BytesIO()
    files = pyc = raw = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(layer))
                files += 1
                pyc += path.suffix == ".pyc"
                raw += path.stat().st_size
    built = datetime.fromtimestamp(layer.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
    size = len(buffer.getvalue())
    return (
        f"layer zip (.aws-sam/build/SharedLayer, built {built}): {size:,} bytes ({size / 2**20:.1f} MiB) zipped, "
        f"{raw / 2**20:.1f} MiB unzipped, {files} files, {pyc} .pyc"
    )


def import_profile(env: dict[str, str], top: int = 14) -> str:
    """`python -X importtime -c 'import <handler>'` for ours and hello: own import time summed by top-level package
    (what the handler's import pays for), and the single most expensive modules."""
    lines = []
    for module in (OURS, HELLO):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        modules: list[tuple[int, str]] = []
        for line in done.stderr.splitlines():
            fields = line.removeprefix("import time:").split("|")
            if not line.startswith("import time:") or len(fields) != 3 or not fields[0].strip().isdigit():
                continue
            modules.append((int(fields[0]), fields[2].strip()))
        total = sum(own for own, _ in modules)
        packages: dict[str, int] = {}
        for own, name in modules:
            packages[name.split(".")[0]] = packages.get(name.split(".")[0], 0) + own
        lines.append(
            f"\n-X importtime, import {module}: {total / 1000:.0f} ms (own times summed, {len(modules)} modules)"
        )
        lines.append("  by top-level package:")
        for name, own in sorted(packages.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"    {own / 1000:7.1f} ms {100 * own / total:5.1f}%  {name}")
        lines.append("  most expensive modules (own time):")
        for own, name in sorted(modules, reverse=True)[:top]:
            lines.append(f"    {own / 1000:7.1f} ms {100 * own / total:5.1f}%  {name}")
    return "\n".join(lines)


# ---------------------------------------------------------------- through the local stack (HTTP)


def warm_requests() -> list[tuple[str, float, float]]:
    from midtrans_local.server import LocalStack
    from midtrans_local.tokens import issue_dev_token

    stack = LocalStack(template_path=str(ROOT / "template.yaml"), port=0, log_level="WARNING")
    url = stack.start()
    try:
        session = requests.Session()
        agent = {"Authorization": f"Bearer {issue_dev_token('tenant-demo', 'ai_agent')}"}
        snap_agent = {"Authorization": f"Bearer {issue_dev_token('tenant-bisnap', 'ai_agent')}"}
        admin = {"Authorization": f"Bearer {issue_dev_token('tenant-demo', 'admin')}"}
        status = {"conversation_id": "bench", "order_id": "ORDER-SETTLEMENT-GOPAY-001"}
        cases = [
            ("POST /v1/payments/status (warm)", "POST", "/v1/payments/status", agent, status),
            ("POST /v1/payments/status, BI-SNAP", "POST", "/v1/payments/status", snap_agent, status),
            ("GET /v1/connection (warm)", "GET", "/v1/connection", admin, None),
        ]
        rows = []
        for label, method, path, headers, body in cases:
            session.request(method, url + path, headers=headers, json=body, timeout=30).raise_for_status()
            samples = []
            for _ in range(REQUESTS):
                start = time.perf_counter()
                session.request(method, url + path, headers=headers, json=body, timeout=30).raise_for_status()
                samples.append((time.perf_counter() - start) * 1000)
            samples.sort()
            rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
        return rows + agent_surface(session, url, agent)
    finally:
        stack.stop()


def _fixture_request(name: str) -> tuple[dict[str, str], str]:
    """Headers (minus the gateway's) and body of an events/ fixture: what an MCP client sends."""
    event = json.loads((ROOT / "events" / f"{name}.json").read_text())
    skip = {"authorization", "host", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "user-agent"}
    headers = {k: v for k, v in event["headers"].items() if k not in skip}
    return headers, event["body"]


def agent_surface(session: requests.Session, url: str, agent: dict[str, str]) -> list[tuple[str, float, float]]:
    """MCP tools/call of check_payment_status against the REST status route, interleaved request by request so
    both see the same machine; and tools/list. The ratio is printed by main()."""
    call_headers, call_body = _fixture_request("mcp_server.call_check_payment_status")
    list_headers, list_body = _fixture_request("mcp_server.tools_list")
    rest = {"order_id": "ORDER-SETTLEMENT-GOPAY-001"}
    rest_headers = {**agent, "X-Conversation-Id": "bench", "Accept-Language": "en"}

    def timed(method: str, path: str, headers: dict[str, str], **kwargs: object) -> float:
        start = time.perf_counter()
        response = session.request(method, url + path, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]
        elapsed = (time.perf_counter() - start) * 1000
        response.raise_for_status()
        if path == "/mcp":
            assert "error" not in response.json(), response.text
        return elapsed

    series: dict[str, list[float]] = {"REST status": [], "MCP tools/call status": [], "MCP tools/list": []}
    for _ in range(REQUESTS + 1):
        series["REST status"].append(timed("POST", "/v1/payments/status", rest_headers, json=rest))
        series["MCP tools/call status"].append(timed("POST", "/mcp", {**agent, **call_headers}, data=call_body))
        series["MCP tools/list"].append(timed("POST", "/mcp", {**agent, **list_headers}, data=list_body))
    rows = []
    for label, samples in series.items():
        samples = sorted(samples[1:])  # the first round warms each path
        rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
    return rows


def bisnap_signatures() -> list[tuple[str, float, float]]:
    """What a token refresh and every BI-SNAP call add in CPU: one RSA-2048 signature, one HMAC-SHA512."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from midtrans_native.midtrans.bisnap_signing import sign_access_token_request, sign_request

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    body = b'{"originalExternalId":"ORDER-1","serviceCode":"54"}'
    cases = (
        (
            "BI-SNAP token signature (RSA-2048)",
            lambda: sign_access_token_request(pem, "client", "2026-01-01T00:00:00+07:00"),
        ),
        (
            "BI-SNAP call signature (HMAC-512)",
            lambda: sign_request("secret", "POST", "/v1.0/debit/status", "t", body, "ts"),
        ),
    )
    rows = []
    for label, sign in cases:
        samples = []
        for _ in range(REQUESTS):
            start = time.perf_counter()
            sign()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        rows.append((label, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]))
    return rows


# ---------------------------------------------------------------- report


def print_comparisons(comparisons: Sequence[Comparison], out: TextIO) -> None:
    header = (
        f"{'measurement (ms)':<38} {'ours':>7} {'base':>7} {'ratio':>6} {'goal':>6} {'met':>4}"
        f"  {'ours spread':>13} {'base spread':>13} {'pair ratios':>11}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    for c in comparisons:
        goal = f"<={c.goal:.2f}" if c.goal else ""
        met = ("yes" if c.ratio <= c.goal else "NO") if c.goal else ""
        spreads = ["", "", ""]
        if c.statistic == "median":  # the spread of the runs around the median, and of the per-round ratios
            spreads = [c.ours.spread(c.spread), c.baseline.spread(c.spread), c.pair_ratios.spread(c.spread, digits=2)]
        print(
            f"{c.label:<38} {c.value(c.ours):>7.1f} {c.value(c.baseline):>7.1f} {c.ratio:>6.2f} {goal:>6} {met:>4}"
            f"  {spreads[0]:>13} {spreads[1]:>13} {spreads[2]:>11}",
            file=out,
        )


def print_split(split: dict[str, dict[str, float]], out: TextIO) -> None:
    print(
        f"\nwhere a warm call goes ({SPLIT_CALLS} more calls each, interleaved, medians in ms; the waits include"
        " the local moto server's and simulator's own time, not AWS's):",
        file=out,
    )
    print(f"  {'':<5} {'total':>7} {'AWS wait':>9} {'Midtrans wait':>14} {'the rest (in-process)':>22}", file=out)
    for module, medians in split.items():
        name = "ours" if module == OURS else "peer"
        print(
            f"  {name:<5} {medians['ms']:>7.1f} {medians['aws']:>9.1f} {medians['midtrans']:>14.1f}"
            f" {medians['rest']:>22.1f}",
            file=out,
        )


def print_calls(calls: dict[str, dict[str, int]], out: TextIO) -> None:
    print("\nAPI calls in one warm status invocation (botocore before-call hook; simulator call log):", file=out)
    for module, counted in calls.items():
        name = "ours" if module == OURS else "peer"
        text = ", ".join(f"{op} {n}" for op, n in sorted(counted.items()) if op != "Midtrans HTTP") or "none"
        print(f"  {name:<5} AWS: {text}; Midtrans HTTP: {counted['Midtrans HTTP']}", file=out)


def _phase(phases: dict[str, float], name: str, run: Callable[[], T]) -> T:
    start = time.perf_counter()
    try:
        return run()
    finally:
        phases[name] = time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="also print -X importtime and a cProfile of ours")
    parser.add_argument("--no-local-stack", action="store_true", help="skip the HTTP rows and BI-SNAP signatures")
    parser.add_argument("--runs", type=int, help=f"fresh interpreters per handler (default {COLD_RUNS})")
    parser.add_argument("--calls", type=int, help=f"warm calls per handler (default {WARM_CALLS})")
    args = parser.parse_args(argv)
    runs, calls = args.runs or COLD_RUNS, args.calls or WARM_CALLS
    started = time.perf_counter()
    phases: dict[str, float] = {}
    out = sys.stdout

    with Backends() as backends:
        env = backends.environment()
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs, load average {load} (other work on the machine widens the spreads)", file=out)
        print(
            f"handlers: ours {OURS}, baselines {HELLO} (cold import) and {PEER} (invocations); "
            f"LOG_LEVEL={env.get('LOG_LEVEL')}, stdout discarded; moto {backends.aws_url}, "
            f"simulator {backends.midtrans_url}",
            file=out,
            flush=True,
        )
        phases["setup"] = time.perf_counter() - started
        comparisons = _phase(phases, "cold import", lambda: cold_imports(env, runs))
        firsts, full_collections = _phase(phases, "first invocation", lambda: first_invocations(env, runs))
        comparisons += firsts
        warm = _phase(phases, "warm", lambda: warm_invocations(backends, env, calls, profile=args.profile))
        comparisons += warm.comparisons
        imports = first_profile = ""
        if args.profile:
            imports = import_profile(env)
            first_profile = json.loads(_worker(["first", OURS, "--profile"], env))["profile"]

    print("", file=out)
    print_comparisons(comparisons, out)
    print(
        f"\ncold import: {runs} fresh interpreters per handler (no .pyc: {NO_PYC_RUNS}), import time inside"
        f" `python -c`, each round at its own stack depth (0 to {IMPORT_DEPTH_SPAN} frames: where CPython 3.11's"
        f" frame-chunk boundaries fall changes import times by tens of ms); first invocation: {runs} fresh"
        f" interpreters, the first lambda_handler call after the import; warm: {calls} calls per handler in one"
        f" long-lived process each after {WARMUP_CALLS} warm-up calls. All interleaved round by round."
        " spread = min-max (cold, first) or IQR (warm); pair ratios = the same spread of ours/base per round.",
        file=out,
    )
    print(
        f"full GC collections inside the {runs} first invocations: ours {full_collections[OURS]}, peer"
        f" {full_collections[PEER]}",
        file=out,
    )
    print_split(warm.split, out)
    print_calls(warm.calls, out)
    print("\n" + _phase(phases, "layer zip", layer_size), file=out)
    if args.profile:
        print(imports, file=out)
        print("\ncProfile, the first status call of ours (fresh interpreter):\n" + first_profile, file=out)
        print("\ncProfile, 50 warm status calls of ours:\n" + warm.profile, file=out)

    if not args.no_local_stack:
        with contextlib.redirect_stdout(io.StringIO()):  # the handlers' JSON logs and EMF would bury the table
            rows = _phase(phases, "local stack", lambda: warm_requests() + bisnap_signatures())
        print(f"\n{'through the local stack (HTTP, in-process)':<44} {'median ms':>10} {'p95 ms':>8}", file=out)
        print("-" * 64, file=out)
        for label, median, p95 in rows:
            print(f"{label:<44} {median:>10.1f} {p95:>8.1f}", file=out)
        medians = {label: median for label, median, _ in rows}
        ratio = medians["MCP tools/call status"] / medians["REST status"]
        print(f"\nMCP tools/call status / REST status (interleaved, medians): {ratio:.2f}  (goal <= 1.25)", file=out)
        print(f"requests: {REQUESTS} per route after one warm-up (p95)", file=out)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    took = ", ".join(f"{name} {seconds:.0f}" for name, seconds in phases.items())
    print(f"\nbench took {time.perf_counter() - started:.0f} s ({took}); load average now {load}", file=out)


if __name__ == "__main__":
    main()
