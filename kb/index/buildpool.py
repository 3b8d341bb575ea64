"""A full build's parse-link-index work, split over processes: one share in the calling process, one per worker.

Parsing and linking are pure Python and Whoosh's indexing too, so one process uses one core. Whoosh's own
``MpWriter`` only moves indexing out (the caller still parses everything, then pickles every document to the
writers), and with two writers plus the parsing process it ran three busy processes on two cores. Here each
process owns a share of the files from start to end and streams through it: it parses a file, links it and
indexes it (a file with problems of its own is left out: the caller indexes its last good version), keeping
only what the cross-file checks need of it (:class:`Summary`: ids and lines). Its documents go to
:class:`Segments`, which starts a new segment every ``SEGMENT_DOCS`` documents and writes each finished
segment's posting sidecar at once, so a process holds one segment's postings at a time and no parsed record
past its file: memory stays bounded whatever the corpus size. The caller then runs the cross-file checks over
every summary; a file they fail (an id another file has) is marked deleted in the segment that holds it and its
last good version is indexed instead. The caller commits every segment in one table of contents.

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
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from kb.corpus.parsers import Parsed
from kb.index.executor import Executor, Row
from kb.index.w3 import sidecar_write
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


def _give_back() -> None:
    """Return the heap a finished segment freed to the system (glibc keeps it otherwise, and a 1M build's
    processes then grew by a few hundred MB per segment)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)


class Segments:
    """The segments one build process writes: a new one every ``SEGMENT_DOCS`` documents (between files, so a
    file's documents share a segment), each finished one's posting sidecar written at once.

    ``first`` is the writer of the first segment (the build process's, which holds Whoosh's write lock and
    commits); later segments' writers take no lock.
    """

    def __init__(self, gen_dir: str | Path, first: BulkSegmentWriter | None = None) -> None:
        self.gen_dir = str(gen_dir)
        self.writer = first if first is not None else BulkSegmentWriter.for_worker(self.gen_dir)
        self.finished: list[Any] = []

    def add_document(self, **fields: Any) -> None:
        self.writer.add_document(**fields)

    def where(self) -> tuple[int, int]:
        """(segment number in :attr:`finished` order, document number in it) of the next document."""
        return len(self.finished), self.writer.docnum

    def next_file(self) -> None:
        """Start a new segment if this one is full; called before each file."""
        if self.writer.docnum >= SEGMENT_DOCS:
            self._finish_writer()
            self.writer = BulkSegmentWriter.for_worker(self.gen_dir)

    def _finish_writer(self) -> None:
        segment = self.writer.finish_share()
        if segment is not None:
            sidecar_write.write_segment(Path(self.gen_dir), self.writer.storage, self.writer.schema, segment)
            self.finished.append(segment)
        _give_back()


    def finish(self) -> list[Any]:
        """Finish the last segment; returns every segment written, in order."""
        self._finish_writer()
        return self.finished

    def cancel(self) -> None:
        with contextlib.suppress(Exception):  # the generation folder is removed anyway
            if not self.writer.is_closed:
                self.writer.cancel()


#: documents per segment before a build process starts another: bounds a process's postings and sidecar
#: memory (at 100k sections each of two processes writes one segment, as before). At 131,072 a 1M build's
#: main process passed 2 GB at its last segment; at 1M sections this makes 16 segments.
SEGMENT_DOCS = 65_536


class Span(NamedTuple):
    """Where a file's documents are: segment number (in its process's order), first document number, count."""

    segment: int
    first: int
    count: int


@dataclass
class Shared:
    """What a share hands back: every file's summary, the manifest rows and spans of the files it indexed, its
    segments."""

    summaries: dict[str, Summary]
    rows: list[Row]
    spans: dict[str, Span]
    segments: list[Any]


Tick = Callable[[int, int], None]  # (records, files) just done


class Share:
    """The files one process parses and indexes, each through the one per-file step (:class:`Executor`)."""

    def __init__(self, executor: Executor, rels: list[str], stamps: dict[str, tuple[int, int]]) -> None:
        self.executor = executor
        self.rels = rels
        self.stamps = stamps
        self.parent: int | None = None  # in a worker: the build process, checked between files

    def _check_parent(self) -> None:
        if self.parent is not None and os.getppid() != self.parent:
            raise SystemExit("the build process ended")

    def run(self, segments: Segments, tick: Tick, out: Shared | None = None) -> Shared:
        """Parse, link and index every file in turn into ``segments`` (finished here), but those with problems
        of their own; ``tick(records, files)`` after each file."""
        out = out if out is not None else Shared({}, [], {}, [])
        for rel in self.rels:
            self._check_parent()
            parsed = self.executor.parse(rel)
            out.summaries[rel] = Summary.of(parsed)
            if not parsed.problems:
                index_file(segments, out, rel, partial(self.executor.build, segments, rel, parsed, self.stamps[rel]))
            tick(len(parsed.records), 1)
        out.segments = segments.finish()
        return out


def index_file(segments: Segments, out: Shared, rel: str, add: Callable[[], Row]) -> None:
    """Run ``add`` (which indexes one file into ``segments``) and keep its row and where its documents went."""
    segments.next_file()
    seg, first = segments.where()
    out.rows.append(add())
    out.spans[rel] = Span(seg, first, segments.writer.docnum - first)


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
    """A worker: parse and index its share, reporting progress; send what it did (:class:`Shared`)."""
    _die_with(parent)
    share.parent = parent
    try:
        with fewer_collections():
            segments = Segments(gen_dir)
            pending = [0, 0]

            def tick(records: int, files: int) -> None:
                pending[0] += records
                pending[1] += files
                if pending[0] >= PROGRESS_EVERY:
                    conn.send(("progress", tuple(pending)))
                    pending[:] = [0, 0]

            done = share.run(segments, tick)
            conn.send(("done", (tuple(pending), done)))
    except BaseException:  # noqa: BLE001 - reported to the caller, which raises (and removes the generation
        # folder; not cancelled here: a writer's cancel removes the temporary folder every writer of it shares)
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
        self._done: list[Shared | None] = [None] * len(shares)
        self.progress = [0, 0]  # records and files done by workers and not yet taken by the caller
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

    def _take(self, i: int, got: str, payload: Any) -> None:
        if got == "progress":
            self._add(payload)
        elif got == "done":
            self._add(payload[0])
            self._done[i] = payload[1]
        elif got == "error":
            raise WorkerError(f"build worker {i + 1} failed:\n{payload}")

    def _add(self, counts: tuple[int, int]) -> None:
        self.progress[0] += counts[0]
        self.progress[1] += counts[1]

    def take_progress(self) -> tuple[int, int]:
        """(records, files) the workers reported done since the last call (never blocks)."""
        for i, conn in enumerate(self._conns):
            while self._done[i] is None and conn.poll():
                self._take(i, *conn.recv())
        got = (self.progress[0], self.progress[1])
        self.progress = [0, 0]
        return got

    def finish(self) -> list[Shared]:
        """Wait for every worker: what each did, in worker order."""
        for i, conn in enumerate(self._conns):
            while self._done[i] is None:
                try:
                    got, payload = conn.recv()
                except EOFError:
                    raise WorkerError(f"build worker {i + 1} exited (code {self._procs[i].exitcode})") from None
                self._take(i, got, payload)
        for proc in self._procs:
            proc.join()
        return [d for d in self._done if d is not None]

    def close(self) -> None:
        """Stop every worker still running (after a failure) and release the pipes."""
        for proc in self._procs:
            if proc.is_alive() and self._done[self._procs.index(proc)] is None:
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
