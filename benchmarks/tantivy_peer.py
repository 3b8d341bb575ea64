"""The second peer: tantivy (Rust, ``pip install tantivy``) over the same records kb indexes.

Set up the way a Python user would set up a well-tuned BM25 engine: tantivy's ``en_stem`` tokenizer (lowercase,
Porter stemming), BM25 with Lucene's idf, the title boosted as kb weights it (title 3, article title 1.5, body 1,
names 1.5, tags 1), and kb's stop words dropped from the query (the "query stop words" of a well set-up BM25).
Words are OR-ed, as in kb. No spelling correction and no synonyms: tantivy has neither built in.

tantivy is an optional benchmark dependency (``pip install -e '.[bench]'``); nothing in ``kb`` imports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

BOOSTS = {"title": 3.0, "article": 1.5, "body": 1.0, "names": 1.5, "tags": 1.0}
_WORDS = re.compile(r"\w+", re.UNICODE)


class TantivyPeer:
    """An in-memory tantivy index of kb records, answering ranked queries."""

    def __init__(self, records: Iterable, stop_words: Iterable[str] = ()) -> None:
        import tantivy

        from kb.index.documents import plain_of
        from kb.model.records import Nutrient, Section

        self._tantivy = tantivy
        self.stop = frozenset(stop_words)
        sb = tantivy.SchemaBuilder()
        for name in BOOSTS:
            sb.add_text_field(name, stored=False, tokenizer_name="en_stem")
        sb.add_text_field("rid", stored=True, tokenizer_name="raw")
        sb.add_text_field("kind", stored=True, tokenizer_name="raw")
        self.index = tantivy.Index(sb.build())
        writer = self.index.writer(heap_size=64_000_000, num_threads=1)
        for r in records:
            names = [r.name, *r.aliases, r.deficiency.name] if isinstance(r, Nutrient) else []
            writer.add_document(tantivy.Document(
                title=r.title, article=r.article_title if isinstance(r, Section) else "", body=plain_of(r),
                names=" ".join(names), tags=" ".join(r.tags), rid=r.id, kind=r.kind))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def query_text(self, text: str) -> str:
        """The words typed, stop words dropped, each quoted so tantivy's query syntax never trips on them."""
        words = [w for w in _WORDS.findall(text.lower()) if w not in self.stop]
        return " ".join(f'"{w}"' for w in words)

    def search(self, text: str, limit: int = 10) -> list[str]:
        """The ids of the top ``limit`` records for what was typed."""
        q = self.query_text(text)
        if not q:
            return []
        query, _errors = self.index.parse_query_lenient(q, list(BOOSTS), field_boosts=BOOSTS)
        hits = self.searcher.search(query, limit).hits
        return [self.searcher.doc(addr)["rid"][0] for _score, addr in hits]


# --- the benchmark peer: an index on disk, asked the query list the way kb is ----------------------------------
PREFIX_FIELDS = ("title", "body", "names")  # where kb completes a typed prefix
MAX_EXPANSIONS = 12  # kb's most frequent completions of a prefix
PREFIX_WEIGHT = 0.8  # kb's weight of a completion
MIN_PREFIX = 2
SNIPPET_CHARS = 160


def build(root, path) -> dict[str, float]:
    """Parse ``root``'s corpus with kb's loader and write a tantivy index at ``path``: the fields, weights and
    filter keys of the FTS5 peer's rows (:func:`benchmarks.fts5._row`). Returns timings and counts."""
    import shutil
    import time
    from pathlib import Path

    import tantivy

    from benchmarks.fts5 import _row
    from benchmarks.stats import dir_bytes
    from kb.corpus.loader import load_corpus

    started = time.perf_counter()
    corpus = load_corpus(root)
    parsed = time.perf_counter()
    path = Path(path)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    names = {n.slug: [n.name, *n.aliases] for n in corpus.nutrients}
    index = tantivy.Index(_bench_schema(), path=str(path))
    writer = index.writer(heap_size=128_000_000, num_threads=2)
    for r in corpus.records:
        title, article, body, nm, tags, *_ = _row(r, names)
        writer.add_document(tantivy.Document(
            title=title, article=article, body=body, names=nm, tags=tags, rid=r.id, kind=r.kind,
            nutkeys=[_filter_key(n) for n in r.nutrients] or [""], tagkeys=[_filter_key(t) for t in r.tags] or [""]))
    writer.commit()
    writer.wait_merging_threads()
    done = time.perf_counter()
    return {"seconds": done - started, "parse_seconds": parsed - started, "records": len(corpus.records),
            "bytes": dir_bytes(path)}


def _bench_schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    for name in BOOSTS:
        sb.add_text_field(name, stored=name in ("title", "body"), tokenizer_name="en_stem")
    sb.add_text_field("rid", stored=True, tokenizer_name="raw")
    sb.add_text_field("kind", stored=True, fast=True, tokenizer_name="raw")
    sb.add_text_field("nutkeys", fast=True, tokenizer_name="raw")
    sb.add_text_field("tagkeys", tokenizer_name="raw")
    return sb.build()


def _filter_key(value: str) -> str:
    return re.sub(r"\W+|_", "", value.lower())


class TantivyBench:
    """An open tantivy index answering the benchmark's queries with kb's work per query: the top ``limit`` hits
    (their stored id, title and kind read), snippets for the first ``snippets`` (its ``SnippetGenerator``, 160
    characters), the total, and the kind and nutrient facets over every match (a terms aggregation). kb's query
    syntax: words OR-ed (stop words dropped), ``"phrase"``, ``-exclude``, ``kind:``, ``nutrient:``, ``tag:``;
    typing mode completes the last word (two letters or more) from the term dictionary: its 12 most frequent
    completions in title, body and names, weighted 0.8, as kb does. No synonyms, no spelling correction."""

    def __init__(self, path, stop_words: Iterable[str]) -> None:
        import tantivy

        self._t = tantivy
        self.index = tantivy.Index.open(str(path))
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.stop = frozenset(stop_words)

    def close(self) -> None:
        self.searcher = None

    def _parse(self, text: str) -> tuple[list[str], list[str], list[str], dict[str, list[str]]]:
        from benchmarks.fts5 import read_syntax

        return read_syntax(text)

    def _completions(self, prefix: str) -> list[str]:
        counts: dict[str, int] = {}
        for field in PREFIX_FIELDS:
            for term, n in self.searcher.terms_with_prefix(field, prefix, limit=MAX_EXPANSIONS):
                counts[term] = counts.get(term, 0) + n
        return sorted(counts, key=lambda t: (-counts[t], t))[:MAX_EXPANSIONS]

    def query(self, text: str, prefix: bool = False):
        """The tantivy query for what was typed, or None when it asks for nothing."""
        t = self._t
        words, phrases, excluded, filters = self._parse(text)
        last_prefix = prefix and bool(words) and not text[-1:].isspace() and not text.rstrip().endswith('"')
        should = []
        kept = [w for w in words if w not in self.stop]
        quoted = [f'"{w}"' for w in kept] + [f'"{" ".join(_WORDS.findall(p.lower()))}"' for p in phrases
                                             if _WORDS.findall(p)]
        if quoted:
            should.append(self.index.parse_query(" ".join(quoted), list(BOOSTS), field_boosts=BOOSTS))
        if last_prefix and len(words[-1]) >= MIN_PREFIX:
            for term in self._completions(words[-1]):
                for field in PREFIX_FIELDS:
                    should.append(t.Query.boost_query(t.Query.term_query(self.schema, field, term),
                                                      BOOSTS[field] * PREFIX_WEIGHT))
        must = []
        for field, values in filters.items():
            must.append(t.Query.boolean_query([(t.Occur.Should, t.Query.term_query(self.schema, field, v))
                                               for v in values]))
        if not should and not must:
            return None
        clauses = [(t.Occur.Must, t.Query.boolean_query([(t.Occur.Should, q) for q in should]))] if should else []
        clauses += [(t.Occur.Must, q) for q in must]
        if excluded:
            ex = " ".join(f'"{" ".join(_WORDS.findall(e.lower()))}"' for e in excluded if _WORDS.findall(e))
            if ex:
                clauses.append((t.Occur.MustNot, self.index.parse_query(ex, list(BOOSTS))))
        return t.Query.boolean_query(clauses)

    def search(self, text: str, limit: int = 20, snippets: int | None = None, prefix: bool = False) -> dict:
        q = self.query(text, prefix)
        if q is None:
            return {"total": 0, "results": []}
        s = self.searcher
        found = s.search(q, limit, count=True)
        docs = [s.doc(addr) for _score, addr in found.hits]
        n_snip = limit if snippets is None else snippets
        snips = []
        if docs[:n_snip]:
            gen = self._t.SnippetGenerator.create(s, q, self.schema, "body")
            gen.set_max_num_chars(SNIPPET_CHARS)
            for doc in docs[:n_snip]:
                sn = gen.snippet_from_doc(doc)
                snips.append((sn.fragment(), [(h.start, h.end) for h in sn.highlighted()]))
        facets = s.aggregate(q, {"kind": {"terms": {"field": "kind", "size": 10}},
                                 "nutrient": {"terms": {"field": "nutkeys", "size": 100}}})
        return {"total": found.count, "facets": facets,
                "results": [{"id": d["rid"][0], "title": d["title"][0], "kind": d["kind"][0],
                             "snippet": snips[i] if i < len(snips) else None} for i, d in enumerate(docs)]}

    def snippets(self, text: str, docs: list, prefix: bool = False) -> list:
        """Snippets of ``docs`` (already read) for what was typed: the snippet work alone."""
        q = self.query(text, prefix)
        if q is None:
            return []
        gen = self._t.SnippetGenerator.create(self.searcher, q, self.schema, "body")
        gen.set_max_num_chars(SNIPPET_CHARS)
        return [gen.snippet_from_doc(d) for d in docs]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.tantivy_peer INDEX QUERY...``: one search printed like ``kb search`` (a fresh-process
    peer; the stop words come from kb's schema)."""
    import sys

    from kb.index.schema import STOP_WORDS

    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        sys.stderr.write("usage: python -m benchmarks.tantivy_peer INDEX QUERY...\n")
        return 2
    peer = TantivyBench(args[0], STOP_WORDS)
    response = peer.search(" ".join(args[1:]), limit=10)
    for n, hit in enumerate(response["results"], 1):
        snippet = hit["snippet"][0] if hit["snippet"] else ""
        sys.stdout.write(f"{n:>2}. [{hit['kind']}] {hit['title']}\n    {snippet}\n    {hit['id']}\n")
    sys.stdout.write(f"{response['total']} results\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
