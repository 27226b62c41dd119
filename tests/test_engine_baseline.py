"""The engine's outputs are bit-identical to the recorded fingerprints (see engine_baseline.py)."""

import json

import pytest

from engine_baseline import FIXTURE, fingerprints


@pytest.mark.slow
def test_engine_outputs_match_recorded_fingerprints():
    recorded = json.loads(FIXTURE.read_text())
    now = fingerprints()
    assert sorted(now) == sorted(recorded)
    for case, variables in recorded.items():
        assert sorted(now[case]) == sorted(variables), case
        changed = [v for v in variables if now[case][v] != variables[v]]
        assert not changed, f"{case}: {changed}"
