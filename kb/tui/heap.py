"""Keep Python's cyclic garbage collector off the typing path.

A full (oldest-generation) collection walks every live container object: with the index open that is a few
hundred thousand (Whoosh readers, the engine's caches, Textual's widget tree), and CPython starts one whenever
enough objects have survived the young collections - which a few frames of Textual strips and segments do
every few keystrokes. Measured on the 10k-section benchmark corpus (queries typed through Pilot): a good share
of keystrokes waited for a full collection, far longer than the search itself took, and keystroke-to-paint p95
was several times higher with the collector as it comes than with it disabled.

So while the app runs, full collections are taken out of CPython's hands and done when the person pauses
(:meth:`HeapKeeper.idle`), and the objects alive after each index update are frozen (:meth:`HeapKeeper.settle`)
so those later passes skip them; that freeze waits for a pause too (:meth:`HeapKeeper.settle_later`): a collection
holds the GIL, so whichever thread runs it stalls the screen as long. Young collections stay automatic: they are
cheap and keep short-lived cycles from piling up while someone types without a pause.
"""

from __future__ import annotations

import gc
import time

NEVER = 1 << 30  # a generation-2 threshold CPython never reaches
PAUSE = 0.8  # seconds without input before a full collection may run
EVERY = 5.0  # at most one full collection per this many seconds


class HeapKeeper:
    """Owns the process's collector settings for the app's lifetime (restored by :meth:`stop`)."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None
        self._last_input = 0.0
        self._last_full = 0.0
        self._settle_due = False
        self.full_collections = 0

    def start(self) -> None:
        """Stop CPython from starting full collections on its own."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, NEVER)
            self._last_input = self._last_full = time.monotonic()  # not while the app starts

    def stop(self) -> None:
        """Give the collector back as it was (the tests run many apps in one process)."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
            gc.unfreeze()

    def touched(self) -> None:
        """The person pressed a key or used the mouse."""
        self._last_input = time.monotonic()

    def idle(self) -> bool:
        """Run a full collection if the person has paused and one is due; True if it ran.

        Called from a timer on the main thread: during a pause nobody waits for the frame it delays.
        """
        now = time.monotonic()
        if self._saved is None or now - self._last_input < PAUSE:
            return False
        if self._settle_due:
            self.settle()
            self.full_collections += 1
            return True
        if now - self._last_full < EVERY:
            return False
        if gc.get_count()[2] == 0:
            return False  # no young collection since the last full one: nothing new has grown old
        gc.collect()
        self._last_full = time.monotonic()
        self.full_collections += 1
        return True

    def settle(self) -> None:
        """Collect, then freeze what is still alive (after an index update: see :meth:`settle_later`).

        The previous freeze is undone first so that what it froze and has since died (an old searcher after
        a rebuild) is collected rather than kept for ever.
        """
        self._settle_due = False
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()

    def settle_later(self) -> None:
        """:meth:`settle` at the next pause (from any thread: after an index update and its titles are read)."""
        self._settle_due = True
