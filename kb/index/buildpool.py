"""A full build's parse-link-index work, split over processes: one share in the calling process, one per worker.

Parsing and linking are pure Python and Whoosh's indexing too, so one process uses one core. Whoosh's own
``MpWriter`` only moves indexing out (the caller still parses everything, then pickles every document to the
writers), and with two writers plus the parsing process it ran three busy processes on two cores. Here each
process owns a share of the files from start to end: it parses them, reports what cross-file checks need
(:class:`Summary`), waits for the verdict (which files to leave out: those with problems keep their last good
version, which the caller indexes), then links and indexes its files into its own segment (the per-file step
of :mod:`kb.index.executor`) and hands back the segment and the files' manifest rows. The caller commits every
segment in one table of contents.

Workers are forked where the platform can (nothing to re-import); elsewhere they are spawned and every
argument is picklable. A worker that fails sends its traceback; the caller raises it and stops the rest.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from kb.corpus.parsers import Parsed
from kb.index.executor import Executor, Row
from kb.index.w3.bulkwriter import BulkSegmentWriter
from kb.model.errors import Problem

PROGRESS_EVERY = 250  # records between a worker's progress messages
# the calling process's share of the files, relative to a worker's: it also parses the nutrients, runs the
# checks and writes the manifest, but a forked worker starts later and runs a little slower; at 1.0 both
# processes of a 1k, 10k or 100k build finished within 4 % of each other
CALLER_SHARE = 1.0


class RecordId(NamedTuple):
    """A record's id and line: all that duplicate-id checks need."""

    id: str
    line: int


@dataclass
class Summary:
    """What :func:`kb.corpus.loader.cross_check` needs of one parsed file (``records`` hold ids and lines only)."""

    problems: list[Problem] = field(default_factory=list)
    declared: list[tuple[str, int]] = field(default_factory=list)
    faq_article: tuple[str, int] | None = None
    records: list[RecordId] = field(default_factory=list)

    @classmethod
    def of(cls, parsed: Parsed) -> Summary:
        return cls(parsed.problems, parsed.declared, parsed.faq_article,
                   [RecordId(r.id, getattr(r, "line", 0)) for r in parsed.records])


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while a build allocates millions of acyclic objects.

    Tokens, records, documents and postings hold no cycles, but every 700 allocations trigger a young
    collection and every hundredth of those a full one over everything alive (at 100k sections, millions of
    objects). Raising the first threshold keeps collection on, so the odd cycle is still freed.
    """
    old = gc.get_threshold()
    mine = (max(old[0], 50_000), old[1], old[2])
    gc.set_threshold(*mine)
    try:
        yield
    finally:
        if gc.get_threshold() == mine:  # unless someone else (the TUI's heap keeper) has changed it meanwhile
            gc.set_threshold(*old)


class Share:
    """The files one process parses and indexes, each through the one per-file step (:class:`Executor`)."""

    def __init__(self, executor: Executor, rels: list[str], stamps: dict[str, tuple[int, int]]) -> None:
        self.executor = executor
        self.rels = rels
        self.stamps = stamps
        self.parsed: dict[str, Parsed] = {}
        self.parent: int | None = None  # in a worker: the build process, checked between files

    def _check_parent(self) -> None:
        if self.parent is not None and os.getppid() != self.parent:
            raise SystemExit("the build process ended")

    def parse(self) -> dict[str, Summary]:
        out: dict[str, Summary] = {}
        for rel in self.rels:
            self._check_parent()
            parsed = self.parsed[rel] = self.executor.parse(rel)
            out[rel] = Summary.of(parsed)
        return out

    def index(self, writer: BulkSegmentWriter, skip: set[str], tick: Callable[[int], None]) -> list[Row]:
        """Link and add every parsed file but those in ``skip``; ``tick(n)`` after each file of n records."""
        rows: list[Row] = []
        for rel in self.rels:
            self._check_parent()
            parsed = self.parsed.pop(rel)
            if rel in skip:
                continue
            rows.append(self.executor.build(writer, rel, parsed, self.stamps[rel]))
            tick(len(parsed.records))
        return rows


FILE_COST = 1000  # bytes: what the per-file work (YAML, reading, digest, one more record) weighs in a share


def split(rels: list[str], sizes: dict[str, tuple[int, int]], parts: int, first: float = 1.0) -> list[list[str]]:
    """``rels`` (sorted) in ``parts`` sorted runs of about equal work, the first ``first`` times the others.

    Each folder is split on its own, so every share holds articles and FAQs alike: parsing a FAQ (a YAML
    document for one record) costs more per byte than an article, and a share of mostly FAQs kept the others
    waiting at the cross-file check. Within a folder, work follows bytes plus a fixed cost per file. The
    calling process takes the first run (see ``CALLER_SHARE``).
    """
    out: list[list[str]] = [[] for _ in range(parts)]
    units = first + parts - 1
    folders: dict[str, list[str]] = {}
    for rel in rels:
        folders.setdefault(rel.rpartition("/")[0], []).append(rel)
    for group in folders.values():
        weights = [sizes[rel][1] + FILE_COST for rel in group]
        total = sum(weights)
        bounds = [total * (first + i) / units for i in range(parts - 1)]  # where runs 2, 3, ... start
        done = 0
        part = 0
        for rel, weight in zip(group, weights, strict=True):
            while part < parts - 1 and done >= bounds[part]:
                part += 1
            out[part].append(rel)
            done += weight
    return out


def _die_with(parent: int) -> None:
    """Make this worker end when the build process ends, however it ends (SIGKILL included).

    A forked worker shares the parent's open files, the index's write lock among them (an flock lives as long
    as any process holds its file open): an orphan would keep the lock, and keep writing into a generation
    folder the next ``kb index`` removes. On Linux the kernel kills the worker when its parent dies; elsewhere
    :class:`Share` checks between files.
    """
    with contextlib.suppress(OSError, AttributeError, TypeError):  # no libc, no prctl (not Linux)
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before that took effect
        os._exit(1)


def _serve(conn: Connection, share: Share, gen_dir: str, parent: int) -> None:
    """A worker: parse, send summaries, receive what to skip, index, send the segment and rows."""
    _die_with(parent)
    share.parent = parent
    try:
        with fewer_collections():
            conn.send(("parsed", share.parse()))
            message = conn.recv()
            if message is None:  # the caller gave up
                return
            writer = BulkSegmentWriter.for_worker(gen_dir)
            pending = [0]

            def tick(n: int) -> None:
                pending[0] += n
                if pending[0] >= PROGRESS_EVERY:
                    conn.send(("progress", pending[0]))
                    pending[0] = 0

            rows = share.index(writer, message, tick)
            segment = writer.finish_share()
            conn.send(("done", (pending[0], segment, rows)))
    except BaseException:  # noqa: BLE001 - reported to the caller, which raises
        try:
            conn.send(("error", traceback.format_exc()))
        except (OSError, ValueError):
            pass
    finally:
        conn.close()


class WorkerError(RuntimeError):
    """A build worker failed; the message holds its traceback."""


class Workers:
    """Worker processes, each owning one :class:`Share`."""

    def __init__(self, shares: list[Share], gen_dir: Path) -> None:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._conns: list[Connection] = []
        self._procs: list[Any] = []
        self._done: list[tuple[Any, list[Row]] | None] = [None] * len(shares)
        self.progress = 0  # records indexed by workers and not yet taken by the caller
        # a forked worker shares this process's memory until it writes to it, and a collection writes to every
        # object it visits: frozen objects are never visited, so the worker copies fewer pages (a few % faster).
        # Not when something else froze objects (the TUI's heap keeper): unfreezing would undo its freeze too.
        frozen = ctx.get_start_method() == "fork" and gc.get_freeze_count() == 0
        if frozen:
            gc.freeze()
        try:
            for share in shares:
                mine, theirs = ctx.Pipe()
                proc = ctx.Process(target=_serve, args=(theirs, share, str(gen_dir), os.getpid()), daemon=True)
                proc.start()
                theirs.close()
                self._conns.append(mine)
                self._procs.append(proc)
        except BaseException:
            self.close()
            raise
        finally:
            if frozen:
                gc.unfreeze()

    def _expect(self, i: int, kind: str) -> Any:
        """The next message of worker ``i`` that is not progress; raises if it failed."""
        conn = self._conns[i]
        while True:
            try:
                got, payload = conn.recv()
            except EOFError:
                raise WorkerError(f"build worker {i + 1} exited (code {self._procs[i].exitcode})") from None
            if got == "progress":
                self.progress += payload
            elif got == "error":
                raise WorkerError(f"build worker {i + 1} failed:\n{payload}")
            elif got == kind:
                return payload

    def summaries(self) -> list[dict[str, Summary]]:
        return [self._expect(i, "parsed") for i in range(len(self._conns))]

    def index(self, skips: list[set[str]]) -> None:
        for conn, skip in zip(self._conns, skips, strict=True):
            conn.send(skip)

    def take_progress(self) -> int:
        """Records the workers reported indexed since the last call (never blocks)."""
        for i, conn in enumerate(self._conns):
            while self._done[i] is None and conn.poll():
                got, payload = conn.recv()
                if got == "progress":
                    self.progress += payload
                elif got == "done":
                    self.progress += payload[0]
                    self._done[i] = (payload[1], payload[2])
                elif got == "error":
                    raise WorkerError(f"build worker {i + 1} failed:\n{payload}")
        n, self.progress = self.progress, 0
        return n

    def finish(self) -> tuple[list[Any], list[Row]]:
        """Wait for every worker: their segments (in worker order) and manifest rows."""
        segments: list[Any] = []
        rows: list[Row] = []
        for i in range(len(self._conns)):
            if self._done[i] is None:
                pending, segment, got_rows = self._expect(i, "done")
                self.progress += pending
                self._done[i] = (segment, got_rows)
            segment, got_rows = self._done[i]  # type: ignore[misc]
            if segment is not None:
                segments.append(segment)
            rows += got_rows
        for proc in self._procs:
            proc.join()
        return segments, rows

    def close(self) -> None:
        """Stop every worker still running (after a failure) and release the pipes."""
        for conn in self._conns:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            proc.join(timeout=1)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        for conn in self._conns:
            conn.close()


def worker_count(files: int) -> int:
    """How many worker processes a build of ``files`` content files uses besides the calling process."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores, 4) - 1) if files >= PARALLEL_FILES else 0


PARALLEL_FILES = 50  # below this, starting a worker costs more than it saves
