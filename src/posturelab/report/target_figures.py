"""Figures of targets and calibrations, written as PNG and SVG like the other figures.

* :func:`target_intervals`: per target, the published figure (a bracket, or a point with two
  observation standard deviations) against the model's median and 5-95% interval, coloured by
  status;
* :func:`calibration_waves`: the share of each wave's candidates that survived;
* :func:`calibration_ranges`: the parameters the calibration constrains most, their prior 5-95%
  range against the NROY members' range, in prior quantiles.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

if not os.environ.get("MPLBACKEND"):
    # Figures are drawn for files; a backend chosen for the session (a Jupyter kernel's inline
    # one, which shows the figures the Python API returns) is kept.
    matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from posturelab.explore.calibration import Calibration
from posturelab.explore.targets import TargetRow
from posturelab.report.figures import save

STATUS_COLOURS = {"consistent": "#2e8b57", "inconsistent": "#c2482b", "no value": "#888888"}
PUBLISHED_COLOUR = "#1f5fa8"

__all__ = ["calibration_ranges", "calibration_waves", "save", "target_intervals"]


def target_intervals(rows: Sequence[TargetRow], title: str) -> Figure:
    """One panel row per target: the published figure against the model's interval.

    Each target gets its own horizontal scale (targets are in different units), so each panel
    spans the union of the published bracket and the model's 5-95% interval.
    """
    count = max(len(rows), 1)
    fig, axes = plt.subplots(count, 1, figsize=(8.0, 0.9 + 0.85 * count), squeeze=False)
    for ax, row in zip(axes[:, 0], rows, strict=False):
        ax.axvspan(row.published_low, row.published_high, color=PUBLISHED_COLOUR, alpha=0.18)
        ax.axvline(row.published, color=PUBLISHED_COLOUR, lw=1.2)
        colour = STATUS_COLOURS[row.status]
        points = [row.published_low, row.published_high]
        if row.model_p05 is not None and row.model_p95 is not None and row.model_p50 is not None:
            ax.plot(
                [row.model_p05, row.model_p95], [0, 0], color=colour, lw=4, solid_capstyle="butt"
            )
            ax.plot([row.model_p50], [0], "o", color="white", mec=colour, mew=2, ms=8)
            points += [row.model_p05, row.model_p95]
        lo, hi = float(np.min(points)), float(np.max(points))
        pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.1
        ax.set_xlim(lo - pad, hi + pad)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        shown = "-" if row.implausibility is None else f"{row.implausibility:.2f}"
        ax.set_title(
            f"{row.id} ({row.use}): {row.status}, I = {shown}   [{row.unit}]",
            fontsize=8.5,
            loc="left",
            color=colour,
        )
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[len(rows) :, 0]:
        ax.set_visible(False)
    fig.suptitle(
        title + "\nshaded: published bracket; bar: model 5-95%, circle: median", fontsize=10
    )
    fig.tight_layout()
    return fig


def calibration_waves(cal: Calibration, title: str) -> Figure:
    """The share of each wave's candidates that survived (wave 1: a sample of the prior)."""
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    waves = [w.wave for w in cal.waves]
    fractions = [100 * w.fraction for w in cal.waves]
    ax.bar(waves, fractions, color=PUBLISHED_COLOUR)
    for x, y, w in zip(waves, fractions, cal.waves, strict=True):
        ax.text(x, y, f"{w.survivors}/{w.candidates}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(waves)
    ax.set_xlabel("wave")
    ax.set_ylabel("candidates not ruled out (%)")
    ax.set_ylim(0, 105)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def calibration_ranges(cal: Calibration, title: str, top: int = 15) -> Figure:
    """The ``top`` most constrained parameters: prior 5-95% against the NROY members' 5-95%.

    The horizontal axis is the prior's quantile (0 to 1), the scale on which the calibration
    samples; the labels give the NROY range in the parameter's units.
    """
    chosen = list(cal.ranges[:top])
    column = {name: j for j, name in enumerate(cal.uncertain)}
    fig, ax = plt.subplots(figsize=(8.0, 0.9 + 0.38 * max(len(chosen), 1)))
    for i, r in enumerate(reversed(chosen)):
        q = cal.design[:, column[r.name]]
        lo, hi = np.quantile(q, [0.05, 0.95])
        ax.plot([0.05, 0.95], [i, i], color="#bbbbbb", lw=6, solid_capstyle="butt")
        ax.plot([lo, hi], [i, i], color="#c2482b", lw=6, solid_capstyle="butt")
        ax.plot([q.min(), q.max()], [i, i], color="#c2482b", lw=1)
        ax.text(1.02, i, f"{r.nroy_p05:.4g} to {r.nroy_p95:.4g}", va="center", fontsize=7)
    ax.set_yticks(range(len(chosen)))
    ax.set_yticklabels([r.name for r in reversed(chosen)], fontsize=7)
    ax.set_xlim(0, 1.3)
    ax.set_xlabel("prior quantile (grey: prior 5-95%; red: NROY 5-95%, line: min-max)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
