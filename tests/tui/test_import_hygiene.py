"""The engine never imports Textual: only kb.tui does (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kb

# every engine module (kb/**/*.py outside kb/tui, but the entry point), so a new module is covered without editing
# this test
_KB = Path(kb.__file__).parent
ENGINE_MODULES = sorted(".".join(("kb", *p.relative_to(_KB).with_suffix("").parts)).removesuffix(".__init__")
                        for p in _KB.rglob("*.py")
                        if p.relative_to(_KB).parts[0] != "tui" and p.stem != "__main__")


def test_the_list_covers_the_named_modules():
    for name in ("kb.engine", "kb.cli.main", "kb.index.indexer", "kb.search.searcher", "kb.corpus.loader",
                 "kb.corpus.watch", "kb.search.snippets"):
        assert name in ENGINE_MODULES


def test_importing_the_engine_does_not_import_textual():
    code = "import importlib, sys\n"
    code += "".join(f"importlib.import_module({m!r})\n" for m in ["kb", *ENGINE_MODULES])
    code += "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
    code += "print(bad)\nsys.exit(1 if bad else 0)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"textual imported by the engine: {result.stdout} {result.stderr}"


def test_the_tui_does_import_textual():
    result = subprocess.run([sys.executable, "-c", "import sys, kb.tui.app; print('textual' in sys.modules)"],
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True", result.stderr


def _kb_imports(path: Path) -> set[str]:
    """Every kb module a file imports (at any depth: inside functions and TYPE_CHECKING blocks too)."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n == "kb" or n.startswith("kb.")}


def test_the_cli_and_the_tui_import_only_the_engine_and_the_model():
    allowed = ("kb.engine", "kb.model", "kb.cli", "kb.tui")
    faces = sorted((*(_KB / "cli").rglob("*.py"), *(_KB / "tui").rglob("*.py")))
    assert len(faces) > 20
    bad = {str(p.relative_to(_KB)): sorted(m for m in _kb_imports(p)
                                            if not any(m == a or m.startswith(a + ".") for a in allowed))
           for p in faces}
    assert {k: v for k, v in bad.items() if v} == {}
