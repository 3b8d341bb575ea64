"""kb.index.w3's build-side functions: a worker's unlocked segment writer, the segment count, and the posting sidecar
of a segment written before it is committed."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from kb.index.schema import make_schema
from kb.index.w3 import sidecar, sidecar_write
from kb.index.w3.bulkwriter import BulkSegmentWriter
from kb.index.w3.segments import segment_count


def doc(i: int) -> dict:
    return {"id": f"t/{i}", "kind": "faq", "path": f"corpus/faq/t{i}.yaml", "title": f"Night cramps {i}",
            "body": "magnesium and leg cramps", "stamp": [i, i, ""], "data": "{}"}


def test_worker_segments_commit_with_the_build_writers_and_are_counted(tmp_path: Path) -> None:
    ix = whoosh_index.create_in(str(tmp_path), make_schema())
    assert segment_count(ix) == 0
    writer = BulkSegmentWriter(ix)  # the build process: holds Whoosh's write lock
    workers = [BulkSegmentWriter.for_worker(str(tmp_path)) for _ in range(3)]  # take no lock: no LockError
    for n, worker in enumerate(workers[:2]):
        worker.add_document(**doc(n))
    theirs = [w.finish_share() for w in workers]
    assert theirs[2] is None  # added nothing: no segment
    writer.add_document(**doc(9))
    writer.commit_segments([s for s in theirs if s is not None] + writer.finish_segment())
    assert segment_count(ix) == 3  # read from disk: the handle opened before the commit sees it
    with ix.searcher() as s:
        assert sorted(f["id"] for f in s.all_stored_fields()) == ["t/0", "t/1", "t/9"]
        assert len(s.reader().leaf_readers()) == 3
    w = ix.writer()
    w.commit(optimize=True)
    assert segment_count(ix) == 1


def test_a_sidecar_written_before_the_commit_is_the_one_written_after(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "a"), make_schema())
    writer = BulkSegmentWriter(ix)
    for n in range(300):  # several posting blocks per common term
        writer.add_document(**{**doc(n), "body": f"magnesium and leg cramps at night {n % 7} " * (1 + n % 3)})
    segment = writer.finish_share()
    sidecar_write.write_segment(tmp_path / "a", writer.storage, writer.schema, segment)
    before = sidecar.path_for(tmp_path / "a", segment.segment_id()).read_bytes()
    writer.commit_segments([segment])
    with ix.reader() as r:
        (sub, _), = r.leaf_readers()
        assert sidecar._open(tmp_path / "a", sub) is not None  # valid for the committed segment: kept
        after = sidecar_write.write(tmp_path / "b", sub).read_bytes()
    assert before == after
    assert b"magnesium" in before and len(before) > 4096
