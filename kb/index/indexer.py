"""Building and updating the index: incremental by default, full on request or when the index is unusable.

An incremental update stats every corpus file (or, told the paths that changed, only those and the files
with problems: :mod:`kb.index.changes`), reads only those whose stamp changed, and re-indexes a file's
records only when its content (digest) or its nutrient links changed. When nutrient names or aliases change,
every article and FAQ is re-linked and only the records whose links moved are re-indexed. A file that fails
validation keeps its last good records in the index (full builds carry them over too), so a broken edit never
removes content from search; it is reported as ``path:line: message``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.writing import NO_MERGE

from kb.corpus.files import Listing, kind_of
from kb.corpus.loader import cross_check, parse_file
from kb.corpus.parsers import Parsed
from kb.corpus.paths import corpus_relative
from kb.index import changes
from kb.index.buildpool import (
    CALLER_SHARE,
    Segments,
    Share,
    Shared,
    Summary,
    WorkerError,
    Workers,
    fewer_collections,
    index_file,
    split,
    worker_count,
)
from kb.index.executor import CARRIED, Executor, Row, nutrient_terms, signature
from kb.index.inputs import Previous, Report, Run
from kb.index.manifest import MANIFEST, Manifest
from kb.index.merging import fold_small
from kb.index.schema import make_schema
from kb.index.store import (
    IndexMissing,
    current_dir,
    new_generation_dir,
    open_current,
    open_generation,
    read_manifest,
    remove_stale,
    swap_in,
    write_atomic,
    write_failure,
    write_lock,
    write_manifest,
)
from kb.index.sums import write_sums
from kb.index.w3 import sidecar_write
from kb.index.w3.bulkwriter import BulkSegmentWriter
from kb.index.w3.segments import segment_count
from kb.model.errors import KbError
from kb.model.records import Nutrient

Progress = Callable[[int, int], None]
LOCK_TIMEOUT = 10.0
MAX_SEGMENTS = 8  # an update with more folds the smallest into its own (see kb.index.merging)


def _write_failure(exc: BaseException, base: Path):  # noqa: ANN202 - IndexWriteFailed | None
    """The disk-full (or read-only...) error for ``exc``, also when a build worker process met it."""
    failure = write_failure(exc, base)
    if failure is None and isinstance(exc, WorkerError):
        for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG):  # the worker sent its traceback
            if f"[Errno {code}]" in str(exc):
                failure = write_failure(OSError(code, os.strerror(code)), base)
                break
    return failure


@contextlib.contextmanager
def _writing(base: Path) -> Iterator[None]:
    """Inside the write lock: turn a failure to write (disk full...) into one clear error naming the index
    folder, and remove what a failed build left (its generation folder, temporary files)."""
    try:
        yield
    except BaseException as exc:
        remove_stale(base, current_dir(base))  # the lock is held: no other build is writing any of them
        failure = _write_failure(exc, base) if isinstance(exc, Exception) else None
        if failure is not None:
            raise failure from exc
        raise


def full_build(root: Path, base: Path, progress: Progress | None = None, notice: str = "") -> Report:
    """Build a fresh index in a new folder and swap it in atomically."""
    with write_lock(base, LOCK_TIMEOUT), _writing(base):
        return _full(root, base, progress, notice)


def _full(root: Path, base: Path, progress: Progress | None, notice: str) -> Report:
    """Parse, link and index every file into a new generation, on every core (see :mod:`kb.index.buildpool`).

    Nutrients are parsed first (every share links against them); then each process parses its share, the
    cross-file checks run on their summaries, and each process indexes its good files into its own segment
    while this one also carries over the last good version of every file with problems.
    """
    started = time.perf_counter()
    report = Report(full=True, notice=notice)
    run = Run(root, report)
    corpus_problems = list(report.problems)
    old = Previous(base, run)
    nutrient_files = {rel for rel in run.content if kind_of(rel) == "nutrient"}
    parsed = {rel: parse_file(root, rel) for rel in sorted(nutrient_files)}
    good_nutrients = [r for p in parsed.values() if not p.problems for r in p.records if isinstance(r, Nutrient)]
    # last good nutrient versions of broken nutrient files still count for linking, and so do those of nutrient
    # files the listing refused (corpus/nutrients/ unreadable, a symlink leading outside): the records that
    # mention them are not at fault and keep their links
    last_good = {rel for rel, p in parsed.items() if p.problems} | {r for r in old.kept if kind_of(r) == "nutrient"}
    for rel in sorted(last_good):
        good_nutrients += [r for r in old.records(rel) if isinstance(r, Nutrient)]
    ex = Executor(root, nutrient_terms(good_nutrients))
    gen_dir = new_generation_dir(base)
    # not memory-mapped: with mmap, each reader Whoosh 2.7 opens copies its segments' term and posting files
    # into memory (kb.index.store.open_generation); the sidecar check after the commit opened every segment
    # at once, and a 1M build's main process jumped from ~0.8 to 2.5-2.8 GB for two seconds
    ix = FileStorage(str(gen_dir), supports_mmap=False).create_index(make_schema())
    others = sorted(run.content - nutrient_files)
    shares = [Share(ex, rels, {rel: run.stamps[rel] for rel in rels})
              for rels in split(others, run.stamps, 1 + worker_count(len(others)), CALLER_SHARE)]
    with fewer_collections():
        rows, new_ids = _build(run, old, ex, parsed, shares, ix, gen_dir, progress)
    sidecar_write.write_index(ix, gen_dir)  # each segment's postings decoded, for first searches (kb.index.w3.sidecar)
    write_sums(gen_dir)  # what tells a damaged segment from a record that is not there (kb.index.sums)
    manifest = Manifest()
    for row in rows:
        manifest.add(row)
    manifest.nutrient_terms = ex.terms
    manifest.generation = ix.latest_generation()
    manifest.problems, manifest.retry = corpus_problems, run.retry
    write_atomic(gen_dir / MANIFEST, manifest.to_bytes(run.listing))
    swap_in(base, gen_dir)
    report.records = len(new_ids)
    report.added = len(new_ids - old.ids)
    report.updated = len(new_ids & old.ids)
    report.removed = len(old.ids - new_ids)
    report.problems.sort()
    report.seconds = time.perf_counter() - started
    return report


def _build(run: Run, old: Previous, ex: Executor, parsed: dict[str, Parsed], shares: list[Share],
           ix: FileIndex, gen_dir: Path, progress: Progress | None) -> tuple[list[Row], set[str]]:
    """Run a full build's shares (the first here, the others in workers, each streaming its files into segments
    of bounded size) and commit every segment; returns the manifest rows and the ids indexed.

    Files with problems of their own, files the listing refused, and files the cross-file checks fail after
    everything is parsed (their documents are then marked deleted) keep their last good version, indexed here;
    so are the nutrient files in ``parsed``.
    """
    mine: Segments | None = None
    late: Segments | None = None
    committer: BulkSegmentWriter | None = None
    workers: Workers | None = None
    try:
        workers = Workers(shares[1:], gen_dir) if len(shares) > 1 else None
        committer = BulkSegmentWriter(ix)  # after the fork: workers inherit none of its open files
        mine = Segments(gen_dir, committer)
        files = len(parsed) + len(old.kept) + sum(len(share.rels) for share in shares)
        done = [0, 0]  # records, files

        def tick(records: int, n_files: int) -> None:
            theirs = workers.take_progress() if workers else (0, 0)
            done[0] += records + theirs[0]
            done[1] += n_files + theirs[1]
            if progress:  # the total is known once every file is parsed: until then, estimated from the files
                progress(done[0], max(done[0], round(done[0] * files / max(done[1], 1))))

        own = Shared({rel: Summary.of(p) for rel, p in parsed.items()}, [], {}, [])
        own.summaries.update((rel, Summary()) for rel in old.kept)
        carried: list[Row] = []
        ids: set[str] = set()

        def carry(into: Segments, rel: str) -> None:
            records = old.records(rel)  # the last good version
            into.next_file()
            carried.append(ex.index(into, rel, records, CARRIED))
            ids.update(r.id for r in records)

        for rel in sorted(old.kept | {rel for rel, p in parsed.items() if p.problems}):
            carry(mine, rel)
            tick(len(own.summaries[rel].records), 1)
        for rel in sorted(rel for rel, p in parsed.items() if not p.problems):
            index_file(mine, own, rel, partial(ex.build, mine, rel, parsed[rel], run.stamps[rel]))
            tick(len(parsed[rel].records), 1)
        shares[0].run(mine, tick, own)  # finishes this process's segments while the workers finish theirs
        outs = (workers.finish() if workers else []) + [own]
        tick(0, 0)
        summaries: dict[str, Summary] = {}
        for out in outs:
            summaries.update(out.summaries)
        cross = cross_check(summaries, set(ex.terms), run.article_slugs)
        segments: list = []
        rows: list[Row] = []
        for out in outs:
            for rel in cross.keys() & out.spans.keys():  # indexed, then failed a cross-file check
                span = out.spans[rel]
                for docnum in range(span.first, span.first + span.count):
                    out.segments[span.segment].delete_document(docnum)
            rows += [row for row in out.rows if row.rel not in cross]
            segments += out.segments
        ids.update(r.id for row in rows for r in summaries[row.rel].records)
        bad = sorted(rel for rel, s in summaries.items() if s.problems or rel in cross)
        run.retry = set(bad)
        for rel in bad:
            run.report.problems += summaries[rel].problems + cross.get(rel, [])
        late_files = [rel for rel in bad if rel not in parsed and rel not in old.kept]  # not carried over yet
        if late_files:  # their last good versions, in one more segment
            late = Segments(gen_dir)
            for rel in late_files:
                carry(late, rel)
            segments += late.finish()
        committer.commit_segments(segments)
        return carried + rows, ids
    except BaseException:
        for segs in (mine, late):
            if segs is not None:
                segs.cancel()
        if committer is not None and not committer.is_closed:
            with contextlib.suppress(Exception):
                committer.cancel()
        raise
    finally:
        if workers:
            workers.close()


def update(root: Path, base: Path, progress: Progress | None = None,
           paths: Iterable[str | os.PathLike[str]] | None = None) -> Report:
    """Bring the index up to date with the corpus, re-indexing only what changed.

    With ``paths`` (files edited, added or deleted: absolute, or relative to the current folder or the root), only those
    are looked at, with the files whose problems keep them out of date, instead of listing the whole corpus;
    see :mod:`kb.index.changes`. Falls back to a full build (with ``notice`` saying why) when there is no
    usable index.

    Raises:
        NotCorpusFile: a path names no file kb reads (before anything is done).
    """
    rels = None if paths is None else sorted({corpus_relative(root, p) for p in paths})
    with write_lock(base, LOCK_TIMEOUT), _writing(base):
        try:
            ix, gen_dir = open_current(base, touch=False)  # damaged segments fail in _incremental instead
        except IndexMissing as exc:
            notice = "" if exc.reason == "no index yet" else f"{exc.reason}: rebuilt from the corpus"
            return _full(root, base, progress, notice)
        remove_stale(base, gen_dir)  # folders of full builds killed before their swap
        try:
            return _incremental(root, ix, gen_dir, rels)
        except KbError:
            raise
        except Exception as exc:  # noqa: BLE001 - a segment damaged past its table of contents
            failure = _write_failure(exc, base)
            if failure is not None:  # the disk is full (...): not damage, and a rebuild would fail too
                raise failure from exc
            notice = f"index is damaged ({type(exc).__name__}): rebuilt from the corpus"
            return _full(root, base, progress, notice)


def _incremental(root: Path, ix: FileIndex, gen_dir: Path, paths: list[str] | None = None) -> Report:
    started = time.perf_counter()
    report = Report()
    ix = open_generation(gen_dir)  # writable handle
    manifest = read_manifest(gen_dir)
    rebuilt_manifest = manifest is None or manifest.generation != ix.latest_generation()
    if rebuilt_manifest:
        manifest = Manifest.from_index(ix)
    found = None if paths is None or rebuilt_manifest else changes.from_paths(root, manifest, paths, report)
    while True:
        if found is None:
            found = changes.from_listing(root, manifest, report)
        run, fresh, deleted, changed = found.run, found.fresh, found.deleted, found.changed
        parsed = {rel: parse_file(root, rel) for rel in sorted(changed)}
        terms = changes.terms_after(manifest, parsed, deleted)
        relink = terms != manifest.nutrient_terms
        if relink and run is None:  # re-linking reads every file: list them (touched stamps stay recorded)
            found, report = None, Report(missing=report.missing)
            continue
        break
    if relink:
        assert run is not None
        others = {rel for rel in run.content if kind_of(rel) != "nutrient"} - set(parsed)
        parsed.update((rel, parse_file(root, rel)) for rel in sorted(others))
    ex = Executor(root, terms)
    searcher = ix.searcher()

    def taken(record_id: str) -> str | None:
        """The file (other than those being re-read or deleted) whose record already has this id."""
        docnum = searcher.document_number(id=record_id)
        if docnum is None:
            return None
        owner = searcher.stored_fields(docnum)["path"]
        return None if owner in parsed or owner in deleted else owner

    def indexed_ids(rel: str) -> set[str]:
        return {searcher.stored_fields(d)["id"] for d in searcher.document_numbers(path=rel)}

    records_before = searcher.doc_count()
    cross = cross_check(parsed, set(terms), found.article_slugs, taken)
    retry = {rel for rel, p in parsed.items() if p.problems or rel in cross}
    noted = found.corpus_problems == manifest.problems and retry == manifest.retry
    manifest.problems, manifest.retry = found.corpus_problems, retry
    if not parsed and not deleted and not relink:
        searcher.close()
        report.records = records_before
        _finish_manifest(manifest, ix, gen_dir, terms, report, started, found.listing,
                         touched=found.touched or rebuilt_manifest or not noted)
        return report
    # keep small commits cheap: the new segment is written as a full build writes its own; once segments pile
    # up, the smallest are folded into it (see kb.index.merging)
    merge = segment_count(ix) > MAX_SEGMENTS
    writer = BulkSegmentWriter(ix)
    try:
        for rel in sorted(deleted):
            report.removed += len(indexed_ids(rel))
            writer.delete_by_term("path", rel, searcher=searcher)  # a reader of its own costs ms per segment
            manifest.forget(rel)
        for rel in sorted(parsed):
            problems = parsed[rel].problems + cross.get(rel, [])
            if problems:
                report.problems += problems
                continue
            records = ex.link(parsed[rel])
            sig = signature(records)
            # only a nutrient record indexes names and aliases, and its own file changed: links decide the rest
            if rel not in changed and manifest.links.get(rel) == sig:
                continue  # re-linked, links unchanged
            stamp = ex.stamp(rel, fresh[rel] if rel in fresh else run.stamps[rel])  # type: ignore[union-attr]
            if manifest.digest(rel) == stamp[2] and manifest.links.get(rel) == sig:
                manifest.record(rel, stamp)
                continue
            old_ids = indexed_ids(rel)
            new_ids = {r.id for r in records}
            writer.delete_by_term("path", rel, searcher=searcher)
            manifest.add(ex.index(writer, rel, records, stamp, sig))
            report.added += len(new_ids - old_ids)
            report.updated += len(new_ids & old_ids)
            report.removed += len(old_ids - new_ids)
        writer.commit(mergetype=fold_small(terms) if merge else NO_MERGE)
    except BaseException:
        writer.cancel()
        raise
    finally:
        searcher.close()
    sidecar_write.write_index(ix, gen_dir)  # the new segment's (a merged one's) decoded postings
    write_sums(gen_dir)  # only the new files are read
    report.records = records_before + report.added - report.removed
    _finish_manifest(manifest, ix, gen_dir, terms, report, started, found.listing, touched=True)
    return report


def _finish_manifest(manifest: Manifest, ix: FileIndex, gen_dir: Path, terms: dict[str, list[str]],
                     report: Report, started: float, listing: Listing | None, touched: bool) -> None:
    manifest.nutrient_terms = terms
    manifest.generation = ix.latest_generation()
    if touched:
        write_manifest(gen_dir, manifest, listing)
    report.problems.sort()
    report.seconds = time.perf_counter() - started


__all__ = ["Report", "full_build", "update", "current_dir"]
