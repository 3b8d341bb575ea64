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
    """One life-stage row of recommended intakes, in the record's unit; None where no figure applies."""

    ages: str  # as written: "0-6 months", "19-30 years", "51+ years"
    measure: str  # RDA | AI
    male: float
    female: float
    pregnancy: float | None = None
    lactation: float | None = None


@dataclass(frozen=True)
class Intakes:
    """Recommended intakes by life stage and sex, after the NIH ODS fact sheets."""

    measure: str
    rows: tuple[IntakeRow, ...]
    note: str = ""


@dataclass(frozen=True)
class LimitRow:
    """One life-stage row of an upper limit; ``amount`` None means not established."""

    ages: str
    amount: float | None
    pregnancy: float | None = None
    lactation: float | None = None


@dataclass(frozen=True)
class OtherLimit:
    """Another authority's limit or advice (e.g. the NHS), in its own words."""

    body: str
    text: str


@dataclass(frozen=True)
class UpperLimits:
    """Tolerable upper intake levels (or sodium's CDRR) by life stage, and who they apply to."""

    measure: str  # UL | CDRR
    applies_to: str  # all-sources | supplements | none-set
    note: str
    unit: str  # the record's unit unless the limit is written in another
    rows: tuple[LimitRow, ...]
    other: tuple[OtherLimit, ...] = ()

    @property
    def applies_text(self) -> str:
        """Who the limit applies to, in plain words."""
        return APPLIES_TO_TEXT.get(self.applies_to, self.applies_to)


APPLIES_TO_TEXT = {
    "all-sources": "applies to food, drink and supplements together",
    "supplements": "applies to supplements and medicines only, not to food",
    "none-set": "no upper limit has been set",
}


@dataclass(frozen=True)
class FoodSource:
    """A food, its serving and the amount that serving provides (in the record's unit)."""

    food: str
    serving: str
    amount: float


@dataclass(frozen=True)
class BloodTest:
    """A blood test, its typical adult reference range and what it can and cannot tell."""

    name: str
    range: str
    shows: str


@dataclass(frozen=True)
class BloodTests:
    tests: tuple[BloodTest, ...]
    note: str  # that labs differ


@dataclass(frozen=True)
class Interaction:
    """A medicine that changes the nutrient's level, or whose effect the nutrient changes."""

    medicine: str
    effect: str


@dataclass(frozen=True)
class Deficiency:
    """The clinical name of a deficiency (e.g. hypomagnesemia) and its signs."""

    name: str
    signs: tuple[str, ...]


@dataclass(frozen=True)
class Excess:
    """Too much: an optional clinical name, its signs, and when it happens."""

    name: str
    signs: tuple[str, ...]
    text: str


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
    declared_nutrients: tuple[str, ...] = ()
    nutrients: tuple[str, ...] = ()  # declared plus mentioned, sorted
    references: tuple[Reference, ...] = ()
    section_nutrients: tuple[str, ...] = ()  # from the front matter's ``sections.<slug>.nutrients``
    care: str | None = None  # emergency | urgent | routine | self-care (kb.corpus.care)
    callout: str = ""  # the emergency callout ("Call 999 / 911 if ...")
    article_summary: str = ""  # the article's front-matter summary, shown under its title
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
    care: str | None = None
    callout: str = ""
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
    unit: str
    daily_value: float
    intakes: Intakes
    upper_limits: UpperLimits
    food_sources: tuple[FoodSource, ...]
    blood_tests: BloodTests
    interactions: tuple[Interaction, ...]
    deficiency: Deficiency
    excess: Excess
    at_risk: tuple[str, ...]
    see_doctor: str
    references: tuple[Reference, ...]
    reviewed: str
    path: str
    line: int
    forms: tuple[str, ...] = ()
    food_note: str = ""
    kind: Kind = field(default="nutrient", init=False)

    @property
    def title(self) -> str:
        return self.name

    @property
    def nutrients(self) -> tuple[str, ...]:
        return (self.slug,)

    @property
    def names(self) -> tuple[str, ...]:
        """Every name that links a text to this nutrient: the name, aliases and forms."""
        return (self.name, *self.aliases, *self.forms)

    @property
    def care(self) -> str | None:
        return None

    @property
    def callout(self) -> str:
        return ""

    def percent_dv(self, amount: float) -> int | None:
        """``amount`` (in ``unit``) as a whole percentage of the Daily Value, halves rounded up as on labels."""
        if not self.daily_value:
            return None
        return int(amount * 100 / self.daily_value + 0.5)

    @property
    def tags(self) -> tuple[str, ...]:
        return (self.category,)


Record = Section | Faq | Nutrient
