"""The Lambda runtime side of an in-process invocation: the context object and the env vars.

The app takes its 25 s action deadline from `get_remaining_time_in_millis()`, so the countdown starts
at the function's Timeout when the invocation starts and runs on the monotonic clock, as in Lambda.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

# From intrinsics, not template: a worker process imports this module, and template.py loads cfn-lint (~0.5 s).
from midtrans_local.intrinsics import LOCAL_ACCOUNT_ID, LOCAL_REGION


class FakeLambdaContext:
    """The attributes handlers and Powertools read from `context` (awslambdaric's names)."""

    def __init__(
        self,
        function_name: str,
        timeout_seconds: float = 3,
        memory_limit_in_mb: int = 128,
        *,
        aws_request_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT_ID}:function:{function_name}"
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/[$LATEST]{uuid.uuid4().hex}"
        self.identity: Any = None
        self.client_context: Any = None
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._deadline = clock() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))


def lambda_runtime_environment(function_name: str, memory_mb: int) -> dict[str, str]:
    """The reserved variables the Lambda runtime sets, which Powertools and boto3 read."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": LOCAL_REGION,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
    }


@contextmanager
def environment_applied(env: Mapping[str, str]) -> Iterator[None]:
    """Set a function's env vars for one invocation, then put the process's own values back.

    os.environ is process-global, so callers hold the invocation lock around this.
    """
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
