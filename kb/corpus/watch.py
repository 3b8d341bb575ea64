"""Which corpus files changed while they are edited (watchfiles), for ``kb index --watch`` and the TUI."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from kb.corpus.files import FOLDERS, is_ignored
from kb.corpus.paths import corpus_relative
from kb.model.errors import NotCorpusFile


def is_corpus_file(root: Path, path: str) -> bool:
    """Whether a changed path names a file kb reads (an editor's or sed's temporary file in corpus/ does not)."""
    parts = Path(os.path.relpath(path, root / "corpus")).parts
    if len(parts) == 1:
        return parts[0] in ("disclaimer.md", "synonyms.yaml")
    return len(parts) == 2 and parts[0] in FOLDERS and parts[1].endswith(FOLDERS[parts[0]])


def corpus_paths(root: Path, changed: set[str]) -> list[str] | None:
    """The changed paths to tell an update (``update(paths=...)``), or None when they cannot say it all and the
    update must list the corpus: a folder or an unknown file appeared (the listing reports it), or something
    that is not a file kb reads went away where a corpus folder could have been (a moved folder).

    An editor's or sed's temporary file that came and went inside a content folder is no change to kb.
    """
    out: list[str] = []
    for path in sorted(changed):
        try:
            corpus_relative(root, path)
        except NotCorpusFile:
            parts = Path(os.path.relpath(path, root / "corpus")).parts
            if os.path.lexists(path) or not (len(parts) == 2 and parts[0] in FOLDERS):
                return None
            continue
        out.append(path)
    return out


def corpus_changes(root: Path, stop: threading.Event | None = None, debounce_ms: int = 300) -> Iterator[set[str]]:
    """Yield the set of changed paths under ``root/corpus`` each time files settle after an edit."""
    from watchfiles import watch  # here, not at the top: kb.engine re-exports this module's functions, and a search
    # (a fresh ``kb search`` process) should not pay for importing watchfiles

    for changes in watch(root / "corpus", watch_filter=lambda _, p: not is_ignored(Path(p).name),
                         debounce=debounce_ms, step=50, stop_event=stop, yield_on_timeout=False, raise_interrupt=False):
        if changes:
            yield {p for _, p in changes}

