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
