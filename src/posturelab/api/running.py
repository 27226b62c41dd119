"""Running ensembles: :func:`run` computes one (durable runner), :func:`resume` finishes one.

Every run, whichever face starts it (this API, the command line, the web app), goes through
:func:`posturelab.runners.durable.start_run`: the run directory is created at once, each chunk of
members is saved as it finishes, and the finished directory holds ``manifest.json``,
``series.nc``, ``members.parquet`` and ``summary.json`` (see ``docs/scaling.md``). The result is
an :class:`~posturelab.api.ensemble.Ensemble`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from posturelab.api.ensemble import Ensemble, open_run
from posturelab.api.inputs import (
    LeverSettings,
    ScenarioRef,
    StructureSettings,
    bad_option,
    lever_settings,
    structure_record,
    with_structure,
)
from posturelab.api.inputs import load_scenario as _load
from posturelab.defaults import DEFAULT_MEMBERS, DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED
from posturelab.engine.run import DEFAULT_CHUNK, RunOptions

if TYPE_CHECKING:
    from posturelab.runners import RunnerSpec

Progress = Callable[[int], None]
"""Called with the number of members in each finished chunk."""


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
    structure: StructureSettings | None = None,
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
    structure
        Relation -> form (or ``RELATION=FORM`` texts): fix each named relation to one of the
        forms the scenario declares for it (``{"tripwire": "flat"}``); the others stay sampled.

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
    loaded = with_structure(_load(scenario), structure)
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
            structure=structure_record(structure),
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
