"""The ``kb`` command line: every command, option and help example (``kb --help``); the commands are
:mod:`kb.cli.main`."""

from __future__ import annotations

import argparse
import sys

from kb.cli.terminal import COLOR_CHOICES

EXIT_USAGE = 2

EXAMPLES = {
    "validate": "kb validate --root ~/health-kb",
    "index": "kb index            # only what changed\n  kb index --full     # rebuild and swap in\n"
             "  kb index --watch    # keep current while you edit\n"
             "  kb index corpus/faq/are-salt-substitutes-safe.yaml   # just the file you saved",
    "search": 'kb search "cramps at night" --limit 5\n  kb search magnesium --kind faq --json',
    "show": 'kb show "article/night-time-leg-cramps#how-to-stop-a-cramp-now"\n'
            "  kb show night-time-leg-cramps     # a whole article, with its contents",
    "nutrients": "kb nutrients",
    "nutrient": "kb nutrient magnesium      # also: Magnesium, mg, vitamin_d",
    "export": "kb export --format jsonl > records.jsonl\n"
              "  kb export --format markdown night-time-leg-cramps faq/what-is-tetany -o notes.md",
    "tui": "kb tui",
    "init": "kb init ~/my-kb && kb --root ~/my-kb validate",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, no usage dump
        self.exit(EXIT_USAGE, f"kb: {message} (see kb --help)\n")


COLOR_HELP = "emphasis in the output: auto (on a terminal, unless NO_COLOR is set), always or never"


def _location_options() -> argparse.ArgumentParser:
    """--root, --index and --color, accepted before or after the command (SUPPRESS keeps a value given before)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", default=argparse.SUPPRESS, help="knowledge-base root (a folder holding "
                        "corpus/); default: KB_ROOT, then the current folder and its parents")
    common.add_argument("--index", metavar="DIR", default=argparse.SUPPRESS,
                        help="index folder (default: <root>/index)")
    common.add_argument("--color", choices=COLOR_CHOICES, default=argparse.SUPPRESS, help=COLOR_HELP)
    return common


def _add(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help_text, description=help_text, parents=[_location_options()],
                          epilog=f"example:\n  {EXAMPLES[name]}", formatter_class=argparse.RawDescriptionHelpFormatter)


def _positive_int(text: str) -> int:
    """--limit 0 is a usage error (exit 2) like any other bad argument, not a corpus problem (exit 1)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kb", description="A searchable health knowledge base in the terminal. "
                "With no command, opens the interactive search (TUI).",
                epilog="example:\n  kb                      # the TUI\n  kb search \"cramps at night\"",
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", help="knowledge-base root (a folder holding corpus/); default: KB_ROOT, "
                   "then the current folder and its parents")
    p.add_argument("--index", metavar="DIR", help="index folder (default: <root>/index)")
    p.add_argument("--color", choices=COLOR_CHOICES, default="auto", help=COLOR_HELP)
    p.add_argument("--version", action=_Version, help="show kb's version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    _add(sub, "validate", "Check every corpus file; print every problem as path:line: message.")

    s = _add(sub, "index", "Update the index: only changed files, or everything with --full.")
    s.add_argument("paths", nargs="*", metavar="PATH",
                   help="only these corpus files, edited, added or deleted (relative to the current folder, or to "
                   "the root); the rest of the corpus is not looked at")
    s.add_argument("--full", action="store_true", help="rebuild into a fresh folder and swap it in")
    s.add_argument("--watch", action="store_true", help="keep the index current while files are edited")

    s = _add(sub, "search", "Search in plain language: ranked sections, FAQs and nutrients.")
    s.add_argument("query", nargs="+", help='words; also "phrase", -exclude, kind:faq, nutrient:magnesium')
    s.add_argument("--limit", type=_positive_int, default=10, help="how many results (default 10)")
    s.add_argument("--kind", choices=["section", "faq", "nutrient"], help="only this kind of record")
    s.add_argument("--nutrient", metavar="SLUG", help="only records linked to this nutrient")
    s.add_argument("--prefix", action="store_true", help="match the last word as a prefix (typing mode)")
    s.add_argument("--as-typed", action="store_true",
                   help="search the words as typed, never a spelling correction (a suggestion is still shown)")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")

    s = _add(sub, "show", "Print one record in full, or a whole article with its contents.")
    s.add_argument("id", help="article/<slug>#<heading>, faq/<slug>, nutrient/<slug>, or an article: "
                   "article/<slug> (or just <slug>)")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")

    s = _add(sub, "nutrients", "List nutrients with how many sections and FAQs link to each.")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")

    s = _add(sub, "nutrient", "Show one nutrient and every record linked to it.")
    s.add_argument("slug", help="its slug, name or an alias, in any case: magnesium, Magnesium, mg, vitamin_d")
    s.add_argument("--json", action="store_true", help="print JSON instead of text")

    s = _add(sub, "export", "Write indexed records: every one as JSON lines, or chosen ones as a Markdown file.")
    s.add_argument("ids", nargs="*", metavar="ID", help="records to export (an article slug exports the whole "
                   "article); default: every record")
    s.add_argument("--format", choices=["jsonl", "markdown"], default="jsonl",
                   help="jsonl (one JSON object per record) or markdown (a file to share)")
    s.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    _add(sub, "tui", "Open the interactive search (the same as kb with no command).")

    s = _add(sub, "init", "Create a new knowledge base: corpus folders, a disclaimer, synonyms and one example "
             "article, FAQ and nutrient record that validate.")
    s.add_argument("dir", nargs="?", default=".", help="where to create it (default: the current folder)")
    return p


class _Version(argparse.Action):
    """``--version``, the installed version looked up only when asked: reading the package metadata cost every
    ``kb`` command about 14 ms of CPU at start-up (``kb search`` in a fresh process is timed)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:  # noqa: A002 - argparse's name
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        sys.stdout.write(f"kb {_version()}\n")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kb")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"
