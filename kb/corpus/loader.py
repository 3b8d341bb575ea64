"""Loading the whole corpus: parse every file, link records to nutrients, check what spans files.

``load_corpus`` is what ``kb validate`` uses; every build reads, parses and links a file with ``parse_file``,
``matcher_for`` and ``link`` (:mod:`kb.index.executor`) and checks what spans files with ``cross_check``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kb.corpus.disclaimer import DEFAULT_DISCLAIMER, read_disclaimer
from kb.corpus.files import FileProblem, kind_of, list_corpus, read_text
from kb.corpus.linking import NutrientMatcher, NutrientTerms
from kb.corpus.parsers import PARSERS, Parsed
from kb.corpus.synonyms import Synonyms, read_synonyms
from kb.model.errors import Problem
from kb.model.records import Faq, Nutrient, Record, Section


def parse_file(root: Path, rel: str) -> Parsed:
    """Read and parse one article, FAQ or nutrient file; never raises for bad content."""
    kind = kind_of(rel)
    if kind not in PARSERS:
        return Parsed(problems=[Problem(rel, 0, "not an article, FAQ or nutrient file")])
    try:
        text = read_text(root, rel)
    except FileProblem as exc:
        return Parsed(problems=[exc.problem])
    return PARSERS[kind](rel, text)


def matcher_for(terms: Iterable[tuple[str, Sequence[str]]]) -> NutrientMatcher:
    """The nutrient matcher for (slug, [name, *aliases]) pairs, in that order (``terms.items()`` of a build)."""
    return NutrientMatcher(NutrientTerms(slug, tuple(names)) for slug, names in terms)


def link(record: Record, matcher: NutrientMatcher) -> Record:
    """The record with ``nutrients`` = the nutrients it is about, sorted.

    A section is about the nutrients it names, those its article's front matter declares for it
    (``sections: {heading-slug: {nutrients: [...]}}``), and those the article declares as a whole only where
    its own text speaks of them (:meth:`NutrientMatcher.supports`): a section on what a cramp feels like, in an
    article declaring calcium, magnesium and potassium, is about none of them. An FAQ is one record with its
    own front matter: it is about what it declares and what it names.
    """
    if isinstance(record, Section):
        mentioned = matcher.mentions(record.heading, record.plain)
        article_wide = set(record.declared_nutrients) - mentioned - set(record.section_nutrients)
        supported = matcher.supports(sorted(article_wide), record.heading, record.plain) if article_wide else set()
        slugs = tuple(sorted(mentioned | set(record.section_nutrients) | supported))
    elif isinstance(record, Faq):
        slugs = tuple(sorted(set(record.declared_nutrients) | matcher.mentions(record.question, record.plain)))
    else:
        return record
    return record if slugs == record.nutrients else dataclasses.replace(record, nutrients=slugs)


class Checkable(Protocol):
    """What cross-file checks read of a parsed file: a :class:`Parsed`, or a build worker's summary of one."""

    declared: list[tuple[str, int]]
    faq_article: tuple[str, int] | None

    @property
    def records(self) -> Sequence[Any]: ...  # each with .id and .line


def cross_check(parsed: Mapping[str, Checkable], nutrient_slugs: set[str], article_slugs: Container[str],
                taken: Callable[[str], str | None] | None = None) -> dict[str, list[Problem]]:
    """Problems that need more than one file: unknown nutrient or article slugs, duplicate ids.

    Args:
        parsed: the files to check, by path (parsed files, or summaries of them).
        taken: the path of another file already holding an id (or None), for incremental updates.
    Returns:
        problems by path.
    """
    out: dict[str, list[Problem]] = {}
    owner: dict[str, str] = {}
    for rel in sorted(parsed):
        p = parsed[rel]
        for slug, line in p.declared:
            if slug not in nutrient_slugs:
                out.setdefault(rel, []).append(
                    Problem(rel, line, f"unknown nutrient {slug!r} (no corpus/nutrients/{slug}.yaml)"))
        if p.faq_article and p.faq_article[0] not in article_slugs:
            slug, line = p.faq_article
            out.setdefault(rel, []).append(
                Problem(rel, line, f"unknown article {slug!r} (no corpus/articles/{slug}.md)"))
        for rec in p.records:
            other = owner.get(rec.id) or (taken(rec.id) if taken else None)
            if other is not None and other != rel:
                out.setdefault(rel, []).append(
                    Problem(rel, getattr(rec, "line", 0), f"duplicate id {rec.id} (also in {other})"))
            else:
                owner[rec.id] = rel
    return out


@dataclass
class Corpus:
    """Everything loaded from a corpus: valid records (linked), synonyms, disclaimer and every problem."""

    records: list[Record] = field(default_factory=list)
    synonyms: Synonyms = field(default_factory=Synonyms)
    disclaimer: str = DEFAULT_DISCLAIMER
    problems: list[Problem] = field(default_factory=list)
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)
    bad_files: set[str] = field(default_factory=set)

    @property
    def sections(self) -> list[Section]:
        return [r for r in self.records if isinstance(r, Section)]

    @property
    def faqs(self) -> list[Faq]:
        return [r for r in self.records if isinstance(r, Faq)]

    @property
    def nutrients(self) -> list[Nutrient]:
        return [r for r in self.records if isinstance(r, Nutrient)]

    def summary(self) -> str:
        articles = len({s.article_slug for s in self.sections})
        return (f"{articles} articles, {len(self.sections)} sections, {len(self.faqs)} FAQs, "
                f"{len(self.nutrients)} nutrients, {len(self.synonyms)} synonym groups")


def load_corpus(root: Path) -> Corpus:
    """Load, link and check every corpus file under ``root``; problems are collected, not raised."""
    listing = list_corpus(root)
    corpus = Corpus(stamps=dict(listing.files), problems=list(listing.problems))
    corpus.synonyms, problems = read_synonyms(root)
    corpus.problems += [p for p in problems if p not in listing.problems]  # a refused link: said once
    corpus.disclaimer, problems = read_disclaimer(root)
    corpus.problems += [p for p in problems if p not in listing.problems]
    parsed = {rel: parse_file(root, rel) for rel in listing.files if kind_of(rel) in PARSERS}
    finish(parsed, corpus)
    return corpus


def finish(parsed: dict[str, Parsed], corpus: Corpus) -> None:
    """Cross-check and link parsed files into ``corpus``; a file with any problem contributes no records."""
    nutrients = [r for p in parsed.values() if not p.problems for r in p.records if isinstance(r, Nutrient)]
    articles = {rel.rsplit("/", 1)[-1][:-3] for rel, p in parsed.items() if kind_of(rel) == "article"}
    # a nutrient file that exists but has problems reports those itself; records declaring it are not at fault
    nutrient_files = {rel.rsplit("/", 1)[-1].rsplit(".", 1)[0] for rel in parsed
                      if kind_of(rel) == "nutrient"}
    cross = cross_check(parsed, {n.slug for n in nutrients} | nutrient_files, articles)
    matcher = matcher_for((n.slug, n.names) for n in nutrients)
    for rel in sorted(parsed):
        problems = parsed[rel].problems + cross.get(rel, [])
        if problems:
            corpus.problems += problems
            corpus.bad_files.add(rel)
            continue
        corpus.records.extend(link(r, matcher) for r in parsed[rel].records)
    corpus.problems.sort()
