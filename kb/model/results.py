"""What a search returns: ranked hits with snippets whose matched words are marked as data, not markup.

Each interface renders the spans its own way (bold on a terminal, a highlight style in the TUI, offsets in JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Snippet:
    """A fragment of a record's text; ``spans`` are (start, end) character offsets of matched words in ``text``."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [list(s) for s in self.spans]}


@dataclass(frozen=True)
class Hit:
    """One ranked result."""

    id: str
    kind: str
    title: str
    article: str
    nutrients: tuple[str, ...]
    score: float
    snippet: Snippet
    path: str
    line: int
    article_slug: str = ""  # a section's article, or the article an FAQ names as related
    reviewed: str = ""
    care: str | None = None  # emergency | urgent | routine | self-care, when the record gives one

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "article": self.article or None,
            "article_slug": self.article_slug or None, "nutrients": list(self.nutrients),
            "score": round(self.score, 4), "snippet": self.snippet.to_json(), "path": self.path, "line": self.line,
            "reviewed": self.reviewed or None, "care": self.care,
        }


@dataclass(frozen=True)
class Callout:
    """The emergency callout a response carries: shown before anything else, linked to ``record_id``.

    ``reason`` says why: ``"top result"`` (the best result is an emergency record) or ``"red flag"`` (the query
    names an emergency sign, ``red_flag``).
    """

    text: str
    record_id: str
    title: str
    reason: str
    red_flag: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "id": self.record_id, "title": self.title, "reason": self.reason,
                "red_flag": self.red_flag}


@dataclass(frozen=True)
class Response:
    """The answer to one query.

    ``emergency`` is the callout to show first when the top result is an emergency record or the query names
    a red-flag sign (see :meth:`kb.engine.KnowledgeBase.search`).

    ``facets`` count the matches of each kind and nutrient: every match of the query that ran, filters typed in
    it and the ``nutrient`` asked for applied, but not the ``kind`` asked for apart (``search(kind=...)``), so
    one search gives the results of a kind and how many every kind has; ``total`` counts the results of the kind.

    ``corrected`` is the query that actually ran when the words as typed found nothing, or when one of them is
    in no record and its correction finds results; ``suggestion`` is a spelling suggestion even when results
    were found. ``terms`` are the analysed words that matched, for
    highlighting other text (the preview) with :func:`kb.search.snippets.find_spans`.
    """

    query: str
    results: tuple[Hit, ...] = ()
    total: int = 0
    corrected: str | None = None
    suggestion: str | None = None
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    terms: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
    emergency: Callout | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query, "corrected": self.corrected, "suggestion": self.suggestion, "total": self.total,
            "facets": self.facets, "emergency": self.emergency.to_json() if self.emergency else None,
            "results": [h.to_json() for h in self.results],
        }
