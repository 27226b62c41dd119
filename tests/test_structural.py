"""Structural uncertainty: the tripwire's forms, their sampling, fixing one, errors and claims."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from posturelab.api.inputs import with_structure
from posturelab.engine.compiled import compile_scenario
from posturelab.engine.run import RunOptions, run_ensemble
from posturelab.engine.simulate import sample_parameters
from posturelab.errors import InputError, ScenarioError
from posturelab.explore.claims import evaluate_claims
from posturelab.explore.structural import member_forms
from posturelab.models import decision
from posturelab.registry import structural_forms
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.loader import load_scenario, parse_scenario

MEMBERS = 48
FORM = "structure.tripwire.form"


@pytest.fixture(scope="module")
def korea():
    return load_scenario("korea-2025")


def with_section(text: str, section: str) -> str:
    """korea-2025's text with its ``structure`` section replaced by ``section``."""
    head = text[: text.index("\nstructure:\n")]
    return head + "\n" + section


FLAT_ONLY = """structure:
  - id: tripwire
    contests: [dprk_attack]
    forms:
      - {id: flat, weight: 1.0, source: fuhrmann-sechser-2014}
"""


# ----------------------------------------------------------------------------- closed forms


def test_each_form_has_its_closed_form_value() -> None:
    t = np.array([10_000.0, 10_000.0, 12_000.0, 0.0])
    half = np.full(4, 10_000.0)
    base = np.full(4, 0.4)
    threshold = np.full(4, 12_000.0)
    sat, flat, thr = (np.full(4, code, dtype=np.int64) for code in (0, 1, 2))
    # saturating: 0.4 + 0.6 * T / (T + 10000)
    got = decision.tripwire_credibility(sat, t, half, base, threshold)
    np.testing.assert_allclose(got, [0.7, 0.7, 0.4 + 0.6 * 12 / 22, 0.4], rtol=0, atol=1e-15)
    # flat: the commitment alone, whatever the troops
    got = decision.tripwire_credibility(flat, t, half, base, threshold)
    np.testing.assert_array_equal(got, 0.4)
    # threshold: the commitment alone below T*, full credibility from T* on
    got = decision.tripwire_credibility(thr, t, half, base, threshold)
    np.testing.assert_array_equal(got, [0.4, 0.4, 1.0, 0.4])
    # distraction multiplies every form: delta 0.5, distracted
    mixed = np.array([0, 1, 2, 2], dtype=np.int64)
    cred = decision.credibility(t, half, base, np.full(4, 0.5), np.ones(4, bool), mixed, threshold)
    np.testing.assert_allclose(cred, [0.35, 0.2, 0.5, 0.2], rtol=0, atol=1e-15)


def test_saturating_form_is_bit_for_bit_the_former_credibility() -> None:
    rng = np.random.default_rng(5)
    t, half = rng.uniform(0, 40_000, 500), rng.uniform(5_000, 20_000, 500)
    base, delta = rng.uniform(0.2, 0.5, 500), rng.uniform(0.2, 0.6, 500)
    distracted = rng.random(500) < 0.3
    before = decision.credibility(t, half, base, delta, distracted)
    form = np.zeros(500, dtype=np.int64)
    after = decision.credibility(t, half, base, delta, distracted, form, np.full(500, 1e9))
    assert np.array_equal(before, after)


def test_registry_lists_the_model_forms_in_code_order() -> None:
    assert structural_forms("tripwire") == decision.TRIPWIRE_FORMS


# --------------------------------------------------------------------------------- sampling


@pytest.mark.parametrize("sampler", ["mc", "lhs"])
def test_forms_are_drawn_with_the_stated_weights(korea, sampler) -> None:
    s = korea.scenario
    model = compile_scenario(s, s.lever_defaults())
    n = 3000
    p = sample_parameters(model, 11, np.arange(n), n, sampler)
    counts = np.bincount(np.rint(p[FORM]).astype(int), minlength=3)
    weights = {f.id: f.weight for f in s.structure[0].forms}
    for code, name in enumerate(structural_forms("tripwire")):
        expected = n * weights[name]
        sd = math.sqrt(n * weights[name] * (1 - weights[name]))
        # within four binomial standard deviations (about 103 of 3000 here)
        assert abs(counts[code] - expected) <= 4 * sd, (name, counts)


def test_forms_do_not_depend_on_the_chunking(korea) -> None:
    s = korea.scenario
    model = compile_scenario(s, s.lever_defaults())
    whole = sample_parameters(model, 4, np.arange(100), 100, "mc")[FORM]
    parts = np.concatenate(
        [
            sample_parameters(model, 4, np.arange(a, b), 100, "mc")[FORM]
            for a, b in ((0, 37), (37, 100))
        ]
    )
    assert np.array_equal(whole, parts)


def test_structure_columns_come_last_in_the_design(korea) -> None:
    uncertain = compile_scenario(korea.scenario, korea.scenario.lever_defaults()).uncertain
    tail = [name for name in uncertain if name.startswith("structure.")]
    assert tail and list(uncertain[-len(tail) :]) == tail


# ------------------------------------------------------------------------------ fixing a form


def _run(scenario, members=MEMBERS, levers=None):
    settings = resolve_levers(scenario, levers or {})
    return run_ensemble(scenario, settings, RunOptions(members=members, seed=9, chunk_size=17))


@pytest.fixture(scope="module")
def sampled(korea):
    return _run(korea.scenario)


@pytest.fixture(scope="module")
def fixed_flat(korea):
    return _run(with_structure(korea, {"tripwire": "flat"}).scenario)


def _scalars(result) -> dict[str, np.ndarray]:
    ds = result.dataset
    return {str(n): np.asarray(ds[n].values) for n in ds.data_vars}


def test_fixing_a_form_equals_declaring_only_that_form(korea, fixed_flat) -> None:
    declared = parse_scenario(with_section(korea.text, FLAT_ONLY), "flat.yaml").scenario
    other = _scalars(_run(declared))
    mine = _scalars(fixed_flat)
    assert mine.keys() == other.keys()
    assert f"param:{FORM}" not in mine
    for name, values in mine.items():
        assert np.array_equal(values, other[name], equal_nan=True), name


def test_members_that_drew_a_form_match_the_run_fixed_to_it(sampled, fixed_flat) -> None:
    forms = member_forms(sampled, "tripwire")
    flat = np.flatnonzero(forms == "flat")
    assert flat.size > 5
    a, b = sampled.dataset, fixed_flat.dataset
    for name in ("p_dprk_attack", "credibility_us_korea", "hazard_dprk_attack"):
        got, want = np.asarray(a[name].values)[flat], np.asarray(b[name].values)[flat]
        assert np.array_equal(got, want, equal_nan=True), name
    # under the flat form the credibility is the commitment alone, whatever the troops, and
    # falls only while a higher-priority war distracts the patron
    cred = np.asarray(b["credibility_us_korea"].values)
    base = np.asarray(b["param:contests.dprk_attack.base_credibility"].values)
    assert np.array_equal(cred.max(axis=1), base)


def test_saturating_members_keep_the_numbers_of_a_scenario_without_structure(
    korea, sampled
) -> None:
    plain = parse_scenario(korea.text[: korea.text.index("\nstructure:\n")], "plain.yaml")
    before = _run(plain.scenario)
    saturating = np.flatnonzero(member_forms(sampled, "tripwire") == "saturating")
    assert saturating.size > 5
    for name in ("p_dprk_attack", "credibility_us_korea", "p_prc_taiwan_war"):
        got = np.asarray(sampled.dataset[name].values)[saturating]
        want = np.asarray(before.dataset[name].values)[saturating]
        assert np.array_equal(got, want, equal_nan=True), name


def test_the_form_per_member_is_in_the_members_output(sampled) -> None:
    codes = np.asarray(sampled.dataset[f"param:{FORM}"].values)
    assert set(np.unique(codes)) <= {0.0, 1.0, 2.0}
    assert len(set(member_forms(sampled, "tripwire"))) == 3


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("section", "path", "message"),
    [
        (
            "structure:\n  - id: tripwir\n    forms:\n      - {id: flat, weight: 1.0, "
            "source: fuhrmann-sechser-2014}\n",
            "structure.0.id",
            "unknown relation 'tripwir' (relations with alternative forms: tripwire)",
        ),
        (
            "structure:\n  - id: tripwire\n    forms:\n      - {id: flat, weight: 0.5, "
            "source: fuhrmann-sechser-2014}\n      - {id: saturating, weight: 0.4, "
            "source: huth-1988}\n",
            "structure.0.forms",
            "the weights of the forms of 'tripwire' sum to 0.9; they must sum to 1",
        ),
        (
            "structure:\n  - id: tripwire\n    forms:\n      - {id: flat, weight: 0.5, "
            "source: fuhrmann-sechser-2014}\n      - {id: stepwise, weight: 0.5, "
            "source: huth-1988}\n",
            "structure.0.forms.1.id",
            "unknown form 'stepwise' of relation 'tripwire' (forms: saturating, flat, threshold)",
        ),
        (
            "structure:\n  - id: tripwire\n    contests: [dprk_invasion]\n    forms:\n"
            "      - {id: flat, weight: 1.0, source: fuhrmann-sechser-2014}\n",
            "structure.0.contests.0",
            "unknown contest 'dprk_invasion'",
        ),
        (
            "structure:\n  - id: tripwire\n    forms:\n      - {id: threshold, weight: 1.0, "
            "source: schelling-1966}\n",
            "structure.0.forms.0.terms",
            "form 'threshold' needs the term 'threshold'",
        ),
        (
            "structure:\n  - id: tripwire\n    forms:\n      - {id: flat, weight: 1.0}\n",
            "structure.0.forms.0",
            "give exactly one of 'source' (a source id) or 'assumption'",
        ),
        (
            "structure:\n  - id: tripwire\n    forms:\n      - {id: flat, weight: 1.0, "
            "source: nowhere-2020}\n",
            "structure.0.forms.0.source",
            "unknown source 'nowhere-2020'",
        ),
    ],
)
def test_bad_declarations_are_located(korea, section, path, message) -> None:
    text = with_section(korea.text, section)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    problems = [p for p in info.value.problems if p.path == path]
    assert problems, [str(p) for p in info.value.problems]
    problem = problems[0]
    assert message in problem.message
    # located: the line of the structure section or below it
    first = text.count("\n", 0, text.index("\nstructure:\n")) + 2
    assert problem.file == "bad.yaml" and problem.line is not None and problem.line >= first


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"tripwire": "stepwise"}, "'tripwire' has no form 'stepwise' in this scenario"),
        ({"escalation": "flat"}, "declares no alternative forms for 'escalation'"),
        (["tripwire"], "expected RELATION=FORM"),
    ],
)
def test_bad_structure_settings_are_input_errors(korea, setting, message) -> None:
    with pytest.raises(InputError) as info:
        with_structure(korea, setting)
    assert message in str(info.value)
    assert info.value.problems[0].path == "structure"


def test_cli_refuses_an_unknown_form_without_a_traceback(run_cli, tmp_path) -> None:
    result = run_cli(
        "claims", "korea-2025", "--structure", "tripwire=stepwise", "--members", "4",
        "--out", str(tmp_path / "c"),
    )  # fmt: skip
    assert result.code != 0
    assert "has no form 'stepwise'" in result.err
    assert "Traceback" not in result.err


# ---------------------------------------------------------------------------------- claims


CLAIM = "relocation_raises_attack_risk"


@pytest.fixture(scope="module")
def claimed(korea):
    return evaluate_claims(korea.scenario, RunOptions(members=MEMBERS, seed=9), [CLAIM])[0]


def test_claims_report_a_verdict_under_each_form(claimed, sampled) -> None:
    entries = claimed.structure
    assert [e["form"] for e in entries] == ["saturating", "flat", "threshold"]
    assert sum(e["members"] for e in entries) == MEMBERS
    forms = member_forms(sampled, "tripwire")  # the same seed draws the same forms
    for e in entries:
        assert e["relation"] == "tripwire"
        assert e["members"] == int(np.sum(forms == e["form"]))
        assert e["verdict"] in {
            "supported", "contradicted", "no_material_effect", "depends", "untestable"
        }  # fmt: skip
        assert e["reason"]
    # JSON: the entries travel with the claim, with no NaN
    data = json.loads(json.dumps(claimed.as_dict(), allow_nan=False))
    assert [e["form"] for e in data["structure"]] == ["saturating", "flat", "threshold"]


def test_the_flat_entry_is_the_fixed_flat_run_on_the_same_members(korea, claimed) -> None:
    fixed = with_structure(korea, {"tripwire": "flat"}).scenario
    whole = evaluate_claims(fixed, RunOptions(members=MEMBERS, seed=9), [CLAIM])[0]
    assert whole.structure == []  # nothing is sampled, so nothing to split
    flat = next(e for e in claimed.structure if e["form"] == "flat")
    sampled_run = _run(korea.scenario)
    members = np.flatnonzero(member_forms(sampled_run, "tripwire") == "flat")
    assert whole.effects is not None
    # the effects on the flat members are those of the fixed run on the same members
    np.testing.assert_allclose(
        flat["effect_p50"], np.median(whole.effects[members]), rtol=0, atol=1e-15
    )


def test_claims_text_shows_each_form(run_cli, tmp_path) -> None:
    result = run_cli(
        "claims", "korea-2025", "--claim", CLAIM, "--members", "24", "--no-figures",
        "--runner", "sequential", "--out", str(tmp_path / "c"),
    )  # fmt: skip
    assert result.code == 0, result.err
    for form in ("saturating", "flat", "threshold"):
        assert f"under tripwire={form} (" in result.out
    fixed = run_cli(
        "claims", "korea-2025", "--claim", CLAIM, "--members", "24", "--no-figures",
        "--runner", "sequential", "--structure", "tripwire=flat", "--json",
        "--out", str(tmp_path / "f"),
    )  # fmt: skip
    assert fixed.code == 0, fixed.err
    assert json.loads(fixed.out)[0]["structure"] == []


# --------------------------------------------------------------------------- disputed signs


def test_a_disputed_sign_needs_a_range_spanning_zero() -> None:
    from pydantic import ValidationError

    from posturelab.scenario.quantity import Quantity

    signs = {"positive": "a", "negative": "b"}
    q = Quantity(dist="uniform", low=-0.1, high=0.1, assumption="both", signs=signs)
    assert q.signs is not None and (q.signs.positive, q.signs.negative) == ("a", "b")
    with pytest.raises(ValidationError, match="the range must span zero"):
        Quantity(dist="uniform", low=0.0, high=0.2, assumption="one side", signs=signs)
    with pytest.raises(ValidationError, match="needs a range spanning zero"):
        Quantity(value=0.1, source="a", signs=signs)


def test_korea_disputed_shift_cites_both_sides(korea) -> None:
    sources = {s.id for s in korea.scenario.sources}
    shift = next(p for p in korea.scenario.propensity_shifts if p.id == "rus_dprk_treaty_prc_dprk")
    assert shift.delta.signs is not None
    assert {shift.delta.signs.positive, shift.delta.signs.negative} <= sources
    lo, hi = shift.delta.low, shift.delta.high
    assert lo is not None and hi is not None and lo < 0 < hi


def test_an_unknown_source_for_a_side_is_located(korea) -> None:
    text = korea.text.replace("negative: nbc-2024-06", "negative: nobody-2024")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    [problem] = [p for p in info.value.problems if p.path.endswith("signs.negative")]
    assert "unknown source 'nobody-2024'" in problem.message
    assert problem.line == text[: text.index("negative: nobody-2024")].count("\n") + 1


# ------------------------------------------------------------------------- runs and resume


def test_a_fixed_form_is_in_the_manifest_and_survives_a_resume(tmp_path, run_cli, monkeypatch):
    import errno

    from durability_helpers import assert_same_numbers, manifest_of, run_args
    from posturelab.store import chunks as chunk_store

    fixed = ("--structure", "tripwire=flat")
    clean = tmp_path / "runs" / "clean"
    assert run_cli(*run_args(clean, *fixed)).code == 0
    assert manifest_of(clean)["structure"] == {"tripwire": "flat"}
    real = chunk_store.atomic_write

    def full_at_chunk_2(path, write):
        if path.name == "chunk-000002.npz":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, write)

    out = tmp_path / "runs" / "k"
    with monkeypatch.context() as patch:
        patch.setattr(chunk_store, "atomic_write", full_at_chunk_2)
        assert run_cli(*run_args(out, *fixed)).code == 74
    resumed = run_cli("resume", "k", "--runs-dir", str(out.parent), "--json")
    assert resumed.code == 0, resumed.err
    assert_same_numbers(out, clean)
    # and the fixed run is not the sampled one
    sampled = tmp_path / "runs" / "sampled"
    assert run_cli(*run_args(sampled)).code == 0
    assert "structure" not in manifest_of(sampled)
    with pytest.raises(AssertionError):
        assert_same_numbers(sampled, clean)


def test_the_http_api_takes_a_structure(tmp_path) -> None:
    import time

    from fastapi.testclient import TestClient

    from posturelab.web.app import WebSettings, create_app

    app = create_app(WebSettings(runs_dir=tmp_path / "runs", max_members=500))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        body = {"scenario": "korea-2025", "kind": "claims", "members": 12, "claims": [CLAIM]}
        bad = client.post("/api/jobs", json={**body, "structure": {"tripwire": "stepwise"}})
        assert bad.status_code == 400
        assert "has no form 'stepwise'" in bad.json()["detail"]
        assert bad.json()["problems"][0]["path"] == "structure"
        started = client.post("/api/jobs", json={**body, "structure": {"tripwire": "flat"}})
        assert started.status_code == 202, started.text
        job_id = started.json()["id"]
        deadline = time.monotonic() + 120
        while client.get(f"/api/jobs/{job_id}").json()["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        summary = client.get(f"/api/jobs/{job_id}/summary").json()
        assert summary["claims"][0]["structure"] == []  # one form: nothing to split
