"""The executor seam (DESIGN section 8): where chunks of members run.

Three runners share one interface, :class:`concurrent.futures.Executor`: ``sequential`` (this
process, for tests and debugging), ``local`` (a process pool on this machine, the default, one
worker per core) and ``dask`` (Dask distributed: a scheduler address for a real cluster, or a
local cluster). The engine maps chunks over whichever it is given and gets the same numbers on
each. :mod:`posturelab.runners.durable` adds runs that write each chunk as it finishes and resume
after an interruption; :mod:`posturelab.runners.sizing` states how chunks are sized.

This package imports the engine and the store, never the command line.
"""

from posturelab.runners.executors import (
    DEFAULT_RUNNER,
    RUNNERS,
    OpenRunner,
    RunnerSpec,
    SequentialExecutor,
    available_cores,
    make_executor,
    open_runner,
)

__all__ = [
    "DEFAULT_RUNNER",
    "RUNNERS",
    "OpenRunner",
    "RunnerSpec",
    "SequentialExecutor",
    "available_cores",
    "make_executor",
    "open_runner",
]
