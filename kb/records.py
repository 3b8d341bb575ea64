"""Frozen, typed records the loader produces and the indexer consumes.

A record remembers the file and line it came from so every message and every "open in editor" can point there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["section", "faq", "nutrient"]
KINDS: tuple[Kind, ...] = ("section", "faq", "nutrient")


@dataclass(frozen=True)
class Reference:
    """A public source a record was checked against."""

    title: str
    publisher: str
    url: str


@dataclass(frozen=True)
class IntakeRow:
    """One adult group's recommended intake, e.g. ("Men 19-30 years", 400) in the record's unit."""

    group: str
    amount: float


@dataclass(frozen=True)
class Intake:
    """Adult intake after the NIH ODS fact sheets: RDA or AI by group, with units, and the upper limit."""

    measure: str
    unit: str
    adults: tuple[IntakeRow, ...]
    upper_limit: str


@dataclass(frozen=True)
class Deficiency:
    """The clinical name of a deficiency (e.g. hypomagnesemia) and its signs."""

    name: str
    signs: tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """One ``##`` section of an article: the unit search returns for articles."""

    id: str
    article_slug: str
    article_title: str
    heading: str
    text: str  # Markdown of the section body (heading excluded)
    plain: str  # the body with Markdown stripped, for indexing and snippets
    path: str  # relative to the knowledge-base root, with forward slashes
    line: int
    reviewed: str
    tags: tuple[str, ...] = ()
    declared_nutrients: tuple[str, ...] = ()  # the article's front matter ``nutrients``
    nutrients: tuple[str, ...] = ()  # what it is linked to (kb.loader.link), sorted
    references: tuple[Reference, ...] = ()
    section_nutrients: tuple[str, ...] = ()  # front matter ``sections: {heading-slug: {nutrients: [...]}}``
    kind: Kind = field(default="section", init=False)

    @property
    def title(self) -> str:
        return self.heading


@dataclass(frozen=True)
class Faq:
    """One FAQ entry: a question and its Markdown answer."""

    id: str
    question: str
    answer: str
    plain: str
    path: str
    line: int
    reviewed: str
    tags: tuple[str, ...] = ()
    declared_nutrients: tuple[str, ...] = ()
    nutrients: tuple[str, ...] = ()
    article: str | None = None
    references: tuple[Reference, ...] = ()
    kind: Kind = field(default="faq", init=False)

    @property
    def title(self) -> str:
        return self.question


@dataclass(frozen=True)
class Nutrient:
    """A nutrient record, with fields after the NIH Office of Dietary Supplements fact sheets."""

    id: str
    slug: str
    name: str
    aliases: tuple[str, ...]
    category: str
    summary: str
    muscle_nerve_role: str
    food_sources: tuple[str, ...]
    deficiency: Deficiency
    intake: Intake
    at_risk: tuple[str, ...]
    excess: str
    see_doctor: str
    references: tuple[Reference, ...]
    reviewed: str
    path: str
    line: int
    kind: Kind = field(default="nutrient", init=False)

    @property
    def title(self) -> str:
        return self.name

    @property
    def nutrients(self) -> tuple[str, ...]:
        return (self.slug,)

    @property
    def tags(self) -> tuple[str, ...]:
        return (self.category,)


Record = Section | Faq | Nutrient
