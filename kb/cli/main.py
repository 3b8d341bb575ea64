"""The ``kb`` command: a thin layer over :class:`kb.engine.KnowledgeBase`.

With no command it opens the TUI. Every error a user can cause is printed as one line (``kb: ...`` or
``path:line: message``) with a non-zero exit code; no traceback reaches a user.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kb.cli.parser import EXAMPLES, build_parser
from kb.cli.terminal import Style, clean, output_width, use_color, wrap
from kb.model.errors import KbError, NotCorpusFile, UnknownFilter, UnknownId

EXIT_PROBLEMS = 1
EXIT_USAGE = 2
__all__ = ["COMMANDS", "EXAMPLES", "build_parser", "main"]

def _print(text: str = "") -> None:
    """One block of output, wrapped at word boundaries to the terminal's width (not when piped)."""
    sys.stdout.write(wrap(text, output_width(sys.stdout)) + "\n")


def _style(args: argparse.Namespace) -> Style:
    return Style(sys.stdout, use_color(sys.stdout, getattr(args, "color", "auto")))


def _short_disclaimer(text: str) -> str:
    """The disclaimer's first sentence, for the one line under ``kb search`` (``kb show`` prints it whole)."""
    first = " ".join(text.split()).split(". ", 1)[0].rstrip(".")
    if "medical advice" not in first.lower():
        first += "; not medical advice"
    return f"{first} (kb show prints the full disclaimer)."


def _json(obj: object) -> None:
    # ensure_ascii keeps every control character escaped: nothing raw reaches a terminal
    sys.stdout.write(json.dumps(obj, ensure_ascii=True, indent=2) + "\n")


def _open(args: argparse.Namespace):
    from kb.engine import KnowledgeBase

    def notify(message: str) -> None:
        sys.stderr.write(f"kb: {clean(message)}\n")

    return KnowledgeBase.open(args.root, args.index, notify=notify)


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\rindexing {done:,}/{total:,} records")
        if done >= total:
            sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()

    return show


def cmd_validate(args: argparse.Namespace) -> int:
    corpus = _open(args).validate()  # reads the corpus only: no index is opened
    for problem in corpus.problems:
        _print(clean(str(problem)))
    if corpus.problems:
        sys.stderr.write(f"kb: {len(corpus.problems)} problem(s) found\n")
        return EXIT_PROBLEMS
    _print(f"ok: {corpus.summary()}")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    if args.full and args.paths:
        sys.stderr.write("kb: --full rebuilds from every file; give no PATH with it\n")
        return EXIT_USAGE
    kb = _open(args)
    try:
        report = kb.update(full=args.full, progress=_progress(), paths=args.paths or None)
    except NotCorpusFile as exc:  # path: what is wrong
        sys.stderr.write(f"{clean(str(exc))}\n")
        return EXIT_USAGE
    for problem in report.problems:
        _print(clean(str(problem)))
    for rel in report.missing:
        sys.stderr.write(f"{clean(rel)}: no such file, and not in the index\n")
    _print(report.summary())
    if args.watch:
        return _watch(kb)
    if report.missing:
        return EXIT_USAGE
    return EXIT_PROBLEMS if report.problems else 0


def _watch(kb) -> int:
    from kb.engine import changed_paths, corpus_changes, is_corpus_file

    _print(f"watching {kb.root / 'corpus'} (ctrl+c to stop)")
    sys.stdout.flush()  # piped stdout is block-buffered: say we are watching now, not after the first edit
    try:
        for changed in corpus_changes(kb.root):
            try:
                report = kb.update(paths=changed_paths(kb.root, changed))
            except KbError as exc:
                _print(f"kb: {clean(str(exc))}")
                continue
            for problem in report.problems:
                _print(clean(str(problem)))
            names = ", ".join(sorted(os.path.relpath(p, kb.root) for p in changed if is_corpus_file(kb.root, p)))
            _print(f"{clean(names or 'corpus')}: {report.summary()}")
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise KbError("--limit must be at least 1")
    kb = _open(args)
    text = " ".join(args.query)
    response = kb.search(text, limit=args.limit, kind=args.kind, nutrient=args.nutrient, prefix=args.prefix,
                         correct=not args.as_typed)
    found = 0 if response.results else EXIT_PROBLEMS  # like grep: 1 when nothing matches
    if args.json:
        data = response.to_json()
        for hit, out in zip(response.results, data["results"], strict=True):
            if hit.kind == "faq" and hit.article_slug:
                out["article"] = kb.article_title(hit.article_slug)
        _json(data)
        return found
    style = _style(args)
    if response.emergency:  # before anything else, even the correction line
        e = response.emergency
        _print(style.bold(f"EMERGENCY: {clean(e.text)}"))
        _print(style.dim(f"  see {clean(e.record_id)}: kb show {shlex.quote(clean(e.record_id))}"))
        _print()
    if response.corrected:
        _print(style.dim(f"Showing results for {clean(response.corrected)} (searched: {clean(text)})"))
    elif response.suggestion:
        _print(style.dim(f"Did you mean: {clean(response.suggestion)}?"))
    if not response.results:
        _print("No results. Try fewer or other words, or browse: kb nutrients")
        return found
    for n, hit in enumerate(response.results, 1):
        where = f" · {clean(hit.article)}" if hit.article else ""
        care = f" ({hit.care})" if hit.care else ""
        _print(f"{n:>2}. [{hit.kind}] {style.bold(clean(hit.title))}{style.dim(where)}{care}")
        _print(f"    {style.snippet(hit.snippet)}")
        _print(style.dim(f"    {clean(hit.id)}  {clean(hit.path)}:{hit.line}  score {hit.score:.2f}"))
    facets = ", ".join(f"{k}: {v}" for k, v in response.facets.get("kind", {}).items())
    noun = "result" if response.total == 1 else "results"
    _print(style.dim(f"{response.total} {noun} ({facets}) in {response.elapsed_ms:.1f} ms"))
    _print(style.dim(clean(_short_disclaimer(kb.disclaimer))))
    return found


def cmd_show(args: argparse.Namespace) -> int:
    from kb.cli.render import article_text, record_text
    from kb.engine import record_json as dump

    kb = _open(args)
    style = _style(args)
    wanted = args.id.strip()
    if "#" not in wanted and not wanted.startswith(("faq/", "nutrient/")):
        sections = kb.article(wanted)
        if args.json:
            _json([json.loads(dump(s)) for s in sections])
            return 0
        _print(article_text(sections, style))
    else:
        record = _get(kb, wanted)
        if args.json:
            _json(json.loads(dump(record)))
            return 0
        _print(record_text(record, style))
    _print()
    _print(style.dim(clean(kb.disclaimer)))
    return 0


def _get(kb, record_id: str):
    """``kb.get``, and for an unknown section id of a known article, the ids of that article's sections."""
    try:
        return kb.get(record_id)
    except UnknownId:
        if record_id.startswith("article/") and "#" in record_id:
            try:
                sections = kb.article(record_id.split("#", 1)[0])
            except UnknownId:
                raise UnknownId(f"unknown id {record_id!r}") from None
            ids = ", ".join(s.id.split("#", 1)[1] for s in sections)
            raise UnknownId(f"unknown id {record_id!r}; that article's sections are #{ids.replace(', ', ', #')}"
                            ) from None
        raise


def cmd_nutrients(args: argparse.Namespace) -> int:
    kb = _open(args)
    rows = kb.nutrients()
    if args.json:
        _json([row.__dict__ for row in rows])
        return 0
    style = _style(args)
    _print(style.bold(f"{'slug':<14} {'name':<14} {'category':<12} {'sections':>8} {'FAQs':>5}"))
    for r in rows:
        _print(f"{clean(r.slug):<14} {clean(r.name):<14} {r.category:<12} {r.sections:>8} {r.faqs:>5}")
    return 0


def cmd_nutrient(args: argparse.Namespace) -> int:
    from kb.cli.render import linked_lines, nutrient_lines
    from kb.engine import record_json as dump

    kb = _open(args)
    nutrient, linked = kb.nutrient(kb.resolve_nutrient(args.slug))
    if args.json:
        _json({"nutrient": json.loads(dump(nutrient)),
               "linked": [{"id": r.id, "kind": r.kind, "title": r.title, "path": r.path, "line": r.line}
                          for r in linked]})
        return 0
    style = _style(args)
    _print("\n".join(nutrient_lines(nutrient, style)))
    _print()
    _print("\n".join(linked_lines(linked, style)))
    _print()
    _print(style.dim(clean(kb.disclaimer)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from kb.cli.render import export_json, records_markdown

    kb = _open(args)
    if args.ids:
        records = []
        for wanted in args.ids:
            if "#" not in wanted and not wanted.startswith(("faq/", "nutrient/")):
                records += kb.article(wanted)
            else:
                records.append(_get(kb, wanted))
    else:
        records = kb.records()
    if args.format == "markdown":
        text = clean(records_markdown(records, kb.disclaimer), keep_newlines=True)
    else:
        text = "".join(json.dumps(export_json(r), ensure_ascii=True) + "\n" for r in records)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        sys.stderr.write(f"kb: wrote {len(records)} record(s) to {clean(args.output)}\n")
    else:
        sys.stdout.write(text)
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    from kb.engine import find_root

    root = find_root(args.root)
    from kb.tui.app import run_app  # imported late: the engine never needs Textual

    return run_app(root, Path(args.index) if args.index else None)


def cmd_init(args: argparse.Namespace) -> int:
    from kb.engine import create_knowledge_base

    root = Path(args.dir).expanduser()
    written = create_knowledge_base(root)
    for rel in written:
        _print(f"created {clean(str(root / rel))}")
    _print(f"kb init: a new knowledge base in {clean(str(root))}; edit corpus/, then: kb --root {clean(str(root))} "
           "validate")
    return 0


COMMANDS = {"init": cmd_init, "validate": cmd_validate, "index": cmd_index, "search": cmd_search, "show": cmd_show,
            "nutrients": cmd_nutrients, "nutrient": cmd_nutrient, "export": cmd_export, "tui": cmd_tui}


_EXPORTED_BUFFERS = "deallocated bytearray object has exported buffers"


def _without_buffer_noise(previous: Callable[..., object]) -> Callable[..., object]:
    """``sys.excepthook`` minus one message CPython prints from a destructor, passing everything else on.

    Seen with a damaged index: a pickle of garbage runs out of memory inside Whoosh, kb reports the damage and
    rebuilds, and when the failed unpickler's buffer is freed, CPython's ``bytearray`` destructor prints this
    SystemError with a traceback (through ``sys.excepthook``) in the middle of the answers. Nothing raised it
    to kb and nothing is wrong after the rebuild. ``KB_DEBUG=1`` shows it.
    """
    def hook(kind: type[BaseException], value: BaseException, tb: object) -> object:
        if kind is SystemError and str(value) == _EXPORTED_BUFFERS and not os.environ.get("KB_DEBUG"):
            return None
        return previous(kind, value, tb)

    return hook


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    previous = sys.excepthook
    sys.excepthook = _without_buffer_noise(previous)
    try:
        return _run(args)
    finally:
        sys.excepthook = previous


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command or "tui"](args)
    except UnknownFilter as exc:  # a usage error: a filter value (or --kind/--nutrient) that names nothing
        sys.stderr.write(f"kb: {clean(str(exc))}\n")
        return EXIT_USAGE
    except KbError as exc:
        sys.stderr.write(f"kb: {clean(str(exc))}\n")
        return EXIT_PROBLEMS
    except ValueError as exc:
        sys.stderr.write(f"kb: {clean(str(exc))}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except OSError as exc:  # disk full, read-only file system...: one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"kb: {clean(where + (exc.strerror or str(exc)))}\n")
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
