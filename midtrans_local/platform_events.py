"""PLATFORM_EVENTS_URL: the local stand-in for an EventBridge API destination on PlatformEventsBus.

In AWS, a rule on the bus sends each event to the platform's endpoint (an API destination, template.yaml). Locally
there is no such delivery: moto takes `PutEvents` and keeps the events to itself. With PLATFORM_EVENTS_URL set, the
stack makes every event a function publishes visible: each entry moto accepted is POSTed to that URL as the
EventBridge event an API destination sends (`version`, `id`, `detail-type`, `source`, `account`, `time`, `region`,
`resources`, `detail`), one POST per entry, after the call returned.

The layer knows nothing of this. The forwarder hooks into botocore's events on the boto3 session the handler's
clients come from (boto3's default session), before the handler is imported, so every client created from it
carries the hooks:

* `before-parameter-build.eventbridge.PutEvents` keeps the request's entries in the call's context;
* `after-call.eventbridge.PutEvents` (fired before botocore raises for an error status) POSTs the entries the answer
  gave an EventId, with that id.

A delivery is synchronous (the invocation waits for it, `SEND_TIMEOUT_SECONDS` at most per entry) so that, when the
function has answered, its events have been delivered; a receiver that fails or is down gets one line on stderr and
the function never sees an error. (An API destination retries for up to 24 h and then dead-letters; locally a failed
delivery is only reported.)
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from midtrans_local.intrinsics import LOCAL_ACCOUNT_ID, LOCAL_REGION

ENVIRONMENT_VARIABLE = "PLATFORM_EVENTS_URL"
SEND_TIMEOUT_SECONDS = 5.0
# botocore names the service's events by its hyphenated service id; "events" is an alias of the same name.
BEFORE_PARAMETER_BUILD = "before-parameter-build.eventbridge.PutEvents"
AFTER_CALL = "after-call.eventbridge.PutEvents"
_ENTRIES = "midtrans_local.platform_events.entries"  # key in the call's request context
_UNIQUE_ID = "midtrans_local.platform_events"
_HEADERS = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "midtrans-local-api-destination/1.0"}

Post = Callable[[str, bytes, Mapping[str, str], float], int]  # url, body, headers, timeout -> HTTP status


def event_envelope(
    entry: Mapping[str, Any],
    event_id: str,
    *,
    region: str = LOCAL_REGION,
    account: str = LOCAL_ACCOUNT_ID,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event EventBridge makes of one PutEvents entry, as an API destination POSTs it (no input transformer)."""
    when = entry.get("Time")
    if not isinstance(when, datetime):
        when = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    detail_text = entry.get("Detail") or "{}"
    try:
        detail: Any = json.loads(detail_text)
    except ValueError:
        detail = detail_text  # EventBridge refuses these (MalformedDetail); moto may not
    return {
        "version": "0",
        "id": event_id,
        "detail-type": entry.get("DetailType"),
        "source": entry.get("Source"),
        "account": account,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": list(entry.get("Resources") or []),
        "detail": detail,
    }


def accepted_envelopes(
    entries: Sequence[Mapping[str, Any]],
    answer: Mapping[str, Any],
    *,
    region: str = LOCAL_REGION,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The envelopes of the entries PutEvents took: its answer lists one result per entry, in order, with an
    EventId for each accepted one (an ErrorCode for a refused one)."""
    results = answer.get("Entries") or []
    envelopes = []
    for entry, result in zip(entries, results, strict=False):
        event_id = result.get("EventId") if isinstance(result, Mapping) else None
        if event_id:
            envelopes.append(event_envelope(entry, str(event_id), region=region, now=now))
    return envelopes


def requests_post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> int:
    import requests  # the handler imports it anyway; not at this module's import

    response = requests.post(url, data=body, headers=dict(headers), timeout=timeout)
    return response.status_code


class PlatformEventsForwarder:
    """POSTs every event accepted by `PutEvents` to `url` (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        *,
        post: Post = requests_post,
        stderr: TextIO | None = None,
        timeout: float = SEND_TIMEOUT_SECONDS,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"{ENVIRONMENT_VARIABLE} must be an http:// or https:// URL, not {url!r}")
        self.url = url
        self.timeout = timeout
        self._post = post
        self._stderr = stderr
        self.delivered = 0  # POSTs answered 2xx
        self.failed = 0  # POSTs answered otherwise, or not at all

    # --- botocore handlers ----------------------------------------------------------------------------------

    def remember_entries(self, params: Mapping[str, Any], context: dict[str, Any], **kwargs: Any) -> None:
        """before-parameter-build: the entries as the caller passed them, for after-call."""
        entries = params.get("Entries")
        if isinstance(entries, list):
            context[_ENTRIES] = [dict(entry) for entry in entries if isinstance(entry, Mapping)]

    def after_call(
        self, http_response: Any, parsed: Mapping[str, Any], context: Mapping[str, Any], **kwargs: Any
    ) -> None:
        """after-call: deliver what moto accepted. Never raises into the function."""
        try:
            status = getattr(http_response, "status_code", 200)
            entries = context.get(_ENTRIES) or []
            if status >= 300 or not entries:
                return
            region = str(context.get("client_region") or LOCAL_REGION)
            self.deliver(accepted_envelopes(entries, parsed, region=region))
        except Exception as error:  # a bug here must not become the function's error
            self._report(f"PLATFORM_EVENT delivery skipped: {type(error).__name__}: {error}")

    # --- delivery -------------------------------------------------------------------------------------------

    def deliver(self, envelopes: Sequence[Mapping[str, Any]]) -> None:
        for envelope in envelopes:
            self._send(envelope)

    def _send(self, envelope: Mapping[str, Any]) -> None:
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
        label = f"PLATFORM_EVENT detail-type={envelope.get('detail-type')} id={envelope.get('id')} -> {self.url}"
        try:
            status = self._post(self.url, body, _HEADERS, self.timeout)
        except Exception as error:  # the receiver is down or slow: the function goes on
            self.failed += 1
            self._report(f"{label}: not delivered ({type(error).__name__}: {error})")
            return
        if 200 <= status < 300:
            self.delivered += 1
            self._report(f"{label}: {status}")
        else:
            self.failed += 1
            self._report(f"{label}: not delivered (HTTP {status})")

    def _report(self, line: str) -> None:
        stream = self._stderr or sys.stderr
        with contextlib.suppress(OSError, ValueError):  # a closed stream: nothing else to do
            print(line, file=stream, flush=True)

    # --- installing -----------------------------------------------------------------------------------------

    def install(self, session: Any) -> Callable[[], None]:
        """Register on a boto3 (or botocore) session; clients created from it afterwards deliver. Returns the
        function that unregisters (clients created meanwhile keep their copy of the hooks)."""
        emitter = session.events
        # Unique per forwarder: botocore ignores a second registration under an id it already has.
        entries_id, deliver_id = f"{_UNIQUE_ID}.{id(self)}.entries", f"{_UNIQUE_ID}.{id(self)}.deliver"
        emitter.register(BEFORE_PARAMETER_BUILD, self.remember_entries, unique_id=entries_id)
        emitter.register(AFTER_CALL, self.after_call, unique_id=deliver_id)

        def uninstall() -> None:
            emitter.unregister(BEFORE_PARAMETER_BUILD, unique_id=entries_id)
            emitter.unregister(AFTER_CALL, unique_id=deliver_id)

        return uninstall


def install_on_default_session(url: str, **options: Any) -> tuple[PlatformEventsForwarder, Callable[[], None]]:
    """Forward to `url` from every client boto3.client() creates from now on (boto3's default session, created
    here if it does not exist yet). Call before the handler is imported."""
    import boto3

    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    forwarder = PlatformEventsForwarder(url, **options)
    return forwarder, forwarder.install(boto3.DEFAULT_SESSION)
