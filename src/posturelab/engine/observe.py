"""Watching the work of many ensembles: members planned and members done, for a progress display.

An analysis such as ``compare``, ``claims`` or ``sensitivity`` runs several ensembles through
:func:`posturelab.engine.run.run_ensemble`. Rather than thread a callback through every analysis
function, a caller opens an observation scope and every ensemble run inside it reports to the
observer: how many members it is about to simulate, then the members of each finished chunk.
The observer never sees or changes any number of the simulation, so results are the same with
and without one (this is the pattern of Dask's ``with ProgressBar():`` callbacks).

The scope is a :class:`contextvars.ContextVar`, so it belongs to the thread (or task) that opened
it and nests: an inner scope replaces the outer one until it closes.

Examples
--------
>>> seen = []
>>> class Count:
...     def planned(self, members: int) -> None:
...         seen.append(("planned", members))
...     def done(self, members: int) -> None:
...         seen.append(("done", members))
>>> with observing(Count()):
...     report_planned(100)
...     report_done(40)
>>> report_done(5)  # outside the scope nothing is told
>>> seen
[('planned', 100), ('done', 40)]
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class WorkObserver(Protocol):
    """What an observer of ensemble runs is told."""

    def planned(self, members: int) -> None:
        """An ensemble of ``members`` members is about to run."""

    def done(self, members: int) -> None:
        """``members`` more members have finished."""


_CURRENT: ContextVar[WorkObserver | None] = ContextVar("posturelab_work_observer", default=None)


@contextmanager
def observing(observer: WorkObserver) -> Iterator[WorkObserver]:
    """Report every ensemble run inside the ``with`` block to ``observer``."""
    token = _CURRENT.set(observer)
    try:
        yield observer
    finally:
        _CURRENT.reset(token)


def report_planned(members: int) -> None:
    """Tell the current observer, if any, that ``members`` members are about to run."""
    observer = _CURRENT.get()
    if observer is not None:
        observer.planned(members)


def report_done(members: int) -> None:
    """Tell the current observer, if any, that ``members`` more members have finished."""
    observer = _CURRENT.get()
    if observer is not None:
        observer.done(members)
