"""The peer: SQLite FTS5 (Python's sqlite3, porter tokenizer, BM25) over the same records, queried the same way.

What the peer does, so the kb / FTS5 ratios compare like with like:

* build: kb's own loader parses and links the corpus (the same Markdown/YAML work kb's build does), then one
  transaction inserts every record into an FTS5 table (``porter unicode61 remove_diacritics 2``, prefix indexes
  on 2-4 characters) and ``optimize`` merges it;
* query: the same syntax as kb (words OR-ed, ``"phrase"``, ``-exclude``, ``kind:``, ``nutrient:``, ``tag:``),
  the same stop words, synonym groups expanded as OR-ed alternatives, typing mode as ``"last"*`` for a last word
  of two or more letters (kb's rule), BM25 with kb's field weights (title 3, article 1.5, names 1.5);
* per query, like kb: the top ``limit`` rows, snippets for the first ``snippets`` of them (FTS5 ``snippet()``,
  24 tokens), and the total and the kind and nutrient facet counts over every match;
* no spelling correction (FTS5 has none): a typo simply finds what it finds;
* incremental: a stat walk of the corpus (as kb does to find changes), parse and link the changed file with kb's
  parser, delete its rows and insert the new ones, commit.

Stop words and synonyms are stored in the database at build time, so a fresh ``search`` process imports neither
kb nor Whoosh.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

TOKENIZE = "porter unicode61 remove_diacritics 2"
WEIGHTS = (3.0, 1.5, 1.0, 1.5, 1.0)  # title, article, body, names, tags; nutkeys/tagkeys weigh 0
MIN_PREFIX = 2
SNIPPET_TOKENS = 24
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORDS = re.compile(r"\w+", re.UNICODE)
FILTERS = {"kind": "kind", "nutrient": "nutkeys", "nutrients": "nutkeys", "tag": "tagkeys", "tags": "tagkeys"}
KINDS = {"section": "section", "sections": "section", "article": "section", "articles": "section",
         "faq": "faq", "faqs": "faq", "nutrient": "nutrient", "nutrients": "nutrient"}


def _key(value: str) -> str:
    """A filter value as one FTS5 token: 'vitamin-b12' -> 'vitaminb12'."""
    return re.sub(r"\W+|_", "", value.lower())


def _create(db: sqlite3.Connection) -> None:
    db.executescript(f"""
        CREATE VIRTUAL TABLE docs USING fts5(
            title, article, body, names, tags, nutkeys, tagkeys,
            kind UNINDEXED, rid UNINDEXED, path UNINDEXED, nutrients UNINDEXED,
            tokenize='{TOKENIZE}', prefix='2 3 4');
        CREATE TABLE files(path TEXT NOT NULL, docid INTEGER NOT NULL);
        CREATE INDEX files_path ON files(path);
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """)
    weights = ", ".join(str(w) for w in (*WEIGHTS, 0.0, 0.0))
    db.execute("INSERT INTO docs(docs, rank) VALUES('rank', ?)", (f"bm25({weights})",))


def _row(record, names: dict[str, list[str]]) -> tuple:
    from kb.index.documents import plain_of
    from kb.model.records import Nutrient, Section

    nm: list[str] = []
    for slug in record.nutrients:
        nm += names.get(slug, [slug.replace("-", " ")])
    if isinstance(record, Nutrient):
        nm.append(record.deficiency.name)
    return (record.title, record.article_title if isinstance(record, Section) else "", plain_of(record),
            " ".join(nm), " ".join(record.tags), " ".join(_key(n) for n in record.nutrients),
            " ".join(_key(t) for t in record.tags), record.kind, record.id, record.path,
            ",".join(record.nutrients))


_INSERT = ("INSERT INTO docs(title, article, body, names, tags, nutkeys, tagkeys, kind, rid, path, nutrients) "
           "VALUES (?,?,?,?,?,?,?,?,?,?,?)")


def build(root: Path, db_path: Path) -> dict[str, float]:
    """Parse ``root``'s corpus with kb's loader and build the FTS5 database; returns timings and counts."""
    from kb.corpus.loader import load_corpus
    from kb.index.schema import STOP_WORDS

    started = time.perf_counter()
    corpus = load_corpus(root)
    parsed = time.perf_counter()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = sqlite3.connect(db_path)
    _create(db)
    names = {n.slug: [n.name, *n.aliases] for n in corpus.nutrients}
    with db:
        for r in corpus.records:
            cur = db.execute(_INSERT, _row(r, names))
            db.execute("INSERT INTO files(path, docid) VALUES (?, ?)", (r.path, cur.lastrowid))
        db.execute("INSERT INTO meta VALUES ('stop_words', ?)", (json.dumps(sorted(STOP_WORDS)),))
        db.execute("INSERT INTO meta VALUES ('synonyms', ?)",
                   (json.dumps([list(g) for g in corpus.synonyms.groups]),))
        db.execute("INSERT INTO meta VALUES ('nutrients', ?)", (json.dumps(names),))
        db.execute("INSERT INTO docs(docs) VALUES('optimize')")
    db.close()
    done = time.perf_counter()
    size = sum(os.path.getsize(p) for p in (f"{db_path}{s}" for s in ("", "-wal")) if os.path.exists(p))
    return {"seconds": done - started, "parse_seconds": parsed - started, "insert_seconds": done - parsed,
            "records": len(corpus.records), "bytes": size}


def read_syntax(text: str) -> tuple[list[str], list[str], list[str], dict[str, list[str]]]:
    """kb's query syntax as the peers read it: (words, phrases, excluded words or phrases, filters by field).

    ``"phrase"``, ``-word``, ``-"phrase"`` and ``kind:``/``nutrient:``/``tag:`` filters, as kb reads them; an odd
    quote is dropped, an unknown ``name:value`` is two words. Both peers (FTS5 and tantivy) translate from this.
    """
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    filters: dict[str, list[str]] = {}
    if text.count('"') % 2:
        text = text.replace('"', " ")
    for m in _TOKEN.finditer(text):
        neg, phrase, token = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            if phrase.strip():
                (excluded if neg else phrases).append(phrase)
            continue
        if ":" in token.strip(":") and not token.startswith("-"):
            name, _, value = token.partition(":")
            f = FILTERS.get(name.lower())
            if f and value:
                filters.setdefault(f, []).append(KINDS.get(value.lower(), value.lower()) if f == "kind"
                                                 else _key(value))
                continue
            token = f"{name} {value}"
        if token.startswith("-") and len(token) > 1 and token[1] != "-":
            excluded.append(token[1:])
            continue
        words += _WORDS.findall(token.lower())
    return words, phrases, excluded, filters


class Peer:
    """An open FTS5 database answering kb-style queries."""

    def __init__(self, db_path: Path) -> None:
        self.db = sqlite3.connect(db_path, check_same_thread=False)
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        self.stop = frozenset(json.loads(meta["stop_words"]))
        self.nutrient_names: dict[str, list[str]] = json.loads(meta["nutrients"])
        self.single: dict[str, list[str]] = {}
        self.multi: list[tuple[tuple[str, ...], list[str]]] = []
        for group in json.loads(meta["synonyms"]):
            for entry in group:
                others = [o for o in group if o != entry]
                words = tuple(_WORDS.findall(entry.lower()))
                if len(words) == 1:
                    self.single.setdefault(words[0], []).extend(others)
                elif words:
                    self.multi.append((words, others))

    def close(self) -> None:
        self.db.close()

    # --- query translation -------------------------------------------------------------------------------------
    def translate(self, text: str, prefix: bool = False) -> tuple[str | None, list[str], str]:
        """(MATCH expression or None, kind values, filter expression) for what was typed."""
        words, phrases, excluded, filters = read_syntax(text)
        last_prefix = prefix and bool(words) and not text[-1:].isspace() and not text.rstrip().endswith('"')
        clauses: list[str] = []
        for i, w in enumerate(words):
            if w in self.stop:
                continue
            alts = [_quote(w)]
            if last_prefix and i == len(words) - 1 and len(w) >= MIN_PREFIX:
                alts.append(_quote(w) + "*")
            alts += [_phrase(o) for o in self.single.get(w, [])]
            clauses.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(a for a in alts if a) + ")")
        for pattern, others in self.multi:
            n = len(pattern)
            if any(tuple(words[j:j + n]) == pattern for j in range(len(words) - n + 1)):
                clauses.append("(" + " OR ".join(_phrase(o) for o in others) + ")")
        clauses += [_phrase(p) for p in phrases if _phrase(p)]
        clauses = [c for c in clauses if c]
        expr = " OR ".join(clauses) if clauses else None
        if expr and excluded:
            expr = f"({expr}) NOT (" + " OR ".join(_phrase(e) or '""' for e in excluded) + ")"
        filt = " AND ".join(
            f"{col} : (" + " OR ".join(_quote(v) for v in vals) + ")"
            for col, vals in filters.items() if col != "kind")
        return expr, filters.get("kind", []), filt

    # --- searching ---------------------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20, snippets: int | None = None, prefix: bool = False) -> dict:
        expr, kinds, filt = self.translate(text, prefix)
        if expr and filt:
            match: str | None = f"({expr}) AND {filt}"
        else:
            match = expr or filt or None
        if match is None and not kinds:
            return {"total": 0, "results": []}
        where, args = [], []
        if match is not None:
            where.append("docs MATCH ?")
            args.append(match)
        if kinds:
            where.append("kind IN (" + ",".join("?" * len(kinds)) + ")")
            args += kinds
        w = " AND ".join(where)
        order = " ORDER BY rank" if match is not None else ""
        try:
            rows = self.db.execute(f"SELECT rowid, rid, title, kind FROM docs WHERE {w}{order} LIMIT ?",
                                   (*args, limit)).fetchall()
            n_snip = limit if snippets is None else snippets
            snips: dict[int, str] = {}
            top = [r[0] for r in rows[:n_snip]]
            if top and match is not None:
                snips = dict(self.db.execute(
                    f"SELECT rowid, snippet(docs, 2, '\x02', '\x03', '…', {SNIPPET_TOKENS}) FROM docs "
                    f"WHERE {w} AND rowid IN ({','.join('?' * len(top))})", (*args, *top)))
            kind_count: Counter[str] = Counter()
            nutrient_count: Counter[str] = Counter()
            for kind, nutrients in self.db.execute(f"SELECT kind, nutrients FROM docs WHERE {w}", args):
                kind_count[kind] += 1
                if nutrients:
                    nutrient_count.update(nutrients.split(","))
        except sqlite3.OperationalError as exc:  # a query FTS5 cannot parse answers nothing, like a bad kb query
            return {"total": 0, "results": [], "error": str(exc)}
        return {"total": sum(kind_count.values()), "facets": {"kind": dict(kind_count),
                                                              "nutrient": dict(nutrient_count)},
                "results": [{"id": r[1], "title": r[2], "kind": r[3], "snippet": snips.get(r[0], "")}
                            for r in rows]}

    # --- incremental -------------------------------------------------------------------------------------------
    def update_file(self, root: Path, rel: str) -> int:
        """Bring one corpus file up to date (added, edited or deleted): stat walk, parse, delete, insert, commit."""
        from kb.corpus.files import list_corpus
        from kb.corpus.linking import NutrientMatcher, NutrientTerms
        from kb.corpus.loader import link, parse_file

        listing = list_corpus(root)  # kb also stats every file to find what changed
        records = []
        if rel in listing.files:
            parsed = parse_file(root, rel)
            matcher = NutrientMatcher(NutrientTerms(s, tuple(n)) for s, n in self.nutrient_names.items())
            records = [link(r, matcher) for r in parsed.records]
        with self.db:
            old = [d for (d,) in self.db.execute("SELECT docid FROM files WHERE path = ?", (rel,))]
            if old:
                self.db.execute(f"DELETE FROM docs WHERE rowid IN ({','.join('?' * len(old))})", old)
                self.db.execute("DELETE FROM files WHERE path = ?", (rel,))
            for r in records:
                cur = self.db.execute(_INSERT, _row(r, self.nutrient_names))
                self.db.execute("INSERT INTO files(path, docid) VALUES (?, ?)", (r.path, cur.lastrowid))
        return len(records)


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _phrase(text: str) -> str:
    words = _WORDS.findall(text.lower())
    return _quote(" ".join(words)) if words else ""


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.fts5 DB QUERY...``: one search, printed like ``kb search`` (a fresh-process peer)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        sys.stderr.write("usage: python -m benchmarks.fts5 DB QUERY...\n")
        return 2
    peer = Peer(Path(args[0]))
    response = peer.search(" ".join(args[1:]), limit=10)
    for n, hit in enumerate(response["results"], 1):
        sys.stdout.write(f"{n:>2}. [{hit['kind']}] {hit['title']}\n    {hit['snippet']}\n    {hit['id']}\n")
    sys.stdout.write(f"{response['total']} results\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
