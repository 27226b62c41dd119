"""How many members go into one task, from a measured cost.

The rule, applied after timing a pilot chunk of :data:`PILOT_MEMBERS` members in this process:

1. aim for :data:`TARGET_TASK_S` seconds per task (long enough that scheduling, pickling and
   result transfer, a few milliseconds per task, stay a small share; short enough that progress,
   load balance and the work lost to an interruption stay fine-grained):
   ``size = TARGET_TASK_S / seconds_per_member``;
2. bound it to ``[MIN_CHUNK, MAX_CHUNK]`` members (a noisy pilot cannot produce absurd chunks, and
   a chunk's arrays stay a few hundred megabytes at most);
3. give each worker at least :data:`TASKS_PER_WORKER` tasks when the ensemble allows, so that the
   last task to finish does not leave the other workers idle for long:
   ``size <= ceil(remaining / (TASKS_PER_WORKER * workers))``;
4. when the remaining work is less than one task's worth, parallel workers cannot pay for their
   start-up: it runs as one more chunk in this process (:func:`worth_parallel`).

Chunk sizes never change the numbers: each member's draws depend only on the seed and its index.
"""

from __future__ import annotations

import math

TARGET_TASK_S = 1.5
MIN_CHUNK = 64
MAX_CHUNK = 50_000
PILOT_MEMBERS = 200
TASKS_PER_WORKER = 4


def pilot_size(total: int) -> int:
    """Members in the pilot chunk (the run's first chunk, computed in this process)."""
    return max(1, min(total, PILOT_MEMBERS))


def chunk_size_for(seconds_per_member: float, remaining: int, workers: int) -> int:
    """Members per task for ``remaining`` members over ``workers`` workers (see the module rule).

    Parameters
    ----------
    seconds_per_member
        Measured cost of one member (the pilot's time over its size).
    remaining
        Members still to compute after the pilot (>= 0).
    workers
        Tasks that run at once (>= 1).

    Examples
    --------
    >>> chunk_size_for(2e-4, 199_800, 2)
    7500
    >>> chunk_size_for(2e-4, 1_000, 2)
    125
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    by_cost = round(TARGET_TASK_S / max(seconds_per_member, 1e-9))
    size = min(max(by_cost, MIN_CHUNK), MAX_CHUNK)
    balance = math.ceil(max(remaining, 1) / (TASKS_PER_WORKER * workers))
    return max(1, min(size, balance))


def worth_parallel(seconds_per_member: float, remaining: int) -> bool:
    """Whether the remaining work exceeds one task's worth (else it runs in this process)."""
    return remaining * seconds_per_member > TARGET_TASK_S


def chunk_bounds(total: int, first: int, size: int) -> list[tuple[int, int]]:
    """Member ranges ``[lo, hi)`` of a run's chunks: ``[0, first)``, then chunks of ``size``.

    >>> chunk_bounds(10, 3, 4)
    [(0, 3), (3, 7), (7, 10)]
    """
    if first < 1 or size < 1:
        raise ValueError(f"chunk sizes must be >= 1, got first={first}, size={size}")
    bounds = [(0, min(first, total))]
    bounds += [(lo, min(lo + size, total)) for lo in range(first, total, size)]
    return bounds
