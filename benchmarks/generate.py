"""A deterministic synthetic knowledge base in the real corpus formats (docs/corpus.md), at any size.

``size`` counts searchable text records: 90 % are article sections (about 10 per article, 6-14), 10 % are FAQ
entries (one per file). The shipped nutrient records, synonyms and disclaimer are copied as they are.

Words come from the shipped corpus (``<source>/corpus``), read at run time:

* a word-bigram chain learnt from the shipped text (75 % of steps follow it, so phrases such as "pins and
  needles" or "leg cramps at night" occur as they do in real text), otherwise
* a unigram draw with the shipped word frequencies (Zipf-like, as any natural text), and
* a small "rare word" tail (3 % of tokens) of invented drug- and place-like names, ranked Zipf-like, whose pool
  grows with the square root of the corpus length (Heaps' law). A closed 1,700-word vocabulary would make
  posting lists of a 100k-section corpus unrealistically long and its term dictionary unrealistically short;
  queries never use these words. ``tail=False`` turns it off.

The same (size, seed, shipped corpus) always gives byte-identical files. Section texts are 60-200 words.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

GENERATOR_VERSION = 1
FAQ_SHARE = 0.10
FOLLOW_CHAIN = 0.75
TAIL_SHARE = 0.03
STAMP = "benchmark-corpus.json"  # beside corpus/ in the generated root (not a corpus file)

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’-][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
QUESTION_STARTS = ["Can", "Does", "Why do", "Why does", "How can I", "What is", "Is", "Should I", "Which",
                   "When should I", "How much", "Do"]
_SYLLABLES = ["ba", "cor", "da", "fen", "ga", "hex", "ka", "lor", "mi", "nex", "pra", "quo", "ri", "sol", "ta",
              "ul", "ve", "xi", "zor", "tri", "mon", "pel", "dro", "sta", "vi", "ker", "lu", "fa"]
_ENDINGS = ["ine", "ol", "ate", "ide", "an", "ex", "ium", "ase", "itis", "ia", "on", "er", "ville", "ford"]


def parse_size(text: str) -> int:
    """'1k' -> 1000, '100k' -> 100000, '50' -> 50."""
    t = text.strip().lower()
    mult = 1
    if t.endswith("k"):
        t, mult = t[:-1], 1000
    elif t.endswith("m"):
        t, mult = t[:-1], 1_000_000
    n = int(float(t) * mult)
    if n < 10:
        raise ValueError(f"size {text!r}: at least 10 sections")
    return n


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


# --- the language model learnt from the shipped corpus ---------------------------------------------------------
@dataclass
class Model:
    """Word statistics of the shipped corpus."""

    tokens: list[str]  # every token in order (lowercase): a uniform draw is a frequency-weighted draw
    display: dict[str, str]  # lowercase -> most common spelling ("nhs" -> "NHS")
    successors: dict[str, list[str]]  # word -> the words that follow it (with repetition)
    starters: list[str]  # sentence-initial words (with repetition)
    tags: list[str]
    nutrient_slugs: list[str]
    references: list[dict[str, str]]
    source_digest: str
    tail: list[str] = field(default_factory=list)
    tail_cum: list[float] = field(default_factory=list)


def _source_texts(source: Path) -> tuple[list[str], list[str], list[str], list[dict[str, str]]]:
    """Plain texts, tags, nutrient slugs and references of the shipped corpus, via kb's own loader."""
    from kb.corpus.loader import load_corpus
    from kb.index.documents import plain_of
    from kb.model.records import Faq, Nutrient, Section

    corpus = load_corpus(source)
    texts: list[str] = []
    tags: list[str] = []
    refs: dict[str, dict[str, str]] = {}
    for r in corpus.records:
        if isinstance(r, Section):
            texts += [r.article_title, r.heading, r.plain]
        elif isinstance(r, Faq):
            texts += [r.question, r.plain]
        else:
            texts.append(plain_of(r))
        tags += list(r.tags)
        for ref in r.references:
            refs.setdefault(ref.url, {"title": ref.title, "publisher": ref.publisher, "url": ref.url})
    nutrients = sorted(r.slug for r in corpus.records if isinstance(r, Nutrient))
    if not texts:
        raise SystemExit(f"{source}/corpus has no records to learn words from")
    return texts, tags, nutrients, [refs[k] for k in sorted(refs)]


def source_digest(source: Path) -> str:
    h = hashlib.sha1()
    for path in sorted((source / "corpus").rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            h.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def learn(source: Path) -> Model:
    texts, tags, nutrients, refs = _source_texts(source)
    tokens: list[str] = []
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    successors: dict[str, list[str]] = defaultdict(list)
    starters: list[str] = []
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            words = _WORD.findall(sentence)
            if not words:
                continue
            low = [w.lower() for w in words]
            for w, lw in zip(words, low, strict=True):
                spellings[lw][w] += 1
            tokens += low
            starters.append(low[0])
            for a, b in itertools.pairwise(low):
                successors[a].append(b)
    display = {}
    for lw, c in spellings.items():
        # sentence-initial capitals do not count: "Most" is "most"; "NHS", "B12" keep their case
        best = max(c.items(), key=lambda kv: (kv[1] if kv[0] != kv[0].capitalize() or kv[0].lower() == kv[0]
                                              else kv[1] * 0.5, kv[0]))[0]
        display[lw] = best
    return Model(tokens=tokens, display=display, successors=dict(successors), starters=starters,
                 tags=sorted(set(tags)) or ["general"], nutrient_slugs=nutrients, references=refs,
                 source_digest=source_digest(source))


def _invent(rng: random.Random, n: int) -> list[str]:
    seen: dict[str, None] = {}  # in the order first drawn
    while len(seen) < n:
        seen.setdefault("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))) + rng.choice(_ENDINGS))
    return list(seen)


# --- text ------------------------------------------------------------------------------------------------------
class Writer:
    """Draws words and sentences from a :class:`Model` with one seeded generator."""

    def __init__(self, model: Model, rng: random.Random, tail: bool, expected_words: int) -> None:
        self.m, self.rng, self.r = model, rng, rng.random
        self.tail: list[str] = []
        self.tail_cum: list[float] = []
        if tail:
            pool = max(50, int(20 * expected_words ** 0.5))
            self.tail = _invent(random.Random(rng.random()), pool)
            total = 0.0
            for rank in range(1, pool + 1):
                total += 1.0 / rank
                self.tail_cum.append(total)

    def word(self, prev: str | None) -> str:
        r = self.r
        if prev is not None and r() < FOLLOW_CHAIN:
            succ = self.m.successors.get(prev)
            if succ:
                return succ[int(r() * len(succ))]
        if self.tail and r() < TAIL_SHARE / (1 - FOLLOW_CHAIN):
            i = bisect.bisect_left(self.tail_cum, r() * self.tail_cum[-1])
            return self.tail[min(i, len(self.tail) - 1)]
        toks = self.m.tokens
        return toks[int(r() * len(toks))]

    def words(self, n: int, first: str | None = None) -> list[str]:
        out: list[str] = []
        prev = first
        if first is None:
            st = self.m.starters
            prev = st[int(self.r() * len(st))]
            out.append(prev)
        while len(out) < n:
            prev = self.word(prev)
            out.append(prev)
        return out

    def show(self, words: list[str], capital: bool = True) -> str:
        d = self.m.display
        shown = [d.get(w, w) for w in words]
        if capital and shown:
            shown[0] = shown[0][:1].upper() + shown[0][1:]
        return " ".join(shown)

    def sentence(self, n: int) -> str:
        return self.show(self.words(n)) + "."

    def paragraphs(self, total_words: int) -> list[str]:
        """Sentences of 8-22 words grouped 2-5 to a paragraph, about ``total_words`` words in all."""
        sentences: list[str] = []
        left = total_words
        while left > 0:
            n = min(left, self.rng.randint(8, 22))
            if left - n < 4:
                n = left
            sentences.append(self.sentence(n))
            left -= n
        paras: list[str] = []
        i = 0
        while i < len(sentences):
            k = self.rng.randint(2, 5)
            paras.append(_wrap(" ".join(sentences[i:i + k])))
            i += k
        return paras


def _wrap(text: str, width: int = 100) -> str:
    lines: list[str] = []
    line: list[str] = []
    n = 0
    for w in text.split(" "):
        if line and n + 1 + len(w) > width:
            lines.append(" ".join(line))
            line, n = [], 0
        n += len(w) + (1 if line else 0)
        line.append(w)
    if line:
        lines.append(" ".join(line))
    return "\n".join(lines)


def _slugify(text: str, limit: int = 60) -> str:
    s = re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")
    if len(s) > limit:
        s = s[:limit].rsplit("-", 1)[0]
    return s or "untitled"


def _unique(slug: str, taken: set[str]) -> str:
    out = slug
    n = 2
    while out in taken:
        out = f"{slug}-{n}"
        n += 1
    taken.add(out)
    return out


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _flow(items: list[str]) -> str:
    return "[" + ", ".join(_q(i) for i in items) + "]"


def _refs_yaml(refs: list[dict[str, str]]) -> str:
    out = ["references:"]
    for r in refs:
        out += [f"  - title: {_q(r['title'])}", f"    publisher: {_q(r['publisher'])}", f"    url: {r['url']}"]
    return "\n".join(out)


# --- the knowledge base ----------------------------------------------------------------------------------------
@dataclass
class Generated:
    root: Path
    size: int
    sections: int
    faqs: int
    articles: int
    reused: bool = False


def generate(out_root: Path, size: int, source: Path, seed: int = 1, tail: bool = True,
             force: bool = False) -> Generated:
    """Write a knowledge base of ``size`` sections under ``out_root`` (``corpus/`` + a stamp file).

    Reuses what is there when the stamp says it was made from the same inputs.
    """
    model = learn(source)
    n_faq = max(1, round(size * FAQ_SHARE))
    n_sec = size - n_faq
    stamp = {"generator": GENERATOR_VERSION, "size": size, "seed": seed, "tail": tail,
             "source_digest": model.source_digest}
    stamp_path = out_root / STAMP
    if not force and stamp_path.exists() and (out_root / "corpus").is_dir():
        try:
            old = json.loads(stamp_path.read_text())
        except ValueError:
            old = {}
        if {k: old.get(k) for k in stamp} == stamp:
            return Generated(out_root, size, old["sections"], old["faqs"], old["articles"], reused=True)
    corpus = out_root / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.rmtree(out_root / "index", ignore_errors=True)
    stamp_path.unlink(missing_ok=True)
    for sub in ("articles", "faq", "nutrients"):
        (corpus / sub).mkdir(parents=True)
    src = source / "corpus"
    for name in ("synonyms.yaml", "disclaimer.md"):
        if (src / name).exists():
            shutil.copyfile(src / name, corpus / name)
    for path in sorted((src / "nutrients").glob("*.y*ml")):
        shutil.copyfile(path, corpus / "nutrients" / path.name)

    rng = random.Random(f"kb-bench:{seed}:{size}")
    w = Writer(model, rng, tail, expected_words=size * 130)
    base_date = dt.date(2025, 1, 1)
    article_slugs: list[str] = []
    taken: set[str] = set()
    made = 0
    while made < n_sec:
        n = min(rng.randint(6, 14), n_sec - made)
        title = w.show(w.words(rng.randint(2, 5)))
        slug = _unique(_slugify(title), taken)
        article_slugs.append(slug)
        _write_article(corpus / "articles" / f"{slug}.md", w, rng, model, title, n, base_date)
        made += n
    taken_faq: set[str] = set()
    for _ in range(n_faq):
        start = rng.choice(QUESTION_STARTS)
        body = w.words(rng.randint(4, 10))
        question = start + " " + w.show(body, capital=False) + "?"
        slug = _unique(_slugify(question), taken_faq)
        lines = [f"question: {_q(question)}", "answer: |"]
        for i, para in enumerate(w.paragraphs(rng.randint(40, 150))):
            if i:
                lines.append("")
            lines += ["  " + ln for ln in para.split("\n")]
        if article_slugs and rng.random() < 0.5:
            lines.append(f"article: {rng.choice(article_slugs)}")
        lines += _common_fields(rng, model, base_date)
        (corpus / "faq" / f"{slug}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    info = {**stamp, "sections": n_sec, "faqs": n_faq, "articles": len(article_slugs)}
    stamp_path.write_text(json.dumps(info, indent=2) + "\n")
    return Generated(out_root, size, n_sec, n_faq, len(article_slugs))


def _common_fields(rng: random.Random, model: Model, base_date: dt.date) -> list[str]:
    out = []
    if model.nutrient_slugs and rng.random() < 0.6:
        out.append(f"nutrients: {_flow(sorted(set(rng.sample(model.nutrient_slugs, rng.randint(1, 2)))))}")
    out.append(f"tags: {_flow(sorted(set(rng.sample(model.tags, min(len(model.tags), rng.randint(1, 4))))))}")
    out.append(f"reviewed: {(base_date + dt.timedelta(days=rng.randint(0, 700))).isoformat()}")
    refs = rng.sample(model.references, min(len(model.references), rng.randint(1, 2))) if model.references else [
        {"title": "Fact sheet", "publisher": "NIH Office of Dietary Supplements",
         "url": "https://ods.od.nih.gov/factsheets/"}]
    out.append(_refs_yaml(refs))
    return out


def _write_article(path: Path, w: Writer, rng: random.Random, model: Model, title: str, n_sections: int,
                   base_date: dt.date) -> None:
    summary = w.sentence(rng.randint(8, 18))
    head = ["---", f"title: {_q(title)}", f"summary: {_q(summary)}",
            *_common_fields(rng, model, base_date), "---", ""]
    body: list[str] = []
    headings: set[str] = set()
    for _ in range(n_sections):
        for _attempt in range(20):
            heading = w.show(w.words(rng.randint(2, 6)))
            hs = _slugify(heading, limit=1000)
            if hs not in headings:
                break
        else:
            heading = f"{heading} {len(headings) + 1}"
            hs = _slugify(heading, limit=1000)
        headings.add(hs)
        body += [f"## {heading}", ""]
        for para in w.paragraphs(rng.randint(60, 200)):
            body += [para, ""]
    path.write_text("\n".join(head + body), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m benchmarks generate", description=__doc__.split("\n")[0])
    p.add_argument("--size", default="1k", help="sections (1k, 10k, 100k, 50, ...)")
    p.add_argument("--out", default="benchmarks/out", help="folder for kb-<size>/ (default benchmarks/out)")
    p.add_argument("--source", default=".", help="knowledge-base root whose corpus provides the words")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-tail", action="store_true", help="no invented rare words")
    p.add_argument("--force", action="store_true", help="regenerate even when a matching copy exists")
    a = p.parse_args(argv)
    size = parse_size(a.size)
    g = generate(Path(a.out) / f"kb-{size_label(size)}", size, Path(a.source), a.seed, not a.no_tail, a.force)
    print(f"{g.root}: {g.articles} articles, {g.sections} sections, {g.faqs} FAQs"
          f"{' (reused)' if g.reused else ''}")
    return 0
