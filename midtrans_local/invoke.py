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

from midtrans_local.server import LocalStack, quiet_library_loggers
from midtrans_local.template import DEFAULT_TEMPLATE_PATH


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
    # One-shot, so in-process (no workers, no moto server): one cold start, in this process, as sam local invoke.
    stack = LocalStack.from_environment(args.template, port=0, workers=False)
    # Like sam local invoke: whatever the function prints (Powertools logs, EMF metrics) goes to
    # stderr, so stdout holds only the response and can be piped into jq.
    with redirect_stdout(sys.stderr):
        stack.start()
        try:
            if args.function not in stack.template.functions:
                known = ", ".join(stack.template.functions)
                print(f"no function {args.function} in {args.template}; known: {known}", file=sys.stderr)
                return 2
            result = stack.invoke(args.function, event)
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
