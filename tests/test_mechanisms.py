"""Effects split by mechanism: exact Shapley values, the switch of the decision's terms, and the
split of korea-2025's claims (efficiency, the direct part, determinism and chunk invariance)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.indicators import scenario_indicators
from posturelab.engine.mechanisms import CHANNEL_NAMES, ChannelSwitch, channel_of
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.simulate import event_uniforms, sample_parameters, simulate_rows
from posturelab.explore import mechanisms
from posturelab.explore.mechanisms import Request, split_effects
from posturelab.explore.outcomes import member_values
from posturelab.explore.shapley import shapley_values
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario

SEED = 5


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def _game(k: int, fn) -> np.ndarray:
    return np.array([fn({i for i in range(k) if m >> i & 1}) for m in range(2**k)], dtype=float)


def test_shapley_recovers_an_additive_game_exactly_and_splits_an_interaction_equally() -> None:
    a = np.array([0.3, -1.25, 2.0, 0.0, 0.5])
    additive = _game(5, lambda s: sum(a[i] for i in s))
    # exact up to the rounding of the weighted sum (every marginal is a_i)
    np.testing.assert_allclose(shapley_values(additive), a, rtol=0, atol=1e-15)
    b = 0.9  # players 1 and 3 together add b; each gets b/2
    joint = _game(5, lambda s: sum(a[i] for i in s) + (b if {1, 3} <= s else 0.0))
    expected = a + np.array([0, b / 2, 0, b / 2, 0])
    np.testing.assert_allclose(shapley_values(joint), expected, rtol=0, atol=1e-15)
    # a three-way interaction is shared in thirds
    triple = _game(4, lambda s: 1.2 if {0, 2, 3} <= s else 0.0)
    np.testing.assert_allclose(shapley_values(triple), [0.4, 0.0, 0.4, 0.4], atol=1e-15)


def test_shapley_is_efficient_and_vectorised_over_members() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=(2**4, 7))
    phi = shapley_values(values)
    np.testing.assert_allclose(phi.sum(axis=0), values[-1] - values[0], atol=1e-13)
    for m in range(7):
        np.testing.assert_array_equal(shapley_values(values[:, m]), phi[:, m])
    # the permutation definition: the average marginal contribution over all orders
    perms = list(itertools.permutations(range(4)))
    direct = np.zeros(4)
    for order in perms:
        mask = 0
        for i in order:
            direct[i] += values[mask | 1 << i, 0] - values[mask, 0]
            mask |= 1 << i
    np.testing.assert_allclose(phi[:, 0], direct / len(perms), atol=1e-13)
    with pytest.raises(ValueError, match="2\\^k"):
        shapley_values(np.zeros(6))


def _rows(model, members: int):
    idx = np.arange(members, dtype=np.int64)
    p = sample_parameters(model, SEED, idx, members, "mc")
    return idx, p, event_uniforms(model, SEED, idx)


@pytest.mark.parametrize(
    "levers",
    [{}, {"strategic_flexibility": 0.7, "one_theatre": True, "one_theatre_date": "2025-09"}],
)
def test_recording_and_replaying_its_own_terms_reproduce_the_run_bit_for_bit(korea, levers):
    model = compile_scenario(korea, resolve_levers(korea, levers))
    idx, p, draws = _rows(model, 60)
    plain = simulate_rows(model, idx, p, draws)
    recorder = ChannelSwitch(model.n_months, record=True)
    recorded = simulate_rows(model, idx, p, draws, recorder)
    assert {channel_of(k) for k in recorder.recorded} == set(CHANNEL_NAMES)
    assert all(np.isfinite(v).all() for v in recorder.recorded.values())
    replayer = ChannelSwitch(model.n_months, replay=recorder.recorded)
    replayed = simulate_rows(model, idx, p, draws, replayer)
    for out in (recorded, replayed):
        for kind in ("series", "scalars"):
            mine, theirs = getattr(out, kind), getattr(plain, kind)
            assert sorted(mine) == sorted(theirs)
            for name in theirs:
                assert np.array_equal(mine[name], theirs[name], equal_nan=True), (kind, name)


def _claim(scenario, claim_id):
    claim = next(c for c in scenario.claims if c.id == claim_id)
    base = resolve_levers(scenario, claim.base)
    variant = resolve_levers(scenario, {**claim.base, **claim.treatment})
    return claim, base, variant


def test_all_channels_off_leave_no_effect_of_a_lever_that_acts_through_the_decision(korea):
    _, base, variant = _claim(korea, "relocation_raises_attack_risk")
    declared = scenario_indicators(korea)
    requests = [Request(declared["p_dprk_attack"]), Request(declared["hazard_dprk_attack"])]
    options = RunOptions(members=60, seed=SEED)
    splits = split_effects(korea, base, variant, requests, options)
    for split in splits:
        assert split.basis == "per_member"
        direct = split.contributions[-1]
        assert np.all(direct == 0.0), split.indicator  # exactly: the hazards are the base's
        assert split.total_mean > 0  # and yet the lever acts
        assert set(split.active) == {"tripwire", "p_win"}
        inactive = [r for r in split.rows if not r.active]
        assert inactive and all(r.effect_mean == 0.0 for r in inactive)


def test_shares_add_up_to_the_claims_paired_effect_on_korea(korea):
    """Efficiency: per member, direct + channels = variant - base to 1e-11 (the rounding of the
    Shapley sum over 2^k coalitions, and contributions below 1e-12 of the values set to zero);
    the total is the claim's paired mean effect."""
    claim, base, variant = _claim(korea, "flexibility_opens_window")
    indicator = scenario_indicators(korea)[claim.indicator]
    options = RunOptions(members=48, seed=SEED)
    [split] = split_effects(korea, base, variant, [Request(indicator)], options)
    assert len(split.active) >= 3 and split.runs == 2 ** len(split.active) - 1
    b = run_ensemble(korea, base, options)
    v = run_ensemble(korea, variant, options)
    d = member_values(v.dataset, indicator).values - member_values(b.dataset, indicator).values
    np.testing.assert_allclose(split.contributions.sum(axis=0), d, rtol=0, atol=1e-11)
    assert split.total_mean == pytest.approx(float(d.mean()), abs=1e-15)
    assert math.fsum(r.effect_mean for r in split.rows) == pytest.approx(
        split.total_mean, abs=1e-11
    )
    assert math.fsum(r.share for r in split.rows) == pytest.approx(1.0, abs=1e-9)
    assert split.rows[-1].channel == "direct" and abs(split.rows[-1].effect_mean) < 1e-15


def test_split_is_deterministic_and_does_not_depend_on_the_chunking(korea, monkeypatch):
    """Same settings: the same numbers bit for bit. Another chunking: the same to 1e-14. The
    engine's bloc landscapes multiply matrices over a block of members, which rounds in the last
    bit differently with the block's size (cohesion to ~2e-16); every other step is row by row."""
    claim, base, variant = _claim(korea, "one_theatre_strengthens_deterrence")
    declared = scenario_indicators(korea)
    requests = [Request(declared[claim.indicator]), Request(declared["credibility_us_korea"])]
    options = RunOptions(members=30, seed=SEED)
    one = split_effects(korea, base, variant, requests, options)
    again = split_effects(korea, base, variant, requests, options)
    monkeypatch.setattr(mechanisms, "ROW_BUDGET", 70)
    many = split_effects(
        korea, base, variant, requests, RunOptions(members=30, seed=SEED, chunk_size=7)
    )
    for a, b, c in zip(one, again, many, strict=True):
        assert np.array_equal(a.contributions, b.contributions) and a.as_list() == b.as_list()
        np.testing.assert_allclose(a.contributions, c.contributions, rtol=0, atol=1e-14)
        assert a.active == c.active
        assert np.all(a.contributions[-1] == 0.0) and np.all(c.contributions[-1] == 0.0)


def test_an_indicator_that_applies_to_some_members_is_split_on_its_means(korea):
    claim, base, variant = _claim(korea, "one_theatre_draws_forces_away")
    indicator = scenario_indicators(korea)[claim.indicator]
    [split] = split_effects(korea, base, variant, [Request(indicator)], RunOptions(members=60))
    assert split.basis == "bootstrap" and split.contributions is None
    assert math.fsum(r.effect_mean for r in split.rows) == pytest.approx(split.total_mean, abs=1e-9)
    for r in split.rows:
        assert r.effect_p05 is None or r.effect_p05 <= r.effect_p50 <= r.effect_p95


def test_claims_command_prints_and_writes_the_split(run_cli, tmp_path) -> None:
    import json
    from pathlib import Path

    from posturelab import api

    args = ("claims", "--claim", "relocation_raises_attack_risk", "--members", "30")
    result = run_cli(*args, "--runs-dir", str(tmp_path), "--mechanisms", "--json")
    assert result.code == 0, result.err
    [claim] = json.loads(result.out)
    rows = {m["channel"]: m for m in claim["mechanisms"]}
    assert list(rows) == [*CHANNEL_NAMES, "direct"]
    for m in rows.values():
        assert {"effect_p05", "effect_p50", "effect_p95", "share", "effect_mean"} <= set(m)
    assert math.fsum(m["effect_mean"] for m in rows.values()) == pytest.approx(
        claim["effect_mean"], abs=1e-11
    )
    assert rows["tripwire"]["active"] and not rows["shield"]["active"]
    table = run_cli(*args, "--runs-dir", str(tmp_path), "--mechanisms", "--runner", "sequential")
    assert table.code == 0, table.err
    assert "by mechanism" in table.out and "no change in: support" in table.out
    run_dir = Path(table.out.split("result directory: ")[-1].split()[0])
    assert (run_dir / "mechanisms_relocation_raises_attack_risk.png").is_file()
    page = tmp_path / "audit.html"
    made = run_cli("report", run_dir.name, "--runs-dir", str(tmp_path), "--out", str(page))
    assert made.code == 0, made.err
    html = page.read_text()
    audit = html[html.index(">Claim audit<") : html.index(">Figures<")]
    for text in ("Withdrawing about 4,500 US troops", "Adm. Samuel Paparo", "sasc-2025-04-10",
                 "Verdict:", "relative to the base mean", "Effect by mechanism", "tripwire",
                 "No change in: support", "Dependence on model structure",
                 "tripwire = <b>flat</b>"):  # fmt: skip
        assert text in audit, text
    assert audit.count("data:image/png;base64,") >= 1  # the waterfall
    again = api.claims(
        "korea-2025", ["relocation_raises_attack_risk"], members=30, mechanisms=True,
        figures=False, out=tmp_path / "api", runner="sequential",
    )  # fmt: skip
    [row] = again.claims
    assert [m.channel for m in row.mechanisms] == [*CHANNEL_NAMES, "direct"]
    assert row.mechanisms_note and "tripwire" in row.mechanisms_note


def test_a_binary_outcome_is_split_on_its_means_with_a_bootstrap(korea):
    """p_rok_entrapped has no hazard: a 0/1 outcome per member. Its split runs on the means
    (the same means as the per-member values, the Shapley value being linear)."""
    claim, base, variant = _claim(korea, "us_opcon_entraps")
    indicator = scenario_indicators(korea)[claim.indicator]
    options = RunOptions(members=120, seed=SEED)
    [split] = split_effects(korea, base, variant, [Request(indicator)], options)
    assert Request(indicator).binary and split.basis == "bootstrap"
    assert split.active == ("wartime",)  # the command changes only the entrapment chance
    b = run_ensemble(korea, base, options).dataset
    v = run_ensemble(korea, variant, options).dataset
    d = float(np.mean(member_values(v, indicator).values - member_values(b, indicator).values))
    assert split.total_mean == pytest.approx(d, abs=1e-15)
    rows = {r.channel: r for r in split.rows}
    assert rows["wartime"].effect_mean == pytest.approx(d, abs=1e-15)
    assert rows["direct"].effect_mean == 0.0


def test_a_web_claims_job_can_ask_for_the_split(tmp_path) -> None:
    import time

    from fastapi.testclient import TestClient

    from posturelab.web.app import WebSettings, create_app

    app = create_app(WebSettings(runs_dir=tmp_path / "runs", max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        body = {"scenario": "korea-2025", "kind": "claims", "members": 30, "mechanisms": True,
                "claims": ["relocation_raises_attack_risk"]}  # fmt: skip
        job = client.post("/api/jobs", json=body)
        assert job.status_code == 202, job.text
        job_id = job.json()["id"]
        deadline = time.monotonic() + 180
        while client.get(f"/api/jobs/{job_id}").json()["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        [claim] = client.get(f"/api/jobs/{job_id}/summary").json()["claims"]
    assert [m["channel"] for m in claim["mechanisms"]] == [*CHANNEL_NAMES, "direct"]
