"""The search session's transitions, without Textual: what each key asks the engine for, which answer lands."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kb.model.errors import UnknownFilter
from kb.model.results import Response
from kb.tui.history import QueryHistory
from kb.tui.session import PAGE, Outcome, Request, SearchSession, run
from kb.tui.state import StateFile


def answer(request: Request, total: int = 3, corrected: str | None = None, suggestion: str | None = None,
           counts: dict[str, int] | None = None) -> Outcome:
    return Outcome(request, Response(query=request.query, total=total, corrected=corrected, suggestion=suggestion),
                   counts or {"section": total})


def test_typing_asks_for_a_new_numbered_search_and_a_blank_query_for_none():
    session = SearchSession()
    first = session.typed("cr", snippets=9)
    assert first == Request(1, "cr", None, False, PAGE, snippets=9)
    second = session.typed("cra")
    assert second is not None and second.seq == 2 and session.is_current(2) and not session.is_current(1)
    assert session.accept(answer(second))
    assert session.typed("   ") is None
    assert session.response is None and session.counts == {} and session.seq == 3


def test_only_the_newest_answer_is_accepted():
    session = SearchSession()
    old = session.typed("cramp")
    new = session.typed("cramps")
    assert session.accept(answer(new, total=7))
    assert not session.accept(answer(old, total=99))  # late: changes nothing
    assert session.response is not None and session.response.total == 7 and session.response.query == "cramps"


def test_the_kind_filter_toggles_and_re_searches_only_when_there_is_a_query():
    session = SearchSession()
    assert session.toggle_kind("faq") is None and session.kind == "faq"  # remembered for the next query
    request = session.typed("cramps")
    assert request is not None and request.kind == "faq"
    again = session.toggle_kind("faq")  # the same key again: every kind
    assert again is not None and again.kind is None and session.kind is None
    assert session.toggle_kind("section").kind == "section"  # type: ignore[union-attr]
    assert session.toggle_kind("").kind is None  # type: ignore[union-attr]


def test_as_typed_needs_a_correction_keeps_it_and_typing_ends_it():
    session = SearchSession()
    assert session.toggle_as_typed() is None  # nothing was corrected
    request = session.typed("magnesum")
    assert session.accept(answer(request, corrected="magnesium"))
    assert session.correction == "magnesium"
    as_typed = session.toggle_as_typed()
    assert as_typed is not None and as_typed.as_typed and as_typed.query == "magnesum"
    # the engine was told not to correct: its answer has no correction, the session keeps the one it made
    assert session.accept(answer(as_typed, total=0, corrected=None))
    assert session.correction == "magnesium" and session.suggestion == "magnesium"
    back = session.toggle_as_typed()
    assert back is not None and not back.as_typed
    typed = session.typed("magnesum c")
    assert typed is not None and not typed.as_typed and not session.as_typed


def test_the_suggestion_is_the_engines_when_not_searching_as_typed():
    session = SearchSession()
    request = session.typed("xyzzy")
    session.accept(answer(request, total=0, suggestion="fizzy"))
    assert session.suggestion == "fizzy" and session.correction is None


def test_paging_grows_the_limit_until_everything_is_loaded_and_a_new_query_starts_again():
    session = SearchSession()
    request = session.typed("cramps")
    session.accept(answer(request, total=120))
    assert session.has_more(PAGE) and not session.has_more(PAGE - 1)  # fewer than asked for: that is all
    page2 = session.next_page()
    assert page2 is not None and page2.limit == 2 * PAGE and page2.more and page2.refresh and page2.snippets == 0
    session.accept(answer(page2, total=120))
    rest = session.next_page(everything=True)
    assert rest is not None and rest.limit == 120 and session.jump_to_last
    session.accept(answer(rest, total=120))
    assert session.next_page() is None and not session.has_more(120)  # all loaded
    fresh = session.typed("cramp")
    assert fresh is not None and fresh.limit == PAGE and not fresh.more


def test_end_pressed_and_then_a_new_query_typed_before_the_answer_lands_does_not_jump_in_the_new_results():
    session = SearchSession()
    session.accept(answer(session.typed("cramps"), total=120))  # type: ignore[arg-type]
    everything = session.next_page(everything=True)
    assert everything is not None and session.jump_to_last
    fresh = session.typed("cramp")  # before End's answer: that answer is late now, and never lands
    assert not session.accept(answer(everything, total=120)) and session.accept(answer(fresh, total=90))
    assert not session.jump_to_last  # the new results start at their first, not their last


def test_a_refresh_keeps_the_limit_and_needs_a_query():
    session = SearchSession()
    assert session.refresh() is None
    session.accept(answer(session.typed("cramps"), total=200))  # type: ignore[arg-type]
    session.accept(answer(session.next_page(), total=200))  # type: ignore[arg-type]
    again = session.refresh()
    assert again is not None and again.refresh and not again.more and again.limit == 2 * PAGE


def test_remember_keeps_the_query_in_the_history(tmp_path: Path):
    queries = QueryHistory(StateFile(tmp_path, "history.json"))
    session = SearchSession(queries)
    session.typed("cramps at night ")
    session.remember()
    session.typed("")
    session.remember()  # a blank query is not kept
    assert queries.items == ["cramps at night"]
    assert QueryHistory(StateFile(tmp_path, "history.json")).items == ["cramps at night"]  # saved


@dataclass
class FakeEngine:
    """Records each search call; answers with facets counted over every kind."""

    calls: list[dict] = field(default_factory=list)
    fail: Exception | None = None

    def search(self, query: str, **options: object) -> Response:
        self.calls.append({"query": query, **options})
        if self.fail is not None:
            raise self.fail
        kind = options.get("kind")
        return Response(query=query, total=1 if kind else 4, facets={"kind": {"section": 3, "faq": 1}})


def test_run_asks_the_engine_once_per_keystroke_with_or_without_a_kind():
    engine = FakeEngine()
    session = SearchSession()
    outcome = run(engine, session.typed("cramps", snippets=7))  # type: ignore[arg-type]
    assert engine.calls == [{"query": "cramps", "limit": PAGE, "kind": None, "prefix": True, "correct": True,
                             "snippets": 7}]
    assert outcome.counts == {"section": 3, "faq": 1} and outcome.notice is None
    engine.calls.clear()
    outcome = run(engine, session.toggle_kind("faq"))  # type: ignore[arg-type]
    assert [c.get("kind") for c in engine.calls] == ["faq"]
    assert outcome.response.total == 1 and outcome.counts == {"section": 3, "faq": 1}


def test_with_a_kind_the_filter_row_still_counts_every_kind_on_a_real_index(kb):
    session = SearchSession()
    everything = run(kb, session.typed("cramps", snippets=0))
    session.toggle_kind("faq")
    faqs = run(kb, session.search("cramps", snippets=0))
    assert faqs.counts == everything.counts and faqs.counts["faq"] < sum(faqs.counts.values())
    assert faqs.response.total == faqs.counts["faq"]
    assert {h.kind for h in faqs.response.results} == {"faq"}


def test_run_turns_an_unknown_filter_into_a_notice_and_lets_other_errors_through():
    session = SearchSession()
    request = session.typed("kind:bogus")
    outcome = run(FakeEngine(fail=UnknownFilter("unknown kind 'bogus'")), request)  # type: ignore[arg-type]
    assert outcome.notice == "unknown kind 'bogus'" and outcome.response.results == () and outcome.counts == {}
    with pytest.raises(RuntimeError):
        run(FakeEngine(fail=RuntimeError("disk")), request)  # type: ignore[arg-type]


def test_the_session_module_does_not_need_textual():
    import subprocess

    code = "import sys, kb.tui.session; print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
