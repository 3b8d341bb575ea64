"""Red-flag phrases (``corpus/synonyms.yaml``'s ``red_flags``) found in a text as the index analyses it.

It lives beside the analyzer (:mod:`kb.index.schema`) rather than with the synonyms it reads
(:mod:`kb.corpus.synonyms`): the corpus layer only reads files, and must not import the index.
"""

from __future__ import annotations

from functools import lru_cache

from kb.corpus.synonyms import Synonyms
from kb.index.schema import text_analyzer


def _stems(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in text_analyzer()(text))


@lru_cache(maxsize=8)
def _analysed_flags(synonyms: Synonyms) -> tuple[tuple[tuple[str, ...], str], ...]:
    """Each red-flag phrase analysed as a search analyses it, with the phrase as written."""
    return tuple((a, phrase) for group in synonyms.red_flags for phrase in group if (a := _stems(phrase)))


def red_flag_in(text: str, synonyms: Synonyms) -> str | None:
    """The first red-flag phrase ``text`` contains, analysed like the query (stems in a row), or None.

    "crushing pain in my chest" does not contain "chest pain"; "chest pains when I walk" does, as it would
    match the synonym group.
    """
    flags = _analysed_flags(synonyms) if synonyms.red_flags else ()
    if not flags:
        return None
    words = _stems(text)
    for phrase, written in flags:
        n = len(phrase)
        if any(words[i:i + n] == phrase for i in range(len(words) - n + 1)):
            return written
    return None
