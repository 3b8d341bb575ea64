"""kb.search.snippets: the best fragment of a text, with the words that matched marked as spans (data, not markup)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.corpus.markdown import markdown_plain
from kb.search.plan import stems
from kb.search.snippets import SNIPPET_CHARS, find_spans, make_snippet, one_line

FILLER = "Intro words here. " * 20
TEXT = FILLER + "Stretching the calves before bed can make nighttime cramps less frequent. " + "Tail text. " * 30


def marked(snippet) -> list[str]:
    return [snippet.text[a:b] for a, b in snippet.spans]


def test_find_spans_uses_the_index_analysis():
    text = "Cramping, CRAMPS and a cramp; crampy is another word."
    found = [text[a:b] for a, b, _ in find_spans(text, set(stems("cramps")))]
    assert found == ["Cramping", "CRAMPS", "cramp"]


def test_find_spans_nothing_wanted():
    assert find_spans("some text", set()) == []
    assert find_spans("", {"x"}) == []


def test_snippet_centres_on_the_matches_and_marks_them():
    s = make_snippet(TEXT, set(stems("nighttime cramps")))
    assert marked(s) == ["nighttime", "cramps"]
    assert s.text.startswith("… ") and s.text.endswith(" …")
    assert len(s.text) <= SNIPPET_CHARS + 4


def test_snippet_prefers_the_window_with_most_distinct_terms():
    text = "cramp " * 3 + "x " * 200 + "cramp and night together " + "y " * 200
    s = make_snippet(text, {"cramp", "night"})
    assert "night" in marked(s)


def test_snippet_never_starts_mid_word():
    flat = " ".join(TEXT.split())
    for terms in ({"cramp"}, {"calf"}, {"frequent"}, {"tail"}):  # "calves" analyses as "calf"
        s = make_snippet(TEXT, terms)
        body = s.text.removeprefix("… ").removesuffix(" …")
        at = flat.find(body)
        assert at > 0 and flat[at - 1] == " ", s.text
        assert at + len(body) == len(flat) or flat[at + len(body)] == " ", s.text


def test_snippet_without_matches_is_the_start():
    s = make_snippet(TEXT, {"absent"})
    assert s.spans == ()
    assert s.text.startswith("Intro words here.")
    assert s.text.endswith(" …")


def test_short_text_whole_and_whitespace_folded():
    s = make_snippet("short\n\n  cramp   text", {"cramp"})
    assert s.text == "short; cramp text"  # blocks (list items, fields) never run together
    assert marked(s) == ["cramp"]


def test_snippet_is_deterministic():
    terms = set(stems("cramps calves"))
    assert make_snippet(TEXT, terms) == make_snippet(TEXT, terms)


def test_to_json_gives_offsets():
    s = make_snippet("a cramp here", {"cramp"})
    assert s.to_json() == {"text": "a cramp here", "spans": [[2, 7]]}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["cramp", "cramps", "night", "calf", "x", "yy", "zzz", ",", ".", "\n"]),
                max_size=120).map(" ".join))
def test_spans_always_mark_matching_words_inside_the_text(text):
    terms = set(stems("cramp night"))
    s = make_snippet(text, terms)
    for a, b in s.spans:
        assert 0 <= a < b <= len(s.text)
        assert stems(s.text[a:b])[0] in terms
    assert len(s.text) <= SNIPPET_CHARS + 4


def _on_word_boundaries(flat: str, body: str) -> bool:
    at = flat.find(body)
    while at >= 0:
        end = at + len(body)
        # a snippet may stop before the "; " that joins two lines: a boundary is anything but a word character
        if (at == 0 or not flat[at - 1].isalnum()) and (end == len(flat) or not flat[end].isalnum()):
            return True
        at = flat.find(body, at + 1)
    return False


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["cramp", "cramps", "night", "calf", "muscle", "x", "tail", "z,", "\n"]),
                max_size=150).map(" ".join))
def test_snippet_starts_and_ends_on_whole_words(text):
    s = make_snippet(text, set(stems("cramp night")))
    flat = one_line(text)
    body = s.text.removeprefix("… ").removesuffix(" …")
    assert _on_word_boundaries(flat, body), s.text


def test_list_items_and_fields_are_separated_in_snippets():
    """Review defect 16: list items ran together ("... eating disorders Potassium from food ...")."""
    text = "Who is at risk\n\n- people with eating disorders\n- older adults\n\nPotassium from food is safe."
    s = make_snippet(markdown_plain(text), set(stems("potassium")))
    assert "eating disorders; older adults; Potassium from food is safe." in s.text
    assert marked(s) == ["Potassium"]


# --- the cheap path: only the words that may match are analysed, the same marks as analysing every word --------
_WORDS = ["cramp", "cramps", "Cramping", "CRAMPS", "possibility", "employability", "B-12", "b12", "B-12s", "don't",
          "donʼt", "it's", "Crohn’s", "naïve", "NAÏVE", "o'clock", "2.4", "a-1", "x_y", "ʼtis", "İstanbul", "Σίσυφος",
          "night", "nights", "happy", "happiness", "ability", "the", "and", "cra", "ab", "-", "'", "’", ".", ",", "\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(alphabet="abcyBC-'’ʼ._12éİ ", max_size=6)), max_size=60),
       st.sampled_from([" ", "", "-", "'", "."]), st.data())
def test_the_words_that_may_match_give_the_same_marks_as_every_word(words, sep, data):
    from kb.search import candidates, snippets

    text = sep.join(words)
    terms = [t for _, _, t in snippets._analyse(text)]
    wanted = set(data.draw(st.lists(st.sampled_from(terms), max_size=4))) if terms else set()
    wanted |= set(data.draw(st.lists(st.sampled_from(["cramp", "b12", "dont", "possibl", "night", "x", "c"]),
                                     max_size=2)))
    every = [span for span in snippets._analyse(text) if span[2] in wanted]
    cheap = candidates._candidate_spans(text, wanted)
    assert cheap is None or cheap == every
    # what is kept of a text gives the same spans, the first time and again (with other terms looked for between)
    candidates.clear_kept()
    assert candidates.kept_spans(text, wanted) == cheap
    assert candidates.kept_spans(text, set(wanted)) == cheap  # the same terms: what the first query found
    candidates.kept_spans(text, {"cramp", "x"})
    assert candidates.kept_spans(text, wanted) == cheap


def test_snippets_of_short_texts_analyse_only_candidate_words(monkeypatch):
    from kb.search import snippets

    snippets.clear_cache()
    monkeypatch.setattr(snippets, "_analyse", lambda *a: pytest.fail("a short text was analysed whole"))
    s = make_snippet("Night cramps: a B-12 shortage can cause them; don't ignore cramping calves.",
                     set(stems("cramps b12 dont")))
    assert marked(s) == ["cramps", "B-12", "don't", "cramping"]


def test_a_long_texts_words_looked_up_by_term_give_the_snippet_of_every_word_compared():
    import random

    from kb.search import snippets

    rnd = random.Random(15)
    vocabulary = [*_WORDS, "calf", "night", "the", "of", "pain;", "leg.", "x" * 40]
    for _ in range(30):
        text = " ".join(rnd.choices(vocabulary, k=rnd.randint(1700, 2400)))
        terms = rnd.sample(["cramp", "b12", "dont", "night", "calf", "possibl", "employ"], rnd.randint(1, 3))
        assert snippets.CHEAP_TEXT < len(text) <= snippets.BIG_TEXT  # analysed whole, its tokens kept
        snippets.clear_cache()
        compared = [span for span in snippets._analyse(one_line(text)) if span[2] in set(terms)]
        first, again = make_snippet(text, terms), make_snippet(text, terms)  # the second from the kept index
        assert len(snippets._CACHE._index) == 1
        assert first == again == snippets._fragment(one_line(text), compared, SNIPPET_CHARS, True, True)
