"""kb.index.w3's build-side functions: a worker's unlocked segment writer and the segment count."""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from kb.index.schema import make_schema
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
