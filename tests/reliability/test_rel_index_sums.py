"""Changed bytes in the index's files that still decode: the checksums written at build time find them, so a
record that is there is never reported missing, and the index is rebuilt with a notice.

The damage here is the one a random garble hit once in CI: the bytes of a record's id in the segment's term
table changed, so looking the id up found nothing and ``kb show`` said "unknown id" for a record that exists.
"""

# ruff: noqa: F811 - the `root` fixture is imported from reliability_helpers (no conftest.py: see there)
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from reliability_helpers import DAMAGE_QUERIES as QUERIES
from reliability_helpers import answers, expected, root, run_kb  # noqa: F401 - fixtures

from kb.engine import KnowledgeBase
from kb.index import sums
from kb.model.errors import UnknownId

pytestmark = pytest.mark.reliability
RECORD = "faq/why-does-my-eyelid-twitch"


def gen(base: Path) -> Path:
    return base / (base / "CURRENT").read_text().strip()


def hide_the_id(root: Path) -> Path:
    """Change one letter of every copy of RECORD's id in the segment holding it; returns that file."""
    for seg in gen(root / "index").glob("*.seg"):
        data = seg.read_bytes()
        if RECORD.encode() in data:
            seg.write_bytes(data.replace(RECORD.encode(), RECORD[:-1].encode() + b"x"))
            return seg
    raise AssertionError("the id is in no segment")


def restamp(root: Path) -> None:
    """Make the sums agree with the files' stamps (not their bytes): damage the file system did not see."""
    g = gen(root / "index")
    table = sums.read_sums(g)
    for name, known in table.items():
        table[name] = known._replace(stamp=sums._stamp((g / name).stat()))
    sums._write(g, table)


def test_bytes_written_into_a_segment_are_found_when_the_index_opens(root: Path, expected) -> None:
    seg = hide_the_id(root)
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert engine.get(RECORD).id == RECORD
    assert notices == [f"index is damaged ({seg.name} does not match its checksum): rebuilding the index"]
    assert answers(engine, QUERIES) == expected
    engine.close()


def test_bytes_changed_under_an_unchanged_stamp_are_found_when_a_record_is_missing(root: Path, expected) -> None:
    seg = hide_the_id(root)
    restamp(root)  # as if the disk itself had changed the bytes
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    engine.search("bananas")
    assert notices == []  # nothing looked wrong yet
    assert engine.get(RECORD).id == RECORD  # "not found" made kb read every file: rebuilt, then found
    assert notices == [f"index is damaged ({seg.name} does not match its checksum): rebuilding the index"]
    assert answers(engine, QUERIES) == expected
    engine.close()


def test_kb_show_prints_a_record_hidden_by_damage(root: Path) -> None:
    hide_the_id(root)
    restamp(root)
    done = run_kb(root, "show", RECORD)
    assert done.returncode == 0, done.stderr
    assert "eyelid" in done.stdout.lower()
    assert done.stderr.startswith("kb: index is damaged (") and "Traceback" not in done.stderr


def test_an_unknown_id_is_still_unknown_and_nothing_is_rebuilt(root: Path) -> None:
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    before = gen(root / "index")
    for _ in range(2):
        with pytest.raises(UnknownId):
            engine.get("faq/no-such-question")
    with pytest.raises(UnknownId):
        engine.article("no-such-article")
    with pytest.raises(UnknownId):
        engine.resolve_nutrient("unobtainium")
    assert notices == [] and gen(root / "index") == before
    engine.close()


def test_a_copied_index_is_read_once_then_trusted(root: Path, tmp_path: Path, monkeypatch, expected) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)  # new inodes and ctimes: every stamp differs, the bytes do not
    read: list[str] = []
    real = sums._crc
    monkeypatch.setattr(sums, "_crc", lambda path: read.append(path.name) or real(path))
    for _ in range(2):
        notices: list[str] = []
        engine = KnowledgeBase(copy, notify=notices.append)
        assert answers(engine, QUERIES) == expected and notices == []
        engine.close()
    assert read and len(read) == len(set(read))  # each file read on the first open only


def test_an_incremental_update_sums_its_new_segment(root: Path) -> None:
    faq = root / "corpus/faq/why-does-my-eyelid-twitch.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("twitch", "twitch zebrafinch", 1), encoding="utf-8")
    engine = KnowledgeBase(root)
    engine.update()
    engine.close()
    g = gen(root / "index")
    assert set(sums.read_sums(g)) == {p.name for p in g.iterdir() if p.suffix in (".seg", ".toc")}
    newest = max(g.glob("*.seg"), key=lambda p: p.stat().st_mtime_ns)
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    newest.write_bytes(bytes(data))
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert [h.id for h in engine.search("zebrafinch").results] == [RECORD]
    assert len(notices) == 1 and "does not match its checksum" in notices[0]
    engine.close()


@pytest.mark.parametrize("how", ["garbled", "deleted"])
def test_damaged_or_missing_sums_check_nothing_and_rebuild_nothing(how: str, root: Path, expected) -> None:
    path = gen(root / "index") / sums.SUMS
    if how == "deleted":  # as an index written by an earlier kb
        path.unlink()
    else:
        path.write_bytes(path.read_bytes().replace(b"0", b"1"))
    notices: list[str] = []
    engine = KnowledgeBase(root, notify=notices.append)
    assert answers(engine, QUERIES) == expected and notices == []
    engine.close()
