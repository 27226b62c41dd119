"""Ensembles: :func:`run` computes one through the durable runner; :func:`open_run` reopens one.

Every run, whichever face starts it (this API, the command line, the web app), goes through
:func:`posturelab.runners.durable.start_run`: the run directory is created at once, each chunk of
members is saved as it finishes, and the finished directory holds ``manifest.json``,
``series.nc``, ``members.parquet`` and ``summary.json`` (see ``docs/scaling.md``). The result is
an :class:`Ensemble`, a frozen view of that directory with the numbers in memory.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from posturelab.api._display import html_table, number
from posturelab.api.inputs import LeverSettings, ScenarioRef, bad_option, lever_settings
from posturelab.api.inputs import load_scenario as _load
from posturelab.defaults import DEFAULT_MEMBERS, DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED
from posturelab.engine.run import DEFAULT_CHUNK, RunOptions
from posturelab.errors import InputError
from posturelab.scenario.schema import LeverValue

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from matplotlib.figure import Figure

    from posturelab.runners import RunnerSpec

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


def run(
    scenario: ScenarioRef = DEFAULT_SCENARIO,
    *,
    members: int | None = None,
    seed: int = DEFAULT_SEED,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    sampler: str = "mc",
    chunk_size: int | None = None,
    runner: str | RunnerSpec = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
    progress: Progress | None = None,
    calibration: str | Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> Ensemble:
    """Run a Monte Carlo ensemble of a scenario into a new run directory.

    The same seed and member count give the same numbers, bit for bit, whatever the runner,
    the worker count or the chunk size (member ``m`` draws from ``SeedSequence(seed,
    spawn_key=(m,))``).

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    members, seed
        Ensemble size (>= 1; default 1,000, or every member of ``calibration``) and root seed
        (>= 0).
    levers
        Lever id -> value, applied after ``variant``; checked against each lever's domain.
    variant
        A named variant of the scenario.
    sampler
        ``mc`` (independent per-member streams), ``lhs`` or ``sobol``.
    chunk_size
        Members per chunk; by default sized from a timed pilot chunk. Results do not depend
        on it.
    runner, workers, scheduler
        Where the chunks run: ``sequential``, ``local`` (a process pool, started only when the
        run is large enough to gain from it) or ``dask`` (see ``docs/scaling.md``).
    out
        The run directory to create (absent or empty); default ``runs_dir/SCENARIO-STAMP-ID``.
    runs_dir
        The folder the run directory is made in (default ``runs``) and whose catalogue lists
        it (default: the run directory's parent).
    progress
        Called with the number of members in each finished chunk.
    calibration
        A calibration file (``posturelab calibrate``): the members' parameters are its NROY
        members' (taken in turn), and the manifest records the file. A file made for another
        scenario text is refused.
    notify
        Called with a line for each notable event (a chunk file refused and recomputed, a
        catalogue that could not be opened); without it such a catalogue is an error.

    Returns
    -------
    Ensemble
        The finished run.

    Raises
    ------
    InputError
        On a bad scenario, lever, variant, option or target directory; nothing is written.
    posturelab.runners.durable.RunIncompleteError
        When chunks still fail after every attempt (the run directory can be resumed).

    Examples
    --------
    >>> ens = run("korea-2025", members=20, seed=7, out=tmp / "baseline")
    >>> ens.n_members, ens.run_id
    (20, 'baseline')
    >>> ens.series["us_troops_korea"].shape
    (20, 69)
    >>> ens.summary.loc["p_dprk_attack", ["kind", "unit"]].tolist()
    ['probability', 'probability']
    >>> run("korea-2025", members=20, levers={"no_such_lever": 1}, out=tmp / "x")
    Traceback (most recent call last):
    ...
    posturelab.errors.ScenarioError: <arguments>: levers no_such_lever=1: unknown lever ...
    """
    from posturelab.engine.sampling import SAMPLERS
    from posturelab.explore.calibration_file import (
        calibrated_design,
        calibration_record,
        read_calibration,
    )
    from posturelab.runners import RunnerSpec, open_runner
    from posturelab.runners.durable import start_run
    from posturelab.store import rundir

    if sampler not in SAMPLERS:
        raise bad_option(
            "sampler", f"{{option}} must be one of {', '.join(SAMPLERS)}, got {sampler!r}"
        )
    loaded = _load(scenario)
    calibrated = None if calibration is None else read_calibration(Path(calibration), loaded)
    design = None if calibrated is None else calibrated_design(calibrated["design"], members)
    if members is None:
        members = DEFAULT_MEMBERS if design is None else int(design.shape[0])
    if members < 1 or seed < 0 or (chunk_size is not None and chunk_size < 1):
        raise bad_option(
            "members",
            f"members and chunk_size must be >= 1 and seed >= 0, got members={members}, "
            f"seed={seed}, chunk_size={chunk_size}",
        )
    spec = runner if isinstance(runner, RunnerSpec) else RunnerSpec(runner, workers, scheduler)
    settings = lever_settings(loaded, levers, variant)
    options = RunOptions(
        members=members,
        seed=seed,
        sampler=sampler,
        chunk_size=chunk_size or DEFAULT_CHUNK,
    )
    folder = Path(runs_dir) if runs_dir is not None else Path("runs")
    target = Path(out) if out is not None else folder / rundir.new_run_id(loaded.scenario.meta.id)
    rundir.check_target(target)
    with open_runner(spec) as opened:
        outcome = start_run(
            target,
            loaded,
            settings,
            options,
            opened,
            variant=variant,
            auto_chunks=chunk_size is None,
            progress=progress,
            design=design,
            calibration=None if calibrated is None else calibration_record(calibrated, members),
            notify=notify,
        )
    register_run(target, None if runs_dir is None else Path(runs_dir), notify)
    # The outputs were streamed to disk chunk by chunk; the ensemble reads them from there,
    # lazily, so that a large run is never held in memory whole.
    reopened = open_run(target, lazy=True)
    return dataclasses.replace(reopened, computed=outcome.computed, reused=outcome.reused)


def register_run(
    run_dir: Path, runs_dir: Path | None, notify: Callable[[str], None] | None
) -> None:
    """Catalogue a complete run; a catalogue that cannot be opened only costs a warning."""
    from posturelab.store import catalogue
    from posturelab.store.diskio import StorageError

    try:
        catalogue.register(run_dir, runs_dir)
    except StorageError as error:
        if notify is None:
            raise
        folder = runs_dir if runs_dir is not None else run_dir.parent
        notify(
            f"the run is complete in {run_dir} but uncatalogued ({error}); "
            f"register it later with: posturelab runs --rescan --runs-dir {folder}"
        )


def resume(
    run_id_or_path: str | Path,
    *,
    runs_dir: str | Path = "runs",
    runner: str | RunnerSpec = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Ensemble:
    """Finish an interrupted or failed run, computing only its missing chunks.

    The result is bit for bit the one an uninterrupted run gives, on any runner (see
    ``posturelab resume`` in ``docs/scaling.md``).

    Parameters
    ----------
    run_id_or_path
        A run directory, or a run id inside ``runs_dir``.
    runner, workers, scheduler
        Where the missing chunks run (not necessarily where the run started).
    progress
        Called with the members of the chunks already saved, then with each finished chunk's.

    Raises
    ------
    InputError
        When there is no such run, it is complete, or a live process is computing it.
    posturelab.runners.durable.RunIncompleteError
        When chunks still fail after every attempt.

    Examples
    --------
    >>> def interrupt(members):
    ...     raise KeyboardInterrupt
    >>> try:
    ...     run("korea-2025", members=30, chunk_size=10, runner="sequential",
    ...         out=tmp / "cut", progress=interrupt)
    ... except KeyboardInterrupt:
    ...     pass
    >>> finished = resume(tmp / "cut", runner="sequential")
    >>> finished.computed, finished.reused
    (2, 1)
    >>> whole = run("korea-2025", members=30, chunk_size=10, out=tmp / "whole")
    >>> finished.summary.equals(whole.summary)
    True
    """
    from posturelab.runners import RunnerSpec, open_runner
    from posturelab.runners.durable import find_run, resume_run
    from posturelab.store import catalogue

    spec = runner if isinstance(runner, RunnerSpec) else RunnerSpec(runner, workers, scheduler)
    run_dir = find_run(str(run_id_or_path), Path(runs_dir))
    with open_runner(spec) as opened:
        outcome = resume_run(run_dir, opened, progress=progress)
    catalogue.register(run_dir)
    reopened = open_run(run_dir)
    return dataclasses.replace(reopened, computed=outcome.computed, reused=outcome.reused)


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
