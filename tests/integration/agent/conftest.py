"""Agent surface tests: handlers in-process, AWS from moto, Midtrans from the stateful simulator on loopback
(the same fixtures as the cancel tier)."""

from __future__ import annotations

from tests.integration.cancel.conftest import _simulator, sim

__all__ = ["_simulator", "sim"]
