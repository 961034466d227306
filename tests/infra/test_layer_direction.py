"""Imports point one way: handlers -> actions -> stores/clients -> models.

Levels (a module may import its own level or lower, and the cross-cutting modules):

4 entry           functions/*/app.py, midtrans_native.api, .deps, .agent_operations, .confirmation_operations,
                  .link_operations, .agent_mcp
3 actions         midtrans_native.actions.*
2 stores/clients  midtrans_native.stores.*, midtrans_native.midtrans.*
1 models          midtrans_native.models.*, midtrans_native.registry
cross-cutting     errors, messages, link_messages, observability, settings, deadline, flags (and the package root):
                  importable from any level; they import only models and each other.

Only entry modules import `midtrans_native.deps` (the composition root), and deps imports nothing at the entry
level. The generic HTTP transport (`midtrans.transport`) depends on no protocol module (`midtrans.bisnap*`).
Files are parsed, never imported; imports inside functions and `if TYPE_CHECKING:` blocks count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.infra.test_import_rules import imported_modules

PACKAGE = "midtrans_native"
ENTRY, ACTIONS, STORES_CLIENTS, MODELS = 4, 3, 2, 1
CROSS_CUTTING = 0  # not a level: importable from every level, imports only models and other cross-cutting modules
LEVEL_NAMES = {
    ENTRY: "entry",
    ACTIONS: "actions",
    STORES_CLIENTS: "stores/clients",
    MODELS: "models",
    CROSS_CUTTING: "cross-cutting",
}
DEPS = f"{PACKAGE}.deps"

# Module name, or a package and everything in it ("midtrans_native.actions" covers midtrans_native.actions.x).
LEVELS: dict[str, int] = {
    "midtrans_native.api": ENTRY,
    "midtrans_native.deps": ENTRY,
    "midtrans_native.agent_operations": ENTRY,
    "midtrans_native.confirmation_operations": ENTRY,
    "midtrans_native.link_operations": ENTRY,
    "midtrans_native.agent_mcp": ENTRY,
    "midtrans_native.actions": ACTIONS,
    "midtrans_native.stores": STORES_CLIENTS,
    "midtrans_native.midtrans": STORES_CLIENTS,
    "midtrans_native.models": MODELS,
    "midtrans_native.registry": MODELS,
    "midtrans_native": CROSS_CUTTING,  # the package root: a docstring; `from midtrans_native import x` names it
    "midtrans_native.errors": CROSS_CUTTING,
    "midtrans_native.messages": CROSS_CUTTING,
    "midtrans_native.link_messages": CROSS_CUTTING,
    "midtrans_native.observability": CROSS_CUTTING,
    "midtrans_native.settings": CROSS_CUTTING,
    "midtrans_native.deadline": CROSS_CUTTING,
    "midtrans_native.flags": CROSS_CUTTING,
}
PACKAGES = {"midtrans_native.actions", "midtrans_native.stores", "midtrans_native.midtrans", "midtrans_native.models"}
TRANSPORT = "midtrans_native.midtrans.transport"


def level_of(module: str) -> int | None:
    """The module's level: its own entry, else its package's (for the four layer packages); None if unassigned."""
    if module in LEVELS:
        return LEVELS[module]
    if module.startswith("functions.") and module.endswith(".app"):
        return ENTRY
    for package in PACKAGES:
        if module.startswith(f"{package}."):
            return LEVELS[package]
    return None


def module_name(path: Path, root: Path) -> str:
    """shared/midtrans_native/stores/actions.py -> midtrans_native.stores.actions; functions/x/app.py ->
    functions.x.app (module names relative to `root`, the directory that holds the top-level package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_targets(source: str, module: str, is_package: bool) -> tuple[set[str], set[str]]:
    """(modules, candidates): the modules `module` imports by name (what `imported_modules` finds, plus relative
    imports resolved against `module`), and `pkg.name` for each `from pkg import name`, which may be a module
    (`from midtrans_native import deps`) or just a name defined in `pkg`."""
    named = set(imported_modules(source))
    candidates = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
            named.add(base)
        candidates.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return named, candidates


def rule_broken(importer: str, importer_level: int, target: str, target_level: int) -> str | None:
    """Which rule the import `importer -> target` breaks, if any."""
    if target == DEPS and importer_level != ENTRY:
        return "only entry modules may import the composition root"
    if importer == DEPS and target_level == ENTRY:
        return "deps may import only what is below the entry level"
    if importer_level == CROSS_CUTTING:
        if target_level not in (CROSS_CUTTING, MODELS):
            return "cross-cutting modules may import only models and each other"
    elif target_level != CROSS_CUTTING and target_level > importer_level:
        return "imports must point down"
    if importer == TRANSPORT and target.rpartition(".")[2].startswith("bisnap"):
        return "the generic transport must not depend on a protocol module"
    return None


def violations(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Every wrong-way import among `modules` (name -> (source, is_package)), one line each."""
    found = []
    for importer, (source, is_package) in sorted(modules.items()):
        importer_level = level_of(importer)
        if importer_level is None:
            continue  # reported by unassigned()
        named, candidates = imported_targets(source, importer, is_package)
        unknown = {name for name in named if name.startswith(f"{PACKAGE}.") and name not in modules}
        found.extend(f"{importer} imports {name}, which is no module of the layer" for name in sorted(unknown))
        for target in sorted((named | candidates) & modules.keys() - {importer}):
            target_level = level_of(target)
            if target_level is None:
                continue  # reported by unassigned()
            broken = rule_broken(importer, importer_level, target, target_level)
            if broken:
                found.append(
                    f"{importer} ({LEVEL_NAMES[importer_level]}) imports {target} ({LEVEL_NAMES[target_level]}): "
                    f"{broken}"
                )
    return found


def unassigned(modules: dict[str, tuple[str, bool]]) -> list[str]:
    return [
        f"{name} has no level: add it to LEVELS in tests/infra/test_layer_direction.py"
        for name in sorted(modules)
        if level_of(name) is None
    ]


def read_modules(repo_root: Path) -> dict[str, tuple[str, bool]]:
    """The layer's modules and the functions' handlers: name -> (source, is_package)."""
    files = [
        *((path, repo_root / "shared") for path in sorted((repo_root / "shared" / PACKAGE).rglob("*.py"))),
        *((path, repo_root) for path in sorted((repo_root / "functions").glob("*/app.py"))),
    ]
    return {
        module_name(path, root): (path.read_text(encoding="utf-8"), path.name == "__init__.py") for path, root in files
    }


@pytest.fixture(scope="module")
def modules(repo_root: Path) -> dict[str, tuple[str, bool]]:
    return read_modules(repo_root)


def test_every_module_has_a_level(modules):
    assert any(name.startswith("functions.") for name in modules)
    assert f"{PACKAGE}.registry" in modules and DEPS in modules
    assert unassigned(modules) == []


def test_imports_point_one_way(modules):
    assert violations(modules) == []


def test_every_named_module_exists(modules):
    """A module renamed or removed must leave LEVELS too (else its entry silently stops checking anything)."""
    assert sorted(set(LEVELS) - set(modules)) == []


# ---------------------------------------------------------------- the checker's own tests


def sample(**sources: str) -> dict[str, tuple[str, bool]]:
    """Module name (dots as '__') -> source; a name ending in '__init' is a package."""
    built = {}
    for key, source in sources.items():
        name = key.replace("__", ".")
        is_package = name.endswith(".init")
        built[name.removesuffix(".init")] = (source, is_package)
    return built


def test_scanner_sees_from_imports_of_modules_relative_lazy_and_type_checking_imports():
    source = (
        "from typing import TYPE_CHECKING\n"
        "from midtrans_native import deps\n"
        "from . import sibling\n"
        "from ..models.api import Thing\n"
        "if TYPE_CHECKING:\n"
        "    from midtrans_native.midtrans.bisnap import BiSnapClient\n"
        "def later():\n"
        "    import midtrans_native.api\n"
    )
    named, candidates = imported_targets(source, "midtrans_native.actions.refund", is_package=False)
    assert named == {
        "typing",
        "midtrans_native",
        "midtrans_native.actions",
        "midtrans_native.models.api",
        "midtrans_native.midtrans.bisnap",
        "midtrans_native.api",
    }
    assert {"midtrans_native.deps", "midtrans_native.actions.sibling", "midtrans_native.models.api.Thing"} <= candidates
    named, candidates = imported_targets("from . import x\n", "midtrans_native.stores", is_package=True)
    assert (named, candidates) == ({"midtrans_native.stores"}, {"midtrans_native.stores.x"})


def test_checker_catches_each_kind_of_wrong_way_import():
    modules = sample(
        midtrans_native="",
        midtrans_native__deps="from midtrans_native import api\n",
        midtrans_native__api="",
        midtrans_native__errors="from midtrans_native.stores import actions\n",
        midtrans_native__stores__init="",
        midtrans_native__stores__actions="def f():\n    from midtrans_native.actions import common\n",
        midtrans_native__actions__init="",
        midtrans_native__actions__common="from midtrans_native import deps\nfrom midtrans_native.gone import x\n",
        midtrans_native__models__init="",
        midtrans_native__models__api="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from midtrans_native.stores.actions import ActionStore\n",
        midtrans_native__midtrans__init="",
        midtrans_native__midtrans__transport="from midtrans_native.midtrans.bisnap_signing import sign\n",
        midtrans_native__midtrans__bisnap_signing="",
        midtrans_native__newcomer="",
        # Allowed: cross-cutting -> models and cross-cutting; actions -> cross-cutting; entry -> deps and actions.
        midtrans_native__models__common="",
        midtrans_native__settings="from midtrans_native.models.common import Locale\n"
        "from midtrans_native import errors\n",
        midtrans_native__actions__ok="from midtrans_native import settings\n"
        "from midtrans_native.models import common\n",
        functions__x__app="from midtrans_native import deps\nfrom midtrans_native.actions import common\n",
    )
    assert violations(modules) == [
        "midtrans_native.actions.common imports midtrans_native.gone, which is no module of the layer",
        "midtrans_native.actions.common (actions) imports midtrans_native.deps (entry): "
        "only entry modules may import the composition root",
        "midtrans_native.deps (entry) imports midtrans_native.api (entry): "
        "deps may import only what is below the entry level",
        "midtrans_native.errors (cross-cutting) imports midtrans_native.stores (stores/clients): "
        "cross-cutting modules may import only models and each other",
        "midtrans_native.errors (cross-cutting) imports midtrans_native.stores.actions (stores/clients): "
        "cross-cutting modules may import only models and each other",
        "midtrans_native.midtrans.transport (stores/clients) imports midtrans_native.midtrans.bisnap_signing "
        "(stores/clients): the generic transport must not depend on a protocol module",
        "midtrans_native.models.api (models) imports midtrans_native.stores.actions (stores/clients): "
        "imports must point down",
        "midtrans_native.stores.actions (stores/clients) imports midtrans_native.actions (actions): "
        "imports must point down",
        "midtrans_native.stores.actions (stores/clients) imports midtrans_native.actions.common (actions): "
        "imports must point down",
    ]
    assert unassigned(modules) == [
        "midtrans_native.newcomer has no level: add it to LEVELS in tests/infra/test_layer_direction.py"
    ]


def test_module_names_follow_the_layout(tmp_path):
    assert (
        module_name(tmp_path / "midtrans_native" / "stores" / "actions.py", tmp_path)
        == "midtrans_native.stores.actions"
    )
    assert module_name(tmp_path / "midtrans_native" / "models" / "__init__.py", tmp_path) == "midtrans_native.models"
    assert module_name(tmp_path / "functions" / "mcp_server" / "app.py", tmp_path) == "functions.mcp_server.app"
    assert level_of("functions.mcp_server.app") == ENTRY
    assert level_of("midtrans_native.midtrans.bisnap") == STORES_CLIENTS
    assert level_of("midtrans_native.registry") == MODELS
    assert level_of("midtrans_native.newcomer") is None
