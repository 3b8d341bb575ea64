"""The Whoosh schema and text analysis shared by indexing, querying and snippets.

Analysis lowercases, folds accents, drops stop words and stems, so "cramps", "cramping" and "cramp" meet and
"Ménière" matches "meniere". Bump ``SCHEMA_VERSION`` whenever the schema or the analysis changes: an index built
with another version is rebuilt (with a notice) instead of answering wrongly.
"""

from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.analyzers import Analyzer
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

SCHEMA_VERSION = 1

#: Whoosh's English stop words plus the words people add to questions ("why do my legs cramp at night").
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may of on or that the this to us we when will with "
    "yet you your i me my mine our do does did am was were been being so too very just about into than then "
    "there these those what which who whom why how would could should shall has had having get gets got".split()
)

# Words: letters and digits, joined by apostrophes or dots inside a word ("b12", "don't", "2.4").
TOKEN_PATTERN = r"\w+(?:[.'’]\w+)*"


@lru_cache(maxsize=1)
def text_analyzer() -> Analyzer:
    """Tokenize, lowercase, fold accents, drop stop words, stem (Porter, cached)."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(cachesize=50000)
    )


def make_schema() -> Schema:
    """Fields a searcher matches on, plus the stored fields a result shows."""
    ana = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        path=ID(stored=True),
        title=TEXT(analyzer=ana, stored=True, field_boost=3.0, spelling=True),
        article=TEXT(analyzer=ana, stored=True, field_boost=1.5),
        body=TEXT(analyzer=ana, phrase=True, spelling=True),
        names=TEXT(analyzer=ana, field_boost=1.5),
        nutrients=KEYWORD(stored=True, commas=True, lowercase=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        stamp=STORED,
        data=STORED,
    )


#: Fields plain query words are matched against.
TEXT_FIELDS = ("title", "article", "body", "names", "tags")
