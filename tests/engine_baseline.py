"""Fingerprints of the engine's outputs, to hold refactors to the same numbers bit for bit.

``python tests/engine_baseline.py --write`` records the SHA-256 of every series, scalar and sampled
parameter that the engine emits for each built-in scenario and example under a few lever settings
into ``tests/fixtures/engine_baseline.json``; ``tests/test_engine_baseline.py`` recomputes them and
compares. Regenerate the file only with a change that is meant to alter the model's numbers, and say
so in its commit message.
"""

from __future__ import annotations

import hashlib
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


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, dtype=np.float64).tobytes()).hexdigest()[:20]


def fingerprints() -> dict[str, dict[str, str]]:
    """Every case's output arrays as short SHA-256 digests, keyed by case then variable."""
    out: dict[str, dict[str, str]] = {}
    for source, settings in CASES.items():
        scenario = load_scenario(source).scenario
        name = Path(source).name if source.endswith(".yaml") else source
        for k, levers in enumerate(settings):
            model = compile_scenario(scenario, resolve_levers(scenario, levers))
            chunk = simulate_chunk(model, SEED, np.arange(MEMBERS, dtype=np.int64), MEMBERS)
            case: dict[str, str] = {}
            for kind, arrays in (
                ("series", chunk.series),
                ("scalar", chunk.scalars),
                ("param", chunk.params),
            ):
                for var, values in arrays.items():
                    case[f"{kind}:{var}"] = _digest(values)
            out[f"{name}#{k}"] = dict(sorted(case.items()))
    return out


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/engine_baseline.py --write")
    FIXTURE.write_text(json.dumps(fingerprints(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FIXTURE}")
