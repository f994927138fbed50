"""The arrows point one way: core and server never import Qt; core never imports the server."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "playground"
QT_MODULES = {"PySide6", "qasync", "shiboken6"}


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("room", ["core", "server", "lab"])
def test_room_is_qt_free(room: str) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / room).rglob("*.py")
        for name in _imported_roots(path)
        if name.split(".")[0] in QT_MODULES or name.startswith(("playground.ui", "playground.app"))
    }
    assert not offenders


def test_core_does_not_import_server() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "core").rglob("*.py")
        for name in _imported_roots(path)
        if name.startswith("playground.server")
    }
    assert not offenders


def test_import_linter_contracts_hold() -> None:
    """The import-linter contracts in pyproject.toml also see indirect imports."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run(
        [exe, "--no-cache"], cwd=PACKAGE.parent, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
