"""The house as the folders draw it: the import-linter contracts in pyproject.toml hold, and no module is too big.

A new import that goes up a layer (the corpus reaching into the index, the TUI into the searcher) or a circle of
imports fails here with the lines that break the rule, before anyone has to draw the structure by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import kb

KB = Path(kb.__file__).parent
MAX_LINES = 400


def test_the_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "lint-imports is in the test extras (pip install -e '.[test]')"
    result = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, timeout=120,
                            cwd=KB.parent)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_module_is_over_the_size_a_reader_takes_in() -> None:
    big = {str(p.relative_to(KB.parent)): n for p in KB.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"
