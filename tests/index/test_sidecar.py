"""Each segment's decoded postings (kb.index.w3.sidecar) give exactly what decoding Whoosh's blocks gives, follow
the segments through updates, and a damaged or missing file costs speed, never a wrong answer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FILES, REF, write_corpus

from kb.engine import KnowledgeBase
from kb.index.store import current_dir
from kb.index.w3 import postings, sidecar

WORDS = ("cramp", "calf", "night", "magnesium", "stretch", "tingle", "banana", "twitch", "sleep", "water")
QUERIES = ("cramp", "night cramps", "magnesium", '"cramp answer"', "calf kind:faq", "tingle water sleep",
           "stretch nutrient:magnesium", "magnesum cramp")


def faq(i: int) -> str:
    words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 6))
    extra = "nutrients: [magnesium]\n" if i % 3 == 0 else ""
    return (f"question: Cramp question {i:03d} about {WORDS[i % len(WORDS)]}?\n"
            f"answer: A cramp answer with {words} and number{i % 7} in it.\n{extra}reviewed: 2026-11-20\n" + REF)


def sidecars(root):
    return sorted(p.name for p in current_dir(root / "index").glob(f"{sidecar.PREFIX}*{sidecar.SUFFIX}"))


def segments(engine):
    return sorted(f"{sidecar.PREFIX}{sub.segment().segment_id()}{sidecar.SUFFIX}"
                  for sub, _ in engine._current().searcher.reader().leaf_readers())


def answers(root):
    engine = KnowledgeBase(root)
    try:
        out: list = []
        for q in QUERIES:
            r = engine.search(q, limit=50)
            out.append((q, [(h.id, h.score) for h in r.results], r.total, r.facets))
        return out + [engine.search("cra", prefix=True).total]
    finally:
        engine.close()


@pytest.fixture
def root(tmp_path):
    files = dict(FILES)
    files.update({f"corpus/faq/generated-{i:03d}.yaml": faq(i) for i in range(300)})
    root = write_corpus(tmp_path / "kb", files)
    engine = KnowledgeBase(root)
    engine.update(full=True)
    engine.close()
    return root


def test_every_segment_gets_one_and_updates_follow_the_segments(root):
    engine = KnowledgeBase(root)
    assert sidecars(root) == segments(engine) != []
    path = root / "corpus/faq/generated-005.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("A cramp answer", "A cramp reply"), encoding="utf-8")
    engine.update()
    assert len(segments(engine)) > 1
    assert sidecars(root) == segments(engine)
    assert engine.search('"cramp reply"').total == 1
    engine.update(full=True)  # a new generation: its own files only
    assert sidecars(root) == segments(engine)
    engine.close()


def test_postings_from_the_sidecar_equal_the_decoded_blocks(root):
    path = root / "corpus/faq/generated-150.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("A cramp answer", "A cramp reply"), encoding="utf-8")
    engine = KnowledgeBase(root)
    engine.update()  # two segments, one document deleted
    reader = engine._current().searcher.reader()
    checked = 0
    for sub, _base in reader.leaf_readers():
        side = sidecar.for_segment(reader, sub)
        assert side is not None
        for field in ("title", "body", "names", "kind", "nutrients", "tags"):
            if not side.has(field):
                continue
            for term, info in sub.iter_field(field):
                term = term.decode("utf-8")
                want_ids, want_w = postings._segment_arrays(sub, info)
                got_ids, got_w = side.get(field, term)
                np.testing.assert_array_equal(got_ids, want_ids)
                np.testing.assert_array_equal(got_w, want_w)
                checked += 1
        assert side.get("body", "nosuchword") is None
    assert checked > 100
    engine.close()


@pytest.mark.parametrize("damage", ["truncate", "flip", "other segment", "garbage", "empty"])
def test_a_damaged_sidecar_gives_the_same_answers(root, damage):
    want = answers(root)
    files = sorted(current_dir(root / "index").glob(f"{sidecar.PREFIX}*"))
    for i, path in enumerate(files):
        data = path.read_bytes()
        if damage == "truncate":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "flip":  # document numbers and offsets scrambled, header intact
            head = len(data) // 3
            path.write_bytes(data[:head] + bytes(b ^ 0x5A for b in data[head:]))
        elif damage == "other segment":
            path.write_bytes(files[(i + 1) % len(files)].read_bytes() if len(files) > 1 else data[:-1])
        elif damage == "garbage":
            path.write_bytes(b"KBPOSTS1" + b"\xff" * 64)
        else:
            path.write_bytes(b"")
    assert answers(root) == want


def test_positions_from_the_sidecar_equal_the_decoded_blocks(root):
    from kb.index.w3 import positions

    engine = KnowledgeBase(root)
    reader = engine._current().searcher.reader()
    for sub, _base in reader.leaf_readers():
        side = sidecar.for_segment(reader, sub)
        assert side.has_positions("body") and side.has_positions("title")
        for field in ("title", "body"):
            for term, info in list(sub.iter_field(field))[::7]:
                term = term.decode("utf-8")
                ids, _w, per_posting, pos = positions.segment_positions(sub, info)
                got_docs, got_pos = side.positions(field, term, None)
                np.testing.assert_array_equal(got_docs, np.repeat(ids, per_posting))
                np.testing.assert_array_equal(got_pos, pos)
                some = ids[::3]
                got_docs, got_pos = side.positions(field, term, some)
                keep = np.isin(np.repeat(ids, per_posting), some)
                np.testing.assert_array_equal(got_docs, np.repeat(ids, per_posting)[keep])
                np.testing.assert_array_equal(got_pos, pos[keep])
    engine.close()
