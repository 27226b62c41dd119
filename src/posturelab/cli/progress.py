"""The progress bar of long runs: on standard error, with an estimate of the time left.

The bar appears only when a run has lasted ``delay_s`` (two seconds by default), only on a
terminal, and never with ``--quiet`` or ``--json``; it is removed when the run ends, so nothing
of it stays in a terminal's scroll-back or in captured output.

:func:`progress_bar` counts the members of one run (``run``, ``resume``); :func:`work_progress`
counts the members of every ensemble an analysis runs (``compare``, ``claims``, ``sensitivity``,
``discover``, ``targets``, ``calibrate``), told by :mod:`posturelab.engine.observe`. Its total is
the larger of the caller's estimate and the members planned so far.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

DELAY_S = 2.0
"""Runs shorter than this show no bar."""


@contextmanager
def progress_bar(
    description: str,
    total: int,
    *,
    enabled: bool,
    done: int = 0,
    delay_s: float = DELAY_S,
    stream: TextIO | None = None,
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(k)``, which counts ``k`` more members done, and draw the bar if it is due.

    Parameters
    ----------
    description
        The text before the bar.
    total, done
        Members in the run, and members already done (a resumed run).
    enabled
        False with ``--quiet`` or ``--json``.
    delay_s
        Seconds before the bar appears.
    stream
        Where the bar is drawn (default standard error); nothing is drawn unless it is a
        terminal.
    """
    target = stream if stream is not None else sys.stderr
    if not (enabled and target.isatty()):
        yield lambda k: None
        return
    with _drawn(description, total, done, delay_s, target) as (bar, task):
        yield lambda k: bar.advance(task, k)


@contextmanager
def work_progress(
    description: str,
    *,
    enabled: bool,
    expected: int = 0,
    delay_s: float = DELAY_S,
    stream: TextIO | None = None,
) -> Iterator[None]:
    """Draw one bar over every ensemble run inside the ``with`` block.

    Parameters
    ----------
    description
        The text before the bar.
    enabled
        False with ``--quiet`` or ``--json``.
    expected
        The members the caller expects to run in all (0 when it cannot tell); the bar's total
        grows past it when more are planned.
    delay_s, stream
        As for :func:`progress_bar`.
    """
    from posturelab.engine.observe import observing

    target = stream if stream is not None else sys.stderr
    if not (enabled and target.isatty()):
        yield
        return
    with _drawn(description, max(expected, 1), 0, delay_s, target) as (bar, task):
        planned = 0

        class _Observer:
            def planned(self, members: int) -> None:
                nonlocal planned
                planned += members
                if planned > expected:
                    bar.update(task, total=planned)

            def done(self, members: int) -> None:
                bar.advance(task, members)

        with observing(_Observer()):
            yield


@contextmanager
def _drawn(
    description: str, total: int, done: int, delay_s: float, target: TextIO
) -> Iterator[tuple[Progress, TaskID]]:
    """A transient rich bar on ``target`` that appears after ``delay_s`` seconds."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(file=target, force_terminal=True),
        transient=True,
    )
    task = bar.add_task(description, total=total, completed=done)
    lock = threading.Lock()
    state = {"shown": False, "closed": False}

    def show() -> None:
        with lock:
            if not state["closed"]:
                bar.start()
                state["shown"] = True

    timer = threading.Timer(delay_s, show)
    timer.daemon = True
    timer.start()
    try:
        yield bar, task
    finally:
        timer.cancel()
        with lock:
            state["closed"] = True
            if state["shown"]:
                bar.stop()
