"""Building and updating the index: incremental by default, full on request or when the index is unusable.

An incremental update stats every corpus file, reads only those whose stamp changed, and re-indexes a file's
records only when its content (digest) or its nutrient links changed. When nutrient names or aliases change,
every article and FAQ is re-linked and only the records whose links moved are re-indexed. A file that fails
validation keeps its last good records in the index (full builds carry them over too), so a broken edit never
removes content from search; it is reported as ``path:line: message``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import time
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.writing import IndexWriter

from kb.corpus.files import MAX_FILE_BYTES, FileProblem, Listing, kind_of, list_corpus, read_text
from kb.corpus.loader import cross_check, link, matcher_for, read_disclaimer, read_synonyms
from kb.corpus.parsers import PARSERS, Parsed
from kb.index import documents
from kb.index.buildpool import (
    CALLER_SHARE,
    Share,
    Summary,
    WorkerError,
    Workers,
    fewer_collections,
    split,
    worker_count,
)
from kb.index.manifest import MANIFEST, Manifest
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
from kb.index.w3.bulkwriter import BulkSegmentWriter
from kb.index.w3.segments import segment_count
from kb.model.errors import CorpusInvalid, KbError, Problem
from kb.model.records import Nutrient, Record

Progress = Callable[[int, int], None]
LOCK_TIMEOUT = 10.0


@dataclass
class Report:
    """What one ``kb index`` did."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    seconds: float = 0.0
    full: bool = False
    records: int = 0
    notice: str = ""
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        mode = "full rebuild" if self.full else "incremental"
        text = (f"{mode}: {self.added} added, {self.updated} updated, {self.removed} removed, "
                f"{self.records} records, {self.seconds:.2f} s")
        if self.problems:
            text += f"; {len(self.problems)} problem(s), last good version kept"
        return text


def _digest(root: Path, rel: str) -> str:
    """A 64-bit BLAKE2 digest of a file, read in chunks; "" when unreadable or over the size limit.

    Streaming keeps memory flat: a 50 MB file dropped into the corpus must not cost 50 MB on every update.
    64 bits tell an edit from a touch; the short form keeps the manifest (read and rewritten on every update)
    small on a large corpus.
    """
    h = hashlib.blake2b(digest_size=8)
    try:
        # non-blocking: a FIFO swapped in since the file was read must not hang the build (H1)
        fd = os.open(root / rel, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        with open(fd, "rb") as fh:
            st = os.fstat(fd)
            if st.st_size > MAX_FILE_BYTES or not stat.S_ISREG(st.st_mode):
                return ""
            for chunk in iter(lambda: fh.read(1 << 16), b""):
                h.update(chunk)
    except OSError:
        return ""
    return h.hexdigest()


def _signature(records: list[Record]) -> str:
    """A digest of a file's records' ids and links: it changes when re-linking must re-index them."""
    h = hashlib.blake2b(digest_size=8)
    for r in sorted(records, key=lambda r: r.id):
        h.update(f"{r.id}\0{','.join(r.nutrients)}\n".encode())
    return h.hexdigest()


def _nutrient_terms(n: Nutrient) -> list[str]:
    return list(n.names)


class _ArticleSlugs(Container[str]):
    """The slugs of the listed articles, answered from the listing when asked.

    Cross-checks ask only for the articles that parsed FAQs name; an update that parses none of them never
    builds a set of every listed path."""

    def __init__(self, listing: Listing) -> None:
        self._listing = listing

    def __contains__(self, slug: object) -> bool:
        return isinstance(slug, str) and f"corpus/articles/{slug}.md" in self._listing.content


class _Run:
    """State of one update: the corpus listing, what was parsed, and the manifest being written."""

    def __init__(self, root: Path, report: Report) -> None:
        self.root = root
        self.report = report
        listing = list_corpus(root)
        # seeing no files is not "every file was deleted": stop rather than empty the index
        if any(p.path == "corpus" for p in listing.problems):
            raise CorpusInvalid([p for p in listing.problems if p.path == "corpus"])
        self.listing = listing
        self.refused = listing.refused
        report.problems += listing.problems
        _, probs = read_synonyms(root)
        report.problems += [p for p in probs if p not in listing.problems]  # a refused link: said once
        _, probs = read_disclaimer(root)
        report.problems += [p for p in probs if p not in listing.problems]
        self.article_slugs = _ArticleSlugs(listing)

    @property
    def stamps(self) -> dict[str, tuple[int, int]]:
        """Every listed file -> (mtime_ns, size); built on first use (an incremental update that changes a few
        files never needs it: :meth:`Manifest.changes` compares the listing's arrays)."""
        return self.listing.files

    @property
    def content(self) -> set[str]:
        """Every listed content file (the listing accepts only the parsers' folders)."""
        return self.listing.content

    def kept(self, rel: str) -> bool:
        """Whether an indexed file the listing refused (or whose folder it refused) keeps its records."""
        return rel in self.refused or rel.rsplit("/", 1)[0] in self.refused

    def parse(self, rels: set[str]) -> dict[str, Parsed]:
        out: dict[str, Parsed] = {}
        for rel in sorted(rels):
            kind = kind_of(rel)
            try:
                text = read_text(self.root, rel)
            except FileProblem as exc:
                out[rel] = Parsed(problems=[exc.problem])
                continue
            out[rel] = PARSERS[kind](rel, text)  # type: ignore[index]
        return out


def _add(writer: IndexWriter, records: list[Record], terms: dict[str, list[str]], stamp: list) -> None:
    for r in records:
        writer.add_document(**documents.to_document(r, terms, stamp))


def _manifest_from_index(ix: FileIndex) -> Manifest:
    """Rebuild the manifest cache from stored fields (after a crash between commit and manifest write)."""
    m = Manifest(generation=ix.latest_generation())
    records: dict[str, list[Record]] = {}
    with ix.reader() as reader:
        for fields in reader.all_stored_fields():
            rel = fields["path"]
            m.record(rel, fields["stamp"])
            rec = documents.load(fields["data"])
            records.setdefault(rel, []).append(rec)
            if isinstance(rec, Nutrient):
                m.nutrient_terms[rec.slug] = _nutrient_terms(rec)
                m.nutrient_files[rel] = rec.slug
    for rel, recs in records.items():
        m.links[rel] = _signature(recs)
    return m


def _live_ids(reader) -> set[str]:
    """Ids of every live document, read from the id column (no stored documents are unpickled)."""
    ids: set[str] = set()
    for segment_reader, _ in reader.leaf_readers():
        column = segment_reader.column_reader("id")
        ids.update(column[d] for d in segment_reader.all_doc_ids())
    return ids


def _old_records(ix: FileIndex | None, rel: str) -> list[Record]:
    if ix is None:
        return []
    try:
        with ix.searcher() as s:
            return [documents.load(f["data"]) for f in s.documents(path=rel)]
    except Exception:  # noqa: BLE001 - a damaged old index has no last good version to carry over
        return []


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
    run = _Run(root, report)
    try:
        old_ix, _ = open_current(base)
    except IndexMissing:
        old_ix = None
    old_ids: set[str] = set()
    if old_ix is not None:
        try:
            with old_ix.reader() as r:
                old_ids = _live_ids(r)
        except Exception:  # noqa: BLE001 - damaged past its table of contents: rebuild without it
            old_ix = None
    nutrient_files = {rel for rel in run.content if kind_of(rel) == "nutrient"}
    parsed = run.parse(nutrient_files)
    kept: set[str] = set()  # indexed files now refused by the listing (an escaping symlink...): carried over
    if old_ix is not None and run.refused:
        try:
            with old_ix.reader() as r:
                kept = {t.decode() if isinstance(t, bytes) else t for t in r.lexicon("path")}
        except Exception:  # noqa: BLE001
            kept = set()
        kept = {rel for rel in kept if run.kept(rel) and rel not in run.content}
    good_nutrients = [r for p in parsed.values() if not p.problems for r in p.records if isinstance(r, Nutrient)]
    # last good nutrient versions of broken nutrient files still count for linking, and so do those of nutrient
    # files the listing refused (corpus/nutrients/ unreadable, a symlink leading outside): the records that
    # mention them are not at fault and keep their links
    last_good = {rel for rel, p in parsed.items() if p.problems} | {rel for rel in kept if kind_of(rel) == "nutrient"}
    for rel in sorted(last_good):
        good_nutrients += [r for r in _old_records(old_ix, rel) if isinstance(r, Nutrient)]
    matcher = matcher_for(good_nutrients)
    terms = {n.slug: _nutrient_terms(n) for n in good_nutrients}
    gen_dir = new_generation_dir(base)
    ix = whoosh_index.create_in(str(gen_dir), make_schema())
    others = sorted(run.content - nutrient_files)
    shares = [Share(root, rels, {rel: run.stamps[rel] for rel in rels}, terms, _digest, _signature)
              for rels in split(others, run.stamps, 1 + worker_count(len(others)), CALLER_SHARE)]
    manifest = Manifest()
    new_ids: set[str] = set()
    writer: BulkSegmentWriter | None = None
    workers: Workers | None = None
    with fewer_collections():
        try:
            workers = Workers(shares[1:], gen_dir) if len(shares) > 1 else None
            writer = BulkSegmentWriter(ix)  # after the fork: workers inherit none of its open files
            summaries = {rel: Summary.of(p) for rel, p in parsed.items()}
            summaries.update((rel, Summary()) for rel in kept)
            summaries.update(shares[0].parse())
            for got in workers.summaries() if workers else ():
                summaries.update(got)
            cross = cross_check(summaries, {n.slug for n in good_nutrients}, run.article_slugs)
            skip = {rel for rel, s in summaries.items() if s.problems or rel in cross or rel in kept}
            if workers:
                workers.index([skip.intersection(share.rels) for share in shares[1:]])
            total = sum(len(s.records) for s in summaries.values())
            done = 0

            def tick(n: int) -> None:
                nonlocal done
                done += n + (workers.take_progress() if workers else 0)
                if progress:
                    progress(done, total)

            for rel in sorted(skip):
                report.problems += summaries[rel].problems + cross.get(rel, [])
                records = _old_records(old_ix, rel)  # carry over the last good version
                stamp = [0, 0, ""]  # never matches: retried on the next update
                _add(writer, records, terms, stamp)
                manifest.record(rel, stamp)
                manifest.links[rel] = _signature(records)
                new_ids.update(r.id for r in records)
                for r in records:
                    if isinstance(r, Nutrient):
                        manifest.nutrient_files[rel] = r.slug
                tick(len(summaries[rel].records))
            rows: list[tuple[str, list, str]] = []
            for rel in sorted(parsed.keys() - skip):
                records = [link(r, matcher) for r in parsed[rel].records]
                st = run.stamps[rel]
                stamp = [st[0], st[1], _digest(root, rel)]
                _add(writer, records, terms, stamp)
                rows.append((rel, stamp, _signature(records)))
                for r in records:
                    if isinstance(r, Nutrient):
                        manifest.nutrient_files[rel] = r.slug
                tick(len(records))
            rows += shares[0].index(writer, skip, tick)
            segments = writer.finish_segment()  # while the workers finish theirs
            if workers:
                theirs, more = workers.finish()
                segments = theirs + segments
                rows += more
                tick(0)
            for rel, stamp, signature in rows:
                manifest.record(rel, stamp)
                manifest.links[rel] = signature
                new_ids.update(r.id for r in summaries[rel].records)
            writer.commit_segments(segments)
        except BaseException:
            if writer is not None and not writer.is_closed:
                writer.cancel()
            raise
        finally:
            if workers:
                workers.close()
    manifest.nutrient_terms = terms
    manifest.generation = ix.latest_generation()
    write_atomic(gen_dir / MANIFEST, manifest.to_bytes(run.listing))
    swap_in(base, gen_dir)
    report.records = len(new_ids)
    report.added = len(new_ids - old_ids) if old_ix is not None else len(new_ids)
    report.updated = len(new_ids & old_ids)
    report.removed = len(old_ids - new_ids)
    report.problems.sort()
    report.seconds = time.perf_counter() - started
    return report


def update(root: Path, base: Path, progress: Progress | None = None) -> Report:
    """Bring the index up to date with the corpus, re-indexing only what changed.

    Falls back to a full build (with ``notice`` saying why) when there is no usable index.
    """
    with write_lock(base, LOCK_TIMEOUT), _writing(base):
        try:
            ix, gen_dir = open_current(base, touch=False)  # damaged segments fail in _incremental instead
        except IndexMissing as exc:
            notice = "" if exc.reason == "no index yet" else f"{exc.reason}: rebuilt from the corpus"
            return _full(root, base, progress, notice)
        remove_stale(base, gen_dir)  # folders of full builds killed before their swap
        try:
            return _incremental(root, ix, gen_dir)
        except KbError:
            raise
        except Exception as exc:  # noqa: BLE001 - a segment damaged past its table of contents
            failure = _write_failure(exc, base)
            if failure is not None:  # the disk is full (...): not damage, and a rebuild would fail too
                raise failure from exc
            notice = f"index is damaged ({type(exc).__name__}): rebuilt from the corpus"
            return _full(root, base, progress, notice)


def _incremental(root: Path, ix: FileIndex, gen_dir: Path) -> Report:
    started = time.perf_counter()
    report = Report()
    run = _Run(root, report)
    ix = open_generation(gen_dir)  # writable handle
    manifest = read_manifest(gen_dir)
    rebuilt_manifest = manifest is None or manifest.generation != ix.latest_generation()
    if rebuilt_manifest:
        manifest = _manifest_from_index(ix)

    # what moved, from the listing's stamp arrays against the manifest's; only files whose stamp moved are
    # read, and only those whose digest moved too are parsed
    moved = manifest.changes(run.listing)
    fresh = dict(moved.stamps)  # their new stamps; other files' come from the whole listing, built if needed
    changed: set[str] = set()
    touched = False
    for rel, st in moved.stamps:
        digest = _digest(root, rel)
        if digest and manifest.digest(rel) == digest:
            manifest.record(rel, (*st, digest))  # touched, not changed: saved below, not digested again
            touched = True
        else:
            changed.add(rel)
    if moved.complete:
        deleted: set[str] = set()  # the listing holds every path the manifest does
    else:
        deleted = {rel for rel in manifest.live_paths() - run.content if not run.kept(rel)}

    parsed = run.parse(changed)
    terms = {slug: manifest.nutrient_terms[slug] for rel, slug in manifest.nutrient_files.items()
             if rel not in deleted and rel not in parsed and slug in manifest.nutrient_terms}
    for rel, p in parsed.items():
        if kind_of(rel) == "nutrient":
            if p.problems:  # keep the last good version's terms
                slug = manifest.nutrient_files.get(rel)
                if slug in manifest.nutrient_terms:
                    terms[slug] = manifest.nutrient_terms[slug]
            else:
                for r in p.records:
                    if isinstance(r, Nutrient):
                        terms[r.slug] = _nutrient_terms(r)
    relink = terms != manifest.nutrient_terms
    if relink:
        parsed.update(run.parse({rel for rel in run.content if kind_of(rel) != "nutrient"} - set(parsed)))
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
    cross = cross_check(parsed, set(terms), run.article_slugs, taken)
    from kb.corpus.linking import NutrientMatcher, NutrientTerms

    matcher = NutrientMatcher(NutrientTerms(slug, tuple(names)) for slug, names in terms.items())

    if not parsed and not deleted and not relink:
        searcher.close()
        report.records = records_before
        _finish_manifest(manifest, ix, gen_dir, terms, report, started, run.listing,
                         touched=touched or rebuilt_manifest or not moved.aligned)
        return report
    writer = ix.writer()
    try:
        for rel in sorted(deleted):
            report.removed += len(indexed_ids(rel))
            writer.delete_by_term("path", rel, searcher=searcher)  # a reader of its own costs ms per segment
            manifest.forget(rel)
        for rel in sorted(parsed):
            p = parsed[rel]
            problems = p.problems + cross.get(rel, [])
            if problems:
                report.problems += problems
                continue
            records = [link(r, matcher) for r in p.records]
            sig = _signature(records)
            st = fresh[rel] if rel in fresh else run.stamps[rel]
            digest = _digest(root, rel)
            # only a nutrient record indexes names and aliases, and its own file changed: links decide the rest
            if rel not in changed and manifest.links.get(rel) == sig:
                continue  # re-linked, links unchanged
            if manifest.digest(rel) == digest and manifest.links.get(rel) == sig:
                manifest.record(rel, (st[0], st[1], digest))
                continue
            old_ids = indexed_ids(rel)
            new_ids = {r.id for r in records}
            writer.delete_by_term("path", rel, searcher=searcher)
            _add(writer, records, terms, [st[0], st[1], digest])
            report.added += len(new_ids - old_ids)
            report.updated += len(new_ids & old_ids)
            report.removed += len(old_ids - new_ids)
            manifest.record(rel, (st[0], st[1], digest))
            manifest.links[rel] = sig
            for r in records:
                if isinstance(r, Nutrient):
                    manifest.nutrient_files[rel] = r.slug
        # keep small commits cheap; let Whoosh merge only when segments pile up
        writer.commit(merge=segment_count(ix) > 8)
    except BaseException:
        writer.cancel()
        raise
    finally:
        searcher.close()
    report.records = records_before + report.added - report.removed
    _finish_manifest(manifest, ix, gen_dir, terms, report, started, run.listing, touched=True)
    return report


def _finish_manifest(manifest: Manifest, ix: FileIndex, gen_dir: Path, terms: dict[str, list[str]],
                     report: Report, started: float, listing: Listing, touched: bool) -> None:
    manifest.nutrient_terms = terms
    manifest.generation = ix.latest_generation()
    if touched:
        write_manifest(gen_dir, manifest, listing)
    report.problems.sort()
    report.seconds = time.perf_counter() - started


__all__ = ["Report", "full_build", "update", "current_dir"]
