"""Whether kb's fast readers of Whoosh 2.7's files apply: the ``KB_NO_FASTPATH`` switch and the layout probe.

kb reads posting lists, term lists, field lengths and id columns straight from Whoosh 2.7's segment files
(:mod:`kb.index.w3.postings`, :mod:`~kb.index.w3.lexicon`, :mod:`~kb.index.w3.perdoc`,
:mod:`~kb.index.w3.positions`), through names Whoosh keeps private. Every such reader asks :func:`use` first:
false when ``KB_NO_FASTPATH`` is set (to anything but ``0``) or when :func:`compatible` finds a segment whose
objects are not laid out as those readers expect; then the same answer comes from Whoosh's public API, slower.
The probe runs once per reader (an index generation) and only looks for attributes, so it costs microseconds.
"""

from __future__ import annotations

import os
import weakref

from whoosh.reading import IndexReader

ENV = "KB_NO_FASTPATH"

#: reader -> whether the fast readers apply to it (probed once per reader)
_probed: weakref.WeakKeyDictionary[IndexReader, bool] = weakref.WeakKeyDictionary()
_said = False


def disabled() -> bool:
    """True when ``KB_NO_FASTPATH`` asks for Whoosh's public API everywhere (read at each call)."""
    return os.environ.get(ENV, "").strip() not in ("", "0")


def _has(obj: object, *names: str) -> bool:
    return all(hasattr(obj, n) for n in names)


def compatible(reader: IndexReader) -> str | None:
    """None when every segment of ``reader`` looks as the fast readers expect, else what differs (one line)."""
    try:
        import whoosh
        from whoosh.codec import whoosh3
        from whoosh.columns import VarBytesColumn
    except ImportError as exc:  # pragma: no cover - a Whoosh without the W3 codec
        return f"Whoosh has no W3 codec ({exc})"
    if tuple(whoosh.__version__[:2]) != (2, 7):
        return f"Whoosh {whoosh.versionstring()} (the fast readers know 2.7)"
    for name in ("WHOOSH3_HEADER_MAGIC", "LENGTHS_COLUMN", "_lenfield"):
        if not hasattr(whoosh3, name):
            return f"whoosh.codec.whoosh3 has no {name}"
    if not _has(VarBytesColumn.Reader, "__getitem__"):  # pragma: no cover
        return "VarBytesColumn.Reader has changed"
    try:
        leaves = list(reader.leaf_readers())
    except Exception as exc:  # noqa: BLE001 - an unexpected reader: the public API only
        return f"the index reader has no segments ({type(exc).__name__})"
    for sub, _base in leaves:
        terms = getattr(sub, "_terms", None)
        if not isinstance(terms, whoosh3.W3TermsReader):
            return f"a segment's terms are read by {type(terms).__name__}, not W3TermsReader"
        if not _has(terms, "_postfile", "_tindex", "_keycoder", "_fieldmap"):
            return "W3TermsReader's attributes have changed"
        if not _has(terms._tindex, "closest_key_pos", "endofdata", "dbfile"):
            return "the term table's attributes have changed"
        if not _has(terms._postfile, "get"):
            return "the posting file cannot be read by offset"
        perdoc = getattr(sub, "_perdoc", None)
        if not isinstance(perdoc, whoosh3.W3PerDocReader) or not _has(perdoc, "_cached_reader"):
            return f"a segment's per-document data is read by {type(perdoc).__name__}, not W3PerDocReader"
    return None


def use(reader: IndexReader) -> bool:
    """Whether the fast readers may read ``reader``'s segments (the switch, then the probe, cached per reader)."""
    if disabled():
        return False
    ok = _probed.get(reader)
    if ok is None:
        ok = compatible(reader) is None
        try:
            _probed[reader] = ok
        except TypeError:  # pragma: no cover - a reader that cannot be weakly referenced: probe each time
            pass
    return ok


def notice(reader: IndexReader) -> str | None:
    """The one line to tell a user, the first time in this process an index is not what the fast readers
    expect; None otherwise (and always when ``KB_NO_FASTPATH`` asked for the public API on purpose)."""
    global _said
    if _said or disabled():
        return None
    reason = compatible(reader)
    if reason is None:
        return None
    _said = True
    return f"this Whoosh's index layout is not the one kb reads fast ({reason}): searching through Whoosh's " \
           "public API, which is slower"
