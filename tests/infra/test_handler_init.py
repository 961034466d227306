"""Every handler module runs its init with the collector off and ends it frozen, with the collector back on
(docs/decisions.md D30): a module that forgets `gc.enable()` would leak every cycle its invocations make, and one
that imports before `gc.disable()` pays collection passes during init again."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HANDLERS = sorted((REPO / "functions").glob("*/app.py"))


def gc_call(node: ast.stmt) -> str | None:
    """ "disable" for a statement `gc.disable()`, and so on; None for anything else."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "gc":
            return func.attr
    return None


def init_order_problems(source: str) -> list[str]:
    body = ast.parse(source).body
    problems = []
    disabled_at = next((i for i, node in enumerate(body) if gc_call(node) == "disable"), None)
    if disabled_at is None:
        return ["no gc.disable()"]
    for node in body[:disabled_at]:
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import | ast.ImportFrom) else []
        module = node.module if isinstance(node, ast.ImportFrom) else None
        if names and module != "__future__" and names != ["gc"]:
            problems.append(f"imports {module or names} before gc.disable()")
    if [gc_call(node) for node in body[-2:]] != ["freeze", "enable"]:
        problems.append("does not end with gc.freeze() then gc.enable()")
    return problems


def test_there_are_handlers() -> None:
    assert len(HANDLERS) >= 9


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_handler_disables_the_collector_first_and_freezes_then_enables_it_last(path: Path) -> None:
    assert init_order_problems(path.read_text(encoding="utf-8")) == []


def test_the_check_catches_a_late_disable_and_a_missing_enable() -> None:
    late = "from __future__ import annotations\nimport gc\nimport json\ngc.disable()\nx = 1\ngc.freeze()\ngc.enable()\n"
    assert init_order_problems(late) == ["imports ['json'] before gc.disable()"]
    unfrozen = "import gc\ngc.disable()\nimport json\ngc.freeze()\n"
    assert init_order_problems(unfrozen) == ["does not end with gc.freeze() then gc.enable()"]


def test_after_import_the_collector_is_on_and_init_is_frozen() -> None:
    """In a fresh interpreter, as Lambda imports a handler."""
    code = (
        "import gc, json; import functions.check_payment_status.app; "
        "print(json.dumps([gc.isenabled(), gc.get_freeze_count()]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    enabled, frozen = json.loads(done.stdout.splitlines()[-1])
    assert enabled is True
    assert frozen > 100_000  # the modules, models and clients of init


# What the status function must not load at init: the other actions' operations, models and stores, Powertools
# idempotency (refund only), the admin's connection models and the BI-SNAP modules (docs/decisions.md D30).
NOT_FOR_STATUS = (
    "midtrans_native.confirmation_operations",
    "midtrans_native.link_operations",
    "midtrans_native.actions.cancel_transaction",
    "midtrans_native.actions.request_refund",
    "midtrans_native.actions.refund_sender",
    "midtrans_native.actions.create_payment_link",
    "midtrans_native.models.confirmations",
    "midtrans_native.models.payment_links",
    "midtrans_native.models.connection",
    "midtrans_native.stores.confirmations",
    "midtrans_native.stores.order_contexts",
    "midtrans_native.stores.token_cache",
    "midtrans_native.midtrans.bisnap",
    "aws_lambda_powertools.utilities.idempotency",
    "cryptography",
)


def modules_after_import(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `module`, as Lambda's init does."""
    code = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_status_function_loads_only_its_own_action_at_init() -> None:
    loaded = modules_after_import("functions.check_payment_status.app")
    assert "midtrans_native.agent_operations" in loaded  # the check sees what it should
    assert sorted(m for m in loaded if m.startswith(NOT_FOR_STATUS)) == []


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        ("cancel_transaction", {"midtrans_native.actions.cancel_transaction", "midtrans_native.stores.confirmations"}),
        ("request_refund", {"midtrans_native.actions.refund_sender", "aws_lambda_powertools.utilities.idempotency"}),
        (
            "create_payment_link",
            {"midtrans_native.actions.create_payment_link", "midtrans_native.midtrans.payment_links"},
        ),
        # MCP runs every tool and the catalog and the admin's actions describe every one: all loaded during init.
        ("mcp_server", {"midtrans_native.confirmation_operations", "midtrans_native.link_operations"}),
        ("agent_tools", {"midtrans_native.models.confirmations", "midtrans_native.models.payment_links"}),
        ("actions", {"midtrans_native.models.payment_links"}),
    ],
)
def test_a_function_loads_what_it_runs_during_init_not_on_its_first_call(function: str, expected: set[str]) -> None:
    assert expected <= modules_after_import(f"functions.{function}.app")
