"""Relevance on the judged query set: nDCG@10, P@1 and success@3 by query group, for kb and its peers.

``python -m benchmarks relevance [--set tests/relevance/judged.yaml] [--engines kb,fts5,tantivy] [--misses]
[--split]``

``--long`` measures on long documents instead: each article merged into one record (its sections' text under its
first heading) and graded by its best section, a stand-in for a benchmark of abstracts (NFCorpus-like), where
BM25's term-frequency saturation (k1) and coordination matter more than on short sections.

``--split`` adds the same table for odd and for even query ids apart (the number in the id): tune on one half,
confirm on the other, so a change shown to help both is less likely fitted to the queries.

The judged set (``tests/relevance/judged.yaml``) holds queries written the way lay people type them, each with its
information need and group, and a grade 0-3 for every record of the shipped corpus, given by reading the records
before anyone looked at a ranking (records not listed under a query are graded 0; ``judged_records`` lists every
record that was read, so a record added to the corpus later shows up as not yet judged).

Measures, per query, over the top 10 an engine returns for the query as typed (kb with its default options):

* nDCG@10 with graded gains ``2**grade - 1`` and a log2 discount, against the ideal order of all graded records;
* P@1: the first result has grade >= 2 (it answers the need);
* success@3: a record of grade >= 2 is among the first three.

Queries with no record of grade >= 2 (the corpus does not answer them) are left out of the means and counted
apart: for them, what matters is that the engine does not pretend, so the report gives how often kb still
rewrote the query with a spelling correction.

Every engine sees the same records: kb indexes the corpus, the FTS5 peer (:mod:`benchmarks.fts5`) and the tantivy
peer (:mod:`benchmarks.tantivy_peer`) are built from kb's own parse of it.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
JUDGED = REPO / "tests" / "relevance" / "judged.yaml"
GROUPS = ("keywords", "questions", "misspellings", "symptoms", "uncovered")
K = 10
ANSWERS = 2  # the grade from which a record answers the need


@dataclass(frozen=True)
class Judged:
    """One judged query: what was typed, what the person wanted, and each record's grade."""

    id: str
    group: str
    query: str
    need: str
    grades: dict[str, int]

    @property
    def answerable(self) -> bool:
        return any(g >= ANSWERS for g in self.grades.values())


@dataclass
class JudgedSet:
    queries: list[Judged]
    judged_records: set[str]


def load(path: Path = JUDGED) -> JudgedSet:
    """The judged set at ``path``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    queries = [Judged(q["id"], q["group"], q["query"], q["need"], {str(k): int(v) for k, v in
                                                                    (q.get("grades") or {}).items()})
               for q in data["queries"]]
    return JudgedSet(queries, set(data.get("judged_records") or ()))


def dcg(gains: Sequence[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg(ranked: Sequence[str], grades: dict[str, int], k: int = K) -> float:
    """nDCG@k of ``ranked`` ids against ``grades`` (absent ids grade 0)."""
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([grades.get(r, 0) for r in ranked[:k]]) / ideal


@dataclass
class Scores:
    """Per-query measures of one engine, with means by group."""

    ndcg: dict[str, float] = field(default_factory=dict)
    p1: dict[str, float] = field(default_factory=dict)
    s3: dict[str, float] = field(default_factory=dict)
    ranked: dict[str, list[str]] = field(default_factory=dict)

    def add(self, q: Judged, ranked: list[str]) -> None:
        self.ranked[q.id] = ranked
        if not q.answerable:
            return
        self.ndcg[q.id] = ndcg(ranked, q.grades)
        self.p1[q.id] = float(bool(ranked) and q.grades.get(ranked[0], 0) >= ANSWERS)
        self.s3[q.id] = float(any(q.grades.get(r, 0) >= ANSWERS for r in ranked[:3]))

    def mean(self, measure: dict[str, float], ids: Sequence[str]) -> float:
        vals = [measure[i] for i in ids if i in measure]
        return sum(vals) / len(vals) if vals else float("nan")


def parity(query_id: str) -> str:
    """"odd" or "even": the parity of the number in a query id ("m045" -> odd)."""
    digits = re.sub(r"\D", "", query_id)
    return "odd" if digits and int(digits) % 2 else "even"


def by_group(judged: JudgedSet, half: str | None = None) -> dict[str, list[str]]:
    """Answerable query ids by group, plus ``all``; only those of one ``half`` ("odd", "even") if given."""
    out: dict[str, list[str]] = {g: [] for g in GROUPS}
    for q in judged.queries:
        if q.answerable and (half is None or parity(q.id) == half):
            out.setdefault(q.group, []).append(q.id)
    out["all"] = [i for g in GROUPS for i in out.get(g, [])]
    return out


def run_engine(search: Callable[[str], list[str]], judged: JudgedSet) -> Scores:
    scores = Scores()
    for q in judged.queries:
        scores.add(q, search(q.query))
    return scores


def engines(root: Path, work: Path, names: Sequence[str]) -> dict[str, tuple[Callable[[str], list[str]], object]]:
    """Each engine's search function (query -> top-10 ids), built over ``root``'s corpus in ``work``."""
    from kb.engine import KnowledgeBase

    out: dict[str, tuple[Callable[[str], list[str]], object]] = {}
    if "kb" in names:
        kb = KnowledgeBase(root, index_dir=work / "kb-index")
        kb.update(full=True)
        out["kb"] = (lambda text: [h.id for h in kb.search(text, limit=K).results], kb)
    if "fts5" in names:
        from benchmarks.fts5 import Peer, build

        build(root, work / "fts5.db")
        peer = Peer(work / "fts5.db")
        out["fts5"] = (lambda text: [h["id"] for h in peer.search(text, limit=K, snippets=0)["results"]], peer)
    if "tantivy" in names:
        from benchmarks.tantivy_peer import TantivyPeer
        from kb.corpus.loader import load_corpus
        from kb.index.schema import STOP_WORDS

        tv = TantivyPeer(load_corpus(root).records, STOP_WORDS)
        out["tantivy"] = (lambda text: tv.search(text, K), tv)
    return out


def measure(root: Path = REPO, judged: JudgedSet | None = None,
            names: Sequence[str] = ("kb", "fts5", "tantivy")) -> dict[str, Scores]:
    """Scores of each named engine on ``judged`` over ``root``'s corpus."""
    judged = judged or load()
    with tempfile.TemporaryDirectory(prefix="kb-relevance-") as tmp:
        built = engines(root, Path(tmp), names)
        try:
            return {name: run_engine(search, judged) for name, (search, _) in built.items()}
        finally:
            for _, handle in built.values():
                close = getattr(handle, "close", None)
                if close:
                    close()


def report(results: dict[str, Scores], judged: JudgedSet, half: str | None = None) -> str:
    """A Markdown table: nDCG@10 / P@1 / success@3 by group and engine, with query counts (of one ``half``)."""
    groups = by_group(judged, half)
    names = list(results)
    head = "| Group | Queries | " + " | ".join(f"{n} nDCG@10 | {n} P@1 | {n} S@3" for n in names) + " |"
    lines = [head, "|" + "---|" * (2 + 3 * len(names))]
    for g in (*GROUPS, "all"):
        ids = groups.get(g, [])
        if not ids:
            continue
        cells = []
        for n in names:
            s = results[n]
            cells += [f"{s.mean(s.ndcg, ids):.3f}", f"{s.mean(s.p1, ids):.2f}", f"{s.mean(s.s3, ids):.2f}"]
        lines.append(f"| {g} | {len(ids)} | " + " | ".join(cells) + " |")
    if half is not None:
        return "\n".join(lines)
    unanswerable = [q for q in judged.queries if not q.answerable]
    lines.append("")
    lines.append(f"{len(unanswerable)} of {len(judged.queries)} queries have no record of grade >= {ANSWERS} "
                 "(left out of the means).")
    return "\n".join(lines)


def misses(scores: Scores, judged: JudgedSet, limit: int = 40) -> str:
    """The answerable queries kb ranks worst, with the first answering record's rank."""
    rows = sorted(((scores.ndcg[q.id], q) for q in judged.queries if q.id in scores.ndcg), key=lambda r: r[0])
    out = []
    for value, q in rows[:limit]:
        ranked = scores.ranked[q.id]
        first = next((i for i, r in enumerate(ranked, 1) if q.grades.get(r, 0) >= ANSWERS), None)
        best = max(q.grades, key=q.grades.get)
        out.append(f"{value:.2f}  {q.id} [{q.group}] {q.query!r}: first answer at {first}; "
                   f"top {ranked[:3]}; best judged {best}")
    return "\n".join(out)


def merged_articles(root: Path, out: Path, judged: JudgedSet) -> JudgedSet:
    """A copy of ``root``'s corpus at ``out`` with each article one record, and ``judged`` graded for it.

    An article's record keeps the id of its first section; its grade for a query is the best of its sections'.
    """
    import re
    import shutil

    shutil.copytree(root / "corpus", out / "corpus")
    first: dict[str, str] = {}
    for path in sorted((out / "corpus" / "articles").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        end = text.index("\n---", 3)
        meta = yaml.safe_load(text[3:end])
        body = text[end + 4:]
        heads = list(re.finditer(r"^## (.+)$", body, re.M))
        if heads:
            cut = heads[0].end()
            body = body[:cut] + re.sub(r"^## (.+)$", r"\1.", body[cut:], flags=re.M)
        sections = meta.pop("sections", None) or {}
        if sections and heads:  # the sections' keys, merged under the first one (the only section left)
            merged: dict = {}
            order = ("emergency", "urgent", "routine", "self-care")
            for keys in sections.values():
                for k, v in (keys or {}).items():
                    if k == "care" and k in merged:
                        v = min(merged[k], v, key=order.index)
                    elif k == "callout" and k in merged:
                        continue
                    elif isinstance(v, list):
                        v = list(dict.fromkeys([*merged.get(k, []), *v]))
                    merged[k] = v
            from kb.corpus.markdown import slugify

            meta["sections"] = {slugify(heads[0].group(1)): merged}
        path.write_text("---\n" + yaml.safe_dump(meta, sort_keys=False) + "---" + body, encoding="utf-8")
    from kb.corpus.loader import load_corpus

    corpus = load_corpus(out)
    if corpus.problems:
        raise ValueError(f"merging the articles broke the corpus: {corpus.problems[0]}")
    ids = [r.id for r in corpus.records]
    for rid in ids:
        if "#" in rid:
            first[rid.split("#")[0]] = rid
    queries = []
    for q in judged.queries:
        grades: dict[str, int] = {}
        for rid, g in q.grades.items():
            key = first.get(rid.split("#")[0], rid) if "#" in rid else rid
            grades[key] = max(grades.get(key, 0), g)
        queries.append(Judged(q.id, q.group, q.query, q.need, grades))
    return JudgedSet(queries, set(ids))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks relevance", description=__doc__.split("\n\n")[0])
    p.add_argument("--set", default=str(JUDGED), help="the judged query set (YAML)")
    p.add_argument("--root", default=str(REPO), help="knowledge-base root whose corpus is searched")
    p.add_argument("--engines", default="kb,fts5,tantivy", help="comma-separated subset of kb,fts5,tantivy")
    p.add_argument("--misses", action="store_true", help="also list the queries kb ranks worst")
    p.add_argument("--split", action="store_true", help="also report odd and even query ids apart")
    p.add_argument("--long", action="store_true", help="each article merged into one long record (see above)")
    args = p.parse_args(argv)
    judged = load(Path(args.set))
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    root = Path(args.root)
    work = None
    if args.long:
        work = tempfile.TemporaryDirectory(prefix="kb-relevance-long-")
        judged = merged_articles(root, Path(work.name), judged)
        root = Path(work.name)
    try:
        results = measure(root, judged, names)
    except ImportError as exc:
        sys.stderr.write(f"relevance: {exc}; install the benchmark extras: pip install -e '.[bench]'\n")
        return 2
    finally:
        if work is not None:
            work.cleanup()
    sys.stdout.write(report(results, judged) + "\n")
    if args.split:
        for half in ("odd", "even"):
            sys.stdout.write(f"\n{half} query ids:\n" + report(results, judged, half) + "\n")
    if args.misses and "kb" in results:
        sys.stdout.write("\nkb's worst answerable queries:\n" + misses(results["kb"], judged) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
