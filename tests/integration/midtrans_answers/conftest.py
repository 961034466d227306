"""Reading Midtrans' answers through the handlers: the cancel tier's simulator, connection and DynamoDB fixtures."""

from __future__ import annotations

from tests.integration.cancel.conftest import _simulator, sim  # noqa: F401  (fixtures)
