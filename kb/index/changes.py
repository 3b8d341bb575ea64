"""What an incremental update has to do: which files to parse again, which to delete, and which stamps to record
without parsing (a file touched, not changed), found from the whole corpus listing against the manifest, or
from the paths a caller names (an editor's hook, the TUI's watcher, ``kb index PATH``).

Told the paths, an update looks at those files and at the ones the manifest says are out of date (``retry``:
files with problems, which every update reads again), and reports the corpus-level problems the last listing
found (kept in the manifest): the same work and the same report as a listing would give when only those files
changed, without the 19k ``stat`` calls of a 100k-section corpus. Whenever the paths cannot say it all (a
folder that is a symlink, a file that is not a regular one, a nutrient file, synonyms.yaml or the disclaimer,
a listed problem about a file now looked at or gone), it falls back to the listing.
"""

from __future__ import annotations

import os
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

from kb.corpus import paths as named
from kb.corpus.files import Listing, kind_of
from kb.corpus.parsers import Parsed
from kb.index import executor
from kb.index.executor import nutrient_terms
from kb.index.inputs import Report, Run
from kb.index.manifest import Manifest
from kb.model.errors import Problem
from kb.model.records import Nutrient


@dataclass
class Found:
    """What changed since the manifest was written."""

    #: files to parse: their content (digest) moved
    changed: set[str]
    #: the new stamps (mtime_ns, size) of the files whose stamp moved
    fresh: dict[str, tuple[int, int]]
    #: indexed (or placeholder) files that are gone
    deleted: set[str]
    #: stamps were recorded without parsing, or the manifest's order no longer matches the folders: write it
    touched: bool
    #: the slugs of the articles there are, for the FAQs' cross-checks
    article_slugs: Container[str]
    #: the corpus-level problems (listing, synonyms.yaml, disclaimer), also in the report
    corpus_problems: list[Problem]
    #: the whole listing and the run that made it; None when only named paths were looked at
    run: Run | None = None
    listing: Listing | None = None


def from_listing(root: Path, manifest: Manifest, report: Report) -> Found:
    """List the whole corpus and compare it with the manifest (a few array comparisons per folder)."""
    run = Run(root, report)
    moved = manifest.changes(run.listing)
    changed, touched = changed_files(root, manifest, moved.stamps)
    if moved.complete:
        deleted: set[str] = set()  # the listing holds every path the manifest does
    else:
        deleted = {rel for rel in manifest.live_paths() - run.content if not run.kept(rel)}
    return Found(changed, dict(moved.stamps), deleted, touched or not moved.aligned, run.article_slugs,
                 list(report.problems), run, run.listing)


def from_paths(root: Path, manifest: Manifest, rels: list[str], report: Report) -> Found | None:
    """What changed, from content files ``rels`` (corpus-relative, checked by :func:`kb.corpus.paths.corpus_relative`)
    and the manifest's out-of-date ones alone; None when the listing must decide (see the module's text).

    A named file that neither exists nor is indexed goes into ``report.missing``.
    """
    if manifest.retry is None:
        return None  # a manifest that does not know which files are out of date
    look = sorted(set(rels) | manifest.retry)
    if any(kind_of(rel) not in ("article", "faq") for rel in look):
        return None  # nutrients re-link others; synonyms.yaml and the disclaimer are the listing's to report
    folders = {rel.split("/")[1] for rel in look}
    if not all(named.plain_folder(root, folder) for folder in folders):
        return None
    shown = set(look) | {f"corpus/{folder}" for folder in folders}
    for problem in manifest.problems:
        if problem.path in shown or problem.path == "corpus" or not os.path.lexists(root / problem.path):
            return None  # a listed problem about these files, or about one that is gone: list again
    moved: list[tuple[str, tuple[int, int]]] = []
    deleted: set[str] = set()
    exists: dict[str, bool] = {}
    for rel in look:
        got = named.look(root, rel)
        if isinstance(got, str):
            return None  # a symlink, a FIFO, unreadable: the listing's rules
        exists[rel] = got is not None
        if got is None:
            if rel in manifest:
                deleted.add(rel)
            elif rel in rels:
                report.missing.append(rel)
        elif manifest.stamp(rel) != got:
            moved.append((rel, got))
    changed, touched = changed_files(root, manifest, moved)
    report.problems += manifest.problems
    return Found(changed, dict(moved), deleted, touched, _Articles(root, exists), list(manifest.problems))


class _Articles(Container[str]):
    """The article slugs there are, for an update told paths: those it looked at, the others as listed now."""

    def __init__(self, root: Path, exists: dict[str, bool]) -> None:
        self._root = root
        self._exists = exists

    def __contains__(self, slug: object) -> bool:
        if not isinstance(slug, str):
            return False
        rel = f"corpus/articles/{slug}.md"
        if rel not in self._exists:
            self._exists[rel] = named.listed(self._root, rel)
        return self._exists[rel]


def changed_files(root: Path, manifest: Manifest, stamps: list[tuple[str, tuple[int, int]]]) -> tuple[set[str], bool]:
    """Of the files whose stamp moved (from the listing's stamp arrays against the manifest's), those whose
    digest moved too: only they are parsed. The others were touched, not changed: their new stamp is recorded
    (saved with the manifest, so they are not digested again), and the flag says so."""
    changed: set[str] = set()
    touched = False
    for rel, st in stamps:
        digest = executor.digest(root, rel)
        if digest and manifest.digest(rel) == digest:
            manifest.record(rel, (*st, digest))
            touched = True
        else:
            changed.add(rel)
    return changed, touched


def terms_after(manifest: Manifest, parsed: dict[str, Parsed], deleted: set[str]) -> dict[str, list[str]]:
    """slug -> names once ``parsed`` is indexed and ``deleted`` gone: a parsed nutrient file's own, a broken one's
    last good version's, and every other nutrient file's as the manifest holds them."""
    terms = {slug: manifest.nutrient_terms[slug] for rel, slug in manifest.nutrient_files.items()
             if rel not in deleted and rel not in parsed and slug in manifest.nutrient_terms}
    for rel, p in parsed.items():
        if kind_of(rel) != "nutrient":
            continue
        if p.problems:  # keep the last good version's terms
            slug = manifest.nutrient_files.get(rel)
            if slug in manifest.nutrient_terms:
                terms[slug] = manifest.nutrient_terms[slug]
        else:
            terms.update(nutrient_terms(r for r in p.records if isinstance(r, Nutrient)))
    return terms
