"""The searcher serving an index folder: reopened when the index changes, rebuilt when it is missing or damaged.

(:class:`kb.engine.KnowledgeBase` serves its searches through one :class:`Serving`; building is the engine's,
passed in as ``rebuild``.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kb.index.store import IndexMissing, open_current
from kb.index.sums import ChecksumMismatch, changed_files_damaged
from kb.index.w3 import fastpath
from kb.model.errors import KbError
from kb.search.damage import is_index_damage
from kb.search.searcher import IndexSearcher

T = TypeVar("T")


class SearchFailed(KbError):
    """A search (or a look-up) failed for a reason other than a damaged index: reported, nothing rebuilt."""


class Serving:
    """The serving searcher of ``index_dir``; safe to use from several threads (calls are serialised)."""

    def __init__(self, index_dir: Path, rebuild: Callable[[], object], notify: Callable[[str], None]) -> None:
        self.index_dir = index_dir
        self.rebuild = rebuild
        self.notify = notify
        self.lock = threading.RLock()
        self._searcher: IndexSearcher | None = None
        self._pointer: str | None = None

    def current(self) -> IndexSearcher:
        """The searcher on the serving generation, reopened when the index changed, built when there is none."""
        with self.lock:
            pointer = self._read_pointer()
            s = self._searcher
            if s is not None and pointer == self._pointer:
                try:
                    if s.up_to_date():
                        return s
                except Exception:  # noqa: BLE001 - the generation vanished under us: reopen below
                    pass
            try:
                ix, gen_dir = open_current(self.index_dir)
            except IndexMissing as exc:
                if exc.reason != "no index yet":
                    self.notify(f"{exc.reason}: rebuilding the index")
                elif s is not None:  # it served a moment ago: the folder was deleted or emptied under us
                    self.notify("the index disappeared: rebuilding it from the corpus")
                else:  # deleted or emptied while nothing ran looks the same as a first use: say why we wait
                    self.notify("no index yet: building it from the corpus")
                self.rebuild()
                ix, gen_dir = open_current(self.index_dir)
                pointer = self._read_pointer()
            if bad := changed_files_damaged(gen_dir):  # written to since it was built: use() rebuilds it
                raise ChecksumMismatch(f"{bad[0]} does not match its checksum")
            if s is not None:
                s.close()
            self._searcher = IndexSearcher(ix)
            self._pointer = pointer
            message = fastpath.notice(self._searcher.searcher.reader())  # once per process, if at all
            if message:
                self.notify(message)
            return self._searcher

    def _read_pointer(self) -> str | None:
        try:
            return (self.index_dir / "CURRENT").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # garbage in the pointer: open_current reports it as damaged
            return None

    def use(self, action: Callable[[IndexSearcher], T], missed: Callable[[T], bool] | None = None) -> T:
        """Run ``action`` on the serving searcher, surviving an index damaged where opening it does not look.

        Opening touches only the table of contents; a garbled or truncated segment shows up as an arbitrary
        exception (zlib, struct, pickle...) on first use. Then: reopen and retry once (another process may
        have swapped generations under us); if it fails again, rebuild from the corpus with a notice and
        retry.
        A failure after a fresh rebuild is not damage and is raised. An exception that does not come from
        reading the index (:func:`is_index_damage`) is raised at once as :class:`SearchFailed`, with no rebuild.

        When ``missed`` says the answer is "not found", the files are checked against their sums first (once
        per opened index, outside the lock: other calls go on meanwhile); if they differ, the index is rebuilt
        and asked again.
        """
        searcher, answer = self._answer(action)
        if missed is None or not missed(answer) or not (bad := searcher.verify()):
            return answer
        with self.lock:
            if self._searcher is searcher:  # not yet reopened by another call
                self.close()
                self.notify(f"index is damaged ({bad[0]} does not match its checksum): rebuilding the index")
                self.rebuild()
            return self._answer(action)[1]

    def _answer(self, action: Callable[[IndexSearcher], T]) -> tuple[IndexSearcher, T]:
        """The searcher used and its answer (the loop :meth:`use` describes)."""
        with self.lock:
            attempt = 0
            while True:
                try:
                    searcher = self.current()
                    return searcher, action(searcher)
                except KbError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a failure reading a build artefact means damage
                    if not is_index_damage(exc):
                        raise SearchFailed(f"search failed ({type(exc).__name__}: {exc}); the index is fine "
                                           "and was not rebuilt") from exc
                    if attempt == 2:
                        raise
                    self.close()
                    if attempt == 1:
                        why = str(exc) if isinstance(exc, ChecksumMismatch) else type(exc).__name__
                        self.notify(f"index is damaged ({why}): rebuilding the index")
                        self.rebuild()
                    attempt += 1

    def close(self) -> None:
        with self.lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

