"""Benchmark Epstein's ADM: the vectorised ensemble against a plain per-member Python loop.

Three figures:

1. ``simulate_adm`` for ``--members`` members (default 100,000) over ``--days`` days (default 90),
   with the daily trace and with the final day only (best of ``--repeat`` runs, first run shown);
2. the same members through ``simulate_adm_scalar``, one member at a time in plain Python floats.
   The loop is timed on the first ``--loop-members`` members (default 2,000), best of
   ``--repeat``, and scaled to the whole ensemble (it is linear in the members); the output says
   so. The two agree member by
   member on that subset. Target ratio: at least 50;
3. peak memory (tracemalloc, which sees NumPy's allocations) of one call at ``--memory-members``
   members (default 1,000,000), with the daily trace and with the final day only.

Parameters are drawn around Epstein's worked example (each value times a factor in [0.5, 1.5]),
with objectives and breakpoints, so members stop on different days for different reasons.

Run: ``.venv/bin/python benchmarks/bench_campaign.py [--members N] [--memory-members N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence

import numpy as np

from posturelab.models.campaign import SCALAR_FIELDS, ADMParams, simulate_adm
from posturelab.models.campaign_scalar import simulate_adm_scalar

#: Fields of the extensions (pursuit, breakpoint momenta), left at their classic defaults here.
EXTENSIONS = (
    "breakpoint_A_momentum",
    "breakpoint_D_momentum",
    "pursuit_km_per_day",
    "reform_share",
)


FIELDS = tuple(name for name in SCALAR_FIELDS if name not in EXTENSIONS)


def ensemble(rng: np.random.Generator, m: int) -> ADMParams:
    """Members drawn around the worked example, with objectives and breakpoints."""
    base = ADMParams()
    values: dict[str, np.ndarray] = {}
    for name in SCALAR_FIELDS:
        if name in ("objective_km", "breakpoint_A", "breakpoint_D"):
            continue
        if name in EXTENSIONS:
            continue  # the classic model: the same members as before the extensions
        values[name] = float(np.asarray(getattr(base, name))) * rng.uniform(0.5, 1.5, m)
    values["alpha0"] = np.minimum(values["alpha0"], 1.0)
    for name in ("alpha_dT", "alpha_aT", "alpha_da", "alpha_aa"):
        values[name] = np.clip(values[name], 1e-3, 1.0)
    values["objective_km"] = rng.uniform(20.0, 200.0, m)
    values["breakpoint_A"] = rng.uniform(0.0, 0.3, m)
    values["breakpoint_D"] = rng.uniform(0.0, 0.3, m)
    return ADMParams(**values)  # type: ignore[arg-type]


def member(params: ADMParams, i: int) -> ADMParams:
    """The scalar parameters of member ``i``."""
    return ADMParams(
        **{name: float(np.asarray(getattr(params, name)).reshape(-1)[i]) for name in FIELDS}  # type: ignore[arg-type]
    )


def peak_bytes(params: ADMParams, days: int, keep_trace: bool) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = simulate_adm(params, days, keep_trace=keep_trace)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return int(peak)


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--loop-members", type=int, default=2_000)
    parser.add_argument("--memory-members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="vectorised runs; the best counts")
    parser.add_argument("--seed", type=int, default=20250603)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    params = ensemble(rng, args.members)

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = simulate_adm(params, args.days)
        times.append(time.perf_counter() - start)
    vectorised = min(times)
    final_times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        simulate_adm(params, args.days, keep_trace=False)
        final_times.append(time.perf_counter() - start)
    vectorised_final = min(final_times)

    n_loop = min(args.loop_members, args.members)
    singles = [member(params, i) for i in range(n_loop)]
    loop_times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        finals = [simulate_adm_scalar(one, args.days)["X"][-1] for one in singles]
        loop_times.append(time.perf_counter() - start)
    loop_subset = min(loop_times)
    loop_scaled = loop_subset * args.members / n_loop
    max_diff = float(np.max(np.abs(np.asarray(finals) - result.X[:n_loop, -1])))
    reasons = np.bincount(result.stop_code, minlength=4)

    print(f"ADM, {args.members:,} members x {args.days} days (seed {args.seed})")
    print(
        f"  vectorised, daily trace kept: {vectorised:8.3f} s  "
        f"(best of {args.repeat}; first run {times[0]:.3f} s)"
    )
    print(f"  vectorised, final day only:   {vectorised_final:8.3f} s  (best of {args.repeat})")
    scaled_note = (
        f"timed on {n_loop:,} members, scaled x{args.members / n_loop:g}"
        if n_loop < args.members
        else "all members"
    )
    print(
        f"  plain Python loop:            {loop_scaled:8.3f} s  "
        f"({scaled_note}; best of {args.repeat})"
    )
    print(f"  speed-up, trace kept:         {loop_scaled / vectorised:8.1f} x  (target >= 50)")
    print(f"  speed-up, final day only:     {loop_scaled / vectorised_final:8.1f} x")
    print(f"  max |final X| difference on the loop subset: {max_diff:.3g} km")
    print(
        "  stop reasons: "
        f"horizon {reasons[0]:,}, attacker breakpoint {reasons[1]:,}, "
        f"defender breakpoint {reasons[2]:,}, objective {reasons[3]:,}"
    )

    big = ensemble(np.random.default_rng(args.seed + 1), args.memory_members)
    start = time.perf_counter()
    peak_trace = peak_bytes(big, args.days, keep_trace=True)
    time_trace = time.perf_counter() - start
    start = time.perf_counter()
    peak_final = peak_bytes(big, args.days, keep_trace=False)
    time_final = time.perf_counter() - start
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"Peak memory at {args.memory_members:,} members x {args.days} days (tracemalloc):")
    print(
        f"  daily trace kept:  {peak_trace / 2**20:10.1f} MiB  ({time_trace:.2f} s, with tracing)"
    )
    print(
        f"  final day only:    {peak_final / 2**20:10.1f} MiB  ({time_final:.2f} s, with tracing)"
    )
    print(f"  process max RSS:   {maxrss_kib / 2**10:10.1f} MiB")
    figures = {
        "members": float(args.members),
        "days": float(args.days),
        "vectorised_seconds": vectorised,
        "vectorised_first_run_seconds": times[0],
        "vectorised_final_only_seconds": vectorised_final,
        "speedup_final_only": loop_scaled / vectorised_final,
        "loop_seconds_scaled": loop_scaled,
        "loop_members_timed": float(n_loop),
        "speedup": loop_scaled / vectorised,
        "max_abs_difference_km": max_diff,
        "memory_members": float(args.memory_members),
        "peak_mib_trace": peak_trace / 2**20,
        "peak_mib_final_only": peak_final / 2**20,
    }
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return figures


if __name__ == "__main__":
    main()
