"""The build's layers import downwards only: kb.model < kb.corpus < kb.index (every import, also inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import kb

_KB = Path(kb.__file__).parent
#: each layer -> the kb packages its modules may import
ALLOWED = {"model": {"model"}, "corpus": {"model", "corpus"}, "index": {"model", "corpus", "index"}}


def _kb_imports(path: Path) -> set[str]:
    """The kb layers (second name part) a module imports, wherever the import statement is."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        out.update(n.split(".")[1] for n in names if n.startswith("kb.") and n.count(".") >= 1)
    return out


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_the_layers_below(layer: str) -> None:
    modules = sorted((_KB / layer).rglob("*.py"))
    assert modules
    wrong = {str(p.relative_to(_KB)): sorted(_kb_imports(p) - ALLOWED[layer]) for p in modules}
    assert {m: w for m, w in wrong.items() if w} == {}


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from kb.index.schema import text_analyzer\n    import kb.search.query\n")
    assert _kb_imports(module) == {"index", "search"}
