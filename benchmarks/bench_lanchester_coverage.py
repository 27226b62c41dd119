"""Coverage of the 90 % intervals of the general Lanchester law fitted by log-linear regression.

Draws records from the discrete general law with lognormal noise on the daily losses
(:func:`posturelab.models.lanchester_regression.synthetic_record`: a = 0.005, b = 0.004,
p = 0.8, q = 0.3, 40 days, 10 % noise, random arrivals), fits each by
:func:`~posturelab.models.lanchester_regression.fit_regression` and counts how often each
interval holds the truth. Target: every coverage in [0.85, 0.95].

Run: ``.venv/bin/python benchmarks/bench_lanchester_coverage.py [--replications 5000] [--seed S]``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence

import numpy as np

from posturelab.models.lanchester_regression import fit_regression, synthetic_record

TRUTH = {"a": 0.005, "b": 0.004, "p": 0.8, "q": 0.3}


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Run the replications and print the coverage of each interval with its standard error."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20250531)
    parser.add_argument("--level", type=float, default=0.9)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    hits = dict.fromkeys(TRUTH, 0)
    start = time.perf_counter()
    for _ in range(args.replications):
        record = synthetic_record(rng, TRUTH["a"], TRUTH["b"], (0.8, 0.3, 0.8, 0.3))
        f = fit_regression(record, "general", level=args.level)
        for name, (lo, hi) in f.intervals.items():
            hits[name] += lo <= TRUTH[name] <= hi
    seconds = time.perf_counter() - start
    n = args.replications
    figures: dict[str, float] = {f"coverage_{k}": v / n for k, v in hits.items()}
    figures["replications"] = n
    figures["seconds"] = seconds
    for name in TRUTH:
        c = figures[f"coverage_{name}"]
        print(f"{name}: coverage {c:.4f} ± {math.sqrt(c * (1 - c) / n):.4f} (nominal {args.level})")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
