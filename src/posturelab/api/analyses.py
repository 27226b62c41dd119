"""Analyses over ensembles: paired comparisons, claims, global sensitivity, scenario discovery.

Each function runs its ensembles (on the runner given, with the same numbers on every runner),
writes a result directory under ``runs_dir`` (or ``out``) atomically, registers it in the runs
directory's catalogue, and returns a frozen result whose rows are typed
(:mod:`posturelab.api.rows`). The methods are described in ``docs/analysis.md``.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from posturelab.api._display import html_table, number
from posturelab.api.inputs import (
    LeverSettings,
    ScenarioRef,
    bad_option,
    lever_settings,
    option_name,
)
from posturelab.api.inputs import load_scenario as _load
from posturelab.api.rows import (
    ClaimRow,
    EffectRow,
    LeverChange,
    PrimBox,
    SensitivityRow,
    claim_row,
    effect_row,
    prim_box,
    scores_of,
    sensitivity_row,
)
from posturelab.defaults import DEFAULT_MEMBERS, DEFAULT_SCENARIO, DEFAULT_SEED
from posturelab.engine.run import RunOptions
from posturelab.errors import InputError
from posturelab.scenario.loader import LoadedScenario

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import pandas as pd
    import xarray as xr
    from matplotlib.figure import Figure

    from posturelab.api.rows import FeatureScore


def _read_summary(run_dir: Path) -> dict[str, Any]:
    return dict(json.loads((run_dir / "summary.json").read_text()))


def _target(
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
def _executor(runner: str, workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    from posturelab.runners import make_executor

    with make_executor(runner, workers, scheduler) as executor:
        yield executor


def _check_month(loaded: LoadedScenario, month: str | None) -> None:
    if month is None:
        return
    import xarray as xr

    from posturelab.engine.compiled import compile_scenario
    from posturelab.explore.outcomes import month_index

    s = loaded.scenario
    months = compile_scenario(s, s.lever_defaults()).months
    month_index(xr.Dataset(coords={"month": list(months)}), month, option=option_name("month"))


def _frame(rows: Sequence[object]) -> pd.DataFrame:
    import dataclasses

    import pandas as pd

    return pd.DataFrame([dataclasses.asdict(r) for r in rows])  # type: ignore[call-overload]


# ------------------------------------------------------------------------------------ compare
@dataclass(frozen=True, eq=False)
class Comparison:
    """Two settings on the same members: the paired effects ``A - B`` per indicator.

    Attributes
    ----------
    run_dir
        The result directory.
    scenario, n_members, seed
        What was compared.
    changes
        The levers whose values differ between A and B.
    effects
        One row per indicator (see ``docs/analysis.md`` for the bases).
    a, b
        The two ensembles' datasets (member x month series and per-member outcomes).
    """

    run_dir: Path
    scenario: str
    n_members: int
    seed: int
    changes: tuple[LeverChange, ...]
    effects: tuple[EffectRow, ...]
    a: xr.Dataset
    b: xr.Dataset

    @property
    def run_id(self) -> str:
        """The result directory's id (its name)."""
        return self.run_dir.name

    def effect(self, indicator: str) -> EffectRow:
        """The effect on one indicator."""
        for e in self.effects:
            if e.indicator == indicator:
                return e
        raise bad_option("indicator", f"no effect on {indicator!r} in this comparison")

    def to_pandas(self) -> pd.DataFrame:
        """The effects, one row per indicator."""
        return _frame(self.effects).set_index("indicator")

    def to_xarray(self) -> xr.Dataset:
        """The paired per-member difference ``A - B`` of every monthly series."""
        names = [n for n, v in self.a.data_vars.items() if v.dims == ("member", "month")]
        return self.a[names] - self.b[names]

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json`` (what ``compare --json`` prints)."""
        return _read_summary(self.run_dir)

    def plot(self, names: Sequence[str] | None = None) -> Figure:
        """Fan charts of the paired difference ``A - B`` of monthly series."""
        from posturelab.report import figures

        series = [e.indicator for e in self.effects if e.kind == "series"]
        chosen = list(names) if names is not None else series[:4]
        units = {e.indicator: "" for e in self.effects}
        return figures.difference_fan(self.a, self.b, chosen, units, f"{self.scenario}: A - B")

    def _repr_html_(self) -> str:
        rows = [
            (e.indicator, e.basis, number(e.p50), number(e.p05), number(e.p95))
            for e in self.effects
        ]
        changes = "; ".join(f"{c.lever}: {c.a} vs {c.b}" for c in self.changes) or "identical"
        return html_table(
            f"{self.scenario}: A - B on {self.n_members:,} paired members (seed {self.seed})",
            ("indicator", "basis", "median", "5%", "95%"),
            rows,
            f"levers A vs B: {changes}",
        )


def compare(
    scenario: ScenarioRef = DEFAULT_SCENARIO,
    levers_a: LeverSettings | None = None,
    levers_b: LeverSettings | None = None,
    *,
    variant_a: str | None = None,
    variant_b: str | None = None,
    indicators: Sequence[str] | None = None,
    members: int = DEFAULT_MEMBERS,
    seed: int = DEFAULT_SEED,
    month: str | None = None,
    figures: bool = True,
    runner: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
) -> Comparison:
    """Compare setting A with setting B on the same members and random streams.

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    levers_a, levers_b, variant_a, variant_b
        The two settings (lever values applied after the variant).
    indicators
        Which indicators to compare (default: all).
    members, seed
        Ensemble size and seed, shared by both settings.
    month
        Horizon ``YYYY-MM`` (default: the last month).
    figures
        Draw the figures into the result directory.
    runner, workers, scheduler
        Where the chunks run (the numbers do not depend on it).
    out, runs_dir
        The result directory (default a new one under ``runs_dir``, itself by default
        ``runs``), and the folder whose catalogue lists it (default: the result directory's
        parent).

    Raises
    ------
    InputError
        On a bad scenario, lever, variant, indicator, month or target.

    Examples
    --------
    >>> c = compare("korea-2025", {"relocation_troops": 4500}, {"relocation_troops": 0},
    ...             members=20, figures=False, out=tmp / "cmp", runner="sequential")
    >>> c.effect("us_troops_korea").p50
    -4500.0
    >>> [(ch.lever, ch.a, ch.b) for ch in c.changes]
    [('relocation_troops', 4500.0, 0.0)]
    """
    from posturelab.explore.compare import compare as paired
    from posturelab.report import results

    loaded = _load(scenario)
    a = lever_settings(loaded, levers_a, variant_a, option="levers_a")
    b = lever_settings(loaded, levers_b, variant_b, option="levers_b")
    _check_month(loaded, month)
    target = _target(runs_dir, out, loaded, "compare")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with _executor(runner, workers, scheduler) as executor:
        comparison = paired(loaded.scenario, a, b, options, month=month, executor=executor)
    if indicators:
        unknown = [n for n in indicators if n not in comparison.kinds]
        if unknown:
            raise bad_option(
                "indicators",
                f"unknown indicator {unknown[0]!r} (indicators: {', '.join(comparison.kinds)})",
            )
        comparison.effects = {n: comparison.effects[n] for n in indicators}
    summary = results.write_comparison(
        target,
        loaded,
        comparison,
        elapsed_s=time.perf_counter() - started,
        runs_dir=None if runs_dir is None else Path(runs_dir),
        draw=figures,
    )
    return Comparison(
        run_dir=target,
        scenario=loaded.scenario.meta.id,
        n_members=members,
        seed=seed,
        changes=tuple(LeverChange(lever, v["a"], v["b"]) for lever, v in summary["levers"].items()),
        effects=tuple(effect_row(e) for e in summary["effects"].values()),
        a=comparison.a.dataset,
        b=comparison.b.dataset,
    )


# ------------------------------------------------------------------------------------- claims
@dataclass(frozen=True, eq=False)
class ClaimsResult:
    """The verdicts on a scenario's claims, each on paired members.

    Attributes
    ----------
    run_dir, scenario, n_members, seed
        Where and what.
    claims
        One row per claim, in the scenario's order.
    """

    run_dir: Path
    scenario: str
    n_members: int
    seed: int
    claims: tuple[ClaimRow, ...]

    @property
    def run_id(self) -> str:
        """The result directory's id (its name)."""
        return self.run_dir.name

    @property
    def verdicts(self) -> Mapping[str, int]:
        """How many claims got each verdict."""
        counts: dict[str, int] = {}
        for c in self.claims:
            counts[c.verdict] = counts.get(c.verdict, 0) + 1
        return MappingProxyType(counts)

    def to_pandas(self) -> pd.DataFrame:
        """One row per claim (the drivers as their top parameter)."""
        frame = _frame([c for c in self.claims])
        frame["drivers"] = [
            c.drivers.scores[0].parameter if c.drivers.scores else None for c in self.claims
        ]
        return frame.set_index("id")

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json``."""
        return _read_summary(self.run_dir)

    def plot(self) -> Figure:
        """Each claim's median effect per member and its 5-95% interval, by verdict."""
        from posturelab.report import figures

        return figures.claim_intervals(
            self.to_json()["claims"], f"{self.scenario}: claims, {self.n_members:,} members"
        )

    def _repr_html_(self) -> str:
        rows = [
            (
                c.id,
                c.indicator,
                c.direction,
                number(c.effect_p50),
                f"{number(c.share_holds)}",
                c.verdict,
            )
            for c in self.claims
        ]
        return html_table(
            f"{self.scenario}: {len(self.claims)} claims on {self.n_members:,} paired members",
            ("claim", "indicator", "direction", "median effect", "share holding", "verdict"),
            rows,
        )


def claims(
    scenario: ScenarioRef = DEFAULT_SCENARIO,
    ids: Sequence[str] | None = None,
    *,
    members: int = DEFAULT_MEMBERS,
    seed: int = DEFAULT_SEED,
    figures: bool = True,
    runner: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
) -> ClaimsResult:
    """Evaluate the scenario's claims: effect, share of members where it holds, verdict, drivers.

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    ids
        Only these claims (default: all, in file order).
    members, seed, figures, runner, workers, scheduler, out, runs_dir
        As for :func:`compare`.

    Raises
    ------
    InputError
        When the scenario has no claims or an id is unknown.

    Examples
    --------
    >>> r = claims("korea-2025", ["relocation_raises_attack_risk"], members=40,
    ...            figures=False, out=tmp / "claims", runner="sequential")
    >>> r.claims[0].verdict in ("supported", "contradicted", "depends")
    True
    >>> claims("korea-2025", ["nope"], members=40, out=tmp / "x")
    Traceback (most recent call last):
    ...
    posturelab.errors.InputError: <arguments>: ids: unknown claim 'nope' (claims: ...)
    """
    from posturelab.engine.run import uncertain_names
    from posturelab.explore.claims import evaluate_claims
    from posturelab.report import results

    loaded = _load(scenario)
    s = loaded.scenario
    known = [c.id for c in s.claims]
    if not known:
        raise InputError.single(loaded.origin, "the scenario has no claims", path="claims")
    for c in ids or []:
        if c not in known:
            raise bad_option("ids", f"unknown claim {c!r} (claims: {', '.join(known)})")
    target = _target(runs_dir, out, loaded, "claims")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with _executor(runner, workers, scheduler) as executor:
        evaluated = evaluate_claims(s, options, list(ids) if ids else None, executor=executor)
    summary = results.write_claims(
        target,
        loaded,
        evaluated,
        options,
        uncertain_names(s),
        elapsed_s=time.perf_counter() - started,
        runs_dir=None if runs_dir is None else Path(runs_dir),
        draw=figures,
    )
    return ClaimsResult(
        target, s.meta.id, members, seed, tuple(claim_row(c) for c in summary["claims"])
    )


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

    @property
    def run_id(self) -> str:
        """The result directory's id (its name)."""
        return self.run_dir.name

    def to_pandas(self) -> pd.DataFrame:
        """The indices, one row per parameter."""
        frame = _frame(self.rows).set_index("parameter")
        return frame.dropna(axis="columns", how="all")

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json``."""
        return _read_summary(self.run_dir)

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
    runner: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
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
        As for :func:`compare`.

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
    from posturelab.engine.run import run_ensemble, uncertain_names
    from posturelab.explore.outcomes import indicator_kinds, indicator_units
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
    _check_month(loaded, month)
    probe = run_ensemble(s, settings, RunOptions(members=2, seed=seed))
    kinds = indicator_kinds(s, probe.dataset)
    if indicator not in kinds:
        raise bad_option(
            "indicator",
            f"unknown or missing indicator {indicator!r} (indicators: {', '.join(kinds)})",
        )
    target = _target(runs_dir, out, loaded, "sensitivity")
    started = time.perf_counter()
    with _executor(runner, workers, scheduler) as executor:
        try:
            result = engine_sensitivity(
                s,
                settings,
                indicator,
                kinds[indicator],
                method="sobol" if method == "sobol" else "morris",
                n=n,
                seed=seed,
                month=month,
                executor=executor,
            )
        except ValueError as error:
            raise bad_option("indicator", str(error)) from None
    unit = indicator_units(s, probe.dataset).get(indicator, "")
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
    """

    run_dir: Path
    scenario: str
    seed: int
    where: str
    n_members: int
    cases: int
    box: PrimBox | None
    scores: tuple[FeatureScore, ...]

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
        return _frame(self.box.limits).set_index("parameter")

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json``."""
        return _read_summary(self.run_dir)

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
    members: int = DEFAULT_MEMBERS,
    seed: int = DEFAULT_SEED,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    month: str | None = None,
    alpha: float = 0.05,
    mass_min: float = 0.05,
    min_coverage: float = 0.5,
    figures: bool = True,
    runner: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
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
        As for :func:`compare`.

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
    from posturelab.engine.run import run_ensemble
    from posturelab.explore.discover import discover as prim_discover
    from posturelab.explore.discover import parse_where
    from posturelab.explore.outcomes import indicator_kinds, parameter_matrix
    from posturelab.report import results

    if not where.strip():
        raise bad_option("where", "{option} is required")
    loaded = _load(scenario)
    s = loaded.scenario
    settings = lever_settings(loaded, levers, variant)
    _check_month(loaded, month)
    target = _target(runs_dir, out, loaded, "discover")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with _executor(runner, workers, scheduler) as executor:
        result = run_ensemble(s, settings, options, executor=executor)
    kinds = indicator_kinds(s, result.dataset)
    conditions = parse_where(where, list(kinds))
    found = prim_discover(
        result.dataset,
        conditions,
        kinds,
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
    )
