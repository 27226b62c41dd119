"""The Python API: its documented examples run, its results are typed, bad input raises one type."""

from __future__ import annotations

import ast
import dataclasses
import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest

import posturelab
from posturelab import api
from posturelab.errors import InputError

API_MODULES = [
    "posturelab.api.inputs",
    "posturelab.api.ensemble",
    "posturelab.api.running",
    "posturelab.api.comparison",
    "posturelab.api.exploration",
    "posturelab.api.adm",
    "posturelab.api.lanchester",
    "posturelab.api.lanchester_laws",
    "posturelab.api.milestones",
    "posturelab.api.richardson",
    "posturelab.api.alignment",
    "posturelab.api._display",
    "posturelab.errors",
]


@pytest.mark.parametrize("name", API_MODULES)
def test_docstring_examples_run(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may be written outside the temporary directory
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, extraglobs={"tmp": tmp_path}, optionflags=flags)
    assert result.failed == 0
    if name != "posturelab.api._display":
        assert result.attempted > 0, f"{name} has no examples"
    assert not (tmp_path / "runs").exists()


def test_every_result_is_frozen_and_typed() -> None:
    results = [
        api.Ensemble,
        api.Comparison,
        api.ClaimsResult,
        api.Sensitivity,
        api.Discovery,
        api.Campaign,
        api.LanchesterResult,
        api.LawsComparison,
        api.MilestoneEnsemble,
        api.RichardsonResult,
        api.Alignment,
    ]
    for cls in results:
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, cls
        for f in dataclasses.fields(cls):
            assert "dict[str, Any]" not in str(f.type), (cls, f.name)
        for method in ("to_pandas", "plot", "_repr_html_"):
            assert callable(getattr(cls, method)), (cls, method)


def test_one_exception_type_with_every_located_problem(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        api.run(
            "korea-2025",
            members=5,
            levers={"relocation_troops": 99999, "no_such": 1, "one_theatre": "maybe"},
            out=tmp_path / "never",
        )
    problems = caught.value.problems
    assert len(problems) == 3
    assert all(p.file == "<arguments>" and p.path.startswith("levers ") for p in problems)
    assert not (tmp_path / "never").exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("meta:\n  id: x\n")
    with pytest.raises(InputError) as caught:
        api.load_scenario(bad)
    assert all(p.file == str(bad) for p in caught.value.problems)
    with pytest.raises(InputError, match="month must be a month"):
        api.campaign(scenario="korea-2025", month="1999-01")
    with pytest.raises(InputError, match="sampler must be one of"):
        api.run("korea-2025", sampler="grid", out=tmp_path / "never")


def test_ensemble_views_agree_with_each_other(tmp_path: Path) -> None:
    ens = posturelab.run("korea-2025", members=12, seed=4, out=tmp_path / "r", runner="sequential")
    troops = ens.indicator("us_troops_korea")
    assert troops.dims == ("member", "month") and troops.shape == (12, ens.series.sizes["month"])
    assert list(ens.members.index) == list(range(12))
    assert "param:contests.dprk_attack.prior_annual" in ens.members.columns
    p = ens.summary.loc["p_dprk_attack"]
    assert p["kind"] == "probability" and 0 <= p["p05"] <= p["p50"] <= p["p95"] <= 1
    assert ens.to_json()["indicators"]["p_dprk_attack"]["p50"] == p["p50"]
    assert "<table>" in ens._repr_html_() and "p_dprk_attack" in ens._repr_html_()
    copy = ens.save(tmp_path / "copy")
    assert (copy / "series.nc").is_file() and api.open_run(copy).summary.equals(ens.summary)
    with pytest.raises(InputError, match="unknown indicator 'nope'"):
        ens.indicator("nope")
    with pytest.raises(InputError, match="already exists"):
        ens.save(tmp_path / "r")


def test_a_run_goes_through_the_durable_runner(tmp_path: Path) -> None:
    ens = api.run("korea-2025", members=9, out=tmp_path / "d", runner="sequential")
    manifest = (ens.run_dir / "manifest.json").read_text()
    assert '"status": "complete"' in manifest and '"chunk_plan"' in manifest
    assert not (ens.run_dir / "chunks").exists()


def test_campaign_and_fits_give_tables_and_figures() -> None:
    worked = api.campaign()
    frame = worked.to_pandas()
    assert list(frame.columns)[:2] == ["A", "D"] and len(frame) == worked.days + 1
    assert float(worked.to_xarray()["X"][-1]) == worked.final["X"]
    fit = api.fit_lanchester("iwo_jima", law="square", method="lsq")
    assert fit.to_json()["method"] == "lsq" and len(fit.to_pandas()) == len(fit.day)
    with pytest.raises(InputError) as caught:
        api.fit_lanchester("iwo_jima", law="cube", method="guess")
    assert [p.path for p in caught.value.problems] == ["law", "method"]
    laws = api.compare_lanchester("iwo_jima", method="lsq")
    assert list(laws.to_pandas().index) == [row.law for row in laws.rows]
    hindcast = api.campaign_milestones("korea-1950", members=12)
    assert len(hindcast.to_pandas()) == len(hindcast.milestones) > 0
    for result in (worked, fit, laws, hindcast):
        fig = result.plot()
        assert fig.axes
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_alignment_exact_and_annealed_agree() -> None:
    rng = np.random.default_rng(1)
    p = rng.normal(size=(8, 8))
    p = np.triu(p, 1) + np.triu(p, 1).T
    params = api.align.__globals__["AlignmentParams"](np.ones(8), p)
    exact = api.align(params)
    annealed = api.align(params, exact_limit=4, seed=2)
    assert annealed.method == "annealing" and exact.method == "exact"
    assert annealed.global_minimum.energy == pytest.approx(exact.global_minimum.energy)
    assert sum(m.basin or 0 for m in exact.minima) == exact.configurations
    with pytest.raises(InputError, match="needs the exact search"):
        api.align(params, bloc=["actor 0", "actor 1"], exact_limit=4)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_web_compute_does_not_import_the_job_queue_and_api_no_face() -> None:
    src = Path(posturelab.__file__).parent
    compute = _imports(src / "web" / "compute.py")
    assert not {n for n in compute if n.startswith(("posturelab.web.jobs", "posturelab.web.app"))}
    for module in (src / "api").glob("*.py"):
        faces = {n for n in _imports(module) if n.startswith(("posturelab.cli", "posturelab.web"))}
        assert not faces, (module.name, faces)


def test_the_server_names_request_fields_even_when_started_from_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    from posturelab.cli import main
    from posturelab.errors import option_name

    seen: list[str] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda *a, **k: seen.append(option_name("levers")))
    with pytest.raises(SystemExit) as done:
        main(["serve", "--runs-dir", str(tmp_path)])
    assert done.value.code in (0, None)
    assert seen == ["levers"]
