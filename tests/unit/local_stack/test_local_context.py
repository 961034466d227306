"""midtrans_local.context: the fake Lambda context and the per-invocation environment."""

from __future__ import annotations

import os

import pytest

from midtrans_local.context import FakeLambdaContext, environment_applied, lambda_runtime_environment


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_remaining_time_counts_down_from_the_timeout_and_stops_at_zero():
    clock = Clock()
    context = FakeLambdaContext("CheckPaymentStatusFunction", timeout_seconds=29, clock=clock)

    assert context.get_remaining_time_in_millis() == 29_000
    clock.now += 4.25
    assert context.get_remaining_time_in_millis() == 24_750
    clock.now += 60
    assert context.get_remaining_time_in_millis() == 0


def test_real_clock_counts_down_too():
    context = FakeLambdaContext("F", timeout_seconds=3)
    first = context.get_remaining_time_in_millis()
    assert 0 < first <= 3000
    assert context.get_remaining_time_in_millis() <= first


def test_context_has_the_lambda_attributes():
    context = FakeLambdaContext("ConnectionFunction", memory_limit_in_mb=512, aws_request_id="req-1")
    assert context.function_name == "ConnectionFunction"
    assert context.memory_limit_in_mb == 512
    assert context.invoked_function_arn == "arn:aws:lambda:ap-southeast-1:123456789012:function:ConnectionFunction"
    assert context.aws_request_id == "req-1"
    assert context.function_version == "$LATEST"
    assert context.log_group_name == "/aws/lambda/ConnectionFunction"
    assert FakeLambdaContext("F").aws_request_id != FakeLambdaContext("F").aws_request_id


def test_runtime_environment_names_the_function():
    env = lambda_runtime_environment("F", 256)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "F"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == "ap-southeast-1"


def test_environment_is_applied_then_restored_even_on_error(monkeypatch):
    monkeypatch.setenv("LOCAL_STACK_KEPT", "process")
    monkeypatch.delenv("LOCAL_STACK_NEW", raising=False)

    with pytest.raises(RuntimeError), environment_applied({"LOCAL_STACK_KEPT": "fn", "LOCAL_STACK_NEW": "fn"}):
        assert (os.environ["LOCAL_STACK_KEPT"], os.environ["LOCAL_STACK_NEW"]) == ("fn", "fn")
        raise RuntimeError("handler failed")

    assert os.environ["LOCAL_STACK_KEPT"] == "process"
    assert "LOCAL_STACK_NEW" not in os.environ
