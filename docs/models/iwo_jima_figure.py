"""Draw ``img/iwo_jima_fit.png``: actual US strength on Iwo Jima against the two fitted square laws.

Run from the repository root: ``.venv/bin/python docs/models/iwo_jima_figure.py``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from posturelab.data.combat_csv import builtin_series
from posturelab.models.lanchester_fit import fit, observed_strengths

OUT = Path(__file__).resolve().parent / "img" / "iwo_jima_fit.png"


def main() -> None:
    """Fit both methods and draw the figure."""
    series = builtin_series("iwo_jima")
    engel = fit(series, "square", "engel")
    lsq = fit(series, "square", "lsq")
    x_obs, _ = observed_strengths(series)
    known = ~np.isnan(x_obs)

    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(8.0, 7.0), sharex=True, height_ratios=(3, 2), layout="constrained"
    )
    top.plot(series.day[known], x_obs[known] / 1e3, "o", ms=4, color="black", label="actual")
    top.plot(
        engel.day,
        engel.x_fit / 1e3,
        "-",
        color="tab:blue",
        label=f"Engel's estimator: a = {engel.a:.4f}, b = {engel.b:.4f} (R² = {engel.r2:.3f})",
    )
    top.plot(
        lsq.day,
        lsq.x_fit / 1e3,
        "--",
        color="tab:red",
        label=f"least squares: a = {lsq.a:.4f}, b = {lsq.b:.4f} (R² = {lsq.r2:.3f})",
    )
    top.annotate(
        "day 19: casualty series\ndecreases (anomaly)",
        xy=(19, x_obs[19] / 1e3),
        xytext=(21, 61),
        arrowprops={"arrowstyle": "->", "color": "gray"},
        fontsize=9,
        color="gray",
    )
    top.set_ylabel("US active troops (thousands)")
    top.set_ylim(48, 68)
    top.set_title("Iwo Jima, 1945: square law fitted to the daily record (Engel 1954)")
    top.legend(loc="lower right", fontsize=9)
    top.grid(alpha=0.3)

    bottom.plot(engel.day, engel.y_fit / 1e3, "-", color="tab:blue", label="Engel's estimator")
    bottom.plot(lsq.day, lsq.y_fit / 1e3, "--", color="tab:red", label="least squares")
    y_known = ~np.isnan(series.y)
    bottom.plot(series.day[y_known], series.y[y_known] / 1e3, "o", color="black", label="known")
    bottom.set_ylabel("Japanese troops (thousands)")
    bottom.set_xlabel("day after the landing (19 February 1945 = day 0)")
    bottom.legend(loc="upper right", fontsize=9)
    bottom.grid(alpha=0.3)

    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT, dpi=120)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
