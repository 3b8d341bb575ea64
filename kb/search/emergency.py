"""The emergency callout a response carries: when its top result is an emergency record, or when the query names a
red-flag sign (``red_flags`` in synonyms.yaml), linking the best-ranked emergency record for the query."""

from __future__ import annotations

from dataclasses import replace

from kb.corpus.synonyms import Synonyms
from kb.index.red_flags import red_flag_in
from kb.model.results import Callout, Response
from kb.search.plan import SearchPlan
from kb.search.searcher import IndexSearcher


def emergency_callout(s: IndexSearcher, response: Response, plan: SearchPlan, synonyms: Synonyms) -> Callout | None:
    """The callout for ``response``, the answer to ``plan`` (see :meth:`kb.engine.KnowledgeBase.search`), or None."""
    hits = response.results
    flag = red_flag_in(response.corrected or response.query, synonyms)
    if hits and hits[0].care == "emergency":
        record, reason = s.records.get(hits[0].id), "top result"
    else:
        if flag is None:
            return None
        best = next((h for h in hits if h.care == "emergency"), None)
        if best is None:  # none in the results: the best emergency record for the query among all of them
            # the same plan, among emergency records only (the kind and nutrient asked for apart do not apply)
            found = s.execute(replace(plan, kind=None, nutrient=None, care="emergency"), 1, snippets=0).results
            best = found[0] if found else None
        record, reason = (s.records.get(best.id) if best else None), "red flag"
    if record is None or not record.callout:
        return None
    return Callout(record.callout, record.id, record.title, reason, flag)
