"""Figures analysts know (DESIGN section 7), written as PNG and SVG into a run directory.

* :func:`fan_chart`: median and 50% / 90% bands over members of monthly series, one panel per
  indicator, one colour per lever setting;
* :func:`difference_fan`: the same for the paired difference between two settings;
* :func:`claim_intervals`: each claim's median effect with its 5-95% interval over members;
* :func:`sobol_bars` and :func:`morris_bars`: sensitivity indices with their confidence intervals;
* :func:`prim_tradeoff` and :func:`prim_box`: PRIM's coverage-density trajectory and the chosen
  box's limits on each restricted parameter's range;
* :func:`bloc_diagram`: bloc indicators (cohesion over time, shares of members), drawn when the
  dataset has any.

Matplotlib runs on the non-interactive Agg backend; nothing here opens a window. Pyplot's state
is shared by the whole process, so code that draws from several threads (the web app's jobs)
draws under :data:`DRAW_LOCK`.
"""

from __future__ import annotations

import os
import textwrap
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

if not os.environ.get("MPLBACKEND"):
    # Figures are drawn for files; a backend chosen for the session (a Jupyter kernel's inline
    # one, which shows the figures the Python API returns) is kept.
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from posturelab.explore.prim import PrimResult

DRAW_LOCK = threading.RLock()
"""Held while a figure is drawn and saved by a thread that shares the process with others."""

COLOURS = ("#1f5fa8", "#c2482b", "#2e8b57", "#7a4fa0")
VERDICT_COLOURS = {
    "supported": "#2e8b57",
    "contradicted": "#c2482b",
    "no_material_effect": "#5b7a99",
    "depends": "#d49a1c",
    "untestable": "#888888",
}
MAX_PANELS = 4


def save(fig: Figure, directory: Path, stem: str) -> list[str]:
    """Write ``stem.png`` and ``stem.svg`` into ``directory``; return the file names."""
    names = []
    for suffix in ("png", "svg"):
        path = directory / f"{stem}.{suffix}"
        fig.savefig(path, dpi=110 if suffix == "png" else None)
        names.append(path.name)
    plt.close(fig)
    return names


def _months(dataset: xr.Dataset) -> np.ndarray:
    """Months as decimal years (2026.0 is January 2026): cheap to draw, read as years."""
    return np.array(
        [int(str(m)[:4]) + (int(str(m)[5:7]) - 1) / 12 for m in dataset["month"].values]
    )


def _label(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _grid(count: int) -> tuple[Figure, list[Any]]:
    cols = 2 if count > 1 else 1
    rows = (count + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.2 * cols, 3.4 * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


def _bands(ax: Any, x: np.ndarray, values: np.ndarray, colour: str, label: str) -> None:
    with warnings.catch_warnings():
        # A month where no member has a value (a hazard once every war started) is left blank.
        warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        q = np.nanquantile(values, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    ax.fill_between(x, q[0], q[4], color=colour, alpha=0.15, linewidth=0)
    ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3, linewidth=0)
    ax.plot(x, q[2], color=colour, linewidth=1.6, label=label)


def fan_chart(
    datasets: Mapping[str, xr.Dataset],
    names: Sequence[str],
    units: Mapping[str, str],
    title: str,
) -> Figure:
    """Fan charts of monthly series: median, 25-75% and 5-95% over members, per setting."""
    names = list(names)[:MAX_PANELS]
    fig, axes = _grid(len(names))
    for ax, name in zip(axes, names, strict=True):
        for i, (label, ds) in enumerate(datasets.items()):
            x = _months(ds)
            _bands(ax, x, np.asarray(ds[name].values, dtype=float), COLOURS[i % 4], label)
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(units.get(name, "") or "value", fontsize=9)
        ax.set_xlabel("year", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    if axes:
        axes[0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{title}\nmedian line; bands hold 50% and 90% of members", fontsize=11)
    fig.tight_layout()
    return fig


def difference_fan(
    a: xr.Dataset, b: xr.Dataset, names: Sequence[str], units: Mapping[str, str], title: str
) -> Figure:
    """Fan charts of the paired per-member difference A - B over months."""
    names = list(names)[:MAX_PANELS]
    fig, axes = _grid(len(names))
    x = _months(a)
    for ax, name in zip(axes, names, strict=True):
        d = np.asarray(a[name].values, dtype=float) - np.asarray(b[name].values, dtype=float)
        _bands(ax, x, d, COLOURS[0], "A - B")
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_title(f"{name}: A - B", fontsize=10)
        ax.set_ylabel(f"difference ({units.get(name, '')})" if units.get(name) else "difference")
        ax.set_xlabel("year", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title}\npaired difference per member; bands hold 50% and 90%", fontsize=11)
    fig.tight_layout()
    return fig


def claim_intervals(claims: Sequence[Mapping[str, Any]], title: str) -> Figure:
    """One panel per claim: median effect per member and its 5-95% interval, coloured by verdict.

    Claims measure different indicators, so each panel has its own axis in the indicator's unit.
    """
    rows = list(claims)
    fig, axes = plt.subplots(len(rows), 1, figsize=(9.0, 1.25 * len(rows) + 1.2), squeeze=False)
    for ax, c in zip(axes[:, 0], rows, strict=True):
        colour = VERDICT_COLOURS.get(str(c.get("verdict")), "#888888")
        p05, p50, p95 = c.get("effect_p05"), c.get("effect_p50"), c.get("effect_p95")
        sign = "increase" if c.get("direction") == "increase" else "decrease"
        unit = str(c.get("unit") or "")
        if str(c.get("basis", "")).startswith("per-member risk"):
            unit = "probability"
        outcome = str(c.get("basis", "")).startswith("0/1") and c.get("outcome_diff") is not None
        if outcome:
            # 0/1 outcomes: per-member differences are mostly zero; show the paired difference
            # of proportions with its 90% interval instead.
            p05, p50, p95 = c["outcome_diff_low"], c["outcome_diff"], c["outcome_diff_high"]
            unit = "difference in proportion, 90% interval"
        if p50 is not None and p05 is not None and p95 is not None:
            ax.plot([p05, p95], [0, 0], color=colour, linewidth=6, solid_capstyle="butt")
            ax.plot([p50], [0], "o", color="black", markersize=6)
            share = c.get("share_holds")
            note = f"{c['verdict']}: holds in {100 * (share or 0):.0f}% of members"
            if outcome:
                note = f"{c['verdict']} on the difference in proportion"
            span = max(abs(p05), abs(p95))
            if span < 1e-12:
                ax.set_xlim(-1.0, 1.0)
                note += " (no effect in any member)"
            else:
                ax.set_xlim(min(p05, 0.0) - 0.1 * span, max(p95, 0.0) + 0.1 * span)
        else:
            note = "not evaluated: " + str(c.get("reason", ""))[:70]
            ax.set_xlim(-1, 1)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks([])
        ax.set_ylim(-1, 1)
        ax.set_title(
            f"{c['id']}: claimed {sign} in {c['indicator']}  —  {note}",
            fontsize=9,
            loc="left",
            color=colour,
        )
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(f"effect ({unit})" if unit else "effect", fontsize=8, labelpad=1)
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"{title}\neffect = treatment - base per member; bar: 5-95% of members; dot: median",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def _finite(values: Sequence[float]) -> np.ndarray:
    """Error bar lengths with missing values drawn as none."""
    return np.asarray(
        np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    )


def _short(name: str, width: int = 50) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1) :]


def sobol_bars(rows: Sequence[Mapping[str, Any]], title: str, top: int = 15) -> Figure:
    """First-order and total Sobol' indices with 95% intervals, largest total first."""
    rows = list(rows)[:top]
    fig, ax = plt.subplots(figsize=(9.5, 0.38 * len(rows) + 1.8))
    y = np.arange(len(rows))[::-1]
    st = [r["ST"] for r in rows]
    s1 = [r["S1"] for r in rows]
    ax.barh(
        y + 0.2,
        st,
        height=0.38,
        xerr=_finite([r["ST_conf"] for r in rows]),
        color=COLOURS[0],
        label="total order $S_T$",
        error_kw={"elinewidth": 0.8},
    )
    ax.barh(
        y - 0.2,
        s1,
        height=0.38,
        xerr=_finite([r["S1_conf"] for r in rows]),
        color=COLOURS[1],
        label="first order $S_1$",
        error_kw={"elinewidth": 0.8},
    )
    ax.set_yticks(y, [_short(r["parameter"]) for r in rows], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("share of output variance (95% bootstrap interval)")
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def morris_bars(rows: Sequence[Mapping[str, Any]], title: str, unit: str, top: int = 15) -> Figure:
    r"""Morris :math:`\mu^*` with its 95% interval, and :math:`\sigma`, largest first."""
    rows = list(rows)[:top]
    fig, ax = plt.subplots(figsize=(9.5, 0.38 * len(rows) + 1.8))
    y = np.arange(len(rows))[::-1]
    ax.barh(
        y + 0.2,
        [r["mu_star"] for r in rows],
        height=0.38,
        xerr=_finite([r["mu_star_conf"] for r in rows]),
        color=COLOURS[0],
        label="$\\mu^*$",
        error_kw={"elinewidth": 0.8},
    )
    ax.barh(y - 0.2, [r["sigma"] for r in rows], height=0.38, color=COLOURS[3], label="$\\sigma$")
    ax.set_yticks(y, [_short(r["parameter"]) for r in rows], fontsize=8)
    ax.set_xlabel(f"elementary effect per unit of the parameter's quantile ({unit or 'output'})")
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def prim_tradeoff(result: PrimResult, chosen: int, title: str) -> Figure:
    """PRIM's peeling trajectory: coverage against density, coloured by restricted parameters."""
    fig, ax = plt.subplots(figsize=(7.0, 5.0))
    cov = [b.coverage for b in result.boxes]
    den = [b.density for b in result.boxes]
    dims = [len(b.restricted) for b in result.boxes]
    points = ax.scatter(cov, den, c=dims, cmap="viridis", s=22, zorder=3)
    ax.plot(cov, den, color="grey", linewidth=0.6, zorder=2)
    ax.scatter(
        [cov[chosen]],
        [den[chosen]],
        s=160,
        facecolors="none",
        edgecolors="red",
        linewidths=1.6,
        zorder=4,
        label=f"chosen box {chosen}",
    )
    bar = fig.colorbar(points, ax=ax, label="restricted parameters")
    bar.set_ticks(sorted(set(dims)))
    ax.set_xlabel("coverage (share of cases of interest inside the box)")
    ax.set_ylabel("density (share of members in the box that are cases)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def prim_box(result: PrimResult, chosen: int, title: str) -> Figure:
    """The chosen box: each restricted parameter's limits on its sampled range."""
    box = result.boxes[chosen]
    restricted = list(box.restricted)
    fig, ax = plt.subplots(figsize=(9.0, 0.75 * max(1, len(restricted)) + 1.6))
    lo0, hi0 = result.x.min(axis=0), result.x.max(axis=0)
    for i, j in enumerate(restricted):
        y = len(restricted) - 1 - i
        span = hi0[j] - lo0[j] or 1.0
        a, b = (box.lower[j] - lo0[j]) / span, (box.upper[j] - lo0[j]) / span
        ax.barh(y, 1.0, left=0.0, color="#dddddd", height=0.4)
        ax.barh(y, b - a, left=a, color=COLOURS[0], height=0.4)
        ax.text(a, y - 0.3, f"{box.lower[j]:.4g}", fontsize=7, ha="center", va="top")
        ax.text(b, y - 0.3, f"{box.upper[j]:.4g}", fontsize=7, ha="center", va="top")
        ax.text(0.0, y + 0.25, f"{lo0[j]:.4g}", fontsize=6, ha="left", color="grey")
        ax.text(1.0, y + 0.25, f"{hi0[j]:.4g}", fontsize=6, ha="right", color="grey")
    names = result.names or [f"x{j}" for j in range(box.lower.size)]
    ax.set_yticks(
        range(len(restricted) - 1, -1, -1), [_short(names[j]) for j in restricted], fontsize=8
    )
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.8, max(len(restricted), 1) - 0.35)
    ax.set_xlabel("position within the sampled range (0 = lowest sampled, 1 = highest)")
    ax.set_title(
        f"{title}\nbox {chosen}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
        f"mass {box.mass:.0%}",
        fontsize=11,
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def bloc_variables(dataset: xr.Dataset) -> list[str]:
    """Names of the dataset's alignment indicators (cohesion, alignment shares and codes)."""
    return [
        str(n)
        for n in dataset.data_vars
        if not str(n).startswith("param:")
        and (
            str(n).startswith(("bloc_", "alignment_code_"))
            or "cohesion" in str(n)
            or str(n).endswith("_aligned")
        )
    ]


def _configurations(
    codes: np.ndarray, actors: Sequence[str], top: int
) -> list[tuple[float, tuple[str, ...], tuple[str, ...]]]:
    from posturelab.engine.alignment_codes import decode

    values = codes[np.isfinite(codes)].astype(np.int64)
    if values.size == 0:
        return []
    found, counts = np.unique(values, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:top]
    out = []
    for k in order:
        left, right = decode(int(found[k]), actors)
        out.append((float(counts[k] / values.size), left, right))
    return out


def bloc_diagram(
    dataset: xr.Dataset, title: str, actors: Sequence[str] | None = None, top: int = 4
) -> Figure | None:
    """The alignment picture: cohesion over time, and the most common two-sided configurations.

    The configurations are the members' global energy minima at the horizon
    (``alignment_code_<bloc>``), decoded with the landscape's actor order ``actors``; each row
    shows the two sides and the share of members whose minimum it is. Returns ``None`` when the
    dataset has no alignment indicator.
    """
    names = bloc_variables(dataset)
    if not names:
        return None
    series = [n for n in names if dataset[n].dims == ("member", "month")][:2]
    codes = [n for n in names if n.startswith("alignment_code_")][:1] if actors else []
    shares = [n for n in names if n.endswith("_aligned") and dataset[n].dims == ("member",)]
    panels = len(series) + len(codes) + (1 if shares else 0)
    if panels == 0:
        return None
    found = {
        n: _configurations(np.asarray(dataset[n].values, dtype=float), actors or [], top)
        for n in codes
    }
    config_rows = max((len(v) for v in found.values()), default=0)
    heights = [3.0] * len(series) + [0.5 * config_rows + 0.6] * len(codes)
    heights += [0.45 * len(shares) + 1.0] if shares else []
    fig, axes = plt.subplots(
        panels,
        1,
        figsize=(9.0, sum(heights) + 0.8),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    flat = list(axes[:, 0])
    x = _months(dataset)
    for ax, name in zip(flat, series, strict=False):
        _bands(ax, x, np.asarray(dataset[name].values, dtype=float), COLOURS[0], "median")
        ax.set_title(f"{name}: median, 50% and 90% of members", fontsize=10)
        ax.set_xlabel("year", fontsize=9)
        ax.set_ylabel("cohesion index", fontsize=9)
        ax.grid(alpha=0.3)
    used = len(series)
    for name in codes:
        ax = flat[used]
        used += 1
        rows = found[name]
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, max(len(rows), 1) - 0.4)
        ax.axis("off")
        ax.set_title(
            f"most common configurations at the horizon ({name}); share of members",
            fontsize=10,
        )
        for r, (share, left, right) in enumerate(rows):
            y = len(rows) - 1 - r
            ax.text(0.02, y, f"{share:.0%}", fontsize=10, va="center", fontweight="bold")
            for xpos, side, colour in ((0.12, left, COLOURS[0]), (0.56, right, COLOURS[1])):
                ax.text(
                    xpos,
                    y,
                    "  ".join(side) or "(none)",
                    fontsize=9,
                    va="center",
                    color="white",
                    bbox={"boxstyle": "round", "facecolor": colour, "pad": 0.4},
                )
    if shares:
        ax = flat[used]
        means = [float(np.nanmean(dataset[n].values)) for n in shares]
        ax.barh(range(len(shares)), means, color=COLOURS[2], height=0.5)
        ax.set_yticks(
            range(len(shares)), ["\n".join(textwrap.wrap(n, 30)) for n in shares], fontsize=8
        )
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.8, len(shares) - 0.2)
        ax.set_xlabel("share of members where the bloc's actors sit on one side")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
