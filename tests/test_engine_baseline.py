"""The engine's outputs match the recorded fingerprints (see engine_baseline.py)."""

import json

import numpy as np
import pytest

from engine_baseline import FIXTURE, differs, fingerprint, fingerprints


@pytest.mark.slow
def test_engine_outputs_match_recorded_fingerprints():
    recorded = json.loads(FIXTURE.read_text())
    now = fingerprints()
    assert sorted(now) == sorted(recorded)
    for case, variables in recorded.items():
        assert sorted(now[case]) == sorted(variables), case
        changed = [v for v in variables if differs(now[case][v], variables[v])]
        assert not changed, f"{case}: {changed}"


def test_a_fingerprint_sees_a_real_change_and_not_the_last_bit():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=(120, 69))
    base = fingerprint(x)
    assert not differs(base, fingerprint(x * (1 + 4e-16)))  # rounding of the last bits
    assert differs(base, fingerprint(x * (1 + 1e-6)))  # a model change of one part in 10^6
    moved = x.copy()
    moved[[3, 4]] = moved[[4, 3]]  # two members swapped: same plain sums
    assert differs(base, fingerprint(moved))
    x[5, 6] = np.nan
    assert differs(base, fingerprint(x))
