"""`posturelab.targets`: the API's targets report, the same numbers as `posturelab targets`."""

from __future__ import annotations

import dataclasses
import doctest
import json
from pathlib import Path

import pytest

import posturelab as pl
from posturelab.api import target_report


def test_docstring_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(target_report, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_api_and_command_line_give_the_same_targets(run_cli) -> None:
    cli = run_cli("targets", "--members", "30", "--seed", "5", "--runner", "sequential", "--json")
    assert cli.code == 0, cli.err
    result = pl.targets("korea-2025", members=30, seed=5, runner="sequential")
    assert result.to_json() == json.loads(cli.out)
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen
    frame = result.to_pandas()
    ids = [t.id for t in pl.load_scenario("korea-2025").scenario.targets]
    assert frame.index.tolist() == ids
    # Status follows the three-sigma rule on the implausibility.
    for row in result.rows:
        if row.implausibility is not None and row.status != "no value":
            assert (row.status == "consistent") == (row.implausibility <= 3.0), row.id
    assert result.inconsistent() == [r for r in result.rows if r.status == "inconsistent"]
    assert all(r.use == "validation" for r in result.inconsistent("validation"))
    html = result._repr_html_()
    assert all(f"<td>{i}</td>" in html for i in ids)
    import matplotlib.pyplot as plt

    figure = result.plot()
    assert len(figure.axes) >= len(ids)
    plt.close(figure)


def test_bad_input_is_one_located_error(tmp_path: Path) -> None:
    with pytest.raises(pl.InputError) as members:
        pl.targets("korea-2025", members=1)
    assert "members" in str(members.value)
    with pytest.raises(pl.InputError) as seed:
        pl.targets("korea-2025", members=10, seed=-1)
    assert "seed" in str(seed.value)
    with pytest.raises(pl.InputError) as none:
        pl.targets(str(Path(__file__).parents[1] / "examples" / "border-dispute.yaml"), members=10)
    assert "no targets" in str(none.value)
