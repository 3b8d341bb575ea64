"""How an incremental update merges segments: through kb's bulk writer instead of Whoosh's slow one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from whoosh.reading import SegmentReader
from whoosh.writing import fib

from kb.index import documents
from kb.index.w3.bulkwriter import BulkSegmentWriter


def fold_small(terms: dict[str, list[str]]) -> Callable[[BulkSegmentWriter, list[Any]], list[Any]]:
    """A Whoosh merge policy for the bulk writer: the segments Whoosh's ``MERGE_SMALL`` would merge (the
    smallest ones, while together they hold fewer documents than a Fibonacci number of their count) have their
    live documents added again, from their stored records, to the segment being written; the others stay.

    Whoosh's own merge goes through its slow writer (about 160 ms at 100k sections, every few updates); folding
    a few dozen documents through the bulk writer costs a few ms, and drops the deleted documents as a merge
    does.
    """
    def policy(writer: BulkSegmentWriter, segments: list[Any]) -> list[Any]:
        ordered = sorted(segments, key=lambda seg: seg.doc_count_all())
        total = 0
        for i, seg in enumerate(ordered):
            total += seg.doc_count_all()
            if i > 3 and total < fib(i + 5):
                break
        else:
            return segments
        for seg in ordered[:i + 1]:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            try:
                for _, fields in reader.iter_docs():  # live documents only: this update's deletions included
                    record = documents.load(fields["data"])
                    writer.add_document(**documents.to_document(record, terms, list(fields["stamp"])))
            finally:
                reader.close()
        return ordered[i + 1:]

    return policy
