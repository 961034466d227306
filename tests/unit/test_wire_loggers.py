"""The layer keeps wire-level logging of AWS and HTTP clients off at every log level (observability.py)."""

from __future__ import annotations

import logging

import pytest

from midtrans_native.observability import WIRE_LOGGERS, quiet_wire_loggers


@pytest.mark.parametrize(
    "name",
    ["botocore.endpoint", "botocore.parsers", "botocore.auth", "botocore.hooks", "urllib3.connectionpool", "boto3"],
)
def test_wire_level_loggers_say_nothing_below_warning_even_with_the_root_at_debug(name: str) -> None:
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.DEBUG)
    try:
        wire = logging.getLogger(name)
        assert not wire.isEnabledFor(logging.DEBUG) and not wire.isEnabledFor(logging.INFO)
        assert wire.isEnabledFor(logging.WARNING)  # their warnings and errors still reach the logs
    finally:
        root.setLevel(saved)


def test_bodies_stay_out_when_botocore_itself_is_turned_up() -> None:
    """boto3.set_stream_logger("botocore") lowers the parent: the loggers that print bodies keep their own level."""
    botocore = logging.getLogger("botocore")
    saved = botocore.level
    botocore.setLevel(logging.DEBUG)
    try:
        for name in ("botocore.endpoint", "botocore.parsers", "botocore.auth"):
            assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)
    finally:
        botocore.setLevel(saved)


def test_quieting_is_idempotent() -> None:
    quiet_wire_loggers()
    quiet_wire_loggers()
    assert {logging.getLogger(name).level for name in WIRE_LOGGERS} == {logging.WARNING}
