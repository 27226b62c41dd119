"""The report's calibration banner and targets section.

:func:`calibration_banner` says at the top of a report that a run used a calibration's NROY
members. :func:`targets_section` holds the scenario's targets against the run's own members
(read back from ``series.nc`` and ``members.parquet``): every target whose lever conditions are
the run's is evaluated as ``posturelab targets`` evaluates it, with its status coloured; the
others are listed with their figure and left unevaluated. The range-against-interval figure is
embedded.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturelab.scenario.loader import LoadedScenario

if TYPE_CHECKING:
    import xarray as xr

COLOURS = {"consistent": "#2e8b57", "inconsistent": "#c2482b"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def calibration_banner(manifest: Mapping[str, Any]) -> str:
    """A banner for a calibrated run (empty for any other)."""
    cal = manifest.get("calibration")
    if not isinstance(cal, Mapping):
        return ""
    targets = ", ".join(str(t) for t in cal.get("calibration_targets") or []) or "none listed"
    return (
        "<p style='border:2px solid #c2482b;padding:.6em;background:#fff4f1'>"
        f"<b>Calibrated run.</b> {_e(cal.get('members_used'))} members drawn from the "
        f"{_e(cal.get('nroy_members'))} NROY members of {_e(cal.get('file'))} (history matching "
        f"against {_e(targets)}; seed {_e(cal.get('seed'))}). Its spread is over the region the "
        "calibration targets did not rule out, not over the whole prior.</p>"
    )


def run_dataset(run_dir: Path) -> xr.Dataset | None:
    """A run's ensemble read back: the series of ``series.nc`` with the per-member columns."""
    import numpy as np
    import pyarrow.parquet as pq
    import xarray as xr

    series, members = run_dir / "series.nc", run_dir / "members.parquet"
    if not (series.is_file() and members.is_file()):
        return None
    with xr.open_dataset(series, engine="h5netcdf") as opened:
        dataset = opened.load()
    table = pq.read_table(members)
    for name in table.column_names:
        if name != "member":
            values = np.asarray(table.column(name).to_numpy(), dtype=np.float64)
            dataset[name] = (("member",), values)
    return dataset


def targets_section(
    run_dir: Path,
    loaded: LoadedScenario,
    manifest: Mapping[str, Any],
    render_figure: Callable[[Any], str],
) -> str:
    """The targets table of a run (empty when the scenario has no targets)."""
    from posturelab.explore.targets import (
        observation,
        quantity_label,
        summarise_target,
        target_levers,
        target_member_values,
    )

    s = loaded.scenario
    if not s.targets:
        return ""
    dataset = run_dataset(run_dir)
    run_levers = json.loads(json.dumps(manifest.get("levers") or {}))
    evaluated = []
    rows = []
    for target in s.targets:
        levers = target_levers(s, target)
        same = json.loads(json.dumps(levers)) == run_levers
        obs = observation(target)
        shown = (
            f"[{obs.low:.4g}, {obs.high:.4g}]"
            if target.range is not None
            else f"{obs.z:.4g} ± {(obs.high - obs.z) / 2:.4g}"
        )
        cells = [target.id, target.use, quantity_label(target), shown, target.source]
        if dataset is not None and same:
            values = target_member_values(s, levers, dataset, target)
            row = summarise_target(s, target, levers, values)
            evaluated.append(row)
            model = (
                "-"
                if row.model_p50 is None
                else f"{row.model_p50:.4g} [{row.model_p05:.4g}, {row.model_p95:.4g}]"
            )
            i_value = "-" if row.implausibility is None else f"{row.implausibility:.2f}"
            status = row.status + (f" (model {row.direction})" if row.direction else "")
            colour = COLOURS.get(row.status, "#888888")
        else:
            model, i_value, colour = "-", "-", "#888888"
            status = "not evaluated: the run's levers differ from the target's conditions"
        cells += [model, i_value]
        rows.append(
            "<tr>"
            + "".join(f"<td>{_e(c)}</td>" for c in cells)
            + f"<td style='color:{colour};font-weight:bold'>{_e(status)}</td></tr>"
        )
    head = ("target", "use", "quantity", "published", "source", "model median [5%, 95%]", "I")
    out = (
        "<h2>Targets</h2><p class='note'>Each published figure against this run's members; "
        "I = |E[f] - z| / sqrt(V_obs + V_ens + V_md), consistent when I &le; 3 "
        "(docs/calibration.md).</p><table><tr>"
        + "".join(f"<th>{h}</th>" for h in (*head, "status"))
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )
    if evaluated:
        from posturelab.report.target_figures import target_intervals

        out += render_figure(target_intervals(evaluated, f"{s.meta.id}: targets"))
    return out
