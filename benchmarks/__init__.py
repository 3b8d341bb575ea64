"""kb's benchmark suite: a synthetic corpus generator, a fixed query list, an SQLite FTS5 peer and a runner.

Run ``python -m benchmarks --help``; results are described in docs/benchmarks.md.
"""
