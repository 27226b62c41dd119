"""Commands ``fit lanchester`` and ``campaign``: outputs, and located errors with exit status 2."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

IWO = str(resources.files("posturelab.data").joinpath("iwo_jima.csv"))
FIT_KEYS = {"law", "a", "b", "p", "q", "rmse", "r2", "method", "n_days"}
GOOD = "day,x,y\n0,100,80\n1,95,70\n2,91,61\n"


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- fit lanchester ------------------------------------------------------------------------------


def test_fit_lanchester_engel_json_reproduces_engel(run_cli):
    result = run_cli("fit", "lanchester", IWO, "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert payload.keys() >= FIT_KEYS
    assert payload["law"] == "square" and payload["method"] == "engel"
    assert (payload["p"], payload["q"]) == (1.0, 0.0)
    # Within 5% of Engel's a = 0.0544 and b = 0.0106.
    assert payload["a"] == pytest.approx(0.0544, rel=0.05)
    assert payload["b"] == pytest.approx(0.0106, rel=0.05)
    assert payload["n_days"] == 36
    assert len(payload["fitted"]["x"]) == 37
    assert any("day 19" in note for note in payload["notes"])


def test_fit_lanchester_lsq_and_exclusion(run_cli):
    lsq = json.loads(run_cli("fit", "lanchester", IWO, "--method", "lsq", "--json").out)
    assert lsq["method"] == "lsq" and lsq["r2"] > 0.98
    excl = run_cli("fit", "lanchester", IWO, "--method", "lsq", "--exclude-day", "19", "--json")
    payload = json.loads(excl.out)
    assert payload["excluded_days"] == [19]
    assert payload["a"] == pytest.approx(lsq["a"], rel=0.01)


def test_fit_lanchester_general_law_with_fixed_exponents(run_cli):
    result = run_cli("fit", "lanchester", IWO, "--law", "general", "--p", "1", "--q", "0", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert payload["law"] == "general" and payload["a"] == pytest.approx(0.0544, rel=0.05)


def test_fit_lanchester_table(run_cli):
    result = run_cli("fit", "lanchester", IWO)
    assert result.code == 0
    assert "a (y against x)" in result.out and "R²" in result.out
    assert "note: x_losses_cum decreases from day 19" in result.out


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("missing.csv", "day,x\n0,1\n1,2\n", "missing.csv:1: y: missing required column 'y'"),
        ("unknown.csv", "day,x,y,z\n0,1,1,1\n1,1,1,1\n", "unknown.csv:1:9: z: unknown column 'z'"),
        (
            "text.csv",
            "day,x,y\n0,100,80\n1,abc,70\n",
            "text.csv:3:3: x: must be a number, got 'abc'",
        ),
        ("neg.csv", "day,x,y\n0,100,80\n1,95,-7\n", "neg.csv:3:6: y: must be >= 0, got -7"),
        (
            "unsorted.csv",
            "day,x,y\n0,100,80\n2,95,70\n1,90,60\n",
            "unsorted.csv:4:1: day: days must increase: day 1 comes after day 2",
        ),
        (
            "dup.csv",
            "day,x,y\n0,100,80\n1,95,70\n1,90,60\n",
            "dup.csv:4:1: day: duplicate day 1 (first on line 3)",
        ),
        ("empty.csv", "", "empty.csv:1: empty file"),
        ("short.csv", "day,x,y\n0,100,80\n", "short.csv:1: a record needs at least two days"),
        ("frac.csv", "day,x,y\n0,100,80\n1.5,95,70\n", "frac.csv:3:1: day: must be a whole number"),
        ("inf.csv", "day,x,y\n0,100,80\n1,inf,70\n", "inf.csv:3:3: x: must be a finite number"),
        ("cells.csv", "day,x,y\n0,100,80\n1,95\n", "cells.csv:3: expected 3 cells"),
        ("start.csv", "day,x,y\n0,,80\n1,95,70\n", "start.csv:2:3: x: the first row"),
    ],
)
def test_bad_csv_gives_located_message_and_exit_2(run_cli, tmp_path, name, text, expected):
    path = _write(tmp_path, name, text)
    result = run_cli("fit", "lanchester", path)
    assert result.code == 2
    assert expected in result.err.replace(str(tmp_path) + "/", "")
    assert "Traceback" not in result.err and result.out == ""


def test_missing_csv_file(run_cli, tmp_path):
    result = run_cli("fit", "lanchester", str(tmp_path / "nowhere.csv"))
    assert result.code == 2
    assert "nowhere.csv: file not found" in result.err


def test_unfittable_law_is_an_input_error(run_cli):
    result = run_cli("fit", "lanchester", IWO, "--law", "linear")
    assert result.code == 2
    assert "cannot fit: Engel's estimator did not converge" in result.err


def test_exponents_only_with_general_law(run_cli, tmp_path):
    result = run_cli("fit", "lanchester", _write(tmp_path, "g.csv", GOOD), "--p", "2")
    assert result.code == 2 and "--p: only with --law general" in result.err


def test_bad_law_name_is_a_usage_error(run_cli):
    result = run_cli("fit", "lanchester", IWO, "--law", "cubic")
    assert result.code == 2 and "Traceback" not in result.err


# --- campaign ------------------------------------------------------------------------------------


def test_campaign_json_defaults_to_the_worked_example(run_cli):
    result = run_cli("campaign", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    keys = {"params", "day", "A", "D", "alpha", "W", "X", "alphaA", "alphaD", "summary"}
    assert keys <= payload.keys()
    assert payload["params"]["A0"] == 330_000 and payload["params"]["days"] == 30
    assert payload["day"] == list(range(31))
    assert (payload["A"][0], payload["D"][0], payload["alpha"][0]) == (330_000, 200_000, 0.02)
    assert payload["X"][-1] == pytest.approx(75.452446, rel=1e-6)
    summary = payload["summary"]
    assert summary["stop_reason"] == "horizon" and summary["days_run"] == 30
    assert summary["objective_reached"] is False and summary["objective_day"] is None


def test_campaign_params_file_with_objective_and_reinforcements(run_cli, tmp_path):
    params = {
        "objective_km": 20,
        "reinforcement_A": {"3": 10000, "5": 5000},
        "reinforcement_D": [0, 1000],
        "days": 80,
    }
    path = _write(tmp_path, "p.json", json.dumps(params))
    payload = json.loads(run_cli("campaign", "--params", path, "--json").out)
    summary = payload["summary"]
    assert summary["stop_reason"] == "objective" and summary["objective_reached"] is True
    day = summary["objective_day"]
    assert payload["X"][day] >= 20 > payload["X"][day - 1]
    assert len(payload["day"]) == 81
    assert payload["params"]["reinforcement_A"] == [0, 0, 10000, 0, 5000]
    # --days overrides the file.
    short = json.loads(run_cli("campaign", "--params", path, "--days", "5", "--json").out)
    assert short["day"] == list(range(6))


def test_campaign_table(run_cli):
    result = run_cli("campaign", "--days", "40", "--every", "10")
    assert result.code == 0
    assert "day-by-day trace" in result.out
    assert "Stopped: horizon after 40 days" in result.out
    assert "330,000" in result.out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"A0": -5}', "p.json:1:2: A0: must be >= 0, got -5"),
        ('{\n  "rho": "fast"\n}', 'p.json:2:3: rho: must be a number, got "fast"'),
        ('{"alpha_da": 1.5}', "alpha_da: must be in [0, 1], got 1.5"),
        ('{"alpha_aT": 0}', "alpha_aT: must be in (0, 1], got 0"),
        ('{"Dcas": 3}', "Dcas: unknown key 'Dcas'; did you mean 'Dcas0'?"),
        ('{"days": 2.5}', "days: must be a whole number of days, got 2.5"),
        ('{"K_d": true}', "K_d: must be a number, got true"),
        ('{"reinforcement_A": [1, -2]}', "reinforcement_A: entry 1 (day 2) must be a number >= 0"),
        ('{"reinforcement_D": {"0": 5}}', "reinforcement_D: day '0' must be a whole number"),
        ('{"A0": 1,}', "p.json:1:10: not valid JSON"),
        ("[1, 2]", "p.json:1: expected a JSON object of parameters, got list"),
        ("", "p.json:1: empty file"),
    ],
)
def test_bad_campaign_params_give_located_messages(run_cli, tmp_path, text, expected):
    path = _write(tmp_path, "p.json", text)
    result = run_cli("campaign", "--params", path, "--json")
    assert result.code == 2
    assert expected in result.err.replace(str(tmp_path) + "/", "")
    assert "Traceback" not in result.err and result.out == ""


def test_campaign_reports_every_problem_at_once(run_cli, tmp_path):
    path = _write(tmp_path, "p.json", '{"A0": -1, "D0": -2, "foo": 3}')
    result = run_cli("campaign", "--params", path)
    assert result.code == 2
    assert "3 problems found" in result.err


def test_campaign_missing_file_and_bad_days(run_cli, tmp_path):
    missing = run_cli("campaign", "--params", str(tmp_path / "none.json"))
    assert missing.code == 2 and "none.json: file not found" in missing.err
    bad_days = run_cli("campaign", "--days", "-3")
    assert bad_days.code == 2 and "--days: must be in [0, 3650], got -3" in bad_days.err


# --- intervals, comparison of laws, diagnostics, record shapes -----------------------------------


def _synthetic_csv(tmp_path, name="s.csv", exponents=(0.8, 0.3, 0.8, 0.3), sigma=0.1) -> str:
    import numpy as np

    from posturelab.models.lanchester_regression import synthetic_record

    r = synthetic_record(np.random.default_rng(4), 0.005, 0.004, exponents, sigma=sigma)
    rows = ["day,x,y,x_reinf,y_reinf,x_losses_cum,y_losses_cum"]
    for k in range(r.day.shape[0]):
        cells = (r.day[k], r.x[k], r.y[k], r.x_reinf[k], r.y_reinf[k])
        rows.append(
            ",".join(repr(float(v)) for v in (*cells, r.x_losses_cum[k], r.y_losses_cum[k]))
        )
    return _write(tmp_path, name, "\n".join(rows) + "\n")


def test_general_law_by_regression_has_intervals_and_correlations(run_cli, tmp_path):
    path = _synthetic_csv(tmp_path)
    result = run_cli(
        "fit", "lanchester", path, "--law", "general", "--method", "regression", "--json"
    )
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert set(payload["intervals"]) == {"a", "b", "p", "q"}
    lo, hi = payload["intervals"]["p"]
    assert lo < payload["p"] < hi and payload["level"] == 0.9
    assert payload["correlation"]["names"] == ["a", "b", "p", "q"]
    assert payload["correlation"]["matrix"][0][0] == pytest.approx(1.0)
    assert payload["aic"] == pytest.approx(2 * payload["n_params"] - 2 * payload["loglik"])
    assert "lognormal" in payload["error_model"]
    # a and b of the general law trade off against p and q: their intervals are wide
    assert {w["code"] for w in payload["warnings"]} <= {"wide_interval"}
    table = run_cli("fit", "lanchester", path, "--law", "general", "--method", "regression")
    assert (
        table.code == 0 and "90% interval" in table.out and "correlation of estimates" in table.out
    )


def test_law_all_prints_a_comparison(run_cli, tmp_path):
    path = _synthetic_csv(tmp_path, exponents=(1.0, 1.0, 1.0, 0.0))
    result = run_cli("fit", "lanchester", path, "--law", "all", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    laws = [row["law"] for row in payload["comparison"]]
    assert laws == ["square", "linear", "logarithmic", "mixed", "general"]
    weights = {row["law"]: row["akaike_weight"] for row in payload["comparison"]}
    assert max(weights, key=weights.__getitem__) == "mixed"
    assert payload["method"] == "regression" and "mixed fits best" in payload["statement"]
    assert set(payload["fits"]) == set(laws)
    table = run_cli("fit", "lanchester", path, "--law", "all")
    assert table.code == 0 and "AIC" in table.out and "weight" in table.out


def test_law_all_on_iwo_jima_says_no_law_fits_well_as_the_docs_show(run_cli):
    result = run_cli("fit", "lanchester", IWO, "--law", "all", "--method", "lsq", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    doc = (Path(__file__).resolve().parents[1] / "docs" / "models" / "attrition.md").read_text()
    for row in payload["comparison"]:
        cells = f"| {row['law']} | {row['loglik']:.2f} | {row['n_params']} | {row['aic']:.2f} | "
        cells = cells.replace("-", "−")
        assert cells in doc, cells
        assert f"{row['akaike_weight']:.3f} | {row['r2']:.3f} |" in doc
    assert payload["statement"].split(":")[0] in doc
    assert [w["code"] for w in payload["warnings"]] == ["no_law_fits_well"]
    assert payload["statement"].startswith("No law fits well")
    assert "mixed: fitted by the regression method only" in payload["skipped"]


def test_meaningless_fit_is_printed_with_its_errors_and_exit_3(run_cli, tmp_path):
    path = _write(tmp_path, "grow.csv", "day,x,y\n0,100,80\n1,110,70\n2,120,61\n3,125,50\n")
    result = run_cli("fit", "lanchester", path, "--json")
    assert result.code == 3
    payload = json.loads(result.out)
    assert {w["code"]: w["severity"] for w in payload["warnings"]}[
        "negative_coefficient"
    ] == "error"
    table = run_cli("fit", "lanchester", path)
    assert table.code == 3 and "error: [negative_coefficient]" in table.out


def test_record_shapes_hours_and_daily_losses(run_cli, tmp_path):
    hours = (
        "duration_hours,x,y,x_losses,y_losses\n,1000,800,,\n12,,,15,20\n36,,,40,52\n"
        "6,,,7,9\n24,,,28,33\n30,,,34,40\n"
    )
    path = _write(tmp_path, "h.csv", hours)
    result = run_cli("fit", "lanchester", path, "--method", "regression", "--json")
    assert result.code == 0, result.err
    payload = json.loads(result.out)
    assert payload["fitted"]["day"] == pytest.approx([0, 0.5, 2.0, 2.25, 3.25, 4.5])
    lsq = run_cli("fit", "lanchester", path, "--method", "lsq")
    assert lsq.code == 2 and "not whole days" in lsq.err and lsq.out == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x,y\n100,80\n95,70\n", "r.csv:1: day: give exactly one time column"),
        ("day,duration,x,y\n0,,100,80\n1,1,95,70\n", "give exactly one time column"),
        (
            "duration,x,y\n1,100,80\n1,95,70\n",
            "r.csv:2:1: duration: the first row is the initial state",
        ),
        ("duration,x,y\n,100,80\n0,95,70\n", "r.csv:3:1: duration: a phase's duration must be > 0"),
        (
            "duration,x,y\n,100,80\n,95,70\n",
            "r.csv:3:1: duration: a phase's duration must not be empty",
        ),
        ("duration,x,y\n,100,80\nx,95,70\n", "r.csv:3:1: duration: must be a number, got 'x'"),
        (
            "day,x,y,x_losses,x_losses_cum\n0,1,1,,\n1,1,1,1,1\n",
            "give x_losses or x_losses_cum, not both",
        ),
        (
            "day,x,y,x_losses\n0,100,80,3\n1,95,70,5\n",
            "r.csv:2:10: x_losses: the first row is the initial state",
        ),
    ],
)
def test_bad_record_shapes_give_located_messages(run_cli, tmp_path, text, expected):
    result = run_cli("fit", "lanchester", _write(tmp_path, "r.csv", text), "--method", "regression")
    assert result.code == 2
    assert expected in result.err.replace(str(tmp_path) + "/", "")
    assert result.out == "" and "Traceback" not in result.err


def test_bad_fit_options(run_cli):
    result = run_cli("fit", "lanchester", IWO, "--law", "all", "--method", "engel")
    assert result.code == 2 and "comparing laws needs a likelihood" in result.err
    result = run_cli("fit", "lanchester", IWO, "--level", "1.5")
    assert result.code == 2 and "--level: must be in [0.5, 1)" in result.err
    result = run_cli("fit", "lanchester", IWO, "--law", "mixed")
    assert result.code == 2 and "regression method only" in result.err
