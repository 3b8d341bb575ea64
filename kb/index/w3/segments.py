"""How many segments an index lists: Whoosh's ``FileIndex`` answers only through a private method."""

from __future__ import annotations

from whoosh.index import FileIndex


def segment_count(ix: FileIndex) -> int:
    """The number of segments in ``ix``'s latest table of contents (read from disk: it sees a commit made since
    ``ix`` was opened)."""
    return len(ix._segments())
