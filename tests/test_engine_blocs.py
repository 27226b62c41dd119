"""Alignment inside the engine: propensity shifts, cohesion, the global minimum, the cache."""

import numpy as np
import pytest

from posturelab.engine import alignment_codes, blocs
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.simulate import sample_parameters
from posturelab.errors import ScenarioError
from posturelab.models.alignment_solvers import solve_ensemble
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario, parse_scenario, read_source

BLOC = "dprk_prc_rus"
SEED = 11


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025").scenario


def run(scenario, members=60, **levers):
    values = resolve_levers(scenario, levers)
    return run_ensemble(scenario, values, RunOptions(members=members, seed=SEED)).dataset


@pytest.fixture(scope="module")
def base(korea):
    return run(korea)


SHIFT = "param:propensity_shifts.usfk_vs_china_prc_dprk.delta"
"""The one shift of the reorientation whose sign korea-2025 leaves open (its range spans zero)."""


def test_flexibility_raises_cohesion_member_by_member(korea, base):
    flex = run(korea, strategic_flexibility=0.5)
    cb = base[f"bloc_cohesion_{BLOC}"].values
    cf = flex[f"bloc_cohesion_{BLOC}"].values
    assert np.all(np.isfinite(cb)) and np.all((cb >= 0) & (cb <= 1))
    # Where every shift pushes the bloc together, cohesion never falls; where Beijing's shift is
    # negative it may fall, and does in some members.
    together = flex[SHIFT].values >= 0
    assert np.all(cf[together] >= cb[together] - 1e-12)
    assert np.mean(cf[together, -1] > cb[together, -1]) > 0.9
    assert np.any(cf[~together, -1] < cb[~together, -1])
    # Through partner support (and the troops flexibility may send away), the tighter bloc never
    # lowers North Korea's hazard where no Taiwan war distracts the patron in either run
    # (flexibility makes that war rarer, which removes its distraction).
    calm = ~np.isfinite(base["attack_month_prc_taiwan_war"].values) & ~np.isfinite(
        flex["attack_month_prc_taiwan_war"].values
    )
    calm &= together
    hb, hf = base["hazard_dprk_attack"].values[calm], flex["hazard_dprk_attack"].values[calm]
    both = np.isfinite(hb) & np.isfinite(hf)
    assert np.all(hf[both] >= hb[both] * (1 - 1e-12))


def test_one_theatre_acts_from_its_date(korea, base):
    one = run(korea, one_theatre=True, one_theatre_date="2026-01")
    month = list(base["month"].values).index("2026-01")
    cb = base[f"bloc_cohesion_{BLOC}"].values
    co = one[f"bloc_cohesion_{BLOC}"].values
    np.testing.assert_array_equal(co[:, :month], cb[:, :month])
    together = one[SHIFT].values >= 0
    assert np.all(co[together, month:] >= cb[together, month:] - 1e-12)
    assert np.mean(co[together, -1] > cb[together, -1]) > 0.9


def test_engine_alignment_equals_a_direct_solve(korea, base):
    levers = resolve_levers(korea, {"strategic_flexibility": 0.5})
    ds = run(korea, strategic_flexibility=0.5)
    model = compile_scenario(korea, levers)
    members = np.arange(60)
    p = sample_parameters(model, SEED, members, 60, "mc")
    actors = blocs.landscape_actors(korea)
    index = {a: k for k, a in enumerate(actors)}
    n = len(actors)
    # Propensities and sizes rebuilt here from the scenario, independently of engine.blocs.
    prop = np.zeros((60, n, n))
    for item in korea.propensities:
        i, j = index[item.a], index[item.b]
        prop[:, i, j] = prop[:, j, i] = p[f"propensities.{item.a}-{item.b}"]
    active = {
        "rus_dprk_treaty_pledge",
        "rus_dprk_treaty_prc_dprk",
        "exercises_us_rok",
        "exercises_dprk_rus",
    }
    for shift in korea.propensity_shifts:
        factor = 0.5 if shift.id.startswith("usfk_vs_china") else float(shift.id in active)
        i, j = index[shift.a], index[shift.b]
        prop[:, i, j] += factor * p[f"propensity_shifts.{shift.id}.delta"]
        prop[:, j, i] = prop[:, i, j]
    prop = np.clip(prop, -1, 1)
    fields = ("personnel", "spending_usd_bn", "gdp_usd_bn", "population")
    shares = []
    for f in fields:
        v = np.stack([p[f"actors.{a}.{f}"] for a in actors], axis=1)
        shares.append(v / v.sum(axis=1, keepdims=True))
    sizes = np.mean(shares, axis=0)
    members_ix = [index[a] for a in ("dprk", "prc", "rus")]
    direct = solve_ensemble(prop, sizes, members_ix)
    np.testing.assert_array_equal(ds[f"alignment_code_{BLOC}"].values, direct.codes)
    # The index uses the bloc's bonds at the base propensities (without shifts).
    base_p = {
        (x, y): p[f"propensities.{x}-{y}"]
        for x, y in (("dprk", "rus"), ("dprk", "prc"), ("prc", "rus"))
    }
    norm = sum(sizes[:, index[x]] * sizes[:, index[y]] * np.abs(v) for (x, y), v in base_p.items())
    kappa = -np.expm1(-np.maximum(direct.cohesion, 0) / (p[f"blocs.{BLOC}.cohesion_scale"] * norm))
    np.testing.assert_allclose(ds[f"bloc_cohesion_{BLOC}"].values[:, -1], kappa, rtol=1e-12)
    together = np.array([len({s[k] for k in members_ix}) == 1 for s in direct.sides])
    np.testing.assert_array_equal(ds[f"p_{BLOC}_aligned"].values, together.astype(float))


def test_landscape_is_solved_only_when_a_shift_changes(korea):
    for levers, solves in (({}, 1), ({"one_theatre": True, "one_theatre_date": "2026-01"}, 2)):
        model = compile_scenario(korea, resolve_levers(korea, levers))
        p = sample_parameters(model, SEED, np.arange(5), 5, "mc")
        state = blocs.init_alignment(model.specs["alignment"], p, 5)
        assert state is not None
        for month in range(model.n_months):
            blocs.step_alignment(state, month)
        assert state.solves == solves


def test_status_quo_cohesion_is_the_first_month_under_defaults(korea, base):
    model = compile_scenario(korea, korea.lever_defaults())
    p = sample_parameters(model, SEED, np.arange(60), 60, "mc")
    state = blocs.init_alignment(model.specs["alignment"], p, 60)
    assert state is not None
    np.testing.assert_array_equal(state.status_quo[BLOC], base[f"bloc_cohesion_{BLOC}"][:, 0])


def test_modal_configuration_and_decode(korea, base):
    actors = blocs.landscape_actors(korea)
    modal = alignment_codes.modal_configuration(base[f"alignment_code_{BLOC}"].values, actors)
    east, west = modal.sides
    assert {"dprk", "prc", "rus"} <= set(east)
    assert {"us", "rok", "jpn"} <= set(west)
    assert 0 < modal.share <= 1
    assert alignment_codes.decode(0, ("a", "b")) == (("a", "b"), ())
    assert alignment_codes.decode(1, ("a", "b", "c")) == (("a", "c"), ("b",))
    with pytest.raises(ValueError, match="no configuration"):
        alignment_codes.modal_configuration([np.nan], actors)


def _korea_text() -> str:
    return read_source("korea-2025")[0].decode()


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            "- {kind: relation, relation: rus_dprk_treaty}\n  - id: rus_dprk_treaty_prc_dprk",
            "- {kind: relation, relation: no_such_treaty}\n  - id: rus_dprk_treaty_prc_dprk",
            "propensity_shifts.3.when.0.relation",
            "unknown relation 'no_such_treaty'",
        ),
        (
            "- {kind: lever, role: joint_exercises}\n  - id: exercises_dprk_rus",
            "- {kind: lever, role: opcon_transfer_date}\n  - id: exercises_dprk_rus",
            "propensity_shifts.5.when.0.role",
            "a trigger's role needs a bool or number lever",
        ),
        (
            "    members: [dprk, prc, rus]",
            "    members: [dprk, prc, atlantis]",
            "blocs.0.members.2",
            "unknown actor 'atlantis'",
        ),
        (
            "- {kind: lever, role: joint_exercises}\n  - id: exercises_dprk_rus",
            "- {kind: treaty, role: joint_exercises}\n  - id: exercises_dprk_rus",
            "propensity_shifts.5.when.0",
            "kind",
        ),
    ],
)
def test_bad_shifts_and_blocs_are_located(old, new, where, message):
    text = _korea_text()
    assert text.count(old) == 1
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text.replace(old, new), "k.yaml")
    shown = str(caught.value)
    assert where in shown and message in shown
