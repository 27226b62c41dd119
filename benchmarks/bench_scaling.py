"""Benchmark the runners: one ensemble on 1 and 2 workers, on the local pool and on Dask.

For each runner and worker count the script opens the executor, warms its workers up (each
imports posturelab and simulates one member: the start-up cost, reported apart), then maps the
whole ensemble's chunks over it and reports:

- ``wall_s``: seconds from the first submission to the last chunk received;
- ``speed_up``: the 1-worker wall time of the same runner over this one;
- ``overhead_ms``: per-chunk overhead, ``(wall_s * workers - sum of in-task compute) / chunks``,
  the time a worker slot spends on anything but simulating (pickling, queueing, transfer of the
  results back, idle waiting at the end). It is an upper bound: on a machine with other load it
  also counts the time the worker waited for a core.

Every configuration uses the same chunks (sized by :mod:`posturelab.runners.sizing` for the
largest worker count, or ``--chunk-size``), and the chunk outputs are dropped as they arrive (the
benchmark measures the runners, not the assembly or the disk). Dask runs on a local cluster on
127.0.0.1 with one single-threaded worker process per worker.

Run: ``.venv/bin/python benchmarks/bench_scaling.py [--members 200000] [--workers 1 2]``.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from concurrent.futures import wait
from typing import Any

import numpy as np

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import ChunkDone, RunOptions, compute_chunks, simulate_task
from posturelab.runners import RunnerSpec, open_runner
from posturelab.runners.sizing import chunk_bounds, chunk_size_for, pilot_size
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="korea-2025")
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20250531)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runners", nargs="+", default=["local", "dask"])
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    loaded = load_scenario(args.scenario)
    model = compile_scenario(loaded.scenario, resolve_levers(loaded.scenario, {}))
    total = args.members

    first = pilot_size(total)
    pilot = simulate_task(model, args.seed, total, "mc", 0, np.arange(first), None)
    per_member = pilot.compute_s / first
    size = args.chunk_size or chunk_size_for(per_member, total, max(args.workers))
    bounds = chunk_bounds(total, size, size)
    plan = {i: np.arange(lo, hi, dtype=np.int64) for i, (lo, hi) in enumerate(bounds)}
    options = RunOptions(members=total, seed=args.seed, chunk_size=size)
    print(
        f"{args.scenario}: {total:,} members in {len(plan)} chunks of {size:,}; "
        f"pilot {per_member * 1e3:.2f} ms per member "
        f"(about {per_member * total:.0f} s of work on one core)"
    )

    rows: list[dict[str, Any]] = []
    for runner in args.runners:
        for workers in args.workers:
            spec = RunnerSpec(runner, workers)
            opening = time.perf_counter()
            with open_runner(spec) as opened:
                warm = [
                    opened.executor.submit(
                        simulate_task, model, args.seed, total, "mc", -1, np.array([k]), None
                    )
                    for k in range(workers)
                ]
                wait(warm)
                startup = time.perf_counter() - opening
                compute = 0.0
                received = 0

                def collect(done: ChunkDone) -> None:
                    nonlocal compute, received
                    compute += done.compute_s
                    received += done.output.members.size

                started = time.perf_counter()
                compute_chunks(model, options, plan, collect, executor=opened.executor)
                wall = time.perf_counter() - started
            assert received == total
            rows.append(
                {
                    "runner": runner,
                    "workers": workers,
                    "chunks": len(plan),
                    "chunk_size": size,
                    "startup_s": round(startup, 3),
                    "wall_s": round(wall, 3),
                    "compute_s": round(compute, 3),
                    "members_per_s": round(total / wall, 1),
                    "overhead_ms": round(1e3 * (wall * workers - compute) / len(plan), 2),
                }
            )
            print(
                f"  {runner:>6} x{workers}: start-up {startup:6.2f} s, wall {wall:8.2f} s, "
                f"{total / wall:9,.0f} members/s, "
                f"overhead {rows[-1]['overhead_ms']:7.1f} ms per chunk"
            )

    for row in rows:
        base = next((r for r in rows if r["runner"] == row["runner"] and r["workers"] == 1), None)
        row["speed_up"] = round(base["wall_s"] / row["wall_s"], 3) if base else None
    print("speed-up over one worker of the same runner:")
    for row in rows:
        shown = "-" if row["speed_up"] is None else f"{row['speed_up']:.2f}"
        print(f"  {row['runner']:>6} x{row['workers']}: {shown}")
    figures = {
        "scenario": args.scenario,
        "members": total,
        "seconds_per_member_pilot": per_member,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
