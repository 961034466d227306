"""Invoke one function with an event file, without Docker: the local `sam local invoke`.

    python -m midtrans_local.invoke <LogicalId> <event.json> [--template template.yaml]

The function runs in-process with the same embedded moto, Midtrans simulator and seeded tenant as
`python -m midtrans_local.server`. The event is passed as it is (no JWT check: the file carries the
authorizer claims, as with sam local invoke). The response JSON goes to stdout; the function's own
logs and this tool's go to stderr. Exit code 0 when the handler returned, 1 when it raised.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from midtrans_local.server import LocalStack, quiet_library_loggers
from midtrans_local.template import DEFAULT_TEMPLATE_PATH

# The functions' read timeout against the stack's own simulator: it answers in milliseconds, so 1 s is plenty,
# and a fixture whose order stalls (events/create_payment_link.timeout.json) times out in seconds, not tens.
# MIDTRANS_READ_TIMEOUT_SECONDS in the environment, or another Midtrans (MIDTRANS_API_BASE_URL), keeps the
# template's.
INVOKE_READ_TIMEOUT_SECONDS = "1"


def invoke_stack(template: str | Path = DEFAULT_TEMPLATE_PATH) -> LocalStack:
    """The stack `make invoke` runs a function in: in-process, configured by the environment, not started."""
    overrides = {}
    if not os.environ.get("MIDTRANS_READ_TIMEOUT_SECONDS") and not os.environ.get("MIDTRANS_API_BASE_URL"):
        overrides["MIDTRANS_READ_TIMEOUT_SECONDS"] = INVOKE_READ_TIMEOUT_SECONDS
    # One-shot, so in-process (no workers, no moto server): one cold start, in this process, as sam local invoke.
    return LocalStack.from_environment(template, port=0, workers=False, function_environment=overrides)


def invoke_event(stack: LocalStack, function: str, event: dict[str, Any]) -> Any:
    """One invocation on a started `invoke_stack`: the handler's result (an exception propagates, as a function
    error). KeyError names a function the template does not have."""
    if function not in stack.template.functions:
        known = ", ".join(stack.template.functions)
        raise KeyError(f"no function {function} in {stack.template_path}; known: {known}")
    return stack.invoke(function, with_seeded_notification_token(stack, event))


# events/midtrans_notifications.*.json address the seeded tenant's notification URL through this placeholder: the real
# token is random and exists only once the stack has connected the tenant (LocalStack.notification_url).
NOTIFICATION_TOKEN_PLACEHOLDER = "LocalNotifyToken0123456789abcdefghijklmnopq"  # noqa: S105 (a placeholder)


def with_seeded_notification_token(stack: LocalStack, event: dict[str, Any]) -> dict[str, Any]:
    token = (event.get("pathParameters") or {}).get("token")
    if token != NOTIFICATION_TOKEN_PLACEHOLDER or not stack.notification_url:
        return event
    real = stack.notification_url.rsplit("/", 1)[-1]
    replaced: dict[str, Any] = json.loads(json.dumps(event).replace(NOTIFICATION_TOKEN_PLACEHOLDER, real))
    return replaced


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m midtrans_local.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id of an AWS::Serverless::Function, e.g. ConnectionFunction")
    parser.add_argument("event", type=Path, help="event JSON file, e.g. events/check_payment_status.json")
    parser.add_argument("--template", default=str(DEFAULT_TEMPLATE_PATH), help="SAM template (template.yaml)")
    args = parser.parse_args(argv)
    try:
        event = json.loads(args.event.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        parser.error(f"cannot read the event {args.event}: {error}")
    logging.basicConfig(
        level=(os.environ.get("LOG_LEVEL") or "INFO").upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_library_loggers()
    out = sys.stdout
    stack = invoke_stack(args.template)
    # Like sam local invoke: whatever the function prints (Powertools logs, EMF metrics) goes to
    # stderr, so stdout holds only the response and can be piped into jq.
    with redirect_stdout(sys.stderr):
        stack.start()
        try:
            if args.function not in stack.template.functions:
                known = ", ".join(stack.template.functions)
                print(f"no function {args.function} in {args.template}; known: {known}", file=sys.stderr)
                return 2
            result = invoke_event(stack, args.function, event)
        except Exception as error:
            traceback.print_exc()
            error_json = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            print(json.dumps(error_json), file=out)
            return 1
        finally:
            stack.stop()
    print(json.dumps(result), file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
