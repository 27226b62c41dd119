"""Paired comparisons and claims: two settings on the same members and random streams.

:func:`compare` runs settings A and B on the same members and returns the paired effects
``A - B``; :func:`claims` evaluates the scenario's claims (effect, share of members where each
holds, verdict, drivers). Each writes its result directory under ``runs_dir`` (or ``out``)
atomically and registers it in the catalogue; the methods are described in
``docs/analysis.md``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
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
    StructureSettings,
    bad_option,
    lever_settings,
    with_structure,
)
from posturelab.api.inputs import load_scenario as _load
from posturelab.api.rows import (
    CalibrationUsed,
    ClaimRow,
    EffectRow,
    LeverChange,
    calibration_used,
    claim_row,
    effect_row,
)
from posturelab.defaults import DEFAULT_RUNNER, DEFAULT_SCENARIO, DEFAULT_SEED
from posturelab.engine.run import RunOptions
from posturelab.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr
    from matplotlib.figure import Figure


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
    calibration
        The calibration whose NROY members were the design, or ``None`` (the prior).
    """

    run_dir: Path
    scenario: str
    n_members: int
    seed: int
    changes: tuple[LeverChange, ...]
    effects: tuple[EffectRow, ...]
    a: xr.Dataset
    b: xr.Dataset
    calibration: CalibrationUsed | None = None

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
        return table_of(self.effects).set_index("indicator")

    def to_xarray(self) -> xr.Dataset:
        """The paired per-member difference ``A - B`` of every monthly series."""
        names = [n for n, v in self.a.data_vars.items() if v.dims == ("member", "month")]
        return self.a[names] - self.b[names]

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json`` (what ``compare --json`` prints)."""
        return read_summary(self.run_dir)

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
    members: int | None = None,
    seed: int = DEFAULT_SEED,
    month: str | None = None,
    figures: bool = True,
    runner: str = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
    calibration: str | Path | None = None,
    structure: StructureSettings | None = None,
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
        Ensemble size (default 1,000, or the calibration's members) and seed, shared by both
        settings.
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
    calibration
        A calibration file: both settings run on its NROY members (``posturelab calibrate``).
    structure
        Relation -> form (or ``RELATION=FORM`` texts): fix each named relation to one of the
        forms the scenario declares (``{"tripwire": "flat"}``); the others stay sampled.

    Raises
    ------
    InputError
        On a bad scenario, lever, variant, indicator, month, target or calibration file.

    Examples
    --------
    >>> c = compare("korea-2025", {"relocation_troops": 4500}, {"relocation_troops": 0},
    ...             members=20, figures=False, out=tmp / "cmp", runner="sequential")
    >>> c.effect("us_troops_korea").p50
    -4500.0
    >>> [(ch.lever, ch.a, ch.b) for ch in c.changes]
    [('relocation_troops', 4500.0, 0.0)]
    """
    from posturelab.engine.indicators import reported_names
    from posturelab.explore.compare import compare as paired
    from posturelab.report import results

    loaded = with_structure(_load(scenario), structure)
    a = lever_settings(loaded, levers_a, variant_a, option="levers_a")
    b = lever_settings(loaded, levers_b, variant_b, option="levers_b")
    check_month(loaded, month)
    design, record, members = calibrated(calibration, loaded, members)
    target = target_dir(runs_dir, out, loaded, "compare")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with open_executor(runner, workers, scheduler, loaded) as executor:
        comparison = paired(
            loaded.scenario, a, b, options, month=month, executor=executor, design=design
        )
    if indicators:
        known = reported_names(comparison.indicators)
        unknown = [n for n in indicators if n not in known]
        if unknown:
            raise bad_option(
                "indicators",
                f"unknown indicator {unknown[0]!r} (indicators: {', '.join(known)})",
            )
        comparison.effects = {n: comparison.effects[n] for n in indicators}
    summary = results.write_comparison(
        target,
        loaded,
        comparison,
        elapsed_s=time.perf_counter() - started,
        runs_dir=None if runs_dir is None else Path(runs_dir),
        draw=figures,
        calibration=record,
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
        calibration=calibration_used(record),
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
    calibration
        The calibration whose NROY members were the design, or ``None`` (the prior).
    """

    run_dir: Path
    scenario: str
    n_members: int
    seed: int
    claims: tuple[ClaimRow, ...]
    calibration: CalibrationUsed | None = None

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
        frame = table_of([c for c in self.claims])
        frame["drivers"] = [
            c.drivers.scores[0].parameter if c.drivers.scores else None for c in self.claims
        ]
        return frame.set_index("id")

    def to_json(self) -> dict[str, Any]:
        """The result directory's ``summary.json``."""
        return read_summary(self.run_dir)

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
    members: int | None = None,
    seed: int = DEFAULT_SEED,
    figures: bool = True,
    runner: str = DEFAULT_RUNNER,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    runs_dir: str | Path | None = None,
    calibration: str | Path | None = None,
    structure: StructureSettings | None = None,
    mechanisms: bool = False,
    claims_file: str | Path | None = None,
) -> ClaimsResult:
    """Evaluate the scenario's claims: effect, share of members where it holds, verdict, drivers.

    Parameters
    ----------
    scenario
        A built-in id, a scenario file path or a loaded scenario.
    ids
        Only these claims (default: all, in file order).
    claims_file
        A YAML file of claims from another analysis (``sources:`` and ``claims:``, see
        :mod:`posturelab.scenario.claims_file`), audited against the scenario in place of its
        own claims.
    members, seed, figures, runner, workers, scheduler, out, runs_dir, calibration, structure
        As for :func:`compare`. Where a relation's form is sampled, each claim is also judged on
        the members that drew each form (``ClaimRow.structure``).
    mechanisms
        Also split each claim's effect among the mechanism channels (exact Shapley values over
        the channels, ``docs/analysis.md``): each claim's row gets ``mechanisms`` and the result
        directory a waterfall figure per claim.

    Raises
    ------
    InputError
        When the scenario has no claims or an id is unknown.

    Examples
    --------
    >>> r = claims("korea-2025", ["relocation_raises_attack_risk"], members=40,
    ...            figures=False, out=tmp / "claims", runner="sequential")
    >>> r.claims[0].verdict in ("supported", "contradicted", "no_material_effect", "depends")
    True
    >>> claims("korea-2025", ["nope"], members=40, out=tmp / "x")
    Traceback (most recent call last):
    ...
    posturelab.errors.InputError: <arguments>: ids: unknown claim 'nope' (claims: ...)
    """
    from posturelab.engine.run import uncertain_names
    from posturelab.explore.claims import evaluate_claims
    from posturelab.report import results
    from posturelab.scenario.claims_file import read_claims_file

    loaded = with_structure(_load(scenario), structure)
    s = loaded.scenario
    record = None
    if claims_file is not None:
        external = read_claims_file(claims_file, loaded)
        s = external.scenario
        record = {"path": external.origin, "sha256": external.sha256}
    known = [c.id for c in s.claims]
    if not known:
        raise InputError.single(loaded.origin, "the scenario has no claims", path="claims")
    for c in ids or []:
        if c not in known:
            raise bad_option("ids", f"unknown claim {c!r} (claims: {', '.join(known)})")
    design, calibration_record, members = calibrated(calibration, loaded, members)
    target = target_dir(runs_dir, out, loaded, "claims")
    started = time.perf_counter()
    options = RunOptions(members=members, seed=seed)
    with open_executor(runner, workers, scheduler, loaded) as executor:
        evaluated = evaluate_claims(
            s, options, list(ids) if ids else None, executor=executor, design=design
        )
        if mechanisms:
            from posturelab.explore.claim_mechanisms import attach_mechanisms

            attach_mechanisms(s, evaluated, options, executor=executor, design=design)
    summary = results.write_claims(
        target,
        loaded,
        evaluated,
        options,
        uncertain_names(s),
        elapsed_s=time.perf_counter() - started,
        runs_dir=None if runs_dir is None else Path(runs_dir),
        draw=figures,
        calibration=calibration_record,
        claims_file=record,
    )
    return ClaimsResult(
        target,
        s.meta.id,
        members,
        seed,
        tuple(claim_row(c) for c in summary["claims"]),
        calibration_used(calibration_record),
    )
