"""Every synonym group of the shipped corpus does its job: each of its words finds records that hold one of them.

A group is a promise to a searcher ("dvt" means "deep vein thrombosis"); this holds each promise against the
shipped corpus, one test per group, so a group whose words no longer reach any record, or that the query side
stopped applying, shows up by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.corpus.synonyms import read_synonyms
from kb.engine import KnowledgeBase
from kb.index.documents import plain_of
from kb.index.schema import text_analyzer

REPO = Path(__file__).resolve().parents[2]
SYNONYMS = read_synonyms(REPO)[0]
GROUPS = [*SYNONYMS.groups]


def _stems(text: str) -> tuple[str, ...]:
    return tuple(t.text for t in text_analyzer()(text))


def _holds(stems: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return n > 0 and any(stems[i:i + n] == phrase for i in range(len(stems) - n + 1))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> KnowledgeBase:
    kb = KnowledgeBase(REPO, index_dir=tmp_path_factory.mktemp("synonym-index"))
    kb.update(full=True)
    yield kb
    kb.close()


@pytest.fixture(scope="module")
def record_stems(shipped) -> dict[str, tuple[str, ...]]:
    return {r.id: _stems(f"{r.title} {plain_of(r)}") for r in shipped.records()}


def test_groups_are_well_formed() -> None:
    assert len(GROUPS) >= 40
    for group in GROUPS:
        assert len(group) >= 2, group
        assert len(set(group)) == len(group), f"a phrase twice in {group}"
        assert all(p == p.lower() and p.strip() == p and p for p in group), group
    assert SYNONYMS.red_flags and all(g in GROUPS for g in SYNONYMS.red_flags)


@pytest.mark.parametrize("group", GROUPS, ids=[g[0] for g in GROUPS])
def test_each_word_of_the_group_finds_what_the_others_name(group, shipped, record_stems) -> None:
    phrases = [p for p in (_stems(p) for p in group) if p]
    reachable = {rid for rid, stems in record_stems.items() if any(_holds(stems, p) for p in phrases)}
    if not reachable:
        pytest.skip(f"no shipped record holds any of {group} yet")
    for phrase in group:
        if not _stems(phrase):
            continue  # a phrase of stop words only ("at night" without "night" does not exist)
        got = [h.id for h in shipped.search(phrase, limit=10, correct=False).results]
        assert set(got) & reachable, f"searching {phrase!r} finds none of the records naming {group}: {got[:5]}"


def _plan_terms(query: str) -> frozenset[str]:
    from kb.search.plan import make_plan, parse

    return make_plan(parse(query), SYNONYMS).terms


#: lay descriptions and the clinical (or writer's) word of the records about them: the lay words alone must reach
#: the records, through the synonym groups (a consumer health vocabulary: lay term <-> clinical term)
LAY_TO_CLINICAL = [
    ("my calf locked up", "cramp"),
    ("calf seizing up", "cramp"),
    ("rock hard knot in my calf", "cramp"),
    ("can't open my hand", "tetany"),
    ("hands and feet spasm", "carpopedal spasm"),
    ("my throat is closing", "laryngospasm"),
    ("jaw won't open", "lockjaw"),
    ("worn out all the time", "tiredness"),  # the records best about it say tiredness (B12, iron), not fatigue
    ("knackered", "tiredness"),
    ("lethargic", "tiredness"),
    ("foot fell asleep", "pins and needles"),
    ("no feeling in my toes", "numb"),
    ("twitchy eyelid", "eyelid myokymia"),
    ("muscles jumping", "fasciculation"),
    ("winded", "breathless"),
    ("can't catch my breath", "short of breath"),
    ("heart racing", "palpitations"),
    ("legs gave way", "weakness"),
    ("swollen ankles", "swelling"),
    ("calves", "calf"),
    ("back of the thigh", "hamstring"),
    ("renal", "kidney"),
    ("hypertension", "high blood pressure"),
    ("brittle bones", "osteoporosis"),
    ("phosphorus", "phosphate"),
    ("disoriented", "confusion"),
    ("vitamin b 12", "b12"),
]


@pytest.mark.parametrize(("lay", "clinical"), LAY_TO_CLINICAL, ids=[q for q, _ in LAY_TO_CLINICAL])
def test_lay_words_reach_the_records_using_the_clinical_word(lay, clinical, shipped, record_stems) -> None:
    wanted = _stems(clinical)
    assert set(wanted) <= _plan_terms(lay), f"{lay!r} is not expanded to {clinical!r}"
    naming = {rid for rid, stems in record_stems.items() if _holds(stems, wanted)}
    assert naming, f"no shipped record says {clinical!r}"
    got = [h.id for h in shipped.search(lay, limit=5, correct=False).results]
    assert set(got) & naming, f"{lay!r} finds none of the records saying {clinical!r} in its top 5: {got}"


#: words that mean something else in another context: grouping them would send a searcher to the wrong records
NOT_EXPANDED = [
    ("eye flutter", "palpitations"),  # an eyelid, not the heart ("fluttering" alone is in no heart group)
    ("blood clot in my leg", "blood test"),  # "blood" alone is no test
    ("pain running down my leg", "tired"),  # "run down" only as "feeling run down"
    ("i fell asleep and woke with a cramp", "pins and needles"),  # "fell asleep" only of a limb
    ("jaw locked", "cramp"),  # "locked" alone stays with lockjaw; only "locked up" means a cramp
    ("tired", "drowsy"),  # drowsiness is a red-flag sign, tiredness is not
    ("always tired", "heat exhaustion"),  # tiredness is no heat illness: "exhaustion" is kept out of the group
]


@pytest.mark.parametrize(("query", "other"), NOT_EXPANDED, ids=[q for q, _ in NOT_EXPANDED])
def test_words_with_another_meaning_are_not_expanded(query, other) -> None:
    terms = _plan_terms(query)
    typed = set(_stems(query))
    assert not (set(_stems(other)) - typed) <= terms, f"{query!r} is expanded to {other!r}"


def test_salt_is_not_every_electrolyte() -> None:
    """Table salt is sodium chloride; "salt" alone is no synonym of potassium or magnesium (the electrolytes)."""
    assert "electrolyt" not in _plan_terms("salt")
    assert "electrolyt" in _plan_terms("blood salts")


#: emergency signs as people put them: each must bring the emergency callout of a record about that sign
LAY_RED_FLAGS = [
    ("my throat is closing", "throat"),
    ("my throat feels tight and my fingers tingle", "throat"),
    ("my jaw won't open after a cut", "tetanus"),
    ("suddenly short of breath and my calf is swollen", "breathlessness"),
]


@pytest.mark.parametrize(("query", "about"), LAY_RED_FLAGS, ids=[q for q, _ in LAY_RED_FLAGS])
def test_lay_red_flags_bring_the_emergency_callout(query, about, shipped, record_stems) -> None:
    r = shipped.search(query, limit=10, correct=False)
    assert r.emergency is not None, f"{query!r} shows no emergency callout"
    assert _holds(record_stems[r.emergency.record_id], _stems(about)), (query, r.emergency.record_id)


def test_tiredness_brings_no_heat_emergency(shipped) -> None:
    """Feeling tired all the time is a reason to see a GP, not a heat emergency: "exhaustion" in the corpus is heat
    exhaustion, so the tiredness group leaves it out and the query brings no emergency callout."""
    for query in ("always tired", "tired all the time", "no energy and worn out"):
        r = shipped.search(query, limit=10, correct=False)
        assert r.emergency is None, (query, r.emergency.record_id)


def test_a_condition_name_finds_the_condition_not_its_words_scattered(shipped, record_stems) -> None:
    """A multi-word synonym matches where all its words are, anywhere in a record: "low thyroid" in the
    hypothyroidism group made "hypothyroidism" find "low calcium after thyroid surgery" first. The group keeps
    only phrases whose words are rare together."""
    got = [h.id for h in shipped.search("hypothyroidism", limit=3, correct=False).results]
    assert got and all(_holds(record_stems[rid], _stems("underactive thyroid"))
                       or _holds(record_stems[rid], _stems("hypothyroidism")) for rid in got), got
