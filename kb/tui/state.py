"""The user's state between runs (query history, bookmarks) in ``$XDG_STATE_HOME/kb/`` (``~/.local/state/kb/``).

Each file is a small JSON document written atomically. A missing, broken or unreadable file reads as empty and an
unwritable folder only costs the saving: the app never stops over its state. What went wrong is kept in
``problem`` for the app to mention once.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_STATE_HOME/kb``, or ``~/.local/state/kb`` when it is unset, empty or relative (as the spec says)."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME", "")
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "kb"


class StateFile:
    """One JSON file in the state folder: :meth:`load` never raises, :meth:`save` returns whether it worked."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / name
        self.problem: str | None = None  # the last thing that went wrong, for a notice

    def load(self) -> object:
        """The stored value, or None when there is none or it cannot be read."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem = f"{self.path}: cannot be read ({exc})"
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            self.problem = f"{self.path}: not valid JSON ({exc}); starting afresh"
            return None

    def save(self, value: object) -> bool:
        """Write ``value`` (replacing the file in one step); False when the folder is not writable."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(value, out, ensure_ascii=False, indent=1)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self.problem = f"{self.path}: cannot be saved ({exc.strerror or exc})"
            return False
        return True
