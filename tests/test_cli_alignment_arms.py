"""The ``align`` and ``fit richardson`` commands: outputs, the 1936 example and located errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from posturelab.models.alignment import AlignmentParams, exact_landscape

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_1936 = ROOT / "examples" / "alignment-1936.yaml"

# Axelrod & Bennett's reported prediction and the alignment at the outbreak of war
# (validation-data.md section 4, tagged V2); the side listed is the one holding Britain.
PAPER_PREDICTION = {
    "Britain",
    "Czechoslovakia",
    "Denmark",
    "France",
    "Greece",
    "Soviet Union",
    "Yugoslavia",
}
ACTUAL_1939 = PAPER_PREDICTION | {"Poland", "Portugal"}


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


TRIANGLE = """\
actors:
  - {name: A, size: 1}
  - {name: B, size: 1}
  - {name: C, size: 1}
propensities:
  - [0, 1, -1]
  - [1, 0, -1]
  - [-1, -1, 0]
"""


def test_align_json_reports_minima_and_cohesion(run_cli, tmp_path: Path) -> None:
    result = run_cli("align", write(tmp_path, "t.yaml", TRIANGLE), "--bloc", "A,B", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [a["name"] for a in report["actors"]] == ["A", "B", "C"]
    assert report["global"] == {"sides": [["A", "B"], ["C"]], "energy": -2.0}
    assert report["minima"] == [{"sides": [["A", "B"], ["C"]], "energy": -2.0, "basin": 4}]
    coh = report["cohesion"]
    assert coh["bloc"] == ["A", "B"]
    assert coh["cohesion"] == pytest.approx(2.0)
    assert coh["global_splits_bloc"] is False


def test_align_pairs_form_equals_matrix_form(run_cli, tmp_path: Path) -> None:
    pairs = """\
actors: [{name: A, size: 1}, {name: B, size: 1}, {name: C, size: 1}]
pairs:
  - {a: A, b: B, p: 1}
  - {a: C, b: A, p: -1}
  - {a: B, b: C, p: -1}
"""
    a = json.loads(run_cli("align", write(tmp_path, "m.yaml", TRIANGLE), "--json").out)
    b = json.loads(run_cli("align", write(tmp_path, "p.yaml", pairs), "--json").out)
    assert a == b
    assert a["cohesion"] is None


def test_align_reads_json_and_prints_tables(run_cli, tmp_path: Path) -> None:
    doc = {
        "actors": [{"name": "A", "size": 1}, {"name": "B", "size": 2}, {"name": "C", "size": 1}],
        "pairs": [{"a": "A", "b": "C", "p": 1}, {"a": "B", "b": "C", "p": -1}],
    }
    result = run_cli("align", write(tmp_path, "x.json", json.dumps(doc)), "--bloc", "A,C")
    assert result.code == 0, result.err
    assert "Global minimum: E = -2" in result.out
    assert "Cohesion of bloc {A, C}" in result.out


def test_align_beyond_exact_limit_uses_annealing(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("posturelab.cli.alignment_arms.ALIGN_EXACT_LIMIT", 6)
    rng = np.random.default_rng(0)
    n = 12
    p = rng.normal(size=(n, n))
    p = np.triu(p, 1) + np.triu(p, 1).T
    doc = {
        "actors": [{"name": f"X{i}", "size": 1.0} for i in range(n)],
        "propensities": p.tolist(),
    }
    path = write(tmp_path, "big.json", json.dumps(doc))
    result = run_cli("align", path, "--json", "--seed", "3")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["method"] == "annealing"
    assert report["minima"] == []
    assert report["cohesion"] is None
    # annealing reaches the exact global minimum of this instance
    exact = exact_landscape(AlignmentParams(np.ones(n), p))
    assert report["global"]["energy"] == pytest.approx(exact.global_energy, abs=1e-9)
    refused = run_cli("align", path, "--bloc", "X0,X1")
    assert refused.code == 2
    assert "--bloc needs the exact search" in refused.err


def test_1936_example_result(run_cli) -> None:
    """The shipped 1936 case with proxy data: one minimum, four countries off the paper's answer."""
    result = run_cli("align", str(EXAMPLE_1936), "--bloc", "Britain,France,Soviet Union", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert len(report["actors"]) == 17
    assert [m["basin"] for m in report["minima"]] == [2**16]
    sides = report["global"]["sides"]
    with_britain = set(next(s for s in sides if "Britain" in s))
    assert with_britain == {
        "Britain",
        "Czechoslovakia",
        "France",
        "Greece",
        "Italy",
        "Portugal",
        "Romania",
        "Soviet Union",
        "Yugoslavia",
    }
    assert with_britain ^ PAPER_PREDICTION == {"Denmark", "Italy", "Portugal", "Romania"}
    assert with_britain ^ ACTUAL_1939 == {"Denmark", "Italy", "Poland", "Romania"}
    assert report["global"]["energy"] == pytest.approx(-0.111524, rel=1e-5)
    assert report["cohesion"]["cohesion"] == pytest.approx(0.00501213, rel=1e-5)
    assert report["cohesion"]["global_splits_bloc"] is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("actors: [{name: A, size: 1}]\npropensities: [[0]]\n", "at least two actors"),
        (
            "actors: [{name: A, size: 1}, {name: B, size: 1}]\npropensities: [[0, 1], [2, 0]]\n",
            "2:25: propensities.1.0: the matrix must be symmetric: p[1][0] = 2.0 but p[0][1] = 1.0",
        ),
        (
            "actors: [{name: A, size: 1}, {name: B, size: -1}]\npairs: []\n",
            "actors.1.size: size must be a finite number >= 0, got -1",
        ),
        (
            "actors: [{name: A, size: 1}, {name: B, size: .inf}]\npairs: []\n",
            "actors.1.size: size must be a finite number >= 0, got inf",
        ),
        (
            "actors: [{name: A, size: 1}, {name: A, size: 1}]\npairs: []\n",
            "actors.1.name: duplicate actor name 'A'",
        ),
        (
            "actors: [{name: A, size: 1}, {name: B, size: 1}]\npairs: [{a: A, b: Q, p: 1}]\n",
            "pairs.0.b: unknown actor 'Q'",
        ),
        (
            "actors: [{name: A, size: 1}, {name: B, size: 1}]\npropensities: [[0, .nan], [1, 0]]\n",
            "propensities.0.1: must be a finite number, got nan",
        ),
        ("actors: [{name: A, size: 1}, {name: B, size: 1}]\n", "exactly one of 'propensities'"),
        ("actors: [\n  {name: A}\n", "invalid YAML"),
        ("a: &x [1]\nb: *x\n", "2:1: b: unknown key 'b'"),
        ("", "empty file"),
        ("- 1\n", "must hold a mapping"),
    ],
)
def test_align_input_errors_are_located(run_cli, tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    result = run_cli("align", path)
    assert result.code == 2
    assert expected in result.err
    assert f"{path}" in result.err
    assert "Traceback" not in result.err


def test_align_broken_json_and_missing_file(run_cli, tmp_path: Path) -> None:
    result = run_cli("align", write(tmp_path, "b.json", '{"actors": [1, 2'))
    assert result.code == 2
    assert "b.json:1:17: invalid JSON" in result.err
    missing = str(tmp_path / "nope.yaml")
    result = run_cli("align", missing)
    assert result.code == 2
    assert f"{missing}: file not found" in result.err


def test_align_bad_bloc(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", TRIANGLE)
    result = run_cli("align", path, "--bloc", "A,Z")
    assert result.code == 2
    assert "<command line>: --bloc: unknown actor 'Z'" in result.err
    result = run_cli("align", path, "--bloc", "A")
    assert result.code == 2
    assert "a bloc needs two actors" in result.err


def synthetic_budgets(a: float, c: float, years: range) -> str:
    lines = ["# synthetic budgets from d(U+V)/dt = a (U+V) + c", "year,country,bloc,spending"]
    for k, year in enumerate(years):
        total = -c / a + (10.0 + c / a) * math.exp(a * k)
        lines += [
            f"{year},France,Entente,{0.35 * total!r}",
            f"{year},Russia,Entente,{0.25 * total!r}",
            f"{year},Germany,Central,{0.4 * total!r}",
        ]
    return "\n".join(lines) + "\n"


def test_fit_richardson_recovers_known_coefficients(run_cli, tmp_path: Path) -> None:
    path = write(tmp_path, "b.csv", synthetic_budgets(0.12, 1.5, range(1905, 1914)))
    result = run_cli("fit", "richardson", path, "--json")
    assert result.code == 0, result.err
    fit = json.loads(result.out)
    assert fit["slope"] == pytest.approx(2 * math.tanh(0.06), rel=1e-9)
    assert fit["zero_point"] == pytest.approx(-1.5 / 0.12, rel=1e-9)
    assert fit["intercept"] == pytest.approx(-fit["slope"] * fit["zero_point"], rel=1e-12)
    assert fit["r2"] == pytest.approx(1.0, abs=1e-12)
    assert fit["years"] == list(range(1905, 1914))
    assert fit["blocs"] == ["Entente", "Central"]
    table = run_cli("fit", "richardson", path)
    assert table.code == 0
    assert "increment = " in table.out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty file"),
        ("year,country,spending\n1900,A,1\n", "1: bloc: missing required column 'bloc'"),
        ("year,country,bloc,spending\n1900,A,X,abc\n", "2:10: spending: spending must be a number"),
        ("year,country,bloc,spending\n19x0,A,X,1\n", "2:1: year: year must be an integer"),
        ("year,country,bloc,spending\n1900,A,X,-3\n", "spending must be finite and >= 0"),
        (
            "year,country,bloc,spending\n1900,A,X,1\n1900,A,X,2\n",
            "3:6: country: duplicate row for 'A' in 1900 (first on line 2)",
        ),
        (
            "year,country,bloc,spending\n1900,A,X,1\n1901,B,Y,1\n1902,C,Z,1\n",
            "exactly two blocs are needed, found 3",
        ),
        ("year,country,bloc,spending\n1900,A,X,1\n1901,A,X,1\n", "exactly two blocs are needed"),
        (
            "year,country,bloc,spending\n"
            + "".join(f"{y},A,X,1\n{y},B,Y,{y - 1899}\n" for y in (1900, 1901, 1903, 1904)),
            "missing years: [1902]",
        ),
        (
            "year,country,bloc,spending\n"
            + "".join(f"{y},A,X,1\n" for y in (1900, 1901, 1902))
            + "1900,B,Y,1\n1901,B,Y,2\n",
            "missing rows: B 1902",
        ),
        (
            "year,country,bloc,spending\n1900,A,X,1\n1900,B,Y,1\n1901,A,X,2\n1901,B,Y,1\n",
            "at least 3 years are needed",
        ),
        ("year,country,bloc,spending\n1900,A,X\n", "2: expected 4 cells like the header, found 3"),
        (
            "year,country,bloc,spending\n1900,A,X,1\n1901,A,Y,1\n",
            "3:8: bloc: 'A' is in bloc 'X' on line 2, here 'Y'",
        ),
        (
            "year,country,bloc,spending\n"
            + "".join(f"{y},A,X,1\n{y},B,Y,1\n" for y in (1900, 1901, 1902)),
            "the total does not change",
        ),
    ],
)
def test_fit_richardson_csv_errors(run_cli, tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, "bad.csv", text)
    result = run_cli("fit", "richardson", path)
    assert result.code == 2
    assert expected in result.err
    assert path in result.err
    assert "Traceback" not in result.err


def test_fit_richardson_missing_file(run_cli, tmp_path: Path) -> None:
    result = run_cli("fit", "richardson", str(tmp_path / "none.csv"))
    assert result.code == 2
    assert "file not found" in result.err


def test_align_accepts_exponent_notation_and_refuses_deep_nesting(run_cli, tmp_path: Path) -> None:
    text = "actors: [{name: A, size: 1e-3}, {name: B, size: 2E-3}]\npairs: [{a: A, b: B, p: -1}]\n"
    result = run_cli("align", write(tmp_path, "e.yaml", text), "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [a["size"] for a in report["actors"]] == [0.001, 0.002]
    assert report["global"]["energy"] == pytest.approx(-2e-6)
    deep = write(tmp_path, "deep.yaml", "a: " + "[" * 3000 + "]" * 3000 + "\n")
    result = run_cli("align", deep)
    assert result.code == 2
    assert "deep.yaml:1:" in result.err and "nesting" in result.err


def test_fit_richardson_reports_intervals_tests_and_trend_warning(run_cli, tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    lines = ["year,country,bloc,spending"]
    for k in range(25):
        lines.append(f"{1950 + k},A,East,{50.0 + 2.0 * k + rng.standard_normal():.4f}")
        lines.append(f"{1950 + k},B,West,{40.0 + 1.5 * k + rng.standard_normal():.4f}")
    path = write(tmp_path, "trend.csv", "\n".join(lines) + "\n")
    result = run_cli("fit", "richardson", path, "--json", "--level", "0.95")
    assert result.code == 0, result.err
    fit = json.loads(result.out)
    assert fit["level"] == 0.95
    slope = fit["two_bloc"]["coefficients"]["slope"]
    assert slope["interval"][0] < slope["estimate"] < slope["interval"][1]
    assert slope["estimate"] == pytest.approx(fit["slope"])
    assert set(fit["pairs"]) == {"East", "West"}
    assert set(fit["pairs"]["East"]["coefficients"]) == {"reaction", "fatigue", "grievance"}
    codes = [w["code"] for w in fit["warnings"]]
    assert "trend_explains" in codes
    assert fit["two_bloc"]["trend_test"]["trend_explains"] is True
    table = run_cli("fit", "richardson", path)
    assert "95% interval" not in table.out and "90% interval" in table.out
    assert "warning: [trend_explains]" in table.out
    bad = run_cli("fit", "richardson", path, "--level", "2")
    assert bad.code == 2 and "--level: must be in [0.5, 1)" in bad.err
