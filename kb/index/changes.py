"""What an incremental update has to do: which files to parse again, which to delete, and which stamps to record
without parsing (a file touched, not changed), found from the whole corpus listing against the manifest."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path

from kb.corpus.files import Listing, kind_of
from kb.corpus.parsers import Parsed
from kb.index import executor
from kb.index.executor import nutrient_terms
from kb.index.inputs import Report, Run
from kb.index.manifest import Manifest
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
    #: the whole listing and the run that made it
    run: Run
    listing: Listing


def from_listing(root: Path, manifest: Manifest, report: Report) -> Found:
    """List the whole corpus and compare it with the manifest (a few array comparisons per folder)."""
    run = Run(root, report)
    moved = manifest.changes(run.listing)
    changed, touched = changed_files(root, manifest, moved.stamps)
    if moved.complete:
        deleted: set[str] = set()  # the listing holds every path the manifest does
    else:
        deleted = {rel for rel in manifest.live_paths() - run.content if not run.kept(rel)}
    return Found(changed, dict(moved.stamps), deleted, touched or not moved.aligned, run.article_slugs, run,
                 run.listing)


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
