"""Ensembles: the :class:`Ensemble` view of a run directory, and :func:`open_run` to reopen one.

A run directory holds ``manifest.json``, ``series.nc``, ``members.parquet`` and ``summary.json``
(see ``docs/scaling.md``); :mod:`posturelab.api.running` computes one. An :class:`Ensemble` is a
frozen view of that directory with the numbers in memory (or read on first use).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from posturelab.api._display import html_table, number
from posturelab.api.inputs import bad_option
from posturelab.errors import InputError
from posturelab.scenario.schema import LeverValue

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from matplotlib.figure import Figure


Progress = Callable[[int], None]
"""Called with the number of members in each finished chunk."""


@dataclass(frozen=True)
class IndicatorStats:
    """One indicator's summary over the members (see ``docs/indicators.md``).

    Attributes
    ----------
    name, kind, unit
        The indicator, its kind (``probability``, ``series``, ...) and its unit.
    mean, p05, p50, p95
        For a probability: the estimate (``mean`` and ``p50``) and its 90% Wilson interval;
        otherwise the mean and quantiles over members at the horizon. ``None`` when no member
        has a value.
    """

    name: str
    kind: str
    unit: str
    mean: float | None
    p05: float | None
    p50: float | None
    p95: float | None


@dataclass(frozen=True, eq=False)
class Ensemble:
    """A finished ensemble and its run directory.

    Attributes
    ----------
    run_dir
        The complete run directory.
    scenario
        The scenario id.
    n_members, seed, sampler
        Ensemble size, root seed and parameter design.
    start, end
        The simulated period (``YYYY-MM``).
    levers
        Every lever's value (read-only).
    variant
        The named variant applied, if any.
    indicators
        The summary of each reported indicator, in the scenario's order.
    dataset
        Every member's numbers: ``(member, month)`` series, ``(member,)`` outcomes and the
        sampled parameters (``param:NAME``).
    computed, reused
        Chunks computed by this call and chunks found already saved (0 for a reopened run).
    """

    run_dir: Path
    scenario: str
    n_members: int
    seed: int
    sampler: str
    start: str
    end: str
    levers: Mapping[str, LeverValue]
    variant: str | None
    indicators: tuple[IndicatorStats, ...]
    dataset: xr.Dataset
    computed: int = 0
    reused: int = 0

    @property
    def run_id(self) -> str:
        """The run's id (its directory's name)."""
        return self.run_dir.name

    @property
    def summary(self) -> pd.DataFrame:
        """The indicator summary: one row per indicator (kind, unit, mean, p05, p50, p95)."""
        import pandas as pd

        frame = pd.DataFrame(
            [
                {
                    "indicator": i.name,
                    "kind": i.kind,
                    "unit": i.unit,
                    "mean": i.mean,
                    "p05": i.p05,
                    "p50": i.p50,
                    "p95": i.p95,
                }
                for i in self.indicators
            ]
        )
        return frame.set_index("indicator")

    @property
    def series(self) -> xr.Dataset:
        """The monthly series, one variable per indicator, dimensions ``(member, month)``."""
        names = [n for n, v in self.dataset.data_vars.items() if v.dims == ("member", "month")]
        return self.dataset[names]

    @property
    def members(self) -> pd.DataFrame:
        """One row per member: its sampled parameters (``param:NAME``) and its outcomes."""
        names = [str(n) for n, v in self.dataset.data_vars.items() if v.dims == ("member",)]
        return self.dataset[names].to_dataframe()

    def indicator(self, name: str) -> xr.DataArray:
        """One indicator's values for every member (and month, for a series).

        Raises
        ------
        InputError
            When the ensemble has no such indicator.
        """
        if name not in self.dataset.data_vars or name.startswith("param:"):
            known = ", ".join(i.name for i in self.indicators)
            raise bad_option("indicator", f"unknown indicator {name!r} (indicators: {known})")
        return self.dataset[name]

    def to_pandas(self) -> pd.DataFrame:
        """The indicator summary (as :attr:`summary`)."""
        return self.summary

    def to_xarray(self) -> xr.Dataset:
        """The monthly series (as :attr:`series`)."""
        return self.series

    def to_json(self) -> dict[str, Any]:
        """The run's ``summary.json``: what ``posturelab run --json`` prints."""
        return dict(json.loads((self.run_dir / "summary.json").read_text()))

    def plot(self, names: Sequence[str] | None = None) -> Figure:
        """Fan charts of monthly series (median, 50% and 90% bands over members).

        Parameters
        ----------
        names
            Series to draw (default: the first four reported series).
        """
        from posturelab.report import figures

        series = self.series
        chosen = (
            list(names)
            if names is not None
            else [i.name for i in self.indicators if i.name in series.data_vars][:4]
        )
        for name in chosen:
            if name not in series.data_vars:
                raise bad_option("names", f"{name!r} is not a monthly series of this ensemble")
        units = {i.name: i.unit for i in self.indicators}
        return figures.fan_chart({self.scenario: series}, chosen, units, self.run_id)

    def save(self, directory: str | Path) -> Path:
        """Copy the run directory to ``directory`` (absent or empty) and return its path."""
        from posturelab.store import rundir

        target = Path(directory)
        rundir.check_target(target)
        if target.exists():
            target.rmdir()
        shutil.copytree(self.run_dir, target)
        return target

    def _repr_html_(self) -> str:
        rows = [
            (i.name, i.kind, number(i.p50, i.kind), number(i.p05, i.kind), number(i.p95, i.kind))
            for i in self.indicators
        ]
        levers = ", ".join(f"{k}={v}" for k, v in self.levers.items())
        return html_table(
            f"{self.scenario}: {self.n_members:,} members, seed {self.seed}, "
            f"{self.start} to {self.end}",
            ("indicator", "kind", "median", "5%", "95%"),
            rows,
            f"levers: {levers}. Run directory: {self.run_dir}",
        )


def _from_directory(
    run_dir: Path,
    summary: Mapping[str, Any],
    manifest: Mapping[str, Any],
    dataset: xr.Dataset,
    units: Mapping[str, str],
    computed: int = 0,
    reused: int = 0,
) -> Ensemble:
    kinds: Mapping[str, str] = summary["kinds"]
    stats = tuple(
        IndicatorStats(
            name,
            kinds.get(name, ""),
            units.get(name, ""),
            values.get("mean"),
            values.get("p05"),
            values.get("p50"),
            values.get("p95"),
        )
        for name, values in summary["indicators"].items()
    )
    return Ensemble(
        run_dir=run_dir,
        scenario=str(summary["scenario"]),
        n_members=int(summary["members"]),
        seed=int(summary["seed"]),
        sampler=str(summary.get("sampler", manifest.get("sampler", "mc"))),
        start=str(summary["start"]),
        end=str(summary["end"]),
        levers=MappingProxyType(dict(summary["levers"])),
        variant=manifest.get("variant"),
        indicators=stats,
        dataset=dataset,
        computed=computed,
        reused=reused,
    )


def open_run(
    run_id_or_path: str | Path, *, runs_dir: str | Path = "runs", lazy: bool = False
) -> Ensemble:
    """Reopen a finished run directory as an :class:`Ensemble`.

    Parameters
    ----------
    run_id_or_path
        A run directory, or a run id (a directory name) inside ``runs_dir``.
    runs_dir
        Where run ids are looked up.
    lazy
        Read the monthly series from ``series.nc`` only when they are used (the file stays open
        while the ensemble lives) instead of loading them at once.

    Raises
    ------
    InputError
        When there is no such run, or the run is not complete (resume it first).

    Examples
    --------
    >>> from posturelab.api import run
    >>> first = run("korea-2025", members=10, seed=1, out=tmp / "reopened")
    >>> again = open_run(tmp / "reopened")
    >>> again.summary.equals(first.summary)
    True
    >>> bool((again.series["hazard_dprk_attack"] == first.series["hazard_dprk_attack"]).all())
    True
    """
    import pandas as pd
    import xarray as xr

    from posturelab.report.html import find_scenario
    from posturelab.runners.durable import find_run, is_complete, resume_command
    from posturelab.store import rundir

    folder = Path(runs_dir)
    run_dir = find_run(str(run_id_or_path), folder)
    if not is_complete(run_dir):
        raise InputError.single(
            str(run_dir),
            f"the run is not complete; finish it with: {resume_command(run_dir)}",
        )
    manifest = rundir.read_manifest(run_dir)
    if manifest.get("kind", "run") != "run":
        raise InputError.single(
            str(run_dir), f"this is a {manifest.get('kind')} result, not an ensemble run"
        )
    summary = rundir.read_summary(run_dir)
    if lazy:
        series = xr.open_dataset(run_dir / rundir.SERIES, engine="h5netcdf")
    else:
        with xr.open_dataset(run_dir / rundir.SERIES, engine="h5netcdf") as opened:
            series = opened.load()
    series.attrs = {}
    table = pd.read_parquet(run_dir / rundir.MEMBERS).set_index("member")
    per_member = xr.Dataset(
        {str(c): (("member",), table[c].to_numpy()) for c in table.columns},
        coords={"member": table.index.to_numpy()},
    )
    dataset = xr.merge([series, per_member])
    loaded = find_scenario(manifest, folder if folder.is_dir() else run_dir.parent)
    units: dict[str, str] = {}
    if loaded is not None:
        from posturelab.engine.indicators import indicator_units

        units = indicator_units(loaded.scenario)
    return _from_directory(run_dir, summary, manifest, dataset, units)
