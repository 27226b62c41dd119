"""Exploration over the uncertain parameters: global sensitivity and scenario discovery.

:func:`sensitivity` computes Sobol' or Morris indices of one indicator (SALib);
:func:`discover` finds, with PRIM, the box of parameters where a condition on the outcomes
holds. Each writes its result directory and registers it in the catalogue (``docs/analysis.md``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturelab.api._analysis import (
    calibrated,
    check_month,
    open_executor,
    read_summary,
    table_of,
    target_dir,
)
from posturelab.api._display import html_table, number
from posturelab.api.inputs import (
    LeverSettings,
    ScenarioRef,
    bad_option,
    lever_settings,
)
from posturelab.api.inputs import load_scenario as _load
from posturelab.api.rows import (
    CalibrationUsed,
    PrimBox,
    SensitivityRow,
    calibration_used,
    prim_box,
    scores_of,
    sensitivity_row,
)
from posturelab.defaults import DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED
from posturelab.engine.run import RunOptions

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from posturelab.api.rows import FeatureScore


# -------------------------------------------------------------------------------- sensitivity
@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Global sensitivity indices of one indicator, most influential parameter first.

    Attributes
    ----------
    run_dir, scenario, indicator, unit, method, n, seed
        What was analysed, and how (``sobol`` or ``morris``; ``n`` as for SALib).
    evaluations
        Model evaluations (ensemble members) used.
    rows
        One row per uncertain parameter.
    warnings
        Messages about a sample too small or an output that does not vary.
    calibration
        The calibration whose NROY box the parameters varied over, or ``None`` (the prior).
    """

    run_dir: Path
    scenario: str
    indicator: str
    unit: str
    method: str
    n: int
    seed: int
    evaluations: int
    rows: tuple[SensitivityRow, ...]
    warnings: tuple[str, ...]
    calibration: CalibrationUsed | None = None

    @property
    def run_id(self) -> str:
        """The result directory's id (its name)."""
        return self.run_dir.name

    def to_pandas(self) -> pd.DataFrame:
        """The indices, one row per parameter."""
        frame = table_of(self.rows).set_index("parameter")
        return frame.dropna(axis="columns", how="all")

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json``."""
        return read_summary(self.run_dir)

    def plot(self) -> Figure:
        """Bars of the indices of the most influential parameters."""
        from posturelab.report import figures

        rows = self.to_json()["indices"]
        title = f"{self.scenario}: {self.indicator}, {self.evaluations:,} evaluations"
        if self.method == "sobol":
            return figures.sobol_bars(rows, f"Sobol' indices, {title}")
        return figures.morris_bars(rows, f"Morris screening, {title}", self.unit)

    def _repr_html_(self) -> str:
        frame = self.to_pandas().head(15)
        rows = [
            (p, *(number(v) for v in r)) for p, r in zip(frame.index, frame.values, strict=True)
        ]
        return html_table(
            f"{self.scenario}: {self.method} on {self.indicator}, {self.evaluations:,} evaluations",
            ("parameter", *map(str, frame.columns)),
            rows,
            " ".join(self.warnings),
        )


def sensitivity(
    scenario: ScenarioRef = DEFAULT_SCENARIO,
    indicator: str = "",
    *,
    method: str = "sobol",
    n: int = 64,
    seed: int = DEFAULT_SEED,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    month: str | None = None,
    figures: bool = True,
    runner: str = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
    calibration: str | Path | None = None,
) -> Sensitivity:
    """Global sensitivity of one indicator to the uncertain parameters (SALib).

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    indicator
        The indicator analysed.
    method, n
        ``sobol`` (``n`` a power of two; ``n(K+2)`` evaluations) or ``morris`` (``n``
        trajectories; ``n(K+1)`` evaluations).
    seed, levers, variant, month, figures, runner, workers, scheduler, out, runs_dir
        As for :func:`posturelab.api.compare`.
    calibration
        A calibration file: every parameter varies only over the box that bounds its NROY
        members, so the indices describe the surviving region.

    Raises
    ------
    InputError
        On an unknown indicator or method, ``n`` not a power of two for Sobol', a bad month.

    Examples
    --------
    >>> r = sensitivity("korea-2025", "p_dprk_attack", method="morris", n=2,
    ...                 figures=False, out=tmp / "morris", runner="sequential")
    >>> r.method, len(r.rows) > 5, r.rows[0].mu_star >= r.rows[-1].mu_star
    ('morris', True, True)
    """
    from posturelab.engine.indicators import reported_names, scenario_indicators
    from posturelab.engine.run import uncertain_names
    from posturelab.engine.sampling import NonFiniteError
    from posturelab.explore.sensitivity import engine_sensitivity, is_power_of_two
    from posturelab.report import results

    if method not in ("sobol", "morris"):
        raise bad_option("method", f"{{option}} must be sobol or morris, got {method!r}")
    if method == "sobol" and not is_power_of_two(n):
        raise bad_option(
            "n",
            f"{{option}} must be a power of two for Sobol' sampling (e.g. 64, 128, 256), got {n}",
        )
    loaded = _load(scenario)
    s = loaded.scenario
    settings = lever_settings(loaded, levers, variant)
    check_month(loaded, month)
    declared = scenario_indicators(s)
    if indicator not in declared:
        raise bad_option(
            "indicator",
            f"unknown indicator {indicator!r} (indicators: {', '.join(reported_names(declared))})",
        )
    design, record, _ = calibrated(calibration, loaded, None)
    box = None if design is None else (design.min(axis=0), design.max(axis=0))
    target = target_dir(runs_dir, out, loaded, "sensitivity")
    started = time.perf_counter()
    with open_executor(runner, workers, scheduler, loaded) as executor:
        try:
            result = engine_sensitivity(
                s,
                settings,
                indicator,
                method="sobol" if method == "sobol" else "morris",
                n=n,
                seed=seed,
                month=month,
                executor=executor,
                box=box,
            )
        except NonFiniteError:
            raise  # located by open_executor
        except ValueError as error:
            raise bad_option("indicator", str(error)) from None
    unit = declared[indicator].unit
    summary = results.write_sensitivity(
        target,
        loaded,
        result,
        indicator=indicator,
        unit=unit,
        options=RunOptions(members=result.evaluations, seed=seed),
        levers=settings,
        uncertain=uncertain_names(s),
        n=n,
        elapsed_s=time.perf_counter() - started,
        runs_dir=None if runs_dir is None else Path(runs_dir),
        draw=figures,
        calibration=record,
    )
    return Sensitivity(
        run_dir=target,
        scenario=s.meta.id,
        indicator=indicator,
        unit=unit,
        method=method,
        n=n,
        seed=seed,
        evaluations=result.evaluations,
        rows=tuple(sensitivity_row(r) for r in summary["indices"]),
        warnings=tuple(result.warnings),
        calibration=calibration_used(record),
    )


# ----------------------------------------------------------------------------------- discover
@dataclass(frozen=True, eq=False)
class Discovery:
    """Scenario discovery: the parameter box where a condition on the outcomes holds (PRIM).

    Attributes
    ----------
    run_dir, scenario, seed
        Where and what.
    where
        The condition, normalised (``p_dprk_attack > 0.04``).
    n_members, cases
        Members in the ensemble, and members where the condition holds.
    box
        The chosen PRIM box, or ``None`` when the condition holds for no member or every one.
    scores
        Feature scores of the parameters (their importance for the condition), best first.
    calibration
        The calibration whose NROY members were the design, or ``None`` (the prior).
    """

    run_dir: Path
    scenario: str
    seed: int
    where: str
    n_members: int
    cases: int
    box: PrimBox | None
    scores: tuple[FeatureScore, ...]
    calibration: CalibrationUsed | None = None

    @property
    def run_id(self) -> str:
        """The result directory's id (its name)."""
        return self.run_dir.name

    @property
    def share(self) -> float:
        """The share of members where the condition holds."""
        return self.cases / self.n_members if self.n_members else 0.0

    def to_pandas(self) -> pd.DataFrame:
        """The box's limits, one row per parameter (empty without a box)."""
        import pandas as pd

        if self.box is None:
            return pd.DataFrame(columns=["parameter", "lower", "upper"]).set_index("parameter")
        return table_of(self.box.limits).set_index("parameter")

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json``."""
        return read_summary(self.run_dir)

    def plot(self) -> Figure:
        """The feature scores of the parameters, best first."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 0.35 * max(len(self.scores), 1) + 1.2))
        shown = self.scores[:15][::-1]
        ax.barh([s.parameter for s in shown], [s.score for s in shown], color="#4c72b0")
        ax.set_xlabel("feature score")
        ax.set_title(f"{self.scenario}: {self.where}", fontsize=10)
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        rows = (
            []
            if self.box is None
            else [(lim.parameter, number(lim.lower), number(lim.upper)) for lim in self.box.limits]
        )
        note = (
            "no box"
            if self.box is None
            else (f"coverage {self.box.coverage:.0%}, density {self.box.density:.0%}")
        )
        return html_table(
            f"{self.scenario}: {self.where}: {self.cases:,} of {self.n_members:,} members",
            ("parameter", "lower", "upper"),
            rows,
            note,
        )


def discover(
    scenario: ScenarioRef = DEFAULT_SCENARIO,
    where: str = "",
    *,
    members: int | None = None,
    seed: int = DEFAULT_SEED,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    month: str | None = None,
    alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
    figures: bool = True,
    runner: str = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
    calibration: str | Path | None = None,
) -> Discovery:
    """Scenario discovery with PRIM: the parameter box where ``where`` holds.

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    where
        Conditions on indicators joined by ``and`` (``"p_dprk_attack > 4%"``).
    alpha, mass_min, min_coverage
        PRIM's peeling fraction, the smallest share of members a box may hold, and the coverage
        the chosen box must keep.
    members, seed, levers, variant, month, figures, runner, workers, scheduler, out, runs_dir
    calibration
        As for :func:`posturelab.api.compare`.

    Raises
    ------
    InputError
        On an empty or unreadable condition, an unknown indicator or a bad option.

    Examples
    --------
    >>> d = discover("korea-2025", "p_dprk_attack > 4%", members=60, figures=False,
    ...              out=tmp / "disc", runner="sequential")
    >>> d.where, d.n_members
    ('p_dprk_attack > 0.04', 60)
    """
    from posturelab.engine.indicators import reported_names, scenario_indicators
    from posturelab.engine.run import run_ensemble
    from posturelab.explore.discover import discover as prim_discover
    from posturelab.explore.discover import parse_where
    from posturelab.explore.outcomes import parameter_matrix
    from posturelab.report import results

    if not where.strip():
        raise bad_option("where", "{option} is required")
    loaded = _load(scenario)
    s = loaded.scenario
    settings = lever_settings(loaded, levers, variant)
    check_month(loaded, month)
    design, record, members = calibrated(calibration, loaded, members)
    target = target_dir(runs_dir, out, loaded, "discover")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with open_executor(runner, workers, scheduler, loaded) as executor:
        result = run_ensemble(s, settings, options, executor=executor, design=design)
    declared = scenario_indicators(s)
    conditions = parse_where(where, reported_names(declared))
    found = prim_discover(
        result.dataset,
        conditions,
        declared,
        seed=seed,
        month=month,
        alpha=alpha,
        mass_min=mass_min,
        min_coverage=min_coverage,
    )
    x, names = parameter_matrix(result.dataset)
    summary = results.write_discovery(
        target,
        loaded,
        found,
        options=options,
        levers=settings,
        uncertain=result.uncertain,
        elapsed_s=time.perf_counter() - started,
        runs_dir=None if runs_dir is None else Path(runs_dir),
        draw=figures,
        x=x,
        names=names,
        calibration=record,
    )
    return Discovery(
        run_dir=target,
        scenario=s.meta.id,
        seed=seed,
        where=str(summary["where"]),
        n_members=int(summary["members"]),
        cases=int(summary["cases"]),
        box=prim_box(summary["box"]),
        scores=scores_of(summary["feature_scores"]),
        calibration=calibration_used(record),
    )
