"""The TUI's small settings file (the chosen theme), kept in the user's state folder between runs.

``$XDG_STATE_HOME/kb/settings.json`` (default ``~/.local/state/kb/settings.json``). Reading never fails: a
missing, unreadable or broken file gives the defaults; writing is atomic and a failure is reported, not raised.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def state_dir() -> Path:
    """The kb folder of the user's state folder (read from the environment on each call, never at import)."""
    base = os.environ.get("XDG_STATE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "kb"


def settings_path() -> Path:
    return state_dir() / "settings.json"


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The saved settings, or ``{}`` when the file is missing, unreadable or not a JSON object."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(key: str, value: Any, path: Path | None = None) -> str | None:
    """Store ``key`` = ``value`` beside the other settings; returns an error message, or None when saved."""
    path = path or settings_path()
    data = load_settings(path)
    data[key] = value
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        return f"could not save {path}: {exc.strerror or exc}"
    return None
