"""Fingerprints of the engine's outputs, to hold refactors to the same numbers.

``python tests/engine_baseline.py --write`` records a fingerprint of every series, scalar and
sampled parameter that the engine emits for each built-in scenario and example under a few lever
settings into ``tests/fixtures/engine_baseline.json``; ``tests/test_engine_baseline.py`` recomputes
them and compares. Regenerate the file only with a change that is meant to alter the model's
numbers, and say so in its commit message.

A fingerprint is a handful of sums over the array (the count of missing values, the plain, absolute
and squared sums, and two sums weighted by fixed pseudo-random weights, which also catch values
moved between members or months), compared within a relative ``1e-9`` of the array's size. Bit
digests would be stricter but not portable: NumPy's vectorised ``exp``/``log`` and the inverse
CDFs round the last bit differently on different processors and releases, while any change to the
model moves these sums by far more than ``1e-9``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.simulate import simulate_chunk
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "engine_baseline.json"
MEMBERS = 120
SEED = 11

CASES: dict[str, list[dict[str, object]]] = {
    "korea-2025": [
        {},
        {"relocation_troops": 4500.0, "relocation_date": "2026-01"},
        {
            "strategic_flexibility": 0.7,
            "one_theatre": True,
            "one_theatre_date": "2025-09",
            "opcon_transfer_date": "2027-01",
            "usfj_jfhq_date": "2025-12",
        },
        {"us_modernisation_korea": True, "joint_exercises": False, "rok_spending_share": 0.04},
    ],
    str(ROOT / "examples" / "border-dispute.yaml"): [{}],
}


RTOL = 1e-9
"""Relative tolerance of a fingerprint's sums (relative to the sum of absolute values)."""


def fingerprint(array: np.ndarray) -> list[float]:
    """``[missing, Σx, Σ|x|, Σx², Σ w1·x, Σ w2·x, size]`` over the finite entries of ``array``."""
    values = np.ascontiguousarray(array, dtype=np.float64).ravel()
    missing = ~np.isfinite(values)
    x = np.where(missing, 0.0, values)
    index = np.arange(x.size, dtype=np.float64)
    w1 = np.sin(index * 0.7548776662466927 + 0.5)  # fixed weights, never random state
    w2 = np.cos(index * 0.5698402909980532 + 0.25)
    return [
        float(missing.sum()),
        float(x.sum()),
        float(np.abs(x).sum()),
        float((x * x).sum()),
        float((w1 * x).sum()),
        float((w2 * x).sum()),
        float(x.size),
    ]


def differs(a: list[float], b: list[float]) -> bool:
    """True when two fingerprints are not the same numbers within :data:`RTOL`."""
    if len(a) != len(b) or a[0] != b[0] or a[-1] != b[-1]:
        return True
    scale = max(abs(a[2]), abs(b[2]), 1e-300)
    square = max(abs(a[3]), abs(b[3]), 1e-300)
    for k, (u, v) in enumerate(zip(a[1:-1], b[1:-1], strict=True), start=1):
        limit = RTOL * (square if k == 3 else scale)
        if abs(u - v) > limit:
            return True
    return False


def fingerprints() -> dict[str, dict[str, list[float]]]:
    """Every case's output arrays as fingerprints, keyed by case then variable."""
    out: dict[str, dict[str, list[float]]] = {}
    for source, settings in CASES.items():
        scenario = load_scenario(source).scenario
        name = Path(source).name if source.endswith(".yaml") else source
        for k, levers in enumerate(settings):
            model = compile_scenario(scenario, resolve_levers(scenario, levers))
            chunk = simulate_chunk(model, SEED, np.arange(MEMBERS, dtype=np.int64), MEMBERS)
            case: dict[str, list[float]] = {}
            for kind, arrays in (
                ("series", chunk.series),
                ("scalar", chunk.scalars),
                ("param", chunk.params),
            ):
                for var, values in arrays.items():
                    case[f"{kind}:{var}"] = fingerprint(values)
            out[f"{name}#{k}"] = dict(sorted(case.items()))
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/engine_baseline.py --write")
    FIXTURE.write_text(json.dumps(fingerprints(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}")
