"""TUI timings: keystroke to results painted (headless, through Pilot) and first paint of a fresh ``kb`` process.

Keystroke to results painted (``tui.keystroke.*``)
    The app from ``kb.tui.app.make_app(root, index, watch=False)`` runs headless at 120x40 under
    ``App.run_test``. After start-up (index opened), each query of the list is typed into the search box one
    character at a time. The clock starts just before ``pilot.press(char)`` and stops at the first frame the
    compositor produces (``App._display`` is wrapped to timestamp every frame) after the search screen's
    ``response`` is the answer for the text now in the box (each frame is stamped with the screen's
    ``response`` at the time it was rendered; the first frame holding the new answer is the paint). So each
    sample covers: key event -> ``Input.Changed`` -> search worker (thread) -> ``call_from_thread`` -> result
    list rebuilt -> layout and render of the frame. Before the next key the benchmark waits for every worker
    (the preview pane loads after the results) and until no frame has been rendered for 60 ms: it types like a
    person slower than the app, one answer per key, never cancelling a search. Between queries the box is
    cleared by setting its value (not timed). Headless, the frame is rendered but not written to a terminal.
    The app's ``engine.search`` is wrapped too, so each sample splits into time inside the engine
    (``tui.engine.*``) and everything else (``tui.outside.*``: event handling, the worker hand-off, waiting for
    the GIL, building the list, layout and render). ``tui.frame.*`` is the part of "everything else" spent by
    Textual's compositor rendering the frame that painted the answer (``Compositor.render_update``: every line
    holding a changed cell, across the screen's width, through every widget on it). ``tui.keystroke.cpu_*`` is
    the CPU time the process used over the same span (all its threads, ``time.process_time``): on a machine
    shared with other work the wall time includes waiting for a core, this does not.

First paint (``tui.first_paint_s``) and ready (``tui.ready_s``)
    ``kb --root R --index I`` runs as a fresh process under a pseudo-terminal of 120x40 (``TERM=xterm-256color``),
    with an index already built. First paint is the time from spawning the process to the first output holding
    at least 200 visible characters once escape sequences are stripped (the first full frame: search box,
    panes, footer). Ready is the time until the disclaimer note appears (its first words, or "Not medical
    advice" before its emergency sentence), which the app shows once the index is open.
    The process is then sent ctrl+q (and killed if it has not exited within 5 s).

Both report ``tui.unavailable`` (shown as "n/a (TUI not available ...)" in the table) when ``kb.tui.app`` or its
``make_app`` factory is missing.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import queries as Q
from benchmarks.stats import pct, peak_mb

SIZE = (120, 40)
FIRST_PAINT_CHARS = 200
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[P^_].*?\x1b\\|\x1b[@-Z\\-_]",
                   re.S)


def unavailable() -> str | None:
    """Why the TUI cannot be measured, or None."""
    try:
        if importlib.util.find_spec("kb.tui") is None or importlib.util.find_spec("kb.tui.app") is None:
            return "TUI not available: no kb.tui.app"
        mod = importlib.import_module("kb.tui.app")
    except Exception as exc:  # noqa: BLE001 - any import failure means "cannot measure", reported as such
        return f"TUI not available: {type(exc).__name__}: {exc}"
    if not hasattr(mod, "make_app"):
        return "TUI not available: kb.tui.app has no make_app"
    return None


# --- keystroke to results painted ------------------------------------------------------------------------------
async def _wait(cond, timeout: float, what: str) -> None:
    deadline = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.0005)


async def _settle(app, frames: list, quiet: float = 0.06, timeout: float = 10.0) -> None:
    """Wait for every worker, then until no frame has been rendered for ``quiet`` seconds.

    (``pilot.pause()`` alone decides "idle" from CPU time, which a busy machine fools: a process waiting for a
    CPU looks idle. The preview pane renders after the results; its frames must be over before the next key.)
    """
    deadline = time.perf_counter() + timeout
    await app.workers.wait_for_complete()
    while time.perf_counter() < deadline:
        n = len(frames)
        await asyncio.sleep(quiet)
        if len(frames) == n and not any(w.is_running for w in app.workers):
            break
        await app.workers.wait_for_complete()


async def _keystrokes(root: Path, index: Path, query_list: list[str]) -> dict:
    # kb.tui first: importing it sets what Textual reads once as it is imported (the frame rate), as `kb` does
    from kb.tui.app import make_app  # noqa: I001
    from textual.widgets import Input

    app = make_app(root, index, watch=False)
    # (time, the screen's response at the frame, process CPU time, ms the compositor took to render the frame)
    frames: list[tuple[float, object, float, float]] = []
    original = app._display
    holder: list[object] = []
    rendering: list[float] = [0.0]  # how long the compositor took to render the frame being displayed

    def display(screen, renderable) -> None:  # type: ignore[no-untyped-def]
        original(screen, renderable)
        if renderable is not None:
            frames.append((time.perf_counter(), getattr(holder[0], "response", None) if holder else None,
                           time.process_time(), rendering[0]))

    app._display = display  # type: ignore[method-assign]
    engine = app.engine
    engine_search = engine.search
    calls: dict[str, list[float]] = {}

    def timed_search(query: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return engine_search(query, *args, **kwargs)
        finally:
            calls.setdefault(query, []).append((time.perf_counter() - t) * 1000)

    engine.search = timed_search  # type: ignore[method-assign]
    samples: list[float] = []
    cpu: list[float] = []
    in_engine: list[float] = []
    outside: list[float] = []
    short: list[float] = []
    rendered: list[float] = []
    slow: list[tuple[float, str]] = []
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        await _wait(lambda: getattr(app, "updates", 1) >= 1, 600, "the index to open")
        await app.workers.wait_for_complete()
        await pilot.pause()
        ready_s = time.perf_counter() - started
        screen = app.screen
        holder.append(screen)
        render_update = screen._compositor.render_update

        def timed_render(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return render_update(*args, **kwargs)
            finally:
                rendering[0] = (time.perf_counter() - t) * 1000

        screen._compositor.render_update = timed_render  # type: ignore[method-assign]
        box = screen.query_one(Input)
        for q in query_list:
            box.value = ""
            await _settle(app, frames)
            for ch in q:
                before = getattr(screen, "response", None)
                mark = len(frames)
                t0, c0 = time.perf_counter(), time.process_time()
                await pilot.press(ch)
                text = box.value

                def painted(mark: int = mark, before: object = before, text: str = text
                            ) -> tuple[float, float, float] | None:
                    for t, r, c, f in frames[mark:]:
                        if r is not None and r is not before and getattr(r, "query", None) == text:
                            return t, c, f
                    return None

                await _wait(lambda: painted() is not None, 30, f"a frame with the results for {text!r}")
                paint, paint_cpu, frame_ms = painted()  # type: ignore[misc]
                t = (paint - t0) * 1000
                samples.append(t)
                rendered.append(frame_ms)
                cpu.append((paint_cpu - c0) * 1000)
                e = sum(calls.pop(text, []))
                in_engine.append(e)
                outside.append(t - e)
                last = text.split()[-1] if text.strip() and not text[-1].isspace() else ""
                if 1 <= len(last) <= 2:
                    short.append(t)
                slow.append((t, text))
                await _settle(app, frames)
        await app.workers.wait_for_complete()
    return {"tui.keystroke.p50": pct(samples, 50), "tui.keystroke.p95": pct(samples, 95),
            "tui.keystroke.p99": pct(samples, 99), "tui.keystroke.max": max(samples) if samples else None,
            "tui.keystroke.n": len(samples), "tui.keystroke.cpu_p50": pct(cpu, 50),
            "tui.keystroke.cpu_p95": pct(cpu, 95), "tui.keystroke.short_p95": pct(short, 95),
            "tui.keystroke.slowest": [[round(t, 1), s] for t, s in sorted(slow, reverse=True)[:10]],
            "tui.startup_headless_s": ready_s,
            "tui.engine.p50": pct(in_engine, 50), "tui.engine.p95": pct(in_engine, 95),
            "tui.outside.p50": pct(outside, 50), "tui.outside.p95": pct(outside, 95),
            "tui.frame.p50": pct(rendered, 50), "tui.frame.p95": pct(rendered, 95)}


def keystroke_benchmark(root: Path, index: Path, quick: bool) -> dict:
    """Keystroke-to-paint figures over the query list (one query per category in quick mode)."""
    reason = unavailable()
    if reason:
        return {"tui.unavailable": reason}
    query_list = [q for _, q in (Q.quick_queries()[:2] if quick else Q.QUERIES)]
    try:
        out = asyncio.run(_keystrokes(root, index, query_list))
    except (TimeoutError, AttributeError, LookupError) as exc:  # the app changed under the benchmark
        return {"tui.unavailable": f"TUI not measurable: {type(exc).__name__}: {exc}"}
    out["tui.peak_mb"] = peak_mb()
    return out


# --- first paint of a fresh process ----------------------------------------------------------------------------
def _one_paint(cmd: list[str], ready_markers: tuple[str, ...], timeout: float = 60
               ) -> tuple[float | None, float | None]:
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0]), "LINES": str(SIZE[1])}
    env.pop("NO_COLOR", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                            start_new_session=True)
    os.close(slave)
    buf = b""
    first = ready = None
    try:
        while time.perf_counter() - t0 < timeout and ready is None:
            r, _, _ = select.select([master], [], [], 0.05)
            if not r:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            now = time.perf_counter()
            text = _ANSI.sub("", buf.decode("utf-8", "replace"))
            if first is None and sum(1 for c in text if not c.isspace()) >= FIRST_PAINT_CHARS:
                first = now - t0
            if any(m in text for m in ready_markers):
                ready = now - t0
    finally:
        try:
            os.write(master, b"\x11")  # ctrl+q
        except OSError:
            pass
        deadline = time.perf_counter() + 5
        while proc.poll() is None and time.perf_counter() < deadline:
            try:
                if select.select([master], [], [], 0.05)[0]:
                    os.read(master, 65536)
            except OSError:
                time.sleep(0.05)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)
    return first, ready


def first_paint(root: Path, index: Path, runs: int) -> dict:
    """Median first-paint and ready times of ``kb`` as a fresh process under a pty."""
    reason = unavailable()
    if reason:
        return {"tui.unavailable": reason}
    from kb.corpus.loader import read_disclaimer

    words = read_disclaimer(root)[0].split()
    # the note shows the disclaimer's first words, or "Not medical advice." and its emergency sentence
    marker = (" ".join(words[:3]), "Not medical advice")
    exe = Path(sys.executable).parent / "kb"
    cmd = [str(exe), "--root", str(root), "--index", str(index)]
    firsts: list[float] = []
    readies: list[float] = []
    _one_paint(cmd, marker)  # warm the page cache
    for _ in range(runs):
        first, ready = _one_paint(cmd, marker)
        if first is not None:
            firsts.append(first)
        if ready is not None:
            readies.append(ready)
    if not firsts:
        return {"tui.first_paint_error": "no frame seen within 60 s"}
    return {"tui.first_paint_s": statistics.median(firsts),
            "tui.ready_s": statistics.median(readies) if readies else None}
