"""midtrans_local.server: configuration by environment variables (nothing is started here)."""

from __future__ import annotations

import pytest

from midtrans_local.server import DEFAULT_PORT, LocalStack


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("PORT", "MIDTRANS_API_BASE_URL", "LOCAL_SEED_TENANT", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults(clean_env):
    stack = LocalStack.from_environment("template.yaml")
    assert (stack.port, stack.seed_tenant, stack.midtrans_base_url, stack.host) == (
        DEFAULT_PORT,
        "tenant-demo",
        "",
        "127.0.0.1",
    )


def test_environment_overrides(clean_env):
    clean_env.setenv("PORT", "4321")
    clean_env.setenv("MIDTRANS_API_BASE_URL", "http://127.0.0.1:9999")
    clean_env.setenv("LOCAL_SEED_TENANT", "")
    stack = LocalStack.from_environment("template.yaml")
    assert (stack.port, stack.seed_tenant, stack.midtrans_base_url) == (4321, None, "http://127.0.0.1:9999")


def test_explicit_port_beats_the_environment(clean_env):
    clean_env.setenv("PORT", "4321")
    assert LocalStack.from_environment("template.yaml", port=0).port == 0


def test_nothing_runs_before_start():
    with pytest.raises(RuntimeError, match="not started"):
        LocalStack("template.yaml").invoke("CheckPaymentStatusFunction", {})
