"""Import rules that keep pytest, the local stack and Lambda seeing the same modules.

The layer is imported as `midtrans_native` everywhere (it is /opt/python/midtrans_native in Lambda),
and the layer ships without dev code, so it must not import it. Files are parsed, never imported.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

LAYER_FORBIDDEN = {"functions", "midtrans_local", "tests", "moto", "responses", "pytest", "hypothesis"}
# Tracer imports aws_xray_sdk even when tracing is off, and aws-xray-sdk depends on botocore: a layer
# botocore next to the runtime's boto3 could mismatch, so the layer ships the whole pinned boto3 closure
# (the versions the tests run with). See docs/decisions.md D1.
MUST_SHIP = {"aws-lambda-powertools", "aws-xray-sdk", "boto3", "botocore", "pydantic", "requests"}
PINNED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+$")


def imported_modules(source: str) -> set[str]:
    """Absolute module names a module imports (relative imports stay inside their package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def offending_imports(files: list[Path], banned_roots: set[str], root: Path) -> list[str]:
    found = []
    for path in files:
        for module in sorted(imported_modules(path.read_text(encoding="utf-8"))):
            if module.split(".")[0] in banned_roots:
                found.append(f"{path.relative_to(root)} imports {module}")
    return found


def python_files(root: Path, *dirs: str) -> list[Path]:
    return sorted(path for name in dirs for path in (root / name).rglob("*.py"))


def test_import_scanner_sees_every_absolute_import_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import shared.midtrans_native\nfrom moto import mock_aws\nfrom . import sibling\n"
        "def later():\n    import pytest\n",
        encoding="utf-8",
    )
    assert imported_modules(sample.read_text(encoding="utf-8")) == {
        "shared.midtrans_native",
        "moto",
        "pytest",
    }
    assert offending_imports([sample], {"shared", "pytest"}, tmp_path) == [
        "sample.py imports pytest",
        "sample.py imports shared.midtrans_native",
    ]


def test_nothing_imports_the_layer_through_shared(repo_root):
    files = python_files(repo_root, "functions", "shared", "midtrans_local")
    assert any(path.is_relative_to(repo_root / "shared") for path in files)
    assert offending_imports(files, {"shared"}, repo_root) == []


def test_layer_does_not_depend_on_dev_code(repo_root):
    files = python_files(repo_root, "shared/midtrans_native")
    assert files
    assert offending_imports(files, LAYER_FORBIDDEN, repo_root) == []


def test_layer_requirements_are_pinned_and_complete(repo_root):
    lines = (repo_root / "shared" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [line.split("#", 1)[0].strip() for line in lines]
    requirements = [line for line in requirements if line]
    assert requirements
    matches = {line: PINNED.match(line) for line in requirements}
    assert [line for line, match in matches.items() if match is None] == []
    names = {match["name"].lower().replace("_", "-") for match in matches.values() if match}
    assert names >= MUST_SHIP


def test_pin_pattern_rejects_loose_requirements():
    assert PINNED.match("pydantic==2.14.3")
    assert PINNED.match("aws-lambda-powertools[tracer]==3.37.0")
    for loose in ("pydantic>=2", "pydantic", "pydantic~=2.14", "pydantic==2.*", "-r other.txt"):
        assert not PINNED.match(loose), loose


def test_function_requirements_are_pinned_and_constrained_by_the_layer(repo_root):
    """A function with its own requirements.txt (the MCP function) ships the SDK's dependencies in its own package,
    which Lambda loads before the layer's: they must be the layer's versions, so the layer's file constrains it."""
    layer = {}
    for line in (repo_root / "shared" / "requirements.txt").read_text(encoding="utf-8").splitlines():
        if match := PINNED.match(line.split("#", 1)[0].strip()):
            layer[match["name"].lower()] = line.split("#", 1)[0].strip()
    files = sorted((repo_root / "functions").glob("*/requirements.txt"))
    assert files
    for path in files:
        lines = [line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [line for line in lines if line]
        assert "-c ../../shared/requirements.txt" in lines, path
        for line in lines:
            if line.startswith("-c "):
                continue
            match = PINNED.match(line)
            assert match, f"{path.name}: {line} is not pinned"
            assert layer.get(match["name"].lower(), line) == line, f"{path}: {line} differs from the layer's pin"
