"""Ensemble summaries: one line per indicator with its median and 5-95% interval.

For a ``probability`` indicator (each member 0 or 1) the ``mean`` is the estimated probability and
``p05``/``p95`` bound its 90% Wilson score interval (Wilson 1927), ``p50`` repeating the estimate.
For a ``series`` indicator the statistics are over members at the last month of the period (members
where the value does not apply, such as a hazard after the attack started, are left out). For a
``distribution`` indicator they are over members where the value applies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import xarray as xr

from posturelab.engine.component import Indicator

Z90 = 1.6448536269514722  # standard normal quantile for a two-sided 90% interval


def wilson_interval(successes: float, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    if n == 0:
        return (math.nan, math.nan)
    phat = successes / n
    denom = 1.0 + z * z / n
    centre = (phat + z * z / (2 * n)) / denom
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def summarise(
    dataset: xr.Dataset, names: list[str], specs: Mapping[str, Indicator]
) -> dict[str, dict[str, float | None]]:
    """Return ``{name: {"mean", "p05", "p50", "p95", ...}}`` for the given indicators."""
    out: dict[str, dict[str, float | None]] = {}
    for name in names:
        if name not in dataset:
            continue
        spec = specs[name]
        values = np.asarray(dataset[name].values, dtype=np.float64)
        if spec.kind == "probability":
            # Conditional probabilities (e.g. "given attack") are NaN where they do not apply.
            finite = values[np.isfinite(values)]
            n = finite.size
            k = float(finite.sum())
            lo, hi = wilson_interval(k, n)
            mean = k / n if n else math.nan
            out[name] = {"mean": mean, "p05": lo, "p50": mean, "p95": hi}
        else:
            sample = values[:, -1] if values.ndim == 2 else values
            sample = sample[np.isfinite(sample)]
            if sample.size == 0:
                out[name] = {"mean": None, "p05": None, "p50": None, "p95": None}
                continue
            p05, p50, p95 = np.quantile(sample, [0.05, 0.5, 0.95])
            out[name] = {
                "mean": float(sample.mean()),
                "p05": float(p05),
                "p50": float(p50),
                "p95": float(p95),
            }
    return {
        k: {s: (None if v is None or not math.isfinite(v) else v) for s, v in d.items()}
        for k, d in out.items()
    }
