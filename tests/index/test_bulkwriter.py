"""kb.index.w3.bulkwriter: the full build's segment writer writes what Whoosh's own ``SegmentWriter`` writes.

Every term, every posting (docnum, weight, positions or frequency), every term's and block's statistics, every
field length, stored field and column value is compared between an index written by each, for the fixture
corpus's documents and for generated documents that reach the edge cases (positions past 255, postings lists
longer than a block, empty and repeated values, non-ASCII words).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from conftest import write_corpus
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from kb.corpus.loader import load_corpus
from kb.index import documents
from kb.index.schema import make_schema
from kb.index.w3.bulkwriter import BulkSegmentWriter, _compress, _deltas, _mini_weights

WORDS = ("cramp cramps cramping magnesium Magnesium potassium night nights leg legs muscle muscles the and of a "
         "vitamin B12 b12 Mg mg 400 2.4 don't Ménière café naïve tingling pins needles calf foot feet nerve "
         "spasm spasms twitch twitching sleep stretch water salt sodium").split()


def fixture_docs(tmp_path: Path) -> list[dict[str, Any]]:
    corpus = load_corpus(write_corpus(tmp_path / "kb"))
    assert not corpus.problems
    names = {n.slug: [n.name, *n.aliases] for n in corpus.nutrients}
    return [documents.to_document(r, names, [1, 2, "abc"]) for r in corpus.records]


def generated_docs(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    docs = []
    for i in range(n):
        body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(0, 120)))
        if i % 17 == 0:
            body += " cramp" * 300  # positions past 255, a frequency past 255
        tags = ",".join(rnd.sample(["Sleep", "legs", " night ", "", "calf"], rnd.randint(0, 4)))
        docs.append({
            "id": f"gen/{i}", "kind": rnd.choice(["section", "faq"]), "path": f"corpus/articles/a{i // 5}.md",
            "title": " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(0, 6))),
            "article": rnd.choice(["", "Night cramps", "Vitamin B12 and nerves"]),
            "body": body, "names": rnd.choice(["", "Magnesium Mg hypomagnesemia"]),
            "nutrients": rnd.choice(["", "magnesium", "magnesium,potassium"]), "tags": tags,
            "stamp": [i, i * 2, "d"], "data": f'{{"n":{i}}}',
        })
    return docs


def build(path: Path, docs: list[dict[str, Any]], writer_class: type, bad: dict[str, Any] | None = None) -> Any:
    path.mkdir(parents=True)
    ix = whoosh_index.create_in(str(path), make_schema())
    writer = writer_class(ix)
    for i, doc in enumerate(docs):
        if bad is not None and i == len(docs) // 2:
            with pytest.raises(ValueError):
                writer.add_document(**bad)
        writer.add_document(**doc)
    writer.commit()
    return whoosh_index.open_dir(str(path))


def snapshot(ix: Any) -> dict[str, Any]:
    """Everything a searcher can read from an index, in comparable form."""
    out: dict[str, Any] = {}
    with ix.reader() as r:
        out["terms"] = list(r.all_terms())
        out["doc_count"] = r.doc_count_all()
        for field, term in out["terms"]:
            ti = r.term_info(field, term)
            stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight(),
                     ti.min_id(), ti.max_id())
            fmt = r.schema[field].format
            kind = "positions" if fmt.supports("positions") else "frequency" if fmt.supports("frequency") else None
            m = r.postings(field, term)
            postings = list(m.items_as(kind)) if kind else list(m.all_ids())
            weights = list(r.postings(field, term).items_as("weight"))
            blocks = []
            m = r.postings(field, term)
            while r.is_atomic() and m.is_active():
                blocks.append((m.block_min_length(), m.block_max_length(), m.block_max_weight(),
                               m.block_min_id(), m.block_max_id()))
                m.skip_to(m.block_max_id() + 1)
            out[(field, term)] = (stats, postings, weights, blocks)
        for field in r.schema.scorable_names():
            out[("length", field)] = (r.field_length(field), r.max_field_length(field),
                                      [r.doc_field_length(d, field) for d in range(r.doc_count_all())])
        out["stored"] = list(r.all_stored_fields())
        out["ids"] = list(r.column_reader("id"))
    return out


@pytest.mark.parametrize("source", ["fixture", "generated"])
def test_the_index_is_the_one_segment_writer_writes(tmp_path: Path, source: str) -> None:
    docs = fixture_docs(tmp_path) if source == "fixture" else generated_docs(400)
    whoosh = snapshot(build(tmp_path / "whoosh", docs, SegmentWriter))
    bulk = snapshot(build(tmp_path / "bulk", docs, BulkSegmentWriter))
    assert bulk.keys() == whoosh.keys()
    for key in whoosh:
        assert bulk[key] == whoosh[key], key


def test_a_long_postings_list_spans_blocks(tmp_path: Path) -> None:
    docs = generated_docs(400)
    snap = snapshot(build(tmp_path / "bulk", docs, BulkSegmentWriter))
    assert max(len(v[3]) for k, v in snap.items() if isinstance(k, tuple) and len(v) == 4) > 2


def test_a_document_that_fails_leaves_no_trace(tmp_path: Path) -> None:
    docs = generated_docs(60)
    bad = dict(docs[0], id="gen/bad", title=["not", "text"], body="zebra quokka " * 5)
    clean = snapshot(build(tmp_path / "clean", docs, BulkSegmentWriter))
    after_failure = snapshot(build(tmp_path / "failed", docs, BulkSegmentWriter, bad=bad))
    assert after_failure == clean


def test_segments_of_several_writers_commit_together(tmp_path: Path) -> None:
    docs = generated_docs(120)
    one = snapshot(build(tmp_path / "one", docs, BulkSegmentWriter))
    path = tmp_path / "two"
    path.mkdir()
    ix = whoosh_index.create_in(str(path), make_schema())
    main = BulkSegmentWriter(ix)
    worker = BulkSegmentWriter(ix, _lk=False)  # as a build worker opens it
    for doc in docs[:70]:
        worker.add_document(**doc)
    theirs = worker.finish_segment()
    for doc in docs[70:]:
        main.add_document(**doc)
    main.commit_segments(theirs + main.finish_segment())
    two = snapshot(whoosh_index.open_dir(str(path)))
    assert len(whoosh_index.open_dir(str(path))._segments()) == 2
    assert two["stored"] == one["stored"] and two["terms"] == one["terms"]
    for key in one:
        if isinstance(key, tuple) and key[0] != "length":
            assert [p for p in two[key][1]] == [p for p in one[key][1]], key


def test_block_helpers_match_whoosh() -> None:
    import zlib
    from array import array

    from whoosh.util.numlists import delta_encode

    ids = array("I", [3, 4, 9, 200, 70000])
    assert _deltas(ids) == tuple(delta_encode(ids))
    assert _mini_weights(array("f", [1.0, 1.0])) is None
    assert _mini_weights(array("f", [3.0, 3.0])) == 3.0
    assert _mini_weights(array("f", [1.0, 3.0])) == (1.0, 3.0)
    data = bytes(range(256)) * 40
    assert zlib.decompress(_compress(data)) == data
