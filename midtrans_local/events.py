"""API Gateway HTTP API (payload format 2.0) around a Lambda: HTTP in, event, result, HTTP out.

Shapes follow what API Gateway sends and accepts for HTTP APIs with a JWT authorizer:
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

from midtrans_local.template import LOCAL_ACCOUNT_ID

logger = logging.getLogger(__name__)

LOCAL_API_ID = "local"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
# API Gateway's own bodies for the errors it answers without (or instead of) the function.
GATEWAY_MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class InvalidLambdaResponse(ValueError):
    """The function returned something API Gateway cannot turn into a response (it answers 500)."""


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def gateway_error(status: int) -> HttpResponse:
    body = json.dumps({"message": GATEWAY_MESSAGES[status]}, separators=(",", ":")).encode()
    return HttpResponse(status, [("content-type", "application/json")], body)


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as the JWT authorizer passes them on: every value a string, arrays as "[a b]"."""

    def as_string(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + " ".join(as_string(v) for v in value) + "]"
        if isinstance(value, Mapping):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return {name: as_string(value) for name, value in claims.items()}


def build_http_api_event(
    method: str,
    path: str,
    route_key: str,
    path_parameters: Mapping[str, str] | None = None,
    query: str | Mapping[str, str] = "",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    body: str | bytes | Mapping[str, Any] | None = None,
    claims: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    *,
    domain_name: str = "127.0.0.1",
    now: float | None = None,
) -> dict[str, Any]:
    """A v2.0 event. `claims=None` means the route has no authorizer (no `authorizer` key at all).

    Like API Gateway, keys without a value are left out: `queryStringParameters`, `pathParameters`,
    `body` and `cookies` appear only when the request has them. A mapping body is sent as JSON.
    """
    lowered: dict[str, str] = {}
    pairs = headers.items() if isinstance(headers, Mapping) else (headers or [])
    for name, value in pairs:  # repeated headers are joined with commas, as API Gateway does
        key = name.lower()
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    if isinstance(body, Mapping):
        body = json.dumps(body)
        lowered.setdefault("content-type", "application/json")
    raw_query = query if isinstance(query, str) else urlencode(query)
    timestamp = time.time() if now is None else now
    request_id = str(uuid.uuid4())
    lowered.setdefault("x-amzn-trace-id", f"Root=1-{int(timestamp):08x}-{uuid.uuid4().hex[:24]}")
    lowered.setdefault("x-forwarded-for", source_ip)
    lowered.setdefault("x-forwarded-proto", "http")
    lowered.setdefault("host", domain_name)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
    }
    cookie_header = lowered.pop("cookie", None)
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    event["headers"] = lowered
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    if parameters:
        event["queryStringParameters"] = parameters
    event["requestContext"] = {
        "accountId": LOCAL_ACCOUNT_ID,
        "apiId": LOCAL_API_ID,
        "domainName": domain_name,
        "domainPrefix": domain_name.split(".")[0],
        "http": {
            "method": method.upper(),
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": datetime.fromtimestamp(timestamp, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(timestamp * 1000),
    }
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": api_gateway_claims(claims), "scopes": None}}
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if isinstance(body, bytes):
        raw = body
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:  # binary bodies travel base64-encoded
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode("ascii"), True
            return event
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = False
    return event


def lambda_result_to_http(result: Any) -> HttpResponse:
    """Turn a function's return value into the HTTP response, by the payload 2.0 rules.

    A dict with `statusCode` is a full response. Anything else that is valid JSON is a 200 whose
    body is that JSON (a string is sent as it is) with `content-type: application/json`.
    """
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], body.encode())
    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InvalidLambdaResponse(f"statusCode {status!r} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((str(name), _header_value(value)))
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", str(cookie)))
    text = result.get("body")
    if text is None:
        payload = b""
    elif not isinstance(text, str):
        raise InvalidLambdaResponse("body must be a string")
    elif result.get("isBase64Encoded"):
        try:
            payload = base64.b64decode(text, validate=True)
        except ValueError as error:
            raise InvalidLambdaResponse("isBase64Encoded is true but body is not base64") from error
    else:
        payload = text.encode()
    return HttpResponse(status, headers, payload)


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HttpApiTarget(Protocol):
    """What the HTTP server hands each request to (LocalStack)."""

    def handle_request(
        self, method: str, target: str, headers: Iterable[tuple[str, str]], body: bytes, source_ip: str
    ) -> HttpResponse: ...


class HttpApiServer(ThreadingHTTPServer):
    """A threaded HTTP server that passes every request, body read, to `target.handle_request`."""

    daemon_threads = True
    # socketserver's default accept queue is 5: a burst of 16 clients already met resets and SYN retries (1 s).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], target: HttpApiTarget) -> None:
        super().__init__(address, _HttpApiRequestHandler)
        self.target = target


class _BodyTooLarge(Exception):
    pass


class _HttpApiRequestHandler(BaseHTTPRequestHandler):
    server: HttpApiServer
    protocol_version = "HTTP/1.1"  # for Expect: 100-continue; every response still closes the connection
    # Headers and body are separate writes; without TCP_NODELAY the client's delayed ACK adds ~40 ms per call.
    disable_nagle_algorithm = True

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except _BodyTooLarge:
            self._send(gateway_error(413))
            return
        except ValueError:
            self._send(gateway_error(400))
            return
        try:
            response = self.server.target.handle_request(
                self.command, self.path, self.headers.items(), body, self.client_address[0]
            )
        except Exception:
            logger.exception("the local API failed on %s %s", self.command, self.path)
            response = gateway_error(500)
        self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > MAX_BODY_BYTES:
            # Read the body anyway (in pieces, discarded): closing on unread data makes the kernel
            # reset the connection, and the client would see that instead of the 413.
            while length > 0:
                piece = self.rfile.read(min(length, 1 << 20))
                if not piece:
                    break
                length -= len(piece)
            raise _BodyTooLarge
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailer headers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyTooLarge
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # the base class's parameter name
        """Silenced: the stack logs one line per request itself."""
