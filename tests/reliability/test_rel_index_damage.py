"""The index folder deleted, emptied, truncated or filled with garbage: the next search rebuilds it from the
corpus, says so through ``notify`` (the CLI prints it on stderr), and answers as before.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from reliability_helpers import DAMAGE_QUERIES as QUERIES
from reliability_helpers import answers, expected, root, run_kb  # noqa: F401 - fixtures

from kb.cli.main import main
from kb.engine import KnowledgeBase
from kb.index.store import SCHEMA_VERSION, open_current

pytestmark = pytest.mark.reliability


def gen(base: Path) -> Path:
    return base / (base / "CURRENT").read_text().strip()


def each_file(base: Path, change: Callable[[bytes], bytes]) -> None:
    for path in gen(base).iterdir():
        if path.is_file():
            path.write_bytes(change(path.read_bytes()))


def garbage(data: bytes) -> bytes:
    rnd = random.Random(len(data))
    return bytes(rnd.randrange(256) for _ in range(max(len(data), 64)))


def emptied(base: Path) -> None:
    for path in base.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "folder deleted": shutil.rmtree,
    "folder emptied": emptied,
    "pointer deleted": lambda base: (base / "CURRENT").unlink(),
    "pointer is binary garbage": lambda base: (base / "CURRENT").write_bytes(os.urandom(64) + b"\xff"),
    "pointer leads outside": lambda base: (base / "CURRENT").write_text("../../../etc\n"),
    "pointer names a missing folder": lambda base: (base / "CURRENT").write_text("gen-nowhere\n"),
    "generation folder emptied": lambda base: emptied(gen(base)),
    "generation folder deleted": lambda base: shutil.rmtree(gen(base)),
    "files truncated to half": lambda base: each_file(base, lambda d: d[: len(d) // 2]),
    "files truncated to zero": lambda base: each_file(base, lambda d: b""),
    "files filled with garbage": lambda base: each_file(base, garbage),
    "segment filled with garbage": lambda base: [p.write_bytes(garbage(p.read_bytes()))
                                                 for p in gen(base).glob("*.seg")],
    "table of contents deleted": lambda base: [p.unlink() for p in gen(base).glob("*.toc")],
    "schema version changed": lambda base: (gen(base) / "SCHEMA").write_text(f"{SCHEMA_VERSION + 1}\n"),
    "whole folder replaced by garbage files": lambda base: (
        shutil.rmtree(base), base.mkdir(), (base / "CURRENT").write_bytes(os.urandom(300)),
        (base / "gen-x").write_bytes(os.urandom(3000))),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_damaged_index_is_rebuilt_on_the_next_search_with_a_notice(name: str, root: Path, expected,
                                                                  capsys) -> None:
    DAMAGE[name](root / "index")
    assert main(["--root", str(root), "search", "bananas"]) == 0
    out, err = capsys.readouterr()
    assert "faq/do-bananas-help-cramps" in out
    assert err.startswith("kb: "), err
    assert "rebuilding the index" in err or "building it from the corpus" in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    open_current(root / "index")  # whole again
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert answers(engine, QUERIES) == expected and notices == []  # rebuilt once, not on every search
    engine.close()


def test_the_cli_prints_the_notice_on_stderr_and_results_on_stdout(root: Path) -> None:
    each_file(root / "index", lambda d: d[: len(d) // 3])
    done = run_kb(root, "search", "bananas", "--json")
    assert done.returncode == 0
    assert '"faq/do-bananas-help-cramps"' in done.stdout
    assert done.stderr.startswith("kb: index is damaged (") and done.stderr.endswith("rebuilding the index\n")


def test_kb_index_on_a_damaged_index_rebuilds_it(root: Path, expected, capsys) -> None:
    for p in gen(root / "index").glob("*.seg"):
        p.write_bytes(garbage(p.read_bytes()))
    (root / "corpus/faq/why-does-my-eyelid-twitch.yaml").touch()
    assert main(["--root", str(root), "index"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("full rebuild:")
    engine = KnowledgeBase(root)
    assert answers(engine, QUERIES) == expected
    engine.close()


@pytest.mark.parametrize("seed", range(40))
def test_randomly_garbled_segment_never_raises(seed: int, root: Path, expected) -> None:
    """Damage Whoosh cannot see when opening (a few bytes inside a segment) surfaces on first use: rebuilt."""
    rnd = random.Random(seed)
    seg = next(gen(root / "index").glob("*.seg"))
    data = bytearray(seg.read_bytes())
    start = rnd.randrange(len(data))
    if seed % 2:
        for _ in range(rnd.randint(1, 20)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
    else:
        data[start:start + rnd.randint(1, 300)] = b"\0" * 300
    seg.write_bytes(bytes(data[: len(seg.read_bytes())]))
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    answers(engine, QUERIES)  # never raises
    engine.get("faq/why-does-my-eyelid-twitch")
    engine.nutrients()
    if notices:
        # the index has no checksums: a query answered before the damage surfaced may have read changed bytes
        # that still decoded (docs/reliability.md, "Silent damage"); from the notice on, the rebuilt index answers
        assert notices[0].startswith("index is damaged (")
        assert answers(engine, QUERIES) == expected
    engine.close()


@pytest.mark.parametrize("how", ["deleted", "emptied", "garbled"])
def test_index_damaged_while_an_engine_is_serving(how: str, root: Path, expected) -> None:
    """What the TUI sees: its engine has the index open when the folder goes away under it."""
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert answers(engine, QUERIES) == expected
    base = root / "index"
    if how == "deleted":
        shutil.rmtree(base)
    elif how == "emptied":
        emptied(base)
    else:
        each_file(base, garbage)
    assert answers(engine, QUERIES) == expected
    assert len(notices) == 1 and "rebuild" in notices[0], notices
    engine.close()


def test_index_path_that_is_a_file_gives_one_clear_line(root: Path) -> None:
    shutil.rmtree(root / "index")
    (root / "index").write_text("not a folder")
    done = run_kb(root, "search", "bananas")
    assert done.returncode == 1 and done.stdout == ""
    expected = f"kb: {root / 'index'}: cannot create the index folder (a file of that name is in the way)\n"
    assert done.stderr.endswith(expected), done.stderr
    assert "Traceback" not in done.stderr
