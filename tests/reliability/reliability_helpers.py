"""Helpers for the reliability tests: generated corpora, running the real ``kb`` command, measuring.

The shared ``tests/conftest.py`` provides the tiny fixture corpus (``FILES``, ``write_corpus``); this adds
what the fault and hostile-input tests need on top. It is a plain module, not a ``conftest.py``: a second
package-less conftest would replace ``sys.modules["conftest"]`` and break ``from conftest import ...`` in the
other test files. The shared conftest is loaded here by path, under its own name, for the same reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[1] / "conftest.py"
_spec = importlib.util.spec_from_file_location("kb_shared_conftest", _SHARED)
shared = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shared)
FILES: dict[str, str] = shared.FILES
REF: str = shared.REF
NUTRIENT: str = shared.NUTRIENT
write_corpus = shared.write_corpus

KB = [sys.executable, "-m", "kb"]
WORDS = ("calf muscle nerve sleep stretch water salt tired spasm twitch tingle numb diet sweat heat walk "
         "ankle thigh cold warm rest run swim bike hydrate").split()

# what a terminal could obey: C0 controls other than newline, DEL, C1 controls, bidi overrides
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_env() -> dict[str, str]:
    """The environment for a ``kb`` subprocess: no KB_ROOT leaking in, UTF-8 output."""
    env = {k: v for k, v in os.environ.items() if k not in ("KB_ROOT", "EDITOR", "VISUAL")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_kb(root: Path, *args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess[str]:
    """Run the real ``kb`` command on ``root``; never a shell."""
    return subprocess.run([*KB, "--root", str(root), *args], capture_output=True, text=True, timeout=timeout,
                          env=clean_env(), **kw)


def article(i: int, sections: int, extra: str = "") -> str:
    """A generated article with ``sections`` ``##`` sections, each mentioning a couple of WORDS."""
    head = (f"---\ntitle: Generated article {i}\nsummary: Article number {i}.\nreviewed: 2026-11-20\n"
            + REF + "---\n\n")
    body = "".join(
        f"## Part {j}\n\nSection {j} of article {i} is about {WORDS[(i + j) % len(WORDS)]} and "
        f"{WORDS[(i * 7 + j * 3) % len(WORDS)]}{(' ' + extra) if extra else ''}.\n\n"
        for j in range(sections)
    )
    return head + body


def big_files(articles: int, sections: int) -> dict[str, str]:
    """The fixture corpus plus ``articles`` generated articles of ``sections`` sections each."""
    files = dict(FILES)
    for i in range(articles):
        files[f"corpus/articles/gen-{i}.md"] = article(i, sections)
    return files


def make_root(path: Path, files: dict[str, str] | None = None) -> Path:
    return write_corpus(path, files)


def measure(code: str, timeout: float = 120) -> dict:
    """Run ``code`` in a fresh interpreter and return the JSON object it prints last.

    ``code`` may use ``mark()`` (remember the peak RSS so far) and ``report(**values)`` (print the result with
    ``rss_growth_mb``: how much the peak RSS grew since ``mark()``); memory is measured in its own process so
    nothing the test runner allocated counts.
    """
    prelude = textwrap.dedent("""\
        import json, resource, sys, time, tracemalloc
        sys.path.insert(0, %r)
        _base = [0]
        def _hwm():  # kB; not ru_maxrss, which starts at the size of the test worker that spawned us
            with open("/proc/self/status") as status:
                return int(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
        def mark():
            _base[0] = _hwm()
        def report(**values):
            grown = (_hwm() - _base[0]) / 1024
            print(json.dumps({"rss_growth_mb": grown, **values}))
        """) % str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=clean_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def answers(engine, queries: tuple[str, ...]) -> tuple:
    """What an index says: sorted result ids for each query, plus the record count."""
    out = tuple(tuple(sorted(h.id for h in engine.search(q, limit=5000, snippets=0).results))
                for q in queries)
    return out + (len(engine.records()),)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The fixture corpus under ``tmp_path/kb`` with its index built (by the real engine, in-process)."""
    from kb.engine import KnowledgeBase

    r = make_root(tmp_path / "kb")
    engine = KnowledgeBase(r)
    engine.update()
    engine.close()
    return r


#: what the damage tests ask an index before and after it is damaged
DAMAGE_QUERIES = ("bananas", "magnesium", "cramps night", "tingling", "eyelid")


@pytest.fixture
def expected(root: Path) -> tuple:
    """What ``root``'s undamaged index answers to :data:`DAMAGE_QUERIES`."""
    from kb.engine import KnowledgeBase

    engine = KnowledgeBase(root)
    got = answers(engine, DAMAGE_QUERIES)
    engine.close()
    return got
