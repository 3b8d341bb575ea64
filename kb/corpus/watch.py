"""Which corpus files changed while they are edited (watchfiles), for ``kb index --watch`` and the TUI."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from watchfiles import watch

from kb.corpus.files import FOLDERS, is_ignored


def is_corpus_file(root: Path, path: str) -> bool:
    """Whether a changed path names a file kb reads (an editor's or sed's temporary file in corpus/ does not)."""
    parts = Path(os.path.relpath(path, root / "corpus")).parts
    if len(parts) == 1:
        return parts[0] in ("disclaimer.md", "synonyms.yaml")
    return len(parts) == 2 and parts[0] in FOLDERS and parts[1].endswith(FOLDERS[parts[0]])


def corpus_changes(root: Path, stop: threading.Event | None = None, debounce_ms: int = 300) -> Iterator[set[str]]:
    """Yield the set of changed paths under ``root/corpus`` each time files settle after an edit."""
    for changes in watch(root / "corpus", watch_filter=lambda _, p: not is_ignored(Path(p).name),
                         debounce=debounce_ms, step=50, stop_event=stop, yield_on_timeout=False, raise_interrupt=False):
        if changes:
            yield {p for _, p in changes}

