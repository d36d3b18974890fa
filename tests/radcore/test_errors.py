"""The error hierarchy is one module, ``radcore.errors``, and every class of it is public."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import radcore
import radcore.errors
from radcore.errors import RadcoreError

ROOT = Path(__file__).parents[2]
ERRORS_MODULE = ROOT / "radcore" / "errors.py"


def _error_classes() -> dict[str, type]:
    return {name: cls for name, cls in vars(radcore.errors).items()
            if inspect.isclass(cls) and issubclass(cls, RadcoreError)}


def _base_name(node: ast.expr) -> str:
    """``RadcoreError`` for ``RadcoreError``, ``errors.RadcoreError`` or ``radcore.errors.RadcoreError``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def test_every_error_is_exported_from_radcore():
    errors = _error_classes()
    assert "RadcoreError" in errors and len(errors) > 1
    assert sorted(set(errors) - set(radcore.__all__)) == []
    for name, cls in errors.items():
        assert getattr(radcore, name) is cls


def test_no_module_outside_errors_defines_a_radcore_error():
    """Read with ast, not imported: a class whose base is a radcore error (directly or through another
    class of the tree) is an error class, and it belongs in radcore/errors.py."""
    classes = []
    for path in sorted((ROOT / "radcore").rglob("*.py")) + sorted((ROOT / "flows").rglob("*.py")):
        if path != ERRORS_MODULE:
            tree = ast.parse(path.read_text(), filename=str(path))
            classes += [(path, node) for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    known = set(_error_classes())
    found: dict[str, str] = {}
    while True:
        new = {f"{path.relative_to(ROOT)}: {node.name}": node.name for path, node in classes
               if any(_base_name(b) in known for b in node.bases)}
        if new.keys() <= found.keys():
            break
        found.update(new)
        known |= set(new.values())
    assert sorted(found) == []


def test_errors_imports_nothing():
    """``import radcore`` imports the errors; they must stay free of any dependency."""
    tree = ast.parse(ERRORS_MODULE.read_text())
    imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
               and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]
    assert imports == []
