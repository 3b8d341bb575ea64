"""The search session, without Textual: the query, the kind filter, the engine's correction and "as typed",
paging, the query history and the sequence numbers that keep a late answer from landing.

Every transition is a plain method that returns the :class:`Request` to run (or None when there is nothing to
search); :func:`run` asks the engine in a worker thread; :meth:`SearchSession.accept` takes an :class:`Outcome`
only when it answers the newest request. The search screen is an adapter: it calls these and paints the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kb.model.errors import UnknownFilter
from kb.model.results import Response

if TYPE_CHECKING:
    from kb.engine import KnowledgeBase
    from kb.tui.history import QueryHistory

PAGE = 50  # results loaded at once; the list asks for the next page near its end


@dataclass(frozen=True)
class Request:
    """One search to run: ``limit`` results, snippets for the first ``snippets`` of them.

    ``refresh`` re-runs the same search (the index changed, or a next page) keeping the highlighted result;
    ``more`` is a next page, whose rows already on show keep their snippets.
    """

    seq: int
    query: str
    kind: str | None
    as_typed: bool
    limit: int
    snippets: int = PAGE
    refresh: bool = False
    more: bool = False


@dataclass(frozen=True)
class Outcome:
    """The engine's answer to ``request``: ``counts`` are the results by kind whatever the kind filter;
    ``notice`` says why nothing was searched (an unknown ``kind:`` or ``nutrient:`` value)."""

    request: Request
    response: Response
    counts: dict[str, int] = field(default_factory=dict)
    notice: str | None = None


def run(engine: KnowledgeBase, request: Request) -> Outcome:
    """Ask the engine (in a worker thread). The engine's errors other than an unknown filter propagate.

    One call per keystroke, kind filter or not: the engine counts the kind facet before the kind filter, so the
    filter row's counts come with the filtered results.
    """
    try:
        response = engine.search(request.query, limit=request.limit, kind=request.kind, prefix=True,
                                 correct=not request.as_typed, snippets=request.snippets)
        counts = dict(response.facets.get("kind", {}))
    except UnknownFilter as exc:  # kind:bogus, nutrient:bogus: say which values exist, never search words
        return Outcome(request, Response(query=request.query), {}, str(exc))
    return Outcome(request, response, counts)


class SearchSession:
    """What is being searched and what came back; only the newest request's answer is accepted."""

    def __init__(self, queries: QueryHistory | None = None) -> None:
        self.queries = queries
        self.query = ""
        self.kind: str | None = None  # the kind filter, None for all
        self.as_typed = False  # searching the words as typed after the engine corrected them
        self.correction: str | None = None  # what the engine ran instead of the words as typed, if anything
        self.limit = PAGE  # results asked for: grows by a page as the list reaches its end
        self.seq = 0  # the newest request's number
        self.response: Response | None = None
        self.counts: dict[str, int] = {}
        self.jump_to_last = False  # End asked for everything: highlight the last result when it lands

    # --- transitions -------------------------------------------------------------------------------------------
    def search(self, query: str, refresh: bool = False, more: bool = False, snippets: int = PAGE) -> Request | None:
        """A new search for ``query`` (typed, recalled, refreshed); None, with the results cleared, when the query
        is blank. A new query (not a refresh) starts again from the first page."""
        self.seq += 1
        if not refresh:
            self.limit = PAGE
            self.jump_to_last = False  # End's answer was for the query before: this one starts at its top
        self.query = query
        if not query.strip():
            self.response = None
            self.correction = None
            self.counts = {}
            return None
        return Request(self.seq, query, self.kind, self.as_typed, self.limit, snippets, refresh, more)

    def typed(self, query: str, snippets: int = PAGE) -> Request | None:
        """The person edited the query: the engine may correct it again."""
        self.as_typed = False
        return self.search(query, snippets=snippets)

    def toggle_kind(self, kind: str, snippets: int = PAGE) -> Request | None:
        """Only ``kind`` (again, or ``""``: every kind)."""
        self.kind = None if kind == self.kind or not kind else kind
        return self.search(self.query, snippets=snippets) if self.query.strip() else None

    def toggle_as_typed(self, snippets: int = PAGE) -> Request | None:
        """Search the words as typed (after a correction), or go back to the correction; None when there is none."""
        if self.correction is None or not self.query.strip():
            return None
        self.as_typed = not self.as_typed
        return self.search(self.query, snippets=snippets)

    def refresh(self, snippets: int = PAGE) -> Request | None:
        """The index changed: the same search again, as many results as were loaded."""
        return self.search(self.query, refresh=True, snippets=snippets) if self.query.strip() else None

    def next_page(self, everything: bool = False) -> Request | None:
        """The list reached its end: one more page (or every result, for End); None when all are loaded."""
        total = self.response.total if self.response is not None else 0
        if not self.query.strip() or self.limit >= total:
            return None
        self.limit = total if everything else self.limit + PAGE
        self.jump_to_last = self.jump_to_last or everything
        return self.search(self.query, refresh=True, more=True, snippets=0)

    # --- answers -----------------------------------------------------------------------------------------------
    def is_current(self, seq: int) -> bool:
        return seq == self.seq

    def accept(self, outcome: Outcome) -> bool:
        """Take the answer if it is the newest request's; False (nothing changes) for a late one."""
        if not self.is_current(outcome.request.seq):
            return False
        self.response, self.counts = outcome.response, outcome.counts
        if not self.as_typed:  # as typed, the engine was told not to correct: keep the correction it made
            self.correction = outcome.response.corrected
        return True

    def has_more(self, loaded: int) -> bool:
        """The engine returned all it was asked for and counts more: the list may load the next page."""
        total = self.response.total if self.response is not None else 0
        return loaded >= self.limit and total > loaded

    @property
    def suggestion(self) -> str | None:
        """What "did you mean" offers when nothing matched: the correction, when searching as typed."""
        if self.as_typed:
            return self.correction
        return self.response.suggestion if self.response is not None else None

    @property
    def terms(self) -> frozenset[str]:
        """The words to highlight: those of the current results."""
        return self.response.terms if self.response is not None else frozenset()

    # --- the query history -------------------------------------------------------------------------------------
    def remember(self) -> None:
        """Keep the query in the history (leaving the box, opening a result, starting a new one, quitting)."""
        if self.queries is not None:
            self.queries.add(self.query)
