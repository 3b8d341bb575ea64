"""The Whoosh schema and text analysis shared by indexing, querying and snippets.

Analysis lowercases, folds accents, drops stop words and stems, so "cramps", "cramping" and "cramp" meet and
"Ménière" matches "meniere". Words are taken as people write them: an apostrophe inside a word (straight or
typographic) and a possessive "'s" drop out, so "Crohn's", "Crohn’s", "Crohns" and "Crohn" meet; a single letter
joined to a number by a hyphen is one word, so "B-12" matches "B12"; an irregular plural meets its singular
("feet" and "foot", "calves" and "calf", "children" and "child"), which the Porter stemmer leaves apart.
Bump ``SCHEMA_VERSION`` whenever the schema or the analysis changes: an index built with another version is
rebuilt (with a notice) instead of answering wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import repeat

from whoosh.analysis import Token
from whoosh.analysis.analyzers import Analyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

SCHEMA_VERSION = 10  # 10: irregular plurals analysed as their singular; 9: analyzer pickled from kb.index.schema
# (the layer move); 8: sections store their article summary; 7: apostrophes folded; 6: Unicode slugs

#: Whoosh's English stop words plus the words people add to questions ("why do my legs cramp at night").
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may of on or that the this to us we when will with "
    "yet you your i me my mine our do does did am was were been being so too very just about into than then "
    "there these those what which who whom why how would could should shall has had having get gets got".split()
)

# Words: letters and digits, joined by apostrophes or dots inside a word ("b12", "don't", "2.4"), and a single
# letter joined to a number by a hyphen ("B-12", "D-3"; "type-2" and "1-2" stay two words).
# The apostrophes: straight, the typographic right single quote and the modifier letter some keyboards give.
TOKEN_PATTERN = r"(?<!\w)[^\W\d_]-\d+(?:[.'’ʼ]\w+)*|\w+(?:[.'’ʼ]\w+)*"

#: English nouns whose plural the Porter stemmer does not bring to the singular ("feet" stays "feet", "calves"
#: becomes "calv" while "calf" stays "calf"), so a person typing one form misses records using the other. Only
#: plurals that are no other common word are listed ("leaves" and "lives" are verbs too, and stem apart).
IRREGULAR_PLURALS = {
    "feet": "foot", "teeth": "tooth", "geese": "goose", "mice": "mouse", "lice": "louse",
    "men": "man", "women": "woman", "children": "child", "oxen": "ox",
    "calves": "calf", "halves": "half", "knives": "knife", "wives": "wife", "wolves": "wolf", "shelves": "shelf",
    "loaves": "loaf", "thieves": "thief", "hooves": "hoof", "scarves": "scarf",
}

_POSSESSIVE = re.compile(r"['’ʼ]s$")
_INNER = str.maketrans("", "", "'’ʼ-")
_MARKS = re.compile(r"['’ʼ-]")  # "ʼ" is a letter to Python (\w, isalnum): look for the marks themselves


_WORD = re.compile(TOKEN_PATTERN)


@lru_cache(maxsize=200_000)
def _normalise(word: str) -> str | None:
    """Lowercase, accent-folded, stemmed form of one token; None for a stop word.

    A possessive "'s" is dropped and any other apostrophe or hyphen left inside the token is removed ("don't" ->
    "dont", "B-12" -> "b12"), before the stop-word test, so "it's" stays a stop word.
    """
    folded = word.lower().translate(accent_map)
    if folded in STOP_WORDS:
        return None
    if _MARKS.search(folded):
        folded = _POSSESSIVE.sub("", folded).translate(_INNER)
        if not folded or folded in STOP_WORDS:
            return None
    return stem(IRREGULAR_PLURALS.get(folded, folded))


#: the public names of the word pattern and of one word's normalisation (spelling reads surface words with them)
WORD_RE = _WORD
normalise = _normalise

_TERM_BYTES: dict[str, bytes | None] = {}
_UNSEEN = object()


def index_terms(value: str) -> list[bytes]:
    """The terms :class:`HealthAnalyzer` yields for ``value``, in order, as UTF-8 bytes (stop words dropped).

    The index writer's fast path (:mod:`kb.index.w3.bulkwriter`): a term's position is its index in this list, as the
    analyzer numbers them. The words are looked up in one cache by ``map`` (in C) instead of a Token per word
    and an encode per term; only words never seen before go through :func:`_normalise`.
    """
    cache = _TERM_BYTES
    if len(cache) > 500_000:  # a long-lived process indexing ever new words: stay bounded
        cache.clear()
    words = _WORD.findall(value)
    terms = list(map(cache.get, words, repeat(_UNSEEN)))
    if _UNSEEN in terms:
        for i, term in enumerate(terms):
            if term is _UNSEEN:
                norm = _normalise(words[i])
                terms[i] = cache[words[i]] = None if norm is None else norm.encode("utf-8")
    return list(filter(None, terms))  # stop words are None; no term is empty


class HealthAnalyzer(Analyzer):
    """Tokenize, lowercase, fold accents, drop stop words and stem (Porter) in one pass.

    Equivalent to ``RegexTokenizer | LowercaseFilter | CharsetFilter(accent_map) | StopFilter | StemFilter`` but
    without a generator per stage and with one cache for the whole normalisation; indexing spends most of its
    time here, so the fused loop roughly halves build time. Positions skip stop words, as StopFilter's renumbering
    does, so phrases match across them.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HealthAnalyzer)

    def __hash__(self) -> int:
        return hash(HealthAnalyzer)

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs: object) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in _WORD.finditer(value):
            text = _normalise(match.group())
            if text is None:
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = match.group()
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


_ANALYZER = HealthAnalyzer()


def text_analyzer() -> HealthAnalyzer:
    """The analyzer used for every text field, for queries and for snippets."""
    return _ANALYZER


def make_schema() -> Schema:
    """Fields a searcher matches on, plus the stored fields a result shows."""
    ana = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        kind=ID(stored=True),
        path=ID(stored=True),
        title=TEXT(analyzer=ana, stored=True, field_boost=3.0),
        article=TEXT(analyzer=ana, stored=True, field_boost=1.5, phrase=False),
        body=TEXT(analyzer=ana, phrase=True),
        names=TEXT(analyzer=ana, field_boost=1.5, phrase=False),
        nutrients=KEYWORD(stored=True, commas=True, lowercase=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        care=KEYWORD(commas=True, lowercase=True),  # emergency | urgent | routine | self-care (kb.corpus.care)
        stamp=STORED,
        data=STORED,
    )


#: Fields plain query words are matched against.
TEXT_FIELDS = ("title", "article", "body", "names", "tags")
