"""Benchmark the exact alignment search.

Two figures:

1. one exact landscape (energies, best-move pointers, minima and basins) for N actors (default 20,
   524,288 configurations); target under 2 s;
2. a batch of members (default 1,000 problems with N = 10) solved by ``solve_ensemble`` and by a
   plain ``itertools.product`` loop in pure Python (same answers: global minimum and bloc
   cohesion); target ratio at least 50.

Run: ``.venv/bin/python benchmarks/bench_alignment.py [--exact-n 20] [--members 1000]``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from posturelab.models.alignment import AlignmentParams, exact_landscape
from posturelab.models.alignment_solvers import solve_ensemble

T = TypeVar("T")


def random_symmetric(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    p = rng.normal(size=shape)
    return np.triu(p, 1) + np.swapaxes(np.triu(p, 1), -1, -2)


def itertools_loop(
    propensities: np.ndarray, sizes: np.ndarray, bloc: Sequence[int]
) -> tuple[list[float], list[float]]:
    """Global minimum energy and bloc cohesion of every member by plain enumeration."""
    n = propensities.shape[1]
    pairs = list(itertools.combinations(range(n), 2))
    energies, cohesions = [], []
    for p, s in zip(propensities.tolist(), sizes.tolist(), strict=True):
        w = {(i, j): s[i] * s[j] * p[i][j] for i, j in pairs}
        best = together = split = math.inf
        for bits in itertools.product((0, 1), repeat=n - 1):
            sides = (0, *bits)
            e = 0.0
            for i, j in pairs:
                if sides[i] != sides[j]:
                    e += w[(i, j)]
            best = min(best, e)
            if len({sides[b] for b in bloc}) == 1:
                together = min(together, e)
            else:
                split = min(split, e)
        energies.append(best)
        cohesions.append(split - together)
    return energies, cohesions


def best_of(repeat: int, func: Callable[[], T]) -> tuple[float, T]:
    """Run ``func`` ``repeat`` times; return the shortest wall time and the last result."""
    times = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: Sequence[str] | None = None) -> dict[str, float | int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--exact-n", type=int, default=20, help="actors in the single exact search")
    parser.add_argument("--members", type=int, default=1000, help="members in the batch")
    parser.add_argument("--ensemble-n", type=int, default=10, help="actors per batch member")
    parser.add_argument("--repeat", type=int, default=3, help="timings per figure (best kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)

    n = args.exact_n
    params = AlignmentParams(rng.uniform(0.1, 1.0, n), random_symmetric(rng, (n, n)))
    t_exact, land = best_of(args.repeat, lambda: exact_landscape(params))

    m, k = args.members, args.ensemble_n
    props = random_symmetric(rng, (m, k, k))
    sizes = rng.uniform(0.1, 1.0, (m, k))
    bloc = [0, 1]
    t_vec, ens = best_of(args.repeat, lambda: solve_ensemble(props, sizes, bloc))
    t_loop, (loop_e, loop_c) = best_of(1, lambda: itertools_loop(props, sizes, bloc))
    max_diff = float(
        max(
            np.abs(ens.energy - np.array(loop_e)).max(),
            np.abs(ens.cohesion - np.array(loop_c)).max(),
        )
    )
    figures: dict[str, float | int] = {
        "exact_n": n,
        "exact_configurations": 1 << (n - 1),
        "exact_seconds": t_exact,
        "exact_minima": len(land.minima),
        "members": m,
        "ensemble_n": k,
        "vectorised_seconds": t_vec,
        "itertools_seconds": t_loop,
        "speedup": t_loop / t_vec if t_vec > 0 else math.inf,
        "max_abs_difference": max_diff,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(
            f"exact search, N = {n} ({figures['exact_configurations']:,} configurations): "
            f"{t_exact:.3f} s, {figures['exact_minima']} local minima (target < 2 s)"
        )
        print(f"batch of {m} members, N = {k}: vectorised {t_vec:.4f} s")
        print(f"batch of {m} members, N = {k}: itertools loop {t_loop:.3f} s")
        print(
            f"speed-up: {figures['speedup']:.0f}x (target >= 50x); "
            f"largest difference {max_diff:.2e}"
        )
    return figures


if __name__ == "__main__":
    main()
