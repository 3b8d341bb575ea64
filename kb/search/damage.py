"""Whether an exception raised while answering means the index's files are damaged (rebuild) or kb has a fault.

At 100k records a rebuild takes a minute, so only errors from reading the index's bytes trigger one.
"""

from __future__ import annotations

import os
import pickle
import struct
import zlib

import whoosh

from kb.index.sums import ChecksumMismatch

# Code that reads the index's files: an exception raised there (innermost kb or Whoosh frame) means damage.
_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep
_KB_DIR = os.path.dirname(os.path.dirname(__file__)) + os.sep
_INDEX_READERS = frozenset(_KB_DIR + name.replace("/", os.sep) for name in (
    "index/w3/postings.py", "index/w3/lexicon.py", "index/w3/perdoc.py", "index/documents.py", "search/docsets.py",
    "search/phrases.py", "search/ranking.py", "search/feedback.py", "search/searcher.py", "search/records.py",
    "search/vocabulary.py", "index/w3/sidecar.py", "index/w3/positions.py", "index/store.py"))
# what reading damaged bytes raises wherever it happens (zlib, struct, pickle, a short read, the file system),
# and what checking them against their sums finds
_READ_ERRORS = (OSError, EOFError, zlib.error, struct.error, pickle.UnpicklingError, ChecksumMismatch)



def is_index_damage(exc: BaseException) -> bool:
    """Whether ``exc``, raised while answering, comes from reading the index's files.

    True for the errors reading damaged bytes gives (I/O, zlib, struct, pickle, EOF) and for any exception
    whose innermost kb or Whoosh frame is in Whoosh or in kb's readers of the index format. An exception from
    the rest of kb (making a snippet, parsing the query...) is a fault of kb, not of the index: rebuilding
    cannot help, and at 100k records a rebuild takes a minute.
    """
    if isinstance(exc, _READ_ERRORS):
        return True
    where = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(_WHOOSH_DIR) or name.startswith(_KB_DIR):
            where = name
        tb = tb.tb_next
    return where is not None and (where.startswith(_WHOOSH_DIR) or where in _INDEX_READERS)
