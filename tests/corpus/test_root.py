"""Finding the knowledge-base root: ``--root``, then ``KB_ROOT``, then the current folder and its parents."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_corpus

from kb.cli.main import main
from kb.corpus.root import find_root
from kb.model.errors import RootNotFound


@pytest.fixture
def roots(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Three separate knowledge bases: one for --root, one for KB_ROOT, one around the working folder."""
    return write_corpus(tmp_path / "explicit"), write_corpus(tmp_path / "env"), write_corpus(tmp_path / "cwd")


@pytest.fixture
def nowhere(tmp_path: Path) -> Path:
    """A folder with no knowledge base in it or above it."""
    folder = tmp_path / "empty" / "deeper"
    folder.mkdir(parents=True)
    holders = [p for p in (folder, *folder.parents) if (p / "corpus").is_dir()]
    assert not holders, f"test needs a temp folder with no corpus/ above it; found {holders}"
    return folder


def no_kb_root_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "KB_ROOT"}


def test_explicit_root_wins_over_env_and_cwd(roots) -> None:
    explicit, env, cwd = roots
    assert find_root(str(explicit), env={"KB_ROOT": str(env)}, cwd=cwd) == explicit.resolve()


def test_env_root_wins_over_cwd(roots) -> None:
    _, env, cwd = roots
    assert find_root(None, env={"KB_ROOT": str(env)}, cwd=cwd) == env.resolve()


def test_empty_env_value_is_ignored(roots) -> None:
    _, _, cwd = roots
    assert find_root(None, env={"KB_ROOT": ""}, cwd=cwd) == cwd.resolve()


def test_cwd_itself_is_a_root(roots) -> None:
    _, _, cwd = roots
    assert find_root(None, env={}, cwd=cwd) == cwd.resolve()


def test_a_parent_of_cwd_is_found(roots) -> None:
    _, _, cwd = roots
    inside = cwd / "corpus" / "articles"
    assert find_root(None, env={}, cwd=inside) == cwd.resolve()


def test_nearest_root_upwards_wins(roots) -> None:
    _, _, cwd = roots
    nested = write_corpus(cwd / "projects" / "inner")
    assert find_root(None, env={}, cwd=nested / "corpus" / "faq") == nested.resolve()


def test_explicit_root_without_corpus_is_an_error_even_if_env_is_good(roots, tmp_path: Path) -> None:
    _, env, cwd = roots
    with pytest.raises(RootNotFound) as info:
        find_root(str(tmp_path / "missing"), env={"KB_ROOT": str(env)}, cwd=cwd)
    assert str(info.value) == (
        f"--root {(tmp_path / 'missing').resolve()}: not a knowledge base (no corpus/ folder there)")


def test_env_root_without_corpus_is_an_error(roots, tmp_path: Path) -> None:
    _, _, cwd = roots
    with pytest.raises(RootNotFound) as info:
        find_root(None, env={"KB_ROOT": str(tmp_path)}, cwd=cwd)
    assert str(info.value) == f"KB_ROOT {tmp_path.resolve()}: not a knowledge base (no corpus/ folder there)"


def test_corpus_that_is_a_file_does_not_make_a_root(nowhere: Path) -> None:
    (nowhere / "corpus").write_text("not a folder\n")
    with pytest.raises(RootNotFound):
        find_root(None, env={}, cwd=nowhere)


def test_no_root_anywhere_is_a_clear_error(nowhere: Path) -> None:
    with pytest.raises(RootNotFound) as info:
        find_root(None, env={}, cwd=nowhere)
    assert str(info.value) == (
        f"no knowledge base found in {nowhere.resolve()} or its parents (a folder holding corpus/); "
        "use --root DIR or set KB_ROOT"
    )


def test_cli_with_no_root_prints_one_line_and_exits_non_zero(nowhere: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kb", "validate"], cwd=nowhere, env=no_kb_root_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"kb: no knowledge base found in {nowhere.resolve()} or its parents (a folder holding corpus/); "
        "use --root DIR or set KB_ROOT\n"
    )


def test_cli_with_a_bad_root_prints_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kb", "--root", str(tmp_path / "nope"), "validate"],
                          env=no_kb_root_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"kb: --root {(tmp_path / 'nope').resolve()}: not a knowledge base (no corpus/ folder there)",
    ]
    assert "Traceback" not in done.stderr


def test_cli_uses_kb_root_from_the_environment(roots, nowhere: Path) -> None:
    _, env, _ = roots
    done = subprocess.run([sys.executable, "-m", "kb", "validate"], cwd=nowhere,
                          env={**no_kb_root_env(), "KB_ROOT": str(env)},
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("ok: 2 articles, 5 sections")


def test_cli_uses_the_working_folder(roots, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _, _, cwd = roots
    (cwd / "corpus" / "faq" / "why-does-my-eyelid-twitch.yaml").unlink()
    monkeypatch.delenv("KB_ROOT", raising=False)
    monkeypatch.chdir(cwd / "corpus" / "articles")
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 articles, 5 sections, 1 FAQs")


def test_cli_root_option_beats_kb_root(roots, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    explicit, env, _ = roots
    (env / "corpus" / "random.txt").write_text("makes the env root invalid\n")
    monkeypatch.setenv("KB_ROOT", str(env))
    assert main(["--root", str(explicit), "validate"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
