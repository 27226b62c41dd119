"""What the analyses share: their result directories, executors, horizons and tables."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturelab.errors import option_name
from posturelab.scenario.loader import LoadedScenario

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import pandas as pd


def read_summary(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / "summary.json").read_text()))


def target_dir(
    runs_dir: str | Path | None, out: str | Path | None, loaded: LoadedScenario, kind: str
) -> Path:
    from posturelab.store import rundir

    folder = Path(runs_dir) if runs_dir is not None else Path("runs")
    target = (
        Path(out)
        if out is not None
        else folder / rundir.new_run_id(f"{loaded.scenario.meta.id}-{kind}")
    )
    rundir.check_target(target)
    return target


@contextlib.contextmanager
def open_executor(
    runner: str, workers: int | None, scheduler: str | None, loaded: LoadedScenario
) -> Iterator[Executor]:
    """The executor of an analysis; numbers that overflow within the block are bad input.

    A :class:`~posturelab.engine.sampling.NonFiniteError` raised in the block (at once, without
    a retry) becomes a :class:`~posturelab.errors.ScenarioError` located at the scenario's
    numbers behind it; the analysis has written nothing yet.
    """
    from posturelab.engine.sampling import NonFiniteError
    from posturelab.runners import make_executor
    from posturelab.runners.drive import overflow_error

    with make_executor(runner, workers, scheduler) as executor:
        try:
            yield executor
        except NonFiniteError as error:
            raise overflow_error(error, loaded) from None


def check_month(loaded: LoadedScenario, month: str | None) -> None:
    if month is None:
        return
    import xarray as xr

    from posturelab.engine.compiled import compile_scenario
    from posturelab.explore.outcomes import month_index

    s = loaded.scenario
    months = compile_scenario(s, s.lever_defaults()).months
    month_index(xr.Dataset(coords={"month": list(months)}), month, option=option_name("month"))


def calibrated(
    path: str | Path | None, loaded: LoadedScenario, members: int | None
) -> tuple[Any, dict[str, Any] | None, int]:
    """The design, manifest record and ensemble size of a calibration file (or the prior).

    Without a file the design is ``None`` and the size ``members`` (default 1,000); with one, the
    design is its NROY members taken in turn (all of them unless ``members`` is given).
    """
    from posturelab.defaults import DEFAULT_MEMBERS

    if path is None:
        return None, None, members or DEFAULT_MEMBERS
    from posturelab.explore.calibration_file import (
        calibrated_design,
        calibration_record,
        read_calibration,
    )

    data = read_calibration(Path(path), loaded)
    design = calibrated_design(data["design"], members)
    return design, calibration_record(data, design.shape[0]), int(design.shape[0])


def table_of(rows: Sequence[object]) -> pd.DataFrame:
    import dataclasses

    import pandas as pd

    return pd.DataFrame([dataclasses.asdict(r) for r in rows])  # type: ignore[call-overload]
