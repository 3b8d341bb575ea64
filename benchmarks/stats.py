"""Measurement primitives shared by the harness, the children and the report: percentiles, memory, sizes, times."""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from pathlib import Path


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def summary(name: str, values: list[float], out: dict) -> None:
    """``name.p50``, ``.p95``, ``.p99``, ``.max`` and ``.n`` of ``values`` into ``out``."""
    for p in (50, 95, 99):
        out[f"{name}.p{p}"] = pct(values, p)
    out[f"{name}.max"] = max(values) if values else None
    out[f"{name}.n"] = len(values)


def peak_mb() -> float:
    """Peak resident set size of this process in MiB.

    ``VmHWM`` belongs to this process image alone; ``ru_maxrss`` would also count the parent's size at fork
    (Linux keeps it across exec), so it is only the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def ms(seconds: float) -> float:
    return seconds * 1000


def timed_ms(fn: Callable[[], object]) -> float:
    """Wall time of one call, in milliseconds."""
    t0 = time.perf_counter()
    fn()
    return ms(time.perf_counter() - t0)


def compact_when(when: str) -> str:
    """``first; a, b re-measured T1; a re-measured T2`` -> ``first; b re-measured T1; a re-measured T2``.

    Each part keeps only its latest re-measure, so repeated partial runs do not grow the line without end.
    """
    first, *reruns = [w.strip() for w in when.split(";")]
    latest: dict[str, str] = {}
    for rerun in reruns:
        names, _, at = rerun.partition(" re-measured ")
        for name in names.split(", "):
            latest[name] = at
    by_time: dict[str, list[str]] = {}
    for name, at in latest.items():
        by_time.setdefault(at, []).append(name)
    return "; ".join([first] + [f"{', '.join(sorted(n))} re-measured {at}" for at, n in sorted(by_time.items())])
