"""Back and forward as in a browser (kb.tui.history has no Textual in it)."""

from __future__ import annotations

from kb.tui.history import RESULTS, History, Location

A = Location("nutrient", "magnesium")
B = Location("record", "faq/x")
C = Location("record", "faq/y")


def test_open_back_forward():
    h = History()
    assert h.current == RESULTS and not h.can_go_back and h.back() is None
    assert h.open(A) and h.open(B)
    assert not h.open(B)  # already current: no duplicate entry
    assert h.back() == A and h.back() == RESULTS and h.back() is None
    assert h.forward() == A and h.forward() == B and h.forward() is None
    assert len(h) == 3


def test_opening_after_going_back_drops_what_was_ahead():
    h = History()
    h.open(A)
    h.open(B)
    h.back()
    h.open(C)
    assert h.current == C and not h.can_go_forward
    assert h.back() == A


def test_history_is_bounded():
    h = History(limit=3)
    for i in range(10):
        h.open(Location("record", str(i)))
    assert len(h) == 3 and h.current == Location("record", "9")
