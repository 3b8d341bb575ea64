"""Finding the knowledge-base root: ``--root``, then ``KB_ROOT``, then the current folder and its parents."""

from __future__ import annotations

import os
from pathlib import Path

from kb.model.errors import RootNotFound


def is_root(path: Path) -> bool:
    return (path / "corpus").is_dir()


def find_root(explicit: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> Path:
    """The knowledge-base root to use.

    Raises:
        RootNotFound: the named root has no ``corpus/`` folder, or none was found upwards from ``cwd``.
    """
    env = os.environ if env is None else env
    for source, value in (("--root", explicit), ("KB_ROOT", env.get("KB_ROOT"))):
        if value:
            path = Path(value).expanduser().resolve()
            if not is_root(path):
                raise RootNotFound(f"{source} {path}: not a knowledge base (no corpus/ folder there)")
            return path
    start = (cwd or Path.cwd()).resolve()
    for path in (start, *start.parents):
        if is_root(path):
            return path
    raise RootNotFound(
        f"no knowledge base found in {start} or its parents (a folder holding corpus/); "
        "use --root DIR or set KB_ROOT"
    )
