"""Benchmark the coupled monthly engine on korea-2025 against the scalar oracle of the tests.

Figures printed:

1. member-months per second of the vectorised engine (``run_ensemble``, in this process) at each
   size of ``--members`` (default 10,000 and 100,000);
2. member-months per second of the plain per-member scalar implementation of the monthly step
   (``tests/oracle.py``), timed on ``--oracle-members`` members (default 20) and, being linear in
   the members, compared per member-month; the ratio of the two (target: at least 100);
3. peak resident memory of a separate process that runs ``--memory-members`` members (default
   100,000) to the end of the scenario (target: under 4 GiB).

Run: ``.venv/bin/python benchmarks/bench_engine.py [--members 10000,100000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from oracle import run_member  # noqa: E402
from posturelab.engine.compiled import compile_scenario  # noqa: E402
from posturelab.engine.run import RunOptions, run_ensemble  # noqa: E402
from posturelab.engine.simulate import (  # noqa: E402
    event_uniforms,
    sample_parameters,
    simulate_chunk,
)
from posturelab.scenario.loader import load_scenario  # noqa: E402

MEMORY_SCRIPT = """
import resource, sys, time
from posturelab.scenario.loader import load_scenario
from posturelab.engine.run import RunOptions, run_ensemble
s = load_scenario("korea-2025").scenario
start = time.perf_counter()
run_ensemble(s, s.lever_defaults(), RunOptions(members=int(sys.argv[1]), seed=1))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(peak, time.perf_counter() - start)
"""


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", default="10000,100000")
    parser.add_argument("--oracle-members", type=int, default=20)
    parser.add_argument("--memory-members", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    scenario = load_scenario("korea-2025").scenario
    levers = scenario.lever_defaults()
    model = compile_scenario(scenario, levers)
    months = model.n_months
    figures: dict[str, object] = {"months": months}

    rates, cpu_rates = {}, {}
    for size in (int(s) for s in args.members.split(",")):
        start, cpu = time.perf_counter(), time.process_time()
        run_ensemble(scenario, levers, RunOptions(members=size, seed=1))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        rates[size] = size * months / elapsed
        cpu_rates[size] = size * months / cpu
        print(
            f"engine   {size:>9,} members: {elapsed:8.2f} s, {rates[size]:>12,.0f} member-months/s"
            f" ({cpu:.2f} s of CPU, {cpu_rates[size]:,.0f} member-months per CPU second)"
        )
    figures["engine_member_months_per_s"] = rates
    figures["engine_member_months_per_cpu_s"] = cpu_rates

    k = args.oracle_members
    members = np.arange(k, dtype=np.int64)
    p = sample_parameters(model, 1, members, k, "mc")
    draws = event_uniforms(model, 1, members)
    arms = simulate_chunk(model, 1, members, k).series  # the oracle's spending and warhead paths
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(k):
        run_member(model, p, draws, i, arms)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    oracle_rate, oracle_cpu_rate = k * months / elapsed, k * months / cpu
    print(
        f"oracle   {k:>9,} members: {elapsed:8.2f} s, {oracle_rate:>12,.0f} member-months/s"
        f" ({cpu:.2f} s of CPU)"
    )
    figures["oracle_member_months_per_s"] = oracle_rate
    for size, rate in rates.items():
        print(
            f"ratio at {size:,} members: {rate / oracle_rate:,.0f}x wall-clock, "
            f"{cpu_rates[size] / oracle_cpu_rate:,.0f}x in CPU time (target >= 100x; the CPU-time "
            "ratio is the one to trust on a loaded machine)"
        )
    figures["ratios"] = {size: rate / oracle_rate for size, rate in rates.items()}
    figures["cpu_ratios"] = {size: r / oracle_cpu_rate for size, r in cpu_rates.items()}

    if args.memory_members > 0:
        result = subprocess.run(
            [sys.executable, "-c", MEMORY_SCRIPT, str(args.memory_members)],
            capture_output=True,
            text=True,
            check=True,
        )
        peak, seconds = (float(x) for x in result.stdout.split())
        print(
            f"peak memory at {args.memory_members:,} members to {model.months[-1]}: "
            f"{peak / 2**30:.2f} GiB ({seconds:.1f} s; target < 4 GiB)"
        )
        figures["peak_memory_gib"] = peak / 2**30
    if args.json:
        print(json.dumps(figures, default=str))
    return figures


if __name__ == "__main__":
    main()
