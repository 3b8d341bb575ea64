"""The search engine's shortcuts around Whoosh give exactly Whoosh's answers, and its caches follow the index.

Posting lists, field lengths, id order, the term dictionary and spelling suggestions are read by kb itself
(numpy, one file read per list) instead of one Python call per posting; each is checked here against what
Whoosh's own API returns, on an index of several segments with deleted documents and posting lists of several
blocks.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FILES, REF, write_corpus
from whoosh import query as wq

from kb.engine import KnowledgeBase
from kb.index.schema import TEXT_FIELDS
from kb.index.w3 import fastpath, lexicon, perdoc, postings
from kb.search.docsets import Bits

WORDS = ("cramp", "calf", "night", "magnesium", "stretch", "tingle", "banana", "twitch", "sleep", "water")


def faq(i: int) -> str:
    # every FAQ holds "cramp" (a posting list of several 128-posting blocks); other words vary with i
    words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 6))
    extra = "nutrients: [magnesium]\n" if i % 3 == 0 else ""
    tags = "tags: [sleep]\n" if i % 4 == 0 else ""
    return (f"question: Cramp question {i:03d} about {WORDS[i % len(WORDS)]}?\n"
            f"answer: A cramp answer with {words} and number{i % 7} in it.\n{extra}{tags}reviewed: 2026-11-20\n"
            + REF)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> KnowledgeBase:
    """About 320 records in several segments, some documents deleted (edited files re-indexed)."""
    files = dict(FILES)
    files.update({f"corpus/faq/generated-{i:03d}.yaml": faq(i) for i in range(300)})
    root = write_corpus(tmp_path_factory.mktemp("big") / "kb", files)
    engine = KnowledgeBase(root)
    engine.update(full=True)
    for i in (5, 150, 299):  # incremental edits: a new segment, and the old versions deleted
        path = root / f"corpus/faq/generated-{i:03d}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("A cramp answer", "A cramp reply"),
                        encoding="utf-8")
    engine.update()
    yield engine
    engine.close()


def reader_of(engine: KnowledgeBase):
    return engine._current().searcher.reader()


def test_fixture_has_segments_deletions_and_long_postings(big):
    reader = reader_of(big)
    assert len(list(reader.leaf_readers())) > 1
    assert reader.doc_count() < reader.doc_count_all()
    assert reader.doc_frequency("body", "cramp") > 2 * 128


def test_posting_arrays_equal_whoosh_postings(big):
    reader = reader_of(big)
    live = perdoc.live(reader)
    checked = 0
    for field in (*TEXT_FIELDS, "kind", "nutrients"):
        for term in [t.decode() for t in reader.lexicon(field)]:
            ids, weights = postings.posting_arrays(reader, field, term)
            assert len(ids) == reader.doc_frequency(field, term)  # deleted documents included, as Whoosh counts
            m = reader.postings(field, term)
            want = {}
            while m.is_active():  # Whoosh's matcher skips deleted documents
                want[m.id()] = m.weight()
                m.next()
            got = {int(d): float(w) for d, w in zip(ids, weights, strict=True) if live[d]}
            assert got == pytest.approx(want), (field, term)
            checked += 1
    assert postings.posting_arrays(reader, "body", "nosuchword") is None
    assert checked > 300


def test_term_bitsets_equal_whoosh_matches(big):
    engine_searcher = big._current()
    docsets = engine_searcher.docsets
    searcher = engine_searcher.searcher
    size = docsets.size
    for term in ("cramp", "night", "magnesium", "sleep", "number3"):
        whoosh = Bits.from_ids(searcher.docs_for_query(wq.Or([wq.Term(f, term) for f in TEXT_FIELDS])), size)
        assert (docsets.any_field(engine_searcher.ranker.fields, term) & docsets.live()).value == whoosh.value
    for q in (wq.Term("kind", "faq"), wq.Or([wq.Term("nutrients", "magnesium"), wq.Term("tags", "sleep")]),
              wq.And([wq.Term("kind", "faq"), wq.Term("tags", "sleep")]), wq.Phrase("body", ["cramp", "answer"])):
        assert docsets.query(q).value == Bits.from_ids(searcher.docs_for_query(q), size).value, q


def test_field_lengths_live_and_id_order_equal_whoosh(big):
    reader = reader_of(big)
    n = reader.doc_count_all()
    for field in TEXT_FIELDS:
        want = np.array([reader.doc_field_length(d, field, 0) for d in range(n)], dtype=np.float32)
        np.testing.assert_array_equal(perdoc.field_lengths(reader, field), want)
    assert np.flatnonzero(perdoc.live(reader)).tolist() == list(reader.all_doc_ids())
    ids = [reader.stored_fields(d)["id"] for d in range(n)]
    rank = perdoc.id_rank(reader)
    assert sorted(range(n), key=lambda d: (ids[d], d)) == np.argsort(rank, kind="stable").tolist()
    # score ties are ordered by the tied documents' ids alone: the same order among the live ones
    key = perdoc.id_keys(reader)
    live = [d for d in range(n) if perdoc.live(reader)[d]]
    assert sorted(live, key=key) == sorted(live, key=lambda d: rank[d])
    assert [key(d) for d in range(n)] == [i.encode() if isinstance(i, str) else i for i in ids]


def test_lexicon_equals_whoosh_term_lists(big):
    reader = reader_of(big)
    fields = ("title", "body", "names")
    lex = lexicon.Lexicon(reader, fields)
    merged: dict[str, int] = {}
    for field in fields:
        per_field = {t.decode(): info.doc_frequency() for t, info in reader.iter_field(field)}
        assert lex.terms[field] == sorted(per_field)
        for t, n in per_field.items():
            merged[t] = max(merged.get(t, 0), n)
    assert lex.df == merged
    assert lex.vocab == sorted(merged)


def test_the_bag_distance_bound_keeps_every_term_within_two_edits(big):
    """The speller's vectorised lower bound rules out only terms more than two edits away (sharing the first
    letter, as Whoosh's suggestions do)."""
    from whoosh.support.levenshtein import distance

    from kb.search.spelling import MAXDIST, _FieldTerms

    reader = big._current().searcher.reader()
    terms = lexicon.Lexicon(reader, ("body",)).terms["body"]
    field = _FieldTerms(terms)
    for word in ["cramq", "crmp", "magnesum", "magnseium", "strech", "twicth", "slep", "watr", "nigth", "bananna",
                 "numbr", "calff", "zzzzz", "qestion", "answr", "cramps", "c", "tingel"]:
        want = {t for t in terms if t[:1] == word[:1] and distance(t, word, limit=MAXDIST) <= MAXDIST}
        got = {t for t in field.near(word) if distance(t, word, limit=MAXDIST) <= MAXDIST}
        assert got == want, word


def test_filter_only_listing_is_in_id_order_as_before(big):
    s = big._current()
    searcher = s.searcher
    for text in ("kind:faq", "tag:sleep", "nutrient:magnesium", "kind:faq -number3", "tag:sleep nutrient:magnesium"):
        for limit in (1, 7, 50, 500):
            r = big.search(text, limit=limit)
            pq_filter = {"kind:faq": wq.Term("kind", "faq"), "tag:sleep": wq.Term("tags", "sleep"),
                         "nutrient:magnesium": wq.Term("nutrients", "magnesium")}
            allow = None
            for part in text.split():
                if part in pq_filter:
                    q = pq_filter[part]
                    allow = q if allow is None else wq.And([allow, q])
            mask = wq.Or([wq.Term(f, "number3") for f in TEXT_FIELDS]) if "-number3" in text else None
            whoosh = searcher.search(allow, limit=limit, mask=mask, sortedby="id")
            assert [h.id for h in r.results] == [hit["id"] for hit in whoosh], (text, limit)
            assert r.total == len(whoosh) or r.total == whoosh.estimated_length()


def test_a_filter_value_being_typed_lists_nothing_until_it_is_finished(big):
    for text in ("nutrient:m", "nutrient:magnes", "kind:faq tag:sle"):
        r = big.search(text, prefix=True)
        assert r.total == 0 and r.results == (), text


def test_a_filter_naming_nothing_is_reported(big):
    from kb.model.errors import UnknownFilter

    for text, prefix in (("nutrient:m", False), ("tag:nosuchtag", True), ("kind:faq tag:nosuchtag", False),
                         ("nutrient:m cramps", True), ("kind:q", True)):
        with pytest.raises(UnknownFilter):
            big.search(text, prefix=prefix)


def test_ties_break_by_id(big):
    r = big.search("number3", limit=100)
    scores = [h.score for h in r.results]
    assert scores == sorted(scores, reverse=True)
    for a, b in zip(r.results, r.results[1:], strict=False):
        if a.score == b.score:
            assert a.id < b.id


def test_caches_follow_the_index_generation(tmp_path):
    engine = KnowledgeBase(write_corpus(tmp_path / "kb"))
    engine.update()
    assert engine.suggest("zebrq") is None
    assert engine.search("zeb", prefix=True).results == ()
    before = engine._current()
    listed = [h.id for h in engine.search("kind:faq", limit=50).results]
    (engine.root / "corpus/faq/zebra.yaml").write_text(
        "question: Do zebras get cramps?\nanswer: Zebra muscles cramp too.\nreviewed: 2026-11-20\n" + REF,
        encoding="utf-8")
    engine.update()
    assert engine._current() is not before  # a new generation, a new searcher with empty caches
    assert engine.suggest("zebrq") == "zebra"
    assert [h.id for h in engine.search("zeb", prefix=True).results] == ["faq/zebra"]
    assert [h.id for h in engine.search("kind:faq", limit=50).results] == sorted(listed + ["faq/zebra"])
    assert engine.search("kind:faq").facets["kind"]["faq"] == len(listed) + 1
    engine.close()


def test_suggestions_are_cached_per_searcher(kb, monkeypatch):
    s = kb._current()
    assert kb.suggest("magnesum") == "magnesium"
    assert kb.search("magnesum cramps").suggestion == "magnesium cramps"
    monkeypatch.setattr(s.vocabulary, "_suggest_uncached", lambda word: pytest.fail("asked twice"))
    assert kb.suggest("magnesum") == "magnesium"
    assert kb.search("magnesum cramps").suggestion == "magnesium cramps"


def test_the_fast_readers_apply_to_this_whoosh(big):
    # each shortcut falls back to Whoosh's generic API on anything unexpected; on the pinned Whoosh none should
    reader = reader_of(big)
    for sub, _base in reader.leaf_readers():
        n = sub.doc_count_all()
        ids, _ = postings._segment_arrays(sub, sub.term_info("body", "cramp"))
        assert len(ids) == sub.doc_frequency("body", "cramp")
        assert lexicon._raw_terms(sub, "body") is not None
        assert isinstance(perdoc._length_bytes(sub, "body", n), np.ndarray)
        assert perdoc._var_bytes(sub.column_reader("id", translate=False), n) is not None


@pytest.mark.parametrize("n", [1, 2, 3, 4, 128])
@pytest.mark.parametrize("weights", ["none", "same", "varied"])
def test_block_decoding_skips_the_values_and_matches_pickle(n, weights, monkeypatch):
    import pickle
    import zlib

    ids = tuple(range(1, n + 1)) if n < 100 else tuple([7] + [1] * (n - 2) + [70000])
    w = {"none": None, "same": 2.0, "varied": tuple(float(i % 5 + 1) for i in range(n))}[weights]
    values = tuple(b"\x00\x00\x00\x02" + pickle.dumps([i, 3], 2) for i in range(n))
    data = zlib.compress(pickle.dumps((ids, w, values), 2), 3)

    def no_full_decode(*args, **kwargs):
        raise AssertionError("the whole block was decoded")

    monkeypatch.setattr(postings.zlib, "decompress", no_full_decode)
    assert postings._ids_and_weights(data, True, n) == (ids, w)
    plain = pickle.dumps((ids, w, None), 2)  # no values (an ID field): the whole, cheap, pickle
    monkeypatch.undo()
    assert postings._ids_and_weights(plain, False, n) == (ids, w)


@pytest.mark.parametrize("path", ["bulk", "one by one"])
def test_phrases_checked_here_rank_and_count_as_whoosh_checks_them(big, monkeypatch, path):
    from kb.search import phrases

    queries = ['"cramp answer"', '"cramp answer" night', 'calf "cramp answer" -number2', '"cramp reply"',
               'water "cramp question" sleep', '"number3 question"', '"answer cramp"', '"cramp question" kind:faq',
               'cramp -"cramp reply"', 'night -"cramp answer" -number2']
    for text in queries:
        for limit in (1, 5, 20, 400):
            monkeypatch.setattr(phrases, "BULK_FROM", 0 if path == "bulk" else 10**9)
            here = KnowledgeBase(big.root)  # a new searcher: nothing checked yet
            mine = here.search(text, limit=limit)
            here.close()
            monkeypatch.setattr(phrases, "BULK_FROM", 10**9)
            monkeypatch.setattr(phrases, "MAX_CHECKS", 0)  # every phrase through Whoosh's span matchers
            fresh = KnowledgeBase(big.root)
            full = fresh.search(text, limit=limit)
            fresh.close()
            monkeypatch.setattr(phrases, "MAX_CHECKS", 4096)
            assert [(h.id, h.score) for h in mine.results] == [(h.id, h.score) for h in full.results], (text, limit)
            assert mine.total == full.total
            assert mine.facets == full.facets


@pytest.mark.skipif(fastpath.disabled(), reason="reads positions through the fast path, which KB_NO_FASTPATH turns off")
@pytest.mark.parametrize("words", [("cramp", "answer"), ("cramp", "repli"), ("answer", "cramp"), ("number3",),
                                   ("cramp", "question", "003"), ("calf", "nowordlikethis")])
def test_positions_decoded_in_bulk_find_what_whoosh_phrases_find(big, words):
    from whoosh import query as wq

    from kb.search import phrases

    engine_searcher = big._current()
    reader = engine_searcher.searcher.reader()
    for field in ("title", "body"):
        q = wq.Phrase(field, list(words)) if len(words) > 1 else wq.Term(field, words[0])
        whoosh = sorted(engine_searcher.searcher.docs_for_query(q))  # live documents only
        live = perdoc.live(reader)
        bulk = [d for d in phrases.phrase_docs(reader, field, words).tolist() if live[d]]
        assert bulk == whoosh, (field, words)


def test_a_common_phrase_is_counted_exactly_through_the_bulk_path(big, monkeypatch):
    from kb.search import phrases

    calls = []
    real = phrases.phrase_docs
    monkeypatch.setattr(phrases, "phrase_docs", lambda *a: calls.append(a) or real(*a))
    searcher = big._current()
    searcher.docsets._queries.items.clear()
    r = big.search('"cramp answer"', limit=1000)
    assert calls, "the bulk path did not run"
    assert r.total == len(r.results) == 297  # three of the 300 answers say "cramp reply" now


# --- typing: what one keystroke keeps for the next ------------------------------------------------------------
TYPED = ["cramp at night", "cramp at nig", "crmap at nigh", "cramp at", "cramp", "\"calf cramp\" nig",
         "low potassium cra", "low potassium", "magnesium calf str", "magnesium calf stre", "magnesium cal"]


def _typed_plans(engine):
    from kb.search.plan import parse

    s = engine._current()
    return s, [s.plan(parse(text[:n]), engine.synonyms, True) for text in TYPED for n in range(1, len(text) + 1)]


def test_scores_kept_across_keystrokes_equal_a_fresh_rankers(big):
    from kb.search.ranking import Ranker

    s, plans = _typed_plans(big)
    kept = Ranker(s.searcher, TEXT_FIELDS)
    for plan in plans:  # each keystroke, a misspelt one, backspacing, a phrase: the same floats as computed anew
        exact = {i: kept.mask(s._phrase_bits(p)) for i, p in plan.phrases.items()}
        got = kept.score(plan.units, plan.weights, exact)
        assert np.array_equal(got, Ranker(s.searcher, TEXT_FIELDS).score(plan.units, plan.weights, exact)), plan.text


def test_a_multi_word_alternative_scores_as_over_every_document(big):
    from kb.search import ranking

    ranker = big._current().ranker
    for alt in (frozenset(["cramp", "night"]), frozenset(["calf", "cramp", "stretch"]), frozenset(["cramp", "zzz"])):
        ids, vals = ranker._held(alt)
        dense = np.zeros(ranker.size, dtype=np.float32)
        dense[ids] = vals
        assert np.array_equal(dense, ranker._alternative(alt, None)), alt
    assert len(ranker._held(frozenset(["cramp", "night"]))[0]) > 0
    # the last ones kept, their bytes counted against their own bound
    alt = frozenset(["calf", "stretch"])
    assert alt not in ranker._held_cache
    before = ranker._held_bytes
    ids, vals = ranker._held(alt)
    assert ranker._held_bytes == before + ids.nbytes + vals.nbytes <= ranking.HELD_BYTES
    again = ranker._held(alt)
    assert again[0] is ids and again[1] is vals


def test_title_document_numbers_are_the_title_bitsets(big):
    s = big._current()
    for field, term in (("title", "cramp"), ("title", "question"), ("names", "magnesium"), ("names", "zzz")):
        want = np.flatnonzero(s.ranker.mask(s.docsets.term(field, term)))
        assert np.array_equal(s.docsets.ids(field, term), want), (field, term)


def test_typing_on_one_engine_finds_what_a_fresh_engine_finds(big):
    root = big.root
    fresh = KnowledgeBase(root)
    try:
        for text in TYPED:
            for n in range(1, len(text) + 1):
                a = big.search(text[:n], limit=20, prefix=True)
                fresh.close()
                b = fresh.search(text[:n], limit=20, prefix=True)
                assert (a.total, a.facets, [(h.id, h.score) for h in a.results]) == (
                    b.total, b.facets, [(h.id, h.score) for h in b.results]), text[:n]
    finally:
        fresh.close()
