"""What a person types, worked out once per search into a :class:`SearchPlan`, without ever raising.

:func:`parse` splits the text (the only place it is read); :func:`make_plan` turns the parts into what the
searcher runs: *units* (one per typed word or quoted phrase, each with its alternatives and their weights),
exact phrases, filters, exclusions and the completions of a word being typed. Plain words are OR-ed, so every
word need not match, and the ranker scales each score by the share of typed words matched
(:meth:`kb.search.ranking.Ranker.score`), so results matching more of them rank higher; stop words drop out in
analysis. Supported syntax: ``"exact phrase"``, ``-word`` / ``-"phrase"`` to exclude, and filters ``kind:faq``,
``nutrient:magnesium``, ``tag:sleep``. Anything malformed
(unbalanced quotes, stray operators, unknown fields) degrades to plain words; a known filter with an unknown
value (``kind:bogus``) is kept aside in ``ParsedQuery.unknown_kinds`` for the engine to report, never searched
as words (nutrient and tag values are checked against the index by the engine). Synonym groups add alternatives
with a lower weight than the typed words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from whoosh import query as wq

from kb.corpus.synonyms import Synonyms
from kb.index.schema import TEXT_FIELDS, text_analyzer
from kb.model.errors import UnknownFilter
from kb.model.records import KINDS

SYNONYM_WEIGHT = 0.5
PREFIX_WEIGHT = 0.8
PHRASE_WEIGHT = 1.5
MAX_WORDS = 32  # a pasted paragraph still answers quickly
PHRASE_FIELDS = ("title", "body")  # where quoted phrases and words typed next to each other are looked for
FILTER_FIELDS = {"kind": "kind", "nutrient": "nutrients", "nutrients": "nutrients", "tag": "tags", "tags": "tags"}
KIND_ALIASES = {"section": "section", "sections": "section", "article": "section", "articles": "section",
                "faq": "faq", "faqs": "faq", "nutrient": "nutrient", "nutrients": "nutrient"}

#: words that name a filter or a kind: never spelling-corrected
FILTER_WORDS = frozenset(FILTER_FIELDS) | frozenset(KIND_ALIASES)

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass
class ParsedQuery:
    """The parts of a query string."""

    text: str = ""  # as given
    words: list[str] = field(default_factory=list)  # raw words, in order
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # words or phrases
    filters: dict[str, list[str]] = field(default_factory=dict)  # index field -> values
    unknown_kinds: list[str] = field(default_factory=list)  # kind:VALUE values that name no kind

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases)


def parse(text: str) -> ParsedQuery:
    """Split a query into words, phrases, exclusions and filters; never raises."""
    pq = ParsedQuery(text)
    text = "".join(ch if ch.isprintable() else " " for ch in text[:2000])
    if text.count('"') % 2:  # an unbalanced quote is just a character
        text = text.replace('"', " ")
    for m in _TOKEN.finditer(text):
        neg, phrase, token = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            if phrase.strip():
                (pq.excluded if neg else pq.phrases).append(phrase.strip())
            continue
        assert token is not None
        if ":" in token.strip(":") and not token.startswith("-"):
            name, _, value = token.partition(":")
            fieldname = FILTER_FIELDS.get(name.lower())
            if fieldname == "kind" and value and value.lower() not in KIND_ALIASES:
                pq.unknown_kinds.append(value)  # reported by the engine, never searched as words
                continue
            if fieldname and value:
                value = value.lower()
                if fieldname == "kind":
                    value = KIND_ALIASES.get(value, value)
                pq.filters.setdefault(fieldname, []).append(value)
                continue
            token = f"{name} {value}"  # unknown field: its words still count
        if token.startswith("-") and len(token) > 1 and token[1] != "-":
            pq.excluded.append(token[1:])
            continue
        pq.words.extend(w for w in re.split(r"[\s:]+", token) if w)
    pq.words = pq.words[:MAX_WORDS]
    return pq


def stems(text: str) -> list[str]:
    """The analysed terms of ``text`` (lowercased, accents folded, stop words dropped, stemmed)."""
    return [t.text for t in text_analyzer()(text)]


def last_word_typing(pq: ParsedQuery, prefix: bool) -> bool:
    """Whether the last word of ``pq`` is being typed (typing mode, and no space or closing quote after it)."""
    text = pq.text
    return prefix and bool(pq.words) and not text[-1:].isspace() and not text.rstrip().endswith('"')


@dataclass(frozen=True)
class Phrase:
    """Analysed words at consecutive positions in one of ``fields`` (stop words not counted); one word: anywhere
    in ``fields``. Quoted phrases, exclusions and words typed next to each other; hashable, so caches key on it."""

    words: tuple[str, ...]
    fields: tuple[str, ...] = PHRASE_FIELDS

    def parts(self) -> list[tuple[str, tuple[str, ...]]]:
        """(field, words) for each field."""
        return [(f, self.words) for f in self.fields]

    def whoosh(self) -> wq.Query:
        """The Whoosh query matching exactly these documents: only where Whoosh still does the work (checking
        a phrase with its span matchers when kb's own checks do not apply, and the tests comparing the two)."""
        if len(self.words) == 1:
            return wq.Or([wq.Term(f, self.words[0]) for f in self.fields])
        return wq.Or([wq.Phrase(f, list(self.words)) for f in self.fields])


def _exclusion(words: list[str]) -> Phrase:
    """What ``-word`` or ``-"a phrase"`` takes away: a word in any text field, a phrase in a title or a body."""
    return Phrase(tuple(words), TEXT_FIELDS) if len(words) == 1 else Phrase(tuple(words))


@dataclass(frozen=True)
class SearchPlan:
    """One search, worked out once from the text: what ranks, what must match, what is filtered and excluded.

    The searcher runs it against an index (bitsets for matching and counting, numpy for scoring); only an exact
    phrase check may still go through Whoosh (:meth:`Phrase.whoosh`).
    """

    text: str  # as typed (within the engine's limits)
    words: list[str]  # the raw words typed, in order (spelling correction, words typed next to each other)
    typed_phrases: list[str]  # the raw quoted phrases
    last_is_prefix: bool  # the last word is still being typed
    #: one entry per typed word (and quoted phrase): the term sets that satisfy it, any one of them fully
    units: list[list[frozenset[str]]] = field(default_factory=list)
    #: the weight of each alternative in ``units`` (typed word 1, prefix completion 0.8, synonym 0.5)
    weights: list[list[float]] = field(default_factory=list)
    #: unit index -> the quoted phrase it is (a phrase unit matches only where it is exact)
    phrases: dict[int, Phrase] = field(default_factory=dict)
    terms: frozenset[str] = frozenset()  # every analysed term that may match (for snippets and highlighting)
    prefixes: tuple[str, ...] = ()  # the index terms the word being typed expands to
    filters: dict[str, list[str]] = field(default_factory=dict)  # from the text: index field -> values (OR)
    exclusions: list[Phrase] = field(default_factory=list)
    kind: str | None = None  # the kind asked for apart from the text: applied after the facets are counted
    nutrient: str | None = None  # the nutrient asked for apart from the text
    care: str | None = None  # only records of this care level

    @property
    def searches_text(self) -> bool:
        """Whether any word or phrase takes part (else only filters list records)."""
        return bool(self.units)

    @property
    def empty(self) -> bool:
        """Nothing to search and nothing to list."""
        return not self.units and not self.filters and not (self.kind or self.care or self.nutrient)

    def allowed(self, with_kind: bool = True) -> dict[str, list[str]]:
        """Index field -> the values a record must hold one of (AND across fields): the text's filters and the
        ones asked for apart (``with_kind=False`` leaves out the ``kind`` asked for: what facets count)."""
        out = {f: list(v) for f, v in self.filters.items()}
        if self.kind and with_kind:
            out.setdefault("kind", []).append(self.kind)
        if self.care:
            out.setdefault("care", []).append(self.care)
        if self.nutrient:
            out.setdefault("nutrients", []).append(self.nutrient.lower())
        return out


#: words a worried person adds to a description that say nothing about what they want ("im always tired", "my
#: muscles keep jumping", "it hurts all the time"): dropped from a query that has other words, kept in the index
#: (Lucene's query-side stop words). On the judged set, split by query id parity (odd / even), dropping them
#: ranked the symptom queries better on both halves and the questions better on one, the same on the other.
QUERY_STOP_WORDS = frozenset(
    "im ive id dont wont cant couldnt didnt doesnt isnt keep keeps kept always really now since loads lot lots "
    "all over time every quite bit little awful terrible feel feels felt like something".split()
)
_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc")


def without_filler(words: list[str], word_stems: list[list[str]], last_is_prefix: bool,
                   phrased: frozenset[int] = frozenset()) -> list[list[str]]:
    """``word_stems`` with the query stop words' emptied, unless nothing else is left (or the word is being typed).

    Args:
        phrased: indexes of words that belong to a synonym phrase typed in full ("little boy", "right now"):
            kept, or the phrase could never match.
    """
    keep = [[] if w.lower().translate(_APOSTROPHES) in QUERY_STOP_WORDS and i not in phrased
            and not (last_is_prefix and i == len(words) - 1)
            else ws for i, (w, ws) in enumerate(zip(words, word_stems, strict=True))]
    return keep if any(keep) else word_stems


def synonym_phrase_words(word_stems: list[list[str]], syn_index: list[tuple[tuple[str, ...], list]]
                         ) -> frozenset[int]:
    """Indexes of the words (in ``word_stems``, one stem list per word) inside a multi-word synonym phrase."""
    flat = [(i, s) for i, ws in enumerate(word_stems) for s in ws]
    seq = [s for _, s in flat]
    out: set[int] = set()
    for pattern, _ in syn_index:
        n = len(pattern)
        if n > 1:
            for j in range(len(seq) - n + 1):
                if tuple(seq[j:j + n]) == pattern:
                    out.update(flat[k][0] for k in range(j, j + n))
    return frozenset(out)


def _synonym_index(synonyms: Synonyms) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    out = []
    for group in synonyms.groups:
        # "cramp" and "cramps" analyse alike: keep one, or the synonym would count (and weigh) twice
        analysed = list(dict.fromkeys(a for a in (tuple(stems(p)) for p in group) if a))
        for a in analysed:
            out.append((a, [b for b in analysed if b != a]))
    return out


@dataclass(frozen=True)
class _SynonymLookup:
    """A synonym index ready for planning: what each single stem's groups offer, in index order, and the
    multi-word patterns (a plan looks a stem up in a dict instead of walking every group per word)."""

    index: list[tuple[tuple[str, ...], list[tuple[str, ...]]]]
    single: dict[str, list[tuple[str, ...]]]
    multi: list[tuple[tuple[str, ...], list[tuple[str, ...]]]]
    first: dict[str, list[int]]  # first stem -> the indexes in ``multi`` of the patterns it begins


def _lookup(index: list[tuple[tuple[str, ...], list[tuple[str, ...]]]]) -> _SynonymLookup:
    single: dict[str, list[tuple[str, ...]]] = {}
    for pattern, others in index:
        if len(pattern) == 1:
            single.setdefault(pattern[0], []).extend(others)
    multi = [(p, o) for p, o in index if len(p) > 1]
    first: dict[str, list[int]] = {}
    for j, (pattern, _) in enumerate(multi):
        first.setdefault(pattern[0], []).append(j)
    return _SynonymLookup(index, single, multi, first)


#: synonym groups -> their lookup: analysing every phrase is a few milliseconds, and the groups change only when
#: synonyms.yaml does (a new engine on the same file reads equal groups: keyed by value, not by object)
_syn_cache: dict[tuple, _SynonymLookup] = {}


def _synonyms_of(synonyms: Synonyms) -> _SynonymLookup:
    key = synonyms.groups
    found = _syn_cache.get(key)
    if found is None:
        if len(_syn_cache) >= 4:
            _syn_cache.clear()
        found = _syn_cache[key] = _lookup(_synonym_index(synonyms))
    return found


def _add_synonyms(unit: list[frozenset[str]], wts: list[float], others: Sequence[tuple[str, ...]]) -> None:
    """Add to a unit the synonym alternatives ``others`` it lacks. A unit scores as its best weighted alternative
    and matches their union, and every alternative weighs at least a synonym: a repeat ("rock hard" and "hard as a
    rock"; "calf cramp" bringing the cramp group again) changed nothing but cost a pass over its postings."""
    have = set(unit)
    for o in others:
        alt = frozenset(o)
        if alt not in have:
            have.add(alt)
            unit.append(alt)
            wts.append(SYNONYM_WEIGHT)


def make_plan(pq: ParsedQuery, synonyms: Synonyms, prefix_terms: Sequence[str] = (), last_is_prefix: bool = False,
              kind: str | None = None, nutrient: str | None = None, care: str | None = None) -> SearchPlan:
    """The plan of a parsed query.

    Args:
        prefix_terms: index terms the last word expands to (typing mode), already capped by the caller.
        last_is_prefix: the last raw word is a prefix being typed (:func:`last_word_typing`).
        kind, nutrient, care: filters asked for apart from the text.
    """
    lookup = _synonyms_of(synonyms)

    word_stems = [stems(w) for w in pq.words]
    if any(w.lower().translate(_APOSTROPHES) in QUERY_STOP_WORDS for w in pq.words):
        word_stems = without_filler(pq.words, word_stems, last_is_prefix,
                                    synonym_phrase_words(word_stems, lookup.multi))
    flat: list[str] = [s for ws in word_stems for s in ws]
    terms: set[str] = set(flat)
    units: list[list[frozenset[str]]] = []  # units[k] belongs to flat[k]; prefix-only and phrases follow
    weights: list[list[float]] = []
    phrases: dict[int, Phrase] = {}
    for i, ws in enumerate(word_stems):
        is_last = i == len(word_stems) - 1
        for s in ws:
            unit = [frozenset([s])]
            wts = [1.0]
            if is_last and last_is_prefix and prefix_terms:
                terms.update(prefix_terms)
                unit += [frozenset([t]) for t in prefix_terms]
                wts += [PREFIX_WEIGHT] * len(prefix_terms)
            _add_synonyms(unit, wts, lookup.single.get(s, ()))
            terms.update(t for alt in unit for t in alt)
            units.append(unit)
            weights.append(wts)
        if not ws and is_last and last_is_prefix and prefix_terms:
            terms.update(prefix_terms)
            units.append([frozenset([t]) for t in prefix_terms])
            weights.append([PREFIX_WEIGHT] * len(prefix_terms))
    # multi-word synonyms: "low potassium" -> hypokalemia, "charley horse" -> cramp
    matched: set[tuple[str, ...]] = set()
    present = set(flat)
    for pattern, others in [lookup.multi[j] for j in sorted(j for s in present for j in lookup.first.get(s, ()))]:
        n = len(pattern)
        if pattern not in matched and any(
                tuple(flat[j:j + n]) == pattern for j in range(len(flat) - n + 1)):
            matched.add(pattern)
            for o in others:
                terms.update(o)
            for j in range(len(flat) - n + 1):  # "hypokalemia" satisfies both "low" and "potassium"
                if tuple(flat[j:j + n]) == pattern:
                    for k in range(j, j + n):
                        _add_synonyms(units[k], weights[k], others)
    for phrase in pq.phrases:
        ps = stems(phrase)
        if ps:
            terms.update(ps)
            units.append([frozenset(ps)])
            weights.append([PHRASE_WEIGHT])
            if len(ps) > 1:
                phrases[len(units) - 1] = Phrase(tuple(ps))
    exclusions = [_exclusion(es) for e in pq.excluded if (es := stems(e))]
    return SearchPlan(
        text=pq.text, words=list(pq.words), typed_phrases=list(pq.phrases), last_is_prefix=last_is_prefix,
        units=units, weights=weights, phrases=phrases, terms=frozenset(terms), prefixes=tuple(prefix_terms),
        filters={f: list(v) for f, v in pq.filters.items()}, exclusions=exclusions, kind=kind, nutrient=nutrient,
        care=care)


def valid_kind(kind: str | None) -> str | None:
    """The kind ``kind`` names (plurals and "article" accepted), None for None.

    Raises:
        UnknownFilter: ``kind`` names no kind.
    """
    if kind is None:
        return None
    k = KIND_ALIASES.get(kind.lower())
    if k is None or k not in KINDS:
        raise UnknownFilter(f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})", tuple(KINDS))
    return k


def unknown_value(label: str, value: str, valid: list[str], limit: int = 30) -> UnknownFilter:
    """The error for a ``label`` (nutrient, tag) filter value the index lacks, naming the valid values."""
    from whoosh.support.levenshtein import distance

    near = sorted((distance(value, v, limit=3), v) for v in valid)
    close = bool(near) and (near[0][0] <= 1 or (near[0][0] == 2 and len(value) >= 6))
    hint = f": did you mean {near[0][1]}?" if close else ""
    if not valid:
        listing = f"there are no {label}s in this knowledge base"
    else:
        more = f" and {len(valid) - limit} more" if len(valid) > limit else ""
        listing = f"{label}s: {', '.join(valid[:limit])}{more}"
    return UnknownFilter(f"unknown {label} {value!r}{hint} ({listing})", tuple(valid))


def check_filters(pq: ParsedQuery, nutrient: str | None, prefix: bool, values: Callable[[str], list[str]]) -> None:
    """Raise :class:`UnknownFilter` for a filter value the index lacks (``values``: a keyword field's values in
    the index), so it is never searched as words.

    In typing mode the value being typed at the end of the query ("kind:f", "nutrient:mag") is let through
    while it is the start of a valid value: it is not finished yet.
    """
    query = pq.text
    typing = ""
    if prefix and query[-1:].strip():
        name, _, value = query.rsplit(None, 1)[-1].partition(":")
        typing = f"{FILTER_FIELDS.get(name.lower(), '')}:{value.lower()}"
    for value in pq.unknown_kinds:
        if typing != f"kind:{value.lower()}" or not any(k.startswith(value.lower()) for k in KIND_ALIASES):
            valid_kind(value)
    wanted = [("nutrient", "nutrients", v) for v in pq.filters.get("nutrients", [])]
    wanted += [("tag", "tags", v) for v in pq.filters.get("tags", [])]
    if nutrient is not None:
        wanted.append(("nutrient", "nutrients", nutrient.lower()))
    for label, fieldname, value in wanted:
        valid = values(fieldname)
        if value in valid or (typing == f"{fieldname}:{value}" and any(v.startswith(value) for v in valid)):
            continue
        raise unknown_value(label, value, valid)
