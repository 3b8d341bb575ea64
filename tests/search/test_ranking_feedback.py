"""Pseudo-relevance feedback reads less on a fresh index and still chooses what every candidate's exact idf
chooses: the sidecars' posting counts bound each candidate's document frequency, so the postings of a word
that cannot be among the chosen ones are never read (kb.search.feedback.Feedback._candidate_idf)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from conftest import FILES, REF, write_corpus

from kb.engine import KnowledgeBase
from kb.index.schema import TEXT_FIELDS
from kb.index.w3 import fastpath, sidecar
from kb.search import feedback, ranking

VOCAB = ("calf cramp night muscle stretch tingle banana twitch sleep water magnesium potassium sodium thirst "
         "headache tired dizzy fainting sweat heat exercise running walking standing spasm tendon tight knot "
         "foot toe hand finger numb burning ache pain swelling bruise kidney liver thyroid blood pressure heart "
         "flutter pulse breath chest cough fever chill appetite nausea vomit bowel stomach diet salt sugar fibre "
         "bread milk cheese yoghurt nuts seeds beans lentils spinach kale fish salmon sardine egg meat tablet dose "
         "label doctor pharmacist nurse clinic test result range deficiency excess supplement vitamin mineral "
         "zinc iron calcium iodine selenium folate ").split()
QUERIES = ("calf cramp at night", "tired and dizzy after running", "tingling fingers and numb toes",
           "salt and water when it is hot", "which foods have magnesium", "my heart flutters at night",
           "thyroid blood test range", "pain in the foot when walking", "vitamin tablet dose for iron",
           "spasm knot tendon", "nuts seeds beans lentils", "headache fever chill")

# what is tested here is kb's reading of its sidecars, which KB_NO_FASTPATH turns off (Whoosh's API answers alike)
pytestmark = pytest.mark.skipif(fastpath.disabled(), reason="tests the sidecar path, which KB_NO_FASTPATH turns off")


def _record(rng: random.Random, i: int) -> str:
    title = " ".join(rng.sample(VOCAB, 4))
    answer = " ".join(rng.choice(VOCAB) for _ in range(rng.randint(40, 120)))
    tags = f"tags: [{rng.choice(VOCAB)}]\n" if i % 5 == 0 else ""
    return f"question: {title} {i}?\nanswer: {answer}.\n{tags}reviewed: 2026-11-20\n" + REF


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> KnowledgeBase:
    """About 420 records over several segments, a few of them deleted (edited and indexed again)."""
    rng = random.Random(15)
    files = dict(FILES)
    files.update({f"corpus/faq/prf-{i:03d}.yaml": _record(rng, i) for i in range(400)})
    root = write_corpus(tmp_path_factory.mktemp("prf") / "kb", files)
    kb = KnowledgeBase(root)
    kb.update(full=True)
    for i in (3, 200, 399):  # incremental edits: a new segment, the old versions deleted
        path = root / f"corpus/faq/prf-{i:03d}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("answer: ", "answer: edited "), encoding="utf-8")
    kb.update()
    yield kb
    kb.close()


def sidecar_keys(terms: list[str]) -> np.ndarray:
    return np.array([t.encode("utf-8") for t in terms], dtype=bytes)


def _answers(kb: KnowledgeBase) -> list[tuple]:
    out = []
    for q in QUERIES:
        r = kb.search(q, limit=50)
        out.append((q, r.total, [(h.id, h.score) for h in r.results]))
    return out


def test_posting_counts_are_each_segments_document_frequencies(engine):
    reader = engine._current().searcher.reader()
    assert len(list(reader.leaf_readers())) > 1 and reader.doc_count() < reader.doc_count_all()
    checked = 0
    for sub, _base in reader.leaf_readers():
        side = sidecar.for_segment(reader, sub)
        assert side is not None
        for field in TEXT_FIELDS:
            terms = sorted({t.decode() for t in reader.lexicon(field)}) + ["nosuchword", "x" * 300, "é" * 60]
            counts = side.posting_counts(field, sidecar_keys(terms))
            if counts is None:  # the file leaves a field out only where the segment holds no word of it
                assert sub.field_length(field) == 0, field
                continue
            assert counts.tolist() == [sub.doc_frequency(field, t) for t in terms], field
            checked += len(terms)
    assert checked > 500


def test_document_frequency_bounds_hold_the_exact_count(engine):
    ranker = engine._current().ranker
    terms = sorted({t.decode() for f in TEXT_FIELDS for t in ranker.reader.lexicon(f)})
    bounds = feedback.Feedback(ranker)._df_bounds(terms)
    assert bounds is not None
    least, most = bounds
    exact = [len(ranker.term(t)[0]) for t in terms]
    assert all(lo <= n <= hi for lo, n, hi in zip(least.tolist(), exact, most.tolist(), strict=True))
    assert sum(lo == hi for lo, hi in zip(least.tolist(), most.tolist(), strict=True)) < len(terms)  # not all exact


def _first_answers(root, monkeypatch) -> tuple[list[tuple], int]:
    """Each query's answer on a freshly opened index, and how many posting lists were read for them."""
    read: list[str] = []
    real_store = ranking.Ranker._store  # every word's arrays, read one at a time or together, are stored once

    def counting(self, term, parts):
        read.append(term)
        return real_store(self, term, parts)

    monkeypatch.setattr(ranking.Ranker, "_store", counting)
    out = []
    for q in QUERIES:
        kb = KnowledgeBase(root)
        r = kb.search(q, limit=50)
        again = kb.search(q, limit=50)  # repeated: its feedback choice cached
        assert [(h.id, h.score) for h in again.results] == [(h.id, h.score) for h in r.results]
        out.append((q, r.total, [(h.id, h.score) for h in r.results]))
        kb.close()
    monkeypatch.setattr(ranking.Ranker, "_store", real_store)
    return out, len(read)


def test_feedback_chooses_as_with_every_candidates_exact_idf(engine, monkeypatch):
    bounded, bounded_reads = _first_answers(engine.root, monkeypatch)
    monkeypatch.setattr(feedback.Feedback, "_df_bounds", lambda self, terms: None)  # every candidate's postings
    exact, exact_reads = _first_answers(engine.root, monkeypatch)
    assert exact == bounded  # the same records, order and scores, to the last bit
    assert bounded_reads < exact_reads * 0.6, (bounded_reads, exact_reads)  # far fewer posting lists read


def test_no_fast_path_gives_the_same_answers(engine, monkeypatch):
    with_sidecars = _answers(engine)
    monkeypatch.setenv("KB_NO_FASTPATH", "1")
    plain = KnowledgeBase(engine.root)
    assert _answers(plain) == with_sidecars
    plain.close()


def test_words_read_together_get_the_arrays_read_one_at_a_time(engine):
    terms = sorted({t.decode() for f in TEXT_FIELDS for t in engine._current().ranker.reader.lexicon(f)})
    terms += ["nosuchword", "x" * 300]
    together = KnowledgeBase(engine.root)
    alone = KnowledgeBase(engine.root)
    batch, single = together._current().ranker, alone._current().ranker
    batch.prefetch(terms)
    assert all(batch.read_count(t) is not None for t in terms)  # read by the batch, not by term() below
    for t in terms:
        (ids, vals), (want_ids, want_vals) = batch.term(t), single.term(t)
        assert ids.dtype == want_ids.dtype and vals.dtype == want_vals.dtype
        assert np.array_equal(ids, want_ids) and np.array_equal(vals, want_vals), t
    together.close()
    alone.close()
