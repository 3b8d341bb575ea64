"""``python -m benchmarks [--sizes 1k,10k]``; also ``generate``, ``table``, ``relevance``, ``big-records``,
``profile`` and (internal) ``child``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "generate":
        from benchmarks.generate import main as generate_main

        return generate_main(args[1:])
    if args and args[0] == "child":
        from benchmarks.children import child_main

        return child_main(args[1:])
    if args and args[0] == "table":
        from benchmarks.run import table_main

        return table_main(args[1:])
    if args and args[0] == "relevance":
        from benchmarks.relevance import main as relevance_main

        return relevance_main(args[1:])
    if args and args[0] == "big-records":
        from benchmarks.big_records import main as big_main

        return big_main(args[1:])
    if args and args[0] == "profile":
        from benchmarks.profile import main as profile_main

        return profile_main(args[1:])
    from benchmarks.run import main as run_main

    return run_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
