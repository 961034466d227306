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
